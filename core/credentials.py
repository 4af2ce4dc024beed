"""Credentials: secrets in the OS keyring, non-secret profile values in the settings file.

One keyring entry per provider, profile and secret field, under service ``contact-uploader`` and user
name ``"<provider>:<profile>:<field>"`` (``octopush:shop-2:api_key``). Several named profiles per
provider (two Octopush accounts, say); ``default`` is the one used without ``--profile``.

Where a value comes from, first match wins:

1. the environment variable ``CONTACT_UPLOADER_<PROVIDER>_<ID>`` (SPEC §8; headless runs) — it applies
   whatever the profile;
2. the keyring (secrets) or the settings file (non-secrets such as Netcore's region, Octopush's login);
3. the credential's default (Netcore region ``us``).

There is no plain-text fallback. When no keyring backend works (a bare Linux box, a locked keyring, a
dismissed unlock prompt) :class:`KeyringUnavailable` says so in one sentence with what to install or
unlock; everything that does not need a stored secret keeps working, and a run whose environment
supplies every secret never touches the keyring at all.

Every secret value loaded or saved is registered with :func:`core.logsetup.register_secret`, so it is
masked in every log line from then on.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
from collections.abc import Mapping
from typing import Protocol

from core import logsetup
from core import settings as settings_mod
from core.errors import KeyringUnavailable, MissingCredentials, UsageError
from core.i18n import _, ngettext, number
from core.model import CredentialSpec
from core.providers import Provider, get_provider

log = logging.getLogger(__name__)

SERVICE = "contact-uploader"
DEFAULT_PROFILE = settings_mod.DEFAULT_PROFILE
_PROFILE_RE = re.compile(r"^[^\x00-\x1f\x7f:]{1,64}$")


# ---------------------------------------------------------------------- the store interface
class SecretStore(Protocol):
    """Where secrets live. ``get`` returns None when nothing is stored; ``delete`` of nothing is fine.

    Implementations raise :class:`KeyringUnavailable` (one readable sentence) when they cannot work.
    """

    def get(self, provider: str, profile: str, field: str) -> str | None: ...

    def set(self, provider: str, profile: str, field: str, value: str) -> None: ...

    def delete(self, provider: str, profile: str, field: str) -> None: ...


def entry_name(provider: str, profile: str, field: str) -> str:
    """The keyring user name of one secret."""
    return f"{provider}:{profile}:{field}"


class MemoryStore:
    """A SecretStore in a dict: for tests and for ``--demo`` (nothing persists)."""

    def __init__(self) -> None:
        self._items: dict[tuple[str, str, str], str] = {}
        self._lock = threading.Lock()

    def get(self, provider: str, profile: str, field: str) -> str | None:
        with self._lock:
            return self._items.get((provider, profile, field))

    def set(self, provider: str, profile: str, field: str, value: str) -> None:
        with self._lock:
            self._items[(provider, profile, field)] = value

    def delete(self, provider: str, profile: str, field: str) -> None:
        with self._lock:
            self._items.pop((provider, profile, field), None)

    def __repr__(self) -> str:  # never show the values
        return f"MemoryStore({len(self._items)} entries)"


def keyring_advice() -> str:
    """What to do for a keyring backend on this operating system (a sentence)."""
    if sys.platform == "darwin":
        return _("Allow access to the macOS Keychain.")
    if sys.platform.startswith("win"):
        return _("Make sure Windows Credential Manager is available.")
    return _("Install and unlock gnome-keyring or KWallet (a Secret Service) in your desktop session.")


def _unavailable_message(exc: BaseException) -> str:
    from keyring.errors import KeyringLocked, NoKeyringError

    name = type(exc).__name__
    if isinstance(exc, KeyringLocked) or name in ("LockedException", "PromptDismissedException"):
        return _(
            "The keyring is locked or its unlock prompt was dismissed, so the credentials cannot be "
            "read or stored: unlock your login keyring and try again."
        )
    if isinstance(exc, NoKeyringError):
        return _("No working keyring was found, so credentials cannot be kept safely. {advice}").format(
            advice=keyring_advice())
    return _("The keyring could not be used, so credentials cannot be kept safely. {advice}").format(
        advice=keyring_advice())


_BACKEND_MODULES = ("keyring", "secretstorage", "jeepney", "dbus", "gi", "win32", "pywintypes", "keyrings")


def _is_backend_error(exc: BaseException) -> bool:
    from keyring.errors import KeyringError

    if isinstance(exc, KeyringError | OSError | RuntimeError):
        return True
    module = type(exc).__module__ or ""
    return module.split(".")[0] in _BACKEND_MODULES


class KeyringStore:
    """A SecretStore over ``keyring`` (Secret Service, macOS Keychain, Windows Credential Manager).

    Calls are serialised by one lock: keyring backends are not all thread-safe, and the GUI calls from
    worker threads. Backend errors become :class:`KeyringUnavailable`; a locked or dismissed keyring too.
    """

    _lock = threading.RLock()  # shared by every instance: the keyring backend is process-global

    def __init__(self, service: str = SERVICE) -> None:
        self.service = service

    def _backend(self) -> object:
        import keyring
        from keyring.backends import fail
        from keyring.errors import NoKeyringError

        backend = keyring.get_keyring()
        if isinstance(backend, fail.Keyring):
            raise KeyringUnavailable(_unavailable_message(NoKeyringError()))
        return backend

    def _call(
        self, what: str, provider: str, profile: str, field: str, value: str | None = None
    ) -> str | None:
        username = entry_name(provider, profile, field)
        with self._lock:
            try:
                backend = self._backend()
                if what == "get":
                    result = backend.get_password(self.service, username)  # type: ignore[attr-defined]
                    return None if result is None else str(result)
                if what == "set":
                    backend.set_password(self.service, username, value)  # type: ignore[attr-defined]
                    return None
                from keyring.errors import PasswordDeleteError

                try:
                    backend.delete_password(self.service, username)  # type: ignore[attr-defined]
                except PasswordDeleteError:
                    pass  # nothing stored: deleting nothing is fine
                return None
            except KeyringUnavailable:
                raise
            except Exception as exc:
                if not _is_backend_error(exc):
                    raise
                # keyring and D-Bus errors name no secret; the type helps support read the log
                log.info("Keyring %s of %s failed: %s: %s", what, username, type(exc).__name__, exc)
                raise KeyringUnavailable(_unavailable_message(exc)) from None

    def get(self, provider: str, profile: str, field: str) -> str | None:
        return self._call("get", provider, profile, field)

    def set(self, provider: str, profile: str, field: str, value: str) -> None:
        self._call("set", provider, profile, field, value)

    def delete(self, provider: str, profile: str, field: str) -> None:
        self._call("delete", provider, profile, field)

    def __repr__(self) -> str:
        return f"KeyringStore(service={self.service!r})"


_default: SecretStore | None = None
_default_lock = threading.Lock()


def default_store() -> SecretStore:
    """The process's secret store: the OS keyring."""
    global _default
    with _default_lock:
        if _default is None:
            _default = KeyringStore()
        return _default


