"""``contact-uploader credentials set|test|delete P [--profile NAME]``.

* ``set`` asks for each credential of the provider: secrets with :func:`getpass.getpass` (no echo),
  settings with a visible prompt showing the current value or default. When standard input is not a
  terminal it reads one line per credential, in the provider's ``credential_fields`` order
  (``printf '%s\\n' "$KEY" me@example.com | contact-uploader credentials set octopush``). An empty answer
  keeps what is stored (or the default). Secrets go to the keyring, settings to the settings file.
* ``test`` runs the provider's credential check where one exists (İleti Merkezi get-balance, Aptania
  getEvents — the token only —, Octopush
  check-balance) and prints its answer; for a provider without one it says so plainly and exits 0.
  ``--base-url``/``--demo`` (when the parser offers them) and ``CONTACT_UPLOADER_<P>_BASE_URL`` apply.
* ``delete`` removes the profile's secrets from the keyring and its settings from the settings file.

Exit status: 0 done; 2 credentials missing, refused or the keyring unusable, or a bad command; 1 the
network failed. No secret is ever written to either stream.
"""

from __future__ import annotations

import argparse
import getpass
import importlib
import os
import sys
from collections.abc import Mapping
from typing import IO

from core import credentials as creds_mod
from core import settings as settings_mod
from core.errors import MissingCredentials, UploaderError, UsageError, one_line
from core.i18n import _, ngettext
from core.model import CredentialSpec
from core.providers import Provider, get_provider

EXIT_OK = 0
EXIT_NETWORK = 1
EXIT_CREDENTIALS = 2


