"""The window's shared state: which provider and profile are in use, and how to reach them.

Every view takes the one :class:`AppContext` and listens to its signals instead of talking to its
neighbours. Credentials are read from the OS keyring through :mod:`core.credentials` on the GUI
thread (the keyring is not guarded for threads), or from the demo session under ``--demo``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from PySide6.QtCore import QObject, Signal

from core.errors import CredentialError, KeyringUnavailable, MissingCredentials, UploaderError
from core.i18n import _
from core.providers import PROVIDERS, Provider, get_provider

DEFAULT_PROFILE = "default"


class CredentialState(StrEnum):
    DEMO = "demo"  # the sandbox's demo credentials
    STORED = "stored"  # every required credential is available (keyring or environment)
    MISSING = "missing"  # something required is not stored
    NO_KEYRING = "no-keyring"  # no working keyring backend
    VERIFIED = "verified"  # a connection test just succeeded
    REFUSED = "refused"  # the provider refused them (test or upload)


@dataclass(frozen=True)
class CredentialStatus:
    state: CredentialState
    text: str  # a few words for the header indicator
    detail: str = ""  # one sentence for the tooltip


class AppContext(QObject):
    """Current provider, profile and demo session, with signals for whoever shows them."""

    providerChanged = Signal(object)  # Provider
    profileChanged = Signal(str)
    credentialsChanged = Signal()

    def __init__(
        self,
        provider: str | Provider = "iletimerkezi",
        profile: str = DEFAULT_PROFILE,
        demo: Any = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._provider = provider if isinstance(provider, Provider) else get_provider(provider)
        self._profile = profile or DEFAULT_PROFILE
        self._demo = demo
        self._verdict: dict[tuple[str, str], CredentialStatus] = {}

    # ------------------------------------------------------------------ provider / profile
    @property
    def provider(self) -> Provider:
        return self._provider

    @staticmethod
    def providers() -> list[Provider]:
        return list(PROVIDERS.values())

    def set_provider(self, provider: str | Provider) -> None:
        new = provider if isinstance(provider, Provider) else get_provider(provider)
        if new.name == self._provider.name:
            return
        self._provider = new
        profiles = self.profiles()
        if self._profile not in profiles:
            self._profile = profiles[0] if profiles else DEFAULT_PROFILE
        self.providerChanged.emit(new)

    @property
    def profile(self) -> str:
        return self._profile

    def set_profile(self, profile: str) -> None:
        profile = (profile or DEFAULT_PROFILE).strip() or DEFAULT_PROFILE
        if profile == self._profile:
            return
        self._profile = profile
        self.profileChanged.emit(profile)

    def profiles(self, provider: Provider | None = None) -> list[str]:
        """Stored profile names of ``provider`` (default: the current one); always has 'default'."""
        provider = provider or self._provider
        names: list[str] = []
        try:
            from core.credentials import list_profiles

            names = [str(n) for n in list_profiles(provider.name)]
        except (ImportError, UploaderError, OSError):
            names = []
        if DEFAULT_PROFILE not in names:
            names.insert(0, DEFAULT_PROFILE)
        if provider.name == self._provider.name and self._profile not in names:
            names.append(self._profile)
        return names

    # ------------------------------------------------------------------ demo
    @property
    def demo(self) -> Any:
        """The running :class:`core.demo.DemoSession`, or None."""
        return self._demo

    @property
    def is_demo(self) -> bool:
        return self._demo is not None

    # ------------------------------------------------------------------ access
    def credentials(self) -> dict[str, str]:
        """The current provider's credentials (demo ones under ``--demo``).

        Raises MissingCredentials or KeyringUnavailable with one readable sentence.
        """
        if self._demo is not None:
            return dict(self._demo.credentials(self._provider.name))
        try:
            from core.credentials import load_credentials
        except ImportError as exc:  # pragma: no cover - only while core.credentials is being written
            raise KeyringUnavailable(_("The credential store is not available in this build.")) from exc
        return dict(load_credentials(self._provider.name, self._profile))

    def base_url(self, creds: dict[str, str] | None = None) -> str:
        """Demo sandbox > ``CONTACT_UPLOADER_<P>_BASE_URL`` > the provider's default."""
        name = self._provider.name
        if self._demo is not None:
            return str(self._demo.base_url(name))
        env = os.environ.get(f"CONTACT_UPLOADER_{name.upper()}_BASE_URL", "").strip()
        if env:
            return env
        if creds is None:
            try:
                creds = self.credentials()
            except CredentialError:
                creds = {}
        return self._provider.default_base_url(creds)

    def default_region(self) -> str:
        """Country used for phone numbers written without a prefix."""
        if self._demo is None:
            try:
                from core import settings

                value = settings.load().default_country(self._provider.name, self._profile)
            except (ImportError, OSError, ValueError, UploaderError):
                value = None
            if value:
                return str(value).upper()
        return self._provider.default_region

    # ------------------------------------------------------------------ status
    def credential_status(self) -> CredentialStatus:
        """What the header indicator shows for the current provider and profile."""
        if self._demo is not None:
            return CredentialStatus(
                CredentialState.DEMO,
                _("Demo credentials"),
                _("Working against the built-in sandbox; nothing leaves this computer."),
            )
        verdict = self._verdict.get((self._provider.name, self._profile))
        if verdict is not None:
            return verdict
        try:
            self.credentials()
        except KeyringUnavailable as exc:
            return CredentialStatus(CredentialState.NO_KEYRING, _("No keyring"), str(exc))
        except MissingCredentials as exc:
            return CredentialStatus(CredentialState.MISSING, _("Not set up"), str(exc))
        except CredentialError as exc:
            return CredentialStatus(CredentialState.MISSING, _("Not set up"), str(exc))
        return CredentialStatus(
            CredentialState.STORED,
            _("Stored, not tested"),
            _("Credentials for profile '{profile}' are stored; Account → Test connection checks them.")
            .format(profile=self._profile),
        )

    def record_verdict(self, ok: bool, message: str) -> None:
        """Remember the last test or upload verdict for the current provider and profile."""
        key = (self._provider.name, self._profile)
        if ok:
            self._verdict[key] = CredentialStatus(CredentialState.VERIFIED, _("Connected"), message)
        else:
            self._verdict[key] = CredentialStatus(CredentialState.REFUSED, _("Refused"), message)
        self.credentialsChanged.emit()

    def notify_credentials_changed(self) -> None:
        """Call after saving or deleting credentials; forgets any previous test verdict."""
        self._verdict.pop((self._provider.name, self._profile), None)
        self.credentialsChanged.emit()