# ---------------------------------------------------------------------- loading and saving
def check_profile(profile: str | None) -> str:
    """The profile name, trimmed; UsageError for an empty or unusable one."""
    name = (profile or DEFAULT_PROFILE).strip()
    if not _PROFILE_RE.match(name):
        raise UsageError(
            _("'{profile}' cannot be a profile name: use up to {count} characters without ':' or control "
              "characters.").format(profile=profile, count=number(64))
        )
    return name


def _provider(provider: str | Provider) -> Provider:
    return provider if isinstance(provider, Provider) else get_provider(provider)


def set_command(provider: str, profile: str) -> str:
    """The command that stores credentials for a profile, as the user would type it."""
    suffix = "" if profile == DEFAULT_PROFILE else f" --profile {_shell_word(profile)}"
    return f"contact-uploader credentials set {provider}{suffix}"


def _shell_word(word: str) -> str:
    return word if re.fullmatch(r"[\w.@+-]+", word) else "'" + word.replace("'", "'\\''") + "'"


def join_words(items: list[str]) -> str:
    """``a, b and c`` in the current language."""
    if len(items) <= 1:
        return "".join(items)
    return _("{items} and {last}").format(items=", ".join(items[:-1]), last=items[-1])


_FROM_SETTINGS = "settings"
_FROM_FORM = "form"


def _normalise(spec: CredentialSpec, provider: Provider, value: str, source: str) -> str:
    value = value.strip()
    if spec.choices:
        lowered = value.lower()
        if lowered not in spec.choices:
            if source == _FROM_SETTINGS:
                sentence = _("{provider} {credential} '{value}' in the settings file is not one of: "
                             "{choices}.")
            elif source == _FROM_FORM:
                sentence = _("{provider} {credential} '{value}' is not one of: {choices}.")
            else:
                sentence = _("{provider} {credential} '{value}' from {variable} is not one of: {choices}.")
            raise UsageError(sentence.format(provider=provider.title, credential=spec.label_text(),
                                             value=value, variable=source, choices=", ".join(spec.choices)))
        return lowered
    return value


