"""The settings file: named profiles per provider with their NON-secret values, and what was used last.

``state_dir()/settings.json``, written atomically (a temporary file in the same folder, then a rename)::

    {"version": 1,
     "profiles": {"octopush": {"default": {"api_login": "me@example.com", "default_country": "FR"},
                               "shop-2": {"api_login": "other@example.com"}},
                  "netcore":  {"default": {"region": "eu", "default_list": "12"}}},
     "last": {"provider": "octopush", "profile": "shop-2"}}

Secrets never go here: :meth:`Settings.set_profile_values` refuses every credential id a provider marks
secret, and any value registered as a secret with :func:`core.logsetup.register_secret`. There is no
plain-text fallback for a missing keyring.

A damaged file (not UTF-8, not JSON, nested too deep to parse) is moved aside (``settings.json.damaged``)
with a warning in the log and one sentence for the user (:func:`take_notices`: the command line prints it
on stderr), and the program goes on with empty settings: losing a region or a login e-mail is better than
refusing to start.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from core import messages
from core.errors import ConfigError
from core.i18n import _
from core.paths import state_dir

log = logging.getLogger(__name__)

FILE_NAME = "settings.json"
VERSION = 1
DEFAULT_PROFILE = "default"
# profile keys that are not credentials but belong to a profile all the same
PROFILE_EXTRAS = ("default_country", "default_list")

_lock = threading.RLock()
_notices: list[str] = []  # sentences for the user (a damaged file moved aside), taken by the CLI/window


def _notice(sentence: str) -> None:
    with _lock:
        if sentence not in _notices:
            _notices.append(sentence)


def take_notices() -> list[str]:
    """The sentences about the settings file the user has not been shown yet (each shown once)."""
    with _lock:
        found = list(_notices)
        _notices.clear()
    return found


def settings_path() -> Path:
    return state_dir() / FILE_NAME


def secret_ids(provider: str) -> frozenset[str]:
    """The credential ids ``provider`` marks secret (unknown provider: every provider's secret ids)."""
    from core.providers import PROVIDERS

    known = PROVIDERS.get(provider)
    providers = [known] if known is not None else list(PROVIDERS.values())
    return frozenset(c.id for p in providers for c in p.credential_fields if c.secret)


class Settings:
    """The settings file in memory. Load with :meth:`load`, change, then :meth:`save`; or use :func:`edit`."""

    def __init__(self, data: Mapping[str, Any] | None = None, path: Path | None = None) -> None:
        self.path = path or settings_path()
        self._data: dict[str, Any] = {"version": VERSION, "profiles": {}, "last": {}}
        if data:
            profiles = data.get("profiles")
            if isinstance(profiles, dict):
                for provider, by_name in profiles.items():
                    if not isinstance(by_name, dict):
                        continue
                    for name, values in by_name.items():
                        if isinstance(values, dict):
                            clean = {str(k): str(v) for k, v in values.items() if v is not None}
                            self._data["profiles"].setdefault(str(provider), {})[str(name)] = clean
            last = data.get("last")
            if isinstance(last, dict):
                self._data["last"] = {k: str(v) for k, v in last.items() if k in ("provider", "profile")}
            lang = data.get("language")
            if isinstance(lang, str) and lang:
                self._data["language"] = lang

    # ------------------------------------------------------------------ file
    @classmethod
    def load(cls, path: Path | None = None) -> Settings:
        path = path or settings_path()
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return cls(path=path)
        except OSError as exc:
            raise ConfigError(_("Cannot read the settings file {path}: {reason}.").format(
                path=path, reason=exc.strerror or exc)) from None
        try:
            # not UTF-8 (UnicodeDecodeError is a ValueError), not JSON, or nested so deep that the
            # parser gives up (RecursionError: "[" repeated 100 000 times)
            data = json.loads(raw.decode("utf-8"))
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
        except (ValueError, RecursionError) as exc:
            aside = path.with_name(path.name + ".damaged")
            try:
                os.replace(path, aside)
            except OSError:  # a read-only folder: left where it is, ignored all the same
                log.warning("The settings file %s is damaged (%s) and cannot be moved aside.", path,
                            type(exc).__name__)
                _notice(messages.text("state", "settings_damaged_kept", file=str(path)))
                return cls(path=path)
            log.warning("The settings file %s was damaged (%s); it was moved to %s.", path,
                        type(exc).__name__, aside)
            _notice(messages.text("state", "settings_damaged", file=str(path), aside=str(aside)))
            return cls(path=path)
        return cls(data, path=path)

    def save(self) -> None:
        """Write the file atomically: readers see the old file or the new one, never half of one."""
        text = json.dumps(self._data, ensure_ascii=False, indent=2, sort_keys=True)
        self._check_no_secret()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".settings-", suffix=".tmp", dir=self.path.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    fh.write(text + "\n")
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, self.path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except OSError as exc:
            raise ConfigError(_("Cannot write the settings file {path}: {reason}.").format(
                path=self.path, reason=exc.strerror or exc)) from None

    def to_json(self) -> dict[str, Any]:
        return json.loads(json.dumps(self._data))  # type: ignore[no-any-return]

    # ------------------------------------------------------------------ profiles
    def providers(self) -> list[str]:
        return sorted(self._data["profiles"])

    def profiles(self, provider: str) -> list[str]:
        """The profile names saved for ``provider``, ``default`` first, then alphabetical."""
        names = list(self._data["profiles"].get(provider, {}))
        return sorted(names, key=lambda n: (n != DEFAULT_PROFILE, n.casefold()))

    def has_profile(self, provider: str, profile: str) -> bool:
        return profile in self._data["profiles"].get(provider, {})

    def profile_values(self, provider: str, profile: str) -> dict[str, str]:
        """The non-secret values of a profile (a copy); empty for an unknown profile."""
        return dict(self._data["profiles"].get(provider, {}).get(profile, {}))

    def get(self, provider: str, profile: str, key: str) -> str | None:
        return self._data["profiles"].get(provider, {}).get(profile, {}).get(key)  # type: ignore[no-any-return]

    def set_profile_values(self, provider: str, profile: str, values: Mapping[str, str | None]) -> None:
        """Create the profile if needed and set non-secret values; ``None`` or ``""`` removes a key.

        Raises ValueError for a secret credential id or a value registered as a secret.
        """
        forbidden = secret_ids(provider) & set(values)
        if forbidden:
            raise ValueError(f"Refusing to write the secret {sorted(forbidden)} to the settings file.")
        from core import logsetup

        for key, value in values.items():
            if value and logsetup.is_secret(value):
                raise ValueError(f"Refusing to write a secret value as '{key}' to the settings file.")
        profile_map = self._data["profiles"].setdefault(provider, {}).setdefault(profile, {})
        for key, value in values.items():
            if value is None or value == "":
                profile_map.pop(key, None)
            else:
                profile_map[key] = str(value)

    def ensure_profile(self, provider: str, profile: str) -> None:
        self._data["profiles"].setdefault(provider, {}).setdefault(profile, {})

    def remove_profile(self, provider: str, profile: str) -> bool:
        """Forget a profile's non-secret values; True if it existed."""
        by_name = self._data["profiles"].get(provider, {})
        existed = by_name.pop(profile, None) is not None
        if not by_name:
            self._data["profiles"].pop(provider, None)
        last = self._data["last"]
        if last.get("provider") == provider and last.get("profile") == profile:
            last.pop("profile", None)
        return existed

    # ------------------------------------------------------------------ defaults per profile
    def default_country(self, provider: str, profile: str) -> str | None:
        return self.get(provider, profile, "default_country")

    def set_default_country(self, provider: str, profile: str, country: str | None) -> None:
        self.set_profile_values(provider, profile, {"default_country": (country or "").strip().upper()})

    def default_list(self, provider: str, profile: str) -> str | None:
        return self.get(provider, profile, "default_list")

    def set_default_list(self, provider: str, profile: str, value: str | None) -> None:
        self.set_profile_values(provider, profile, {"default_list": (value or "").strip()})

    # ------------------------------------------------------------------ language
    def language(self) -> str | None:
        """The language chosen in the window (None: follow the operating system)."""
        value = self._data.get("language")
        return str(value) if value else None

    def set_language(self, lang: str | None) -> None:
        if lang:
            self._data["language"] = lang
        else:
            self._data.pop("language", None)

    # ------------------------------------------------------------------ last used
    def last_used(self) -> tuple[str | None, str | None]:
        last = self._data["last"]
        return last.get("provider"), last.get("profile")

    def set_last_used(self, provider: str, profile: str | None = None) -> None:
        self._data["last"] = {"provider": provider}
        if profile:
            self._data["last"]["profile"] = profile

    # ------------------------------------------------------------------ guard
    def _check_no_secret(self) -> None:
        from core import logsetup

        for provider, by_name in self._data["profiles"].items():
            ids = secret_ids(provider)
            for values in by_name.values():
                for key, value in values.items():
                    if key in ids or logsetup.is_secret(value):
                        raise ValueError("Refusing to write a secret to the settings file.")


@contextlib.contextmanager
def edit(path: Path | None = None) -> Iterator[Settings]:
    """Load, let the caller change, and save — under a lock, so two threads never lose each other's edit."""
    with _lock:
        settings = Settings.load(path)
        yield settings
        settings.save()


def load(path: Path | None = None) -> Settings:
    with _lock:
        return Settings.load(path)


def saved_language(path: Path | None = None) -> str | None:
    """The language chosen in the window, read without side effects (nothing moved aside, nothing logged):
    the command line asks before its logging is set up, and a damaged file is dealt with later by
    :meth:`Settings.load`."""
    try:
        data = json.loads((path or settings_path()).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):  # unreadable, not JSON, or nested beyond the parser
        return None
    value = data.get("language") if isinstance(data, dict) else None
    return value if isinstance(value, str) and value else None