def run(
    args: argparse.Namespace,
    stdout: IO[str],
    stderr: IO[str],
    *,
    stdin: IO[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    """Run one ``credentials`` action; errors become one line on ``stderr`` and their exit status."""
    env = os.environ if environ is None else environ
    try:
        provider = get_provider(args.provider)
        profile = creds_mod.check_profile(getattr(args, "profile", None))
        action = getattr(args, "action", "")
        if action == "set":
            return _set(provider, profile, stdin or sys.stdin, stdout, stderr, env)
        if action == "test":
            return _test(provider, profile, args, stdout, stderr, env)
        if action == "delete":
            return _delete(provider, profile, stdout, env)
        raise UsageError(_("Unknown credentials action '{action}': use {actions}.").format(
            action=action, actions="set, test, delete"))
    except UploaderError as exc:
        stderr.write(one_line(exc) + "\n")
        return exc.exit_status


# ---------------------------------------------------------------------------------------- set
def _stored(provider: Provider, profile: str) -> tuple[dict[str, str], creds_mod.SecretStore]:
    """Non-secret values stored for the profile (secrets are never read back for display)."""
    return settings_mod.load().profile_values(provider.name, profile), creds_mod.default_store()


def _ask(
    spec: CredentialSpec, current: str | None, interactive: bool, stdin: IO[str], stdout: IO[str]
) -> str:
    if not interactive:
        line = stdin.readline()
        return line.rstrip("\r\n").strip()
    label = spec.label_text()
    if spec.secret:
        if current:
            prompt = _("{credential} (leave empty to keep the stored one): ").format(credential=label)
        else:
            prompt = _("{credential}: ").format(credential=label)
        # getpass reads from the terminal without echo and writes the prompt there, not to stdout
        return getpass.getpass(prompt).strip()
    # the choices and the current value are wire values, shown as they are
    shown = f" [{current}]" if current else ""
    choices = f" ({', '.join(spec.choices)})" if spec.choices else ""
    stdout.write(_("{credential}{choices}{current}: ").format(credential=label, choices=choices,
                                                              current=shown))
    stdout.flush()
    return stdin.readline().rstrip("\r\n").strip()


def _set(
    provider: Provider,
    profile: str,
    stdin: IO[str],
    stdout: IO[str],
    stderr: IO[str],
    env: Mapping[str, str],
) -> int:
    interactive = _isatty(stdin)
    plain, store = _stored(provider, profile)
    if interactive:
        stdout.write(_("{provider} credentials for profile '{profile}'.").format(
            provider=provider.title, profile=profile) + "\n")
    values: dict[str, str] = {}
    missing: list[CredentialSpec] = []
    for spec in provider.credential_fields:
        if spec.secret:
            has_stored = interactive and bool(store.get(provider.name, profile, spec.id))
            answer = _ask(spec, "stored" if has_stored else None, interactive, stdin, stdout)
            if answer:
                values[spec.id] = answer
            elif not (has_stored or (not interactive and store.get(provider.name, profile, spec.id))):
                missing.append(spec)
        else:
            current = plain.get(spec.id) or spec.default
            answer = _ask(spec, current, interactive, stdin, stdout)
            if answer:
                values[spec.id] = answer
            elif current:
                values[spec.id] = current
            else:
                missing.append(spec)
    if missing:
        names = creds_mod.join_words([s.label_text() for s in missing])
        if interactive:
            sentence = _("Nothing was saved: {provider} needs {credentials} for profile '{profile}'.")
        else:
            sentence = _("Nothing was saved: {provider} needs {credentials} for profile '{profile}' (one "
                         "line per credential on standard input, in the order {order}).")
        raise MissingCredentials(sentence.format(
            provider=provider.title, credentials=names, profile=profile,
            order=", ".join(s.id for s in provider.credential_fields)))
    creds_mod.save_credentials(provider, profile, values, store=store)
    stdout.write(
        _("Saved the {provider} credentials of profile '{profile}': secrets in the keyring, settings in "
          "{path}.").format(provider=provider.title, profile=profile, path=settings_mod.settings_path())
        + "\n"
    )
    _warn_overrides(provider, stderr, env)
    return EXIT_OK


def _isatty(stream: IO[str]) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def _warn_overrides(provider: Provider, stream: IO[str], env: Mapping[str, str]) -> None:
    names = [
        s.env_var(provider.name)
        for s in provider.credential_fields
        if (env.get(s.env_var(provider.name)) or "").strip()
    ]
    if names:
        stream.write(
            ngettext("Note: {variables} is set and overrides what is stored.",
                     "Note: {variables} are set and override what is stored.", len(names)).format(
                variables=", ".join(names)) + "\n"
        )


# ---------------------------------------------------------------------------------------- test
def no_check_sentence(provider: Provider) -> str:
    """The plain sentence saying ``provider`` offers no way to test credentials."""
    from core import messages

    if messages.known(provider.name, "no_check"):
        return messages.text(provider.name, "no_check")
    return _("{provider} offers no way to test the credentials without adding a contact.").format(
        provider=provider.title)


def _base_url(
    provider: Provider, creds: Mapping[str, str], explicit: str | None, env: Mapping[str, str]
) -> str:
    from core.client import check_base_url

    var = f"CONTACT_UPLOADER_{provider.name.upper()}_BASE_URL"
    chosen = (explicit or "").strip() or (env.get(var) or "").strip()
    return check_base_url(chosen or provider.default_base_url(creds))


def _test(
    provider: Provider,
    profile: str,
    args: argparse.Namespace,
    stdout: IO[str],
    stderr: IO[str],
    env: Mapping[str, str],
) -> int:
    if not provider.has_credential_check:
        stdout.write(no_check_sentence(provider) + "\n")
        try:
            creds_mod.load_credentials(provider, profile, environ=env)
        except UploaderError as exc:
            stdout.write(one_line(exc) + "\n")
        else:
            stdout.write(
                _("Credentials for profile '{profile}' are stored; they are used with the first contact you "
                  "add.").format(profile=profile) + "\n"
            )
        return EXIT_OK

    if getattr(args, "demo", False):
        try:  # core.demo is the sandbox's front door; a build without it has no demo mode
            demo = importlib.import_module("core.demo")
        except ImportError:
            raise UsageError(_("The demo mode is not available in this build.")) from None
        with demo.DemoSession() as session:
            return _run_check(
                provider,
                session.credentials(provider.name),
                session.base_url(provider.name),
                profile,
                stdout,
                stderr,
            )
    creds = creds_mod.load_credentials(provider, profile, environ=env)
    base_url = _base_url(provider, creds, getattr(args, "base_url", None), env)
    return _run_check(provider, creds, base_url, profile, stdout, stderr)


def _run_check(
    provider: Provider,
    creds: Mapping[str, str],
    base_url: str,
    profile: str,
    stdout: IO[str],
    stderr: IO[str],
) -> int:
    from core.client import ProviderClient

    with ProviderClient(provider, creds, base_url) as client:
        result = client.check()
    if result.ok:
        stdout.write(f"{result.message}\n")
        return EXIT_OK
    if not result.available:
        stdout.write(f"{result.message}\n")
        return EXIT_OK
    stderr.write(one_line(result.message) + "\n")
    return EXIT_CREDENTIALS


# ---------------------------------------------------------------------------------------- delete
def _delete(provider: Provider, profile: str, stdout: IO[str], env: Mapping[str, str]) -> int:
    creds_mod.delete_credentials(provider, profile)
    stdout.write(
        _("Deleted the {provider} credentials of profile '{profile}' from the keyring and the settings "
          "file.").format(provider=provider.title, profile=profile) + "\n"
    )
    _warn_overrides(provider, stdout, env)
    return EXIT_OK