def load_credentials(
    provider: str | Provider,
    profile: str = DEFAULT_PROFILE,
    *,
    environ: Mapping[str, str] | None = None,
    store: SecretStore | None = None,
) -> dict[str, str]:
    """Every credential of ``provider`` for ``profile``: environment, then keyring/settings, then default.

    Raises MissingCredentials naming what is missing, for which profile and how to set it;
    KeyringUnavailable when a secret is needed from a keyring that does not work.
    """
    prov = _provider(provider)
    profile = check_profile(profile)
    env = os.environ if environ is None else environ
    values: dict[str, str] = {}
    missing: list[CredentialSpec] = []
    keyring_error: KeyringUnavailable | None = None
    stored_settings: dict[str, str] | None = None

    for spec in prov.credential_fields:
        var = spec.env_var(prov.name)
        raw = (env.get(var) or "").strip()
        if raw:
            values[spec.id] = _normalise(spec, prov, raw, var)
            continue
        found: str | None = None
        if spec.secret:
            if keyring_error is None:
                try:
                    found = (store or default_store()).get(prov.name, profile, spec.id)
                except KeyringUnavailable as exc:
                    keyring_error = exc
        else:
            if stored_settings is None:
                stored_settings = settings_mod.load().profile_values(prov.name, profile)
            found = stored_settings.get(spec.id)
            if found:
                found = _normalise(spec, prov, found, _FROM_SETTINGS)
        if found:
            values[spec.id] = found
        elif spec.default is not None:
            values[spec.id] = spec.default
        else:
            missing.append(spec)

    for spec in prov.credential_fields:
        if spec.secret and spec.id in values:
            logsetup.register_secret(values[spec.id])

    if missing:
        env_vars = join_words([s.env_var(prov.name) for s in missing])
        if keyring_error is not None and any(s.secret for s in missing):
            raise KeyringUnavailable(
                _("{problem} Or give the {provider} credentials in {variables}.").format(
                    problem=str(keyring_error), provider=prov.title, variables=env_vars)
            )
        labels = join_words([s.label_text() for s in missing])
        raise MissingCredentials(
            ngettext("No {credentials} is stored for {provider} (profile '{profile}'): run `{command}` or "
                     "set {variables}.",
                     "No {credentials} are stored for {provider} (profile '{profile}'): run `{command}` or "
                     "set {variables}.", len(missing)).format(
                credentials=labels, provider=prov.title, profile=profile,
                command=set_command(prov.name, profile), variables=env_vars)
        )
    return values


def save_credentials(
    provider: str | Provider,
    profile: str,
    values: Mapping[str, str | None],
    *,
    store: SecretStore | None = None,
) -> None:
    """Store secrets in the keyring and non-secret values in the settings file.

    Keys left out are unchanged; ``""`` or ``None`` removes a stored value. Unknown ids are a UsageError.
    The profile is recorded in the settings file (the keyring cannot list its entries).
    """
    prov = _provider(provider)
    profile = check_profile(profile)
    specs = {s.id: s for s in prov.credential_fields}
    unknown = sorted(set(values) - set(specs))
    if unknown:
        raise UsageError(
            _("{provider} has no credential {unknown}; it has: {known}.").format(
                provider=prov.title, unknown=join_words(unknown), known=", ".join(specs))
        )
    secrets: dict[str, str | None] = {}
    plain: dict[str, str | None] = {}
    for key, value in values.items():
        spec = specs[key]
        cleaned = value.strip() if value else ""
        if cleaned and not spec.secret:
            cleaned = _normalise(spec, prov, cleaned, _FROM_FORM)
        (secrets if spec.secret else plain)[key] = cleaned
    for value in secrets.values():
        logsetup.register_secret(value)

    chosen = store or default_store()
    for key, value in secrets.items():
        if value:
            chosen.set(prov.name, profile, key, value)
        else:
            chosen.delete(prov.name, profile, key)
    with settings_mod.edit() as settings:
        settings.ensure_profile(prov.name, profile)
        if plain:
            settings.set_profile_values(prov.name, profile, plain)


def delete_credentials(provider: str | Provider, profile: str, *, store: SecretStore | None = None) -> None:
    """Remove the profile's secrets from the keyring and its values from the settings file.

    The settings are removed even when the keyring does not work; then KeyringUnavailable is raised.
    """
    prov = _provider(provider)
    profile = check_profile(profile)
    with settings_mod.edit() as settings:
        settings.remove_profile(prov.name, profile)
    chosen = store or default_store()
    for spec in prov.credential_fields:
        if spec.secret:
            chosen.delete(prov.name, profile, spec.id)


def list_profiles(provider: str | Provider) -> list[str]:
    """The saved profile names of ``provider``: ``default`` first (always listed), then alphabetical."""
    prov = _provider(provider)
    names = settings_mod.load().profiles(prov.name)
    return names if DEFAULT_PROFILE in names else [DEFAULT_PROFILE, *names]


def stored_secret_ids(
    provider: str | Provider, profile: str, *, store: SecretStore | None = None
) -> list[str]:
    """Which secret credential ids have a value in the store (for a form's "stored" hint; no values)."""
    prov = _provider(provider)
    profile = check_profile(profile)
    chosen = store or default_store()
    return [s.id for s in prov.credential_fields if s.secret and chosen.get(prov.name, profile, s.id)]
