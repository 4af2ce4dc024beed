"""The exception tree of Contact Uploader.

Everything the core raises on purpose derives from :class:`UploaderError` and carries one readable
sentence (``str(exc)``) that is safe to show a marketer: it never contains a secret. Library errors
(httpx, keyring, calamine, sqlite3) are translated at the boundary, so the GUI and the CLI catch
only these types::

    UploaderError
    ├── UsageError            the command or form is wrong (unknown provider/field, bad --set)   → exit 2
    │   └── JobBusy               another window or CLI run owns the same upload job (core.joblock)
    ├── FileProblem           the spreadsheet cannot be read (missing, empty, corrupt, protected) → exit 2
    ├── ConfigError           settings / state directory problems                                 → exit 2
    │   └── JournalError          the job journal: full disk, read-only, damaged, newer version
    ├── CredentialError       secrets: missing, refused, or no keyring                            → exit 2
    │   ├── MissingCredentials    a required credential is not stored and not in the environment
    │   ├── CredentialsRefused    the provider said the credentials are wrong
    │   └── KeyringUnavailable    no working OS keyring backend (no plain-text fallback)
    ├── ProviderError         the provider answered something we cannot use
    └── NetworkProblem        DNS, refused connection, TLS, timeout (after retries)
    JobInterrupted            (not an UploaderError) a job was cancelled or interrupted → exit 130
"""

from __future__ import annotations

import re

_BREAKS = re.compile(r"[ \t\r\n\f\v]+")


def one_line(text: object) -> str:
    """``text`` on one line: runs of ASCII spaces, tabs and line breaks become one space. The no-break
    spaces some languages write inside numbers (French 1 196, U+202F) and before ":" are kept."""
    return _BREAKS.sub(" ", str(text)).strip()


class UploaderError(Exception):
    """Base of every error the core raises on purpose; ``str()`` is one readable sentence."""

    exit_status: int = 2


class UsageError(UploaderError):
    """The command line or form asked for something that cannot be done."""


class JobBusy(UsageError):
    """Another process (a window or a command line run) owns the upload job: nothing is sent, exit 2."""


class FileProblem(UploaderError):
    """A spreadsheet could not be read; the message names the file and the problem."""


class ConfigError(UploaderError):
    """The settings file or the state directory is unusable."""


class JournalError(ConfigError):
    """The job journal file cannot be used (full disk, read-only, damaged, newer); names the file."""

    def __init__(self, message: str, *, damaged: bool = False) -> None:
        super().__init__(message)
        self.damaged = damaged  # the file was unreadable (and moved aside where possible)


class CredentialError(UploaderError):
    """Base of credential problems."""


class MissingCredentials(CredentialError):
    """A required credential is neither stored nor given in the environment."""


class CredentialsRefused(CredentialError):
    """The provider refused the credentials (bad key, API access off, IP restriction)."""

    def __init__(self, message: str, code: str = "", raw_text: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.raw_text = raw_text


class KeyringUnavailable(CredentialError):
    """No working OS keyring backend; we never fall back to plain text."""


class ProviderError(UploaderError):
    """The provider answered in a way we cannot interpret."""

    exit_status = 1


class NetworkProblem(UploaderError):
    """The network failed: DNS, refused connection, TLS or timeout."""

    exit_status = 1

    def __init__(self, message: str, kind: str = "network") -> None:
        super().__init__(message)
        self.kind = kind


class JobInterrupted(Exception):
    """A job stopped because the user cancelled it or the process was interrupted."""

    exit_status = 130
