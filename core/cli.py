"""The command line (SPEC section 8): ``providers``, ``add``, ``upload`` and ``credentials``.

``main(argv)`` parses, dispatches and turns every error into one readable line on stderr with the exit
status of the contract: 0 every row ended well, 1 a row ``invalid`` or ``failed``, 2 nothing was sent
because of the command, file or credentials, 130 interrupted. It never shows a traceback: an unexpected
error gets one sentence and the path of the log file, where the details are.

``upload`` is :func:`core.upload.run_upload` and ``credentials`` is :func:`core.credentials_cmd.run`; both
take the parsed ``argparse.Namespace`` (attributes listed in :func:`build_parser`) and the two streams.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType
from typing import IO, Any, NoReturn

from core import APP_NAME, APP_TITLE, __version__, argparse_texts
from core.errors import JobInterrupted, UploaderError, UsageError, one_line
from core.i18n import N_, _, ngettext, number, pgettext
from core.model import FieldSpec, Outcome, RowResult
from core.providers import PROVIDERS, Provider, get_provider

log = logging.getLogger(__name__)
argparse_texts.install()  # argparse's own texts ("usage:", its errors) speak the program's language

PROG = APP_NAME
EXIT_OK = 0
EXIT_ROWS = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
EXIT_INTERNAL = 70  # a bug of the program (SPEC §8): never 1, which says a row failed
# commands whose --json prints one summary object at the end (SPEC §8)
JSON_COMMANDS = frozenset({"upload", "add"})
# the keys of "counts" in that object: every outcome, always present, in this order
COUNT_KEYS: tuple[str, ...] = tuple(str(o) for o in (
    Outcome.READY, Outcome.ADDED, Outcome.UPDATED, Outcome.EXISTS, Outcome.SKIPPED, Outcome.INVALID,
    Outcome.FAILED, Outcome.PENDING))


@dataclass
class RunRecord:
    """What a run of ``upload``/``add`` did, filled in by the command as it goes, for ``--json``.

    ``counts`` by outcome name (``pending`` = rows not sent, e.g. after an interruption), ``report`` the
    absolute path of the report written (None when none was), ``job_id`` the journal's job (None for
    ``add``, a dry run, or when no job was started).
    """

    counts: dict[str, int] = field(default_factory=dict)
    report: str | None = None
    job_id: int | None = None

    def set_counts(self, counts: Mapping[Any, int]) -> None:
        self.counts = {str(k): int(v) for k, v in counts.items()}

    def to_json(self, elapsed_s: float, exit_status: int) -> dict[str, Any]:
        """The object of SPEC §8; field names and the ``counts`` keys are stable."""
        return {
            "counts": {key: self.counts.get(key, 0) for key in COUNT_KEYS},
            "elapsed_s": round(elapsed_s, 3),
            "report": self.report,
            "job_id": self.job_id,
            "exit_status": exit_status,
        }


def run_record(args: argparse.Namespace) -> RunRecord:
    """The record ``main`` attached to ``args`` (a fresh one when the command is called directly)."""
    record = getattr(args, "record", None)
    if not isinstance(record, RunRecord):
        record = RunRecord()
        args.record = record
    return record


# ---------------------------------------------------------------------------------------- parser
class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad command as one UsageError sentence instead of usage + exit."""

    def error(self, message: str) -> NoReturn:
        text = message.strip().rstrip(".")
        text = text[:1].upper() + text[1:]
        raise UsageError(_("{error}. Run '{help}' to see what it takes.").format(
            error=text, help=f"{self.prog} --help"))


def unrecognized_sentence(
    parser: argparse.ArgumentParser, args: argparse.Namespace, extras: Sequence[str]
) -> str:
    """One sentence for words the command does not take: the closest option, and that command's help."""
    import difflib

    command = getattr(args, "command", None)
    target = parser
    for action in parser._actions:  # the sub-command's own parser knows its options
        if isinstance(action, argparse._SubParsersAction) and command in action.choices:
            target = action.choices[command]
    options = [o for o in target._option_string_actions if o.startswith("--")]
    typed = next((e.split("=", 1)[0] for e in extras if e.startswith("--")), "")
    close = difflib.get_close_matches(typed, options, n=1, cutoff=0.6) if typed else []
    prog = f"{PROG} {command}" if command else PROG
    words = " ".join(extras)
    if typed in options:  # the command's own option, given before the command's name
        return _("Unrecognized arguments: {words}. Give {option} after '{command}'. Run '{help}' to see what "
                 "it takes.").format(words=words, option=typed, command=command, help=f"{prog} --help")
    if close:
        return _("Unrecognized arguments: {words}. Did you mean '{option}'? Run '{help}' to see what it "
                 "takes.").format(words=words, option=close[0], help=f"{prog} --help")
    return _("Unrecognized arguments: {words}. Run '{help}' to see what it takes.").format(
        words=words, help=f"{prog} --help")


def _whole_number(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(_("'{value}' is not a whole number").format(value=value)) from None


def _positive(value: str) -> int:
    found = _whole_number(value)
    if found < 1:
        raise argparse.ArgumentTypeError(_("'{value}' must be {minimum} or more").format(
            value=value, minimum=number(1)))
    return found


def _header_row(value: str) -> int:
    found = _whole_number(value)
    if found < 0:
        raise argparse.ArgumentTypeError(
            _("'{value}' must be a row number, or 0 for a sheet without one").format(value=value))
    return found


def _add_demo(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS: a sub-command's --demo only overrides the global one when it is given
    parser.add_argument(
        "--demo",
        action="store_true",
        default=argparse.SUPPRESS,
        help=_("run against the built-in sandbox with demo credentials (nothing leaves this computer)"),
    )


def _add_provider_options(parser: argparse.ArgumentParser, *, saved: bool = False) -> None:
    # saved: --use may give the provider and profile, so neither is required nor defaulted here
    names = ", ".join(PROVIDERS)
    parser.add_argument("--provider", required=not saved, metavar="P",
                        help=(_("one of: {providers} (or from {option})") if saved
                              else _("one of: {providers}")).format(providers=names, option="--use"))
    parser.add_argument(
        "--profile", default=None if saved else "default", metavar="NAME",
        help=_("credentials profile (default: {profile}, or the one of {option})").format(
            profile="default", option="--use") if saved else _profile_help(),
    )


def _profile_help() -> str:
    return _("credentials profile (default: {profile})").format(profile="default")


# ---------------------------------------------------------------------------------------- help epilogs
# (exit status, its description): the numbers are the contract, the descriptions are texts (marked N_ and
# translated by :func:`epilog`); likewise (variable names, description) for the environment
EXITS_ROWS: tuple[tuple[str, str], ...] = (
    ("0", N_("every row ended added, updated, exists or skipped (ready in a dry run)")),
    ("1", N_("at least one row ended invalid or failed")),
    ("2", N_("nothing was sent because of the command, the file or the credentials")),
    ("130", N_("interrupted (Ctrl-C, SIGTERM); the journal keeps the state for --resume")),
)
EXITS_PLAIN: tuple[tuple[str, str], ...] = (
    ("0", N_("done")),
    ("2", N_("a bad command")),
)
ENV_HOME = ("CONTACT_UPLOADER_HOME", N_("where settings, the job journal and logs live (default: per user)"))


def env_home() -> tuple[str, str]:
    return ENV_HOME[0], _(ENV_HOME[1])


def env_credentials(providers: Sequence[Provider] | None = None) -> list[tuple[str, str]]:
    """One help line per provider (default: all): the variables that override its stored credentials."""
    return [
        (", ".join(c.env_var(p.name) for c in p.credential_fields),
         _("{provider} credentials (override the keyring)").format(provider=p.title))
        for p in (providers or list(PROVIDERS.values()))
    ]


def env_base_urls(providers: Sequence[Provider] | None = None) -> list[tuple[str, str]]:
    return [(base_url_env(p), _("{provider} address, as {option} (which wins)").format(
        provider=p.title, option="--base-url"))
            for p in (providers or list(PROVIDERS.values()))]


def epilog(exits: Sequence[tuple[str, str]], env: Sequence[tuple[str, str]]) -> str:
    """The end of every ``--help``: the exit statuses, then the environment variables the command reads.

    ``exits`` holds (status, English description marked ``N_``), translated here; ``env`` holds (variable
    names, description already translated). The statuses and variable names never change with the language.
    """
    lines = [_("exit status:")]
    lines += [f"  {code:<5}{_(what)}" for code, what in exits]
    internal = _("an internal error of the program (a bug); the log has the details")
    lines.append(f"  {EXIT_INTERNAL:<5}{internal}")
    lines.append(_("environment:"))
    for name, what in env:
        lines.append(f"  {name}")
        lines.append(f"        {what}")
    return "\n".join(lines)


def _sub_help(parser: argparse.ArgumentParser, exits: Sequence[tuple[str, str]],
              env: Sequence[tuple[str, str]]) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = epilog(exits, env)


class _LanguageChoices(tuple[str, ...]):
    """The languages --lang offers (shown in --help and errors), also taking the test pseudo-locale."""

    def __contains__(self, value: object) -> bool:
        from core.i18n import PSEUDO

        return value == PSEUDO or super().__contains__(value)


def _add_lang(parser: argparse.ArgumentParser, *, top: bool = False) -> None:
    from core.i18n import LANGUAGES

    parser.add_argument(
        "--lang", choices=_LanguageChoices(LANGUAGES), default=None if top else argparse.SUPPRESS,
        help=_("language of the messages, the summary and the report (default: the one chosen in the window, "
               "else the system's)"),
    )


def _add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json",
        action="store_true",
        help=_("print one JSON object at the end on stdout (counts, elapsed_s, report, job_id, exit_status); "
               "the summary and errors go to stderr"),
    )


def build_parser() -> argparse.ArgumentParser:
    """The whole SPEC section 8 contract.

    Namespace attributes: ``command``; ``demo`` (bool) everywhere; providers: ``json``; add: ``provider``,
    ``profile``, ``set`` (list of "FIELD=VALUE"), ``default_region``, ``base_url``; upload: ``file``,
    ``provider``, ``profile``, ``sheet``, ``header_row`` (int), ``map`` / ``set`` (lists of "A=B"),
    ``default_region``, ``dry_run``, ``report``, ``resume``, ``concurrency`` (int), ``base_url``,
    ``encoding``, ``delimiter``, ``use``, ``save``, ``json`` (upload's ``provider`` and ``profile`` are None
    when not given: ``--use`` may supply them); credentials: ``action`` (set/test/delete), ``provider``,
    ``profile``; groups: ``provider``, ``profile``, ``json``, ``base_url``.
    """
    parser = _Parser(
        prog=PROG,
        description=_("{program}: add contacts to SMS and e-mail marketing platforms.").format(
            program=APP_TITLE),
        epilog=_("Without a command the window opens (it needs a desktop session).") + "\n"
        + epilog(
            (*EXITS_ROWS[:2], ("2", N_("nothing was sent (command, file or credentials), an unknown command, "
                                       "or the window without a desktop session")), EXITS_ROWS[3]),
            [env_home(), *env_credentials(), *env_base_urls(),
             ("DISPLAY, WAYLAND_DISPLAY, QT_QPA_PLATFORM", _("the desktop session the window needs")),
             ("CONTACT_UPLOADER_LANG, LC_ALL, LC_MESSAGES, LANG",
              _("language of the messages, the window and the report ({option} wins)").format(
                  option="--lang"))],
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}",
                        help=_("show the program's version number and exit"))
    _add_lang(parser, top=True)
    parser.add_argument(
        "--demo",
        action="store_true",
        default=False,
        help=_("run against the built-in sandbox with demo credentials (nothing leaves this computer)"),
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("providers", help=_("list the providers, their fields, options and credentials"))
    _add_lang(p)
    p.add_argument("--json", action="store_true", help=_("print JSON instead of text"))
    _sub_help(p, EXITS_PLAIN, [env_home()])

    p = sub.add_parser("add", help=_("add one contact given with {option}").format(
        option="--set FIELD=VALUE"))
    _add_lang(p)
    _add_provider_options(p)
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help=_("a field or option of the contact (repeat it)"),
    )
    p.add_argument("--default-region", metavar="CC", help=_("country for phone numbers without a prefix"))
    p.add_argument("--base-url", metavar="URL", help=_("send to this address instead of the provider's"))
    _add_demo(p)
    _add_json(p)
    _sub_help(p, (("0", N_("the contact ended added, updated, exists or skipped")),
                  ("1", N_("the contact was refused (failed)")), *EXITS_ROWS[2:]),
              [env_home(), *env_credentials(), *env_base_urls()])

    p = sub.add_parser("upload", help=_("add every row of a spreadsheet"))
    _add_lang(p)
    p.add_argument("file", metavar="FILE", help=_("CSV, TSV, TXT, XLSX, XLSM, XLS or ODS file"))
    _add_provider_options(p, saved=True)
    p.add_argument("--sheet", metavar="NAME", help=_("the sheet to read (default: the first)"))
    p.add_argument("--header-row", type=_header_row, metavar="N",
                   help=_("the row holding the column names (0: the sheet has none, every row is a contact)"))
    p.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="COLUMN=FIELD",
        help=_("use only these columns, sent as these fields (repeat it); default: automatic"),
    )
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help=_("give every row this value for a field or option (repeat it), e.g. list_name=vip"),
    )
    p.add_argument(
        "--extra-columns-as-attributes",
        action="store_true",
        help=_("Netcore only: also send every column that matches no field as an attribute named after its "
               "header (default: only matching columns are sent)"),
    )
    p.add_argument("--default-region", metavar="CC", help=_("country for phone numbers without a prefix"))
    p.add_argument("--dry-run", action="store_true", help=_("check every row, send nothing"))
    p.add_argument("--report", metavar="PATH", help=_("write one CSV row per source row here"))
    p.add_argument("--resume", action="store_true", help=_("continue the unfinished job for this file"))
    p.add_argument("--concurrency", type=_positive, metavar="N", help=_("requests in flight at once"))
    p.add_argument("--base-url", metavar="URL", help=_("send to this address instead of the provider's"))
    p.add_argument("--encoding", metavar="NAME", help=_("text file encoding (default: detected)"))
    p.add_argument("--delimiter", metavar="CHAR", help=_("text file delimiter (default: detected)"))
    p.add_argument("--use", metavar="SAVED.cuimport",
                   help=_("apply a saved import (provider, profile, reading, mapping by column name, --set "
                          "values, default region); the flags given here win over it"))
    p.add_argument("--save", metavar="SAVED.cuimport",
                   help=_("save the settings this run uses to this file (never a credential)"))
    _add_demo(p)
    _add_json(p)
    _sub_help(p, EXITS_ROWS, [env_home(), *env_credentials(), *env_base_urls()])

    p = sub.add_parser("groups", help=_("list the İleti Merkezi account's groups: id, name, count"))
    _add_lang(p)
    p.add_argument("provider", metavar="P", help=_("iletimerkezi (the platform with contact groups)"))
    p.add_argument(
        "--profile", default="default", metavar="NAME", help=_profile_help()
    )
    p.add_argument("--json", action="store_true", help=_("print JSON (one object per group, with parent_id)"))
    p.add_argument("--base-url", metavar="URL", help=_("ask this address instead of the provider's"))
    _add_demo(p)
    ileti = [get_provider("iletimerkezi")]  # the only platform with groups: only its variables are read
    _sub_help(p, (("0", N_("the groups were listed")),
                  ("2", N_("credentials missing or refused, the platform unreachable, or a bad command"))),
              [env_home(), *env_credentials(ileti), *env_base_urls(ileti)])

    p = sub.add_parser("credentials", help=_("store, test or delete a provider's credentials"))
    _add_lang(p)
    p.add_argument("action", choices=("set", "test", "delete"),
                   help=_("set (prompt or stdin), test or delete"))
    p.add_argument("provider", metavar="P",
                   help=_("one of: {providers}").format(providers=", ".join(PROVIDERS)))
    p.add_argument(
        "--profile", default="default", metavar="NAME", help=_profile_help()
    )
    _sub_help(p, (("0", N_("done")), ("1", N_("the connection test could not reach the provider")),
                  ("2", N_("credentials missing or refused, the keyring unusable, or a bad command"))),
              [env_home(), *env_credentials(), *env_base_urls(),
               ("PYTHON_KEYRING_BACKEND", _("the keyring backend to use (keyring's own setting)"))])
    return parser


# ---------------------------------------------------------------------------------------- helpers
def parse_assignments(
    items: Sequence[str], what: str = "--set", shape: str = "FIELD=VALUE"
) -> dict[str, str]:
    """``["A=1", "B=x=y"]`` → ``{"A": "1", "B": "x=y"}``; UsageError naming a malformed item."""
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(_("{option} '{item}' is not of the form {shape}.").format(
                option=what, item=item, shape=shape))
        out[name.strip()] = value
    return out


def base_url_for(
    provider: Provider,
    creds: Mapping[str, str],
    explicit: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> str:
    """``--base-url``, else ``CONTACT_UPLOADER_<PROVIDER>_BASE_URL``, else the provider's default."""
    from core.client import check_base_url

    env = os.environ if environ is None else environ
    chosen = (explicit or "").strip() or (env.get(base_url_env(provider)) or "").strip()
    return check_base_url(chosen or provider.default_base_url(creds))


def base_url_env(provider: Provider) -> str:
    return f"CONTACT_UPLOADER_{provider.name.upper()}_BASE_URL"


def _lazy(module: str, name: str) -> Callable[..., Any] | None:
    """``module.name`` imported on first use; None when that module is not part of this build."""
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise  # a bug inside the module, not a missing module
        return None
    found = getattr(mod, name, None)
    return found if callable(found) else None


@contextmanager
def demo_session() -> Iterator[Any]:
    """A running ``core.demo.DemoSession``; UsageError when the sandbox is not available."""
    session_class = _lazy("core.demo", "DemoSession")
    if session_class is None:
        raise UsageError(_("The demo mode is not available in this build."))
    with session_class() as session:
        yield session


def _kind(spec: FieldSpec) -> str:
    kind = spec.kind_text()
    if spec.choices:
        kind = _("{kind} ({choices})").format(kind=kind, choices=", ".join(spec.choices))
    return kind


def provider_json(provider: Provider) -> dict[str, Any]:
    return {
        "name": provider.name,
        "title": provider.title,
        "fields": [f.to_json() for f in provider.contact_fields()],
        "options": [f.to_json() for f in provider.option_fields()],
        "field_hint": provider.field_hint(),
        "dynamic_fields": [d.to_json() for d in provider.dynamic_fields()],
        "credentials": [c.to_json(provider.name) for c in provider.credential_fields],
        "credential_check": provider.has_credential_check,
        "batch_size": provider.batch_size,
        "default_concurrency": provider.default_concurrency,
        "default_region": provider.default_region,
        "default_base_url": provider.default_base_url({}),
        "base_url_env": base_url_env(provider),
    }


def _table(rows: list[list[str]], indent: str = "    ") -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [indent + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]


def provider_text(provider: Provider) -> str:
    lines = [f"{provider.name} — {provider.title}"]

    def field_rows(specs: Sequence[FieldSpec]) -> list[list[str]]:
        rows = []
        for f in specs:
            notes = []
            if f.required:
                notes.append(_("required"))
            if f.max_length:
                notes.append(ngettext("max {n} character", "max {n} characters", f.max_length).format(
                    n=number(f.max_length)))
            if f.default:
                notes.append(_("default {value}").format(value=f.default))
            rows.append([f.id, f.label_text(), _kind(f), ", ".join(notes)])
        return rows

    lines.append("  " + _("Fields:"))
    lines += _table(field_rows(provider.contact_fields()))
    if provider.field_hint():
        lines.append(f"    {provider.field_hint()}")
    if provider.option_fields():
        lines.append("  " + _("Options (one value for every row):"))
        lines += _table(field_rows(provider.option_fields()))
    lines.append("  " + _("Credentials:"))
    cred_rows = []
    for c in provider.credential_fields:
        what = _("secret (keyring)") if c.secret else pgettext("credential kind", "setting")
        extra = []
        if c.choices:
            extra.append(_("one of {choices}").format(choices=", ".join(c.choices)))
        if c.default:
            extra.append(_("default {value}").format(value=c.default))
        cred_rows.append([c.id, c.label_text(), what, c.env_var(provider.name), "; ".join(extra)])
    lines += _table(cred_rows)
    if provider.has_credential_check:
        lines.append("  " + _("Connection test: yes"))
    else:
        lines.append("  " + _("Connection test: no (the provider offers none)"))
    lines.append("  " + _("Contacts per request: {count}; default phone country: {country}").format(
        count=number(provider.batch_size), country=provider.default_region))
    lines.append("  " + _("Base URL: {url} (override: {option} or {variable})").format(
        url=provider.default_base_url({}), option="--base-url", variable=base_url_env(provider)))
    return "\n".join(lines)


def describe_result(provider: Provider, result: RowResult) -> str:
    """The readable outcome line of one contact, e.g. ``added: Octopush added the contact.``"""
    # the outcome word is the report's status value (machine-readable, never translated)
    line = f"{result.outcome}: {result.message or result.raw_text or result.code}"
    if result.contact_id:
        line += " " + _("(id {id})").format(id=result.contact_id)
    return line


# ---------------------------------------------------------------------------------------- commands
def cmd_providers(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    if args.json:
        json.dump([provider_json(p) for p in PROVIDERS.values()], stdout, ensure_ascii=False, indent=2)
        stdout.write("\n")
    else:
        stdout.write("\n\n".join(provider_text(p) for p in PROVIDERS.values()) + "\n")
    return EXIT_OK


def _default_region(provider: Provider, profile: str, explicit: str | None) -> str | None:
    if explicit and explicit.strip():
        return explicit.strip()
    try:
        from core import settings

        return settings.load().default_country(provider.name, profile) or None
    except (ImportError, UploaderError):
        return None


def cmd_add(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    from core.client import ProviderClient
    from core.validation import build_contact

    provider = get_provider(args.provider)
    values = parse_assignments(args.set)
    if not values:
        raise UsageError(
            _("Give the contact with {option} (see '{command}' for {provider}).").format(
                option="--set FIELD=VALUE", command=f"{PROG} providers", provider=provider.name)
        )
    check = build_contact(
        provider, values, key=1, default_region=_default_region(provider, args.profile, args.default_region)
    )
    if not check.ok or check.contact is None:
        run_record(args).set_counts({Outcome.INVALID: 1})
        reasons = " ".join(p.message for p in check.problems) or _("The contact is not valid.")
        absent = [p.field for p in check.problems if p.field and p.field not in values]
        if absent:
            reasons += " " + _("Give it with {options}.").format(
                options=" ".join(f"--set {f}=VALUE" for f in absent))
        raise UsageError(_("Nothing was sent. {reasons}").format(reasons=reasons))

    def send(creds: Mapping[str, str], base_url: str) -> int:
        assert check.contact is not None
        try:
            with ProviderClient(provider, creds, base_url) as client:
                result = client.add(check.contact, check.options)
        except KeyboardInterrupt:  # Ctrl-C, SIGTERM, SIGHUP: not added (exit 130)
            run_record(args).set_counts({Outcome.PENDING: 1})
            raise
        except UploaderError as exc:
            if exc.exit_status == EXIT_ROWS:  # a network problem: the counts agree with exit status 1
                run_record(args).set_counts({Outcome.FAILED: 1})
            raise
        run_record(args).set_counts({result.outcome: 1})
        stdout.write(describe_result(provider, result) + "\n")
        return EXIT_OK if result.outcome.is_success else EXIT_ROWS

    if args.demo:
        with demo_session() as session:
            return send(session.credentials(provider.name), session.base_url(provider.name))
    from core.credentials import load_credentials

    creds = load_credentials(provider, args.profile)
    return send(creds, base_url_for(provider, creds, args.base_url))


def cmd_upload(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    run_upload = _lazy("core.upload", "run_upload")
    if run_upload is None:
        stderr.write(_("The upload command is not available in this build yet.") + "\n")
        return EXIT_USAGE
    return int(run_upload(args, stdout, stderr))


def cmd_credentials(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    run = _lazy("core.credentials_cmd", "run")
    if run is None:
        stderr.write(_("The credentials command is not available in this build yet.") + "\n")
        return EXIT_USAGE
    return int(run(args, stdout, stderr))


def cmd_groups(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    from core.groups_cmd import run

    return run(args, stdout, stderr)


COMMANDS: dict[str, Callable[[argparse.Namespace, IO[str], IO[str]], int]] = {
    "providers": cmd_providers,
    "add": cmd_add,
    "upload": cmd_upload,
    "credentials": cmd_credentials,
    "groups": cmd_groups,
}


def _one_line(text: str) -> str:
    return one_line(text) or _("Something went wrong.")


def wants_json(argv: Sequence[str]) -> bool:
    """Whether ``argv`` asks ``upload``/``add`` for the ``--json`` summary (known before parsing, so that a
    command refused by the parser still answers with the JSON object)."""
    words = list(argv)
    if "--" in words:
        words = words[: words.index("--")]
    if any(w in ("-h", "--help", "--version") for w in words):
        return False
    command = next((w for w in words if not w.startswith("-")), None)
    return command in JSON_COMMANDS and "--json" in words
def internal_error_sentence(exc: BaseException) -> str:
    """One sentence for a bug (exit status 70), naming the log file where the traceback went."""
    from core import messages

    kind = type(exc).__name__
    try:
        from core.logsetup import log_path

        return messages.text("state", "internal", kind=kind, log=str(log_path()))
    except Exception:  # noqa: BLE001 — never fail while reporting a failure (no state folder, say)
        return messages.text("state", "internal_nolog", kind=kind)


def _show_notices(err: IO[str]) -> None:
    """Sentences the core kept for the user on the way (a damaged settings file moved aside)."""
    try:
        from core.settings import take_notices

        for sentence in take_notices():
            err.write(_one_line(sentence) + "\n")
    except Exception:
        log.debug("notices not shown", exc_info=True)


def main(
    argv: Sequence[str] | None = None, *, stdout: IO[str] | None = None, stderr: IO[str] | None = None
) -> int:
    """Run the command line; returns the exit status (never raises, never prints a traceback).

    With ``upload``/``add --json`` everything the command would print goes to stderr and stdout gets one
    JSON object at the end (:meth:`RunRecord.to_json`), whatever the exit status.
    """
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    arglist = list(sys.argv[1:] if argv is None else argv)
    use_language(arglist)
    if not wants_json(arglist):
        with _stop_signals_interrupt():
            return _run(arglist, out, err, RunRecord())
    started = time.monotonic()
    record = RunRecord()
    with _stop_signals_interrupt():
        status = _run(arglist, err, err, record)
    try:
        out.write(json.dumps(record.to_json(time.monotonic() - started, status), ensure_ascii=False) + "\n")
        out.flush()
    except BrokenPipeError:
        pass  # the reader went away; the exit status still tells
    return status


def use_language(argv: Sequence[str]) -> str:
    """Speak ``--lang``, ``CONTACT_UPLOADER_LANG``, the window's choice or the system's language (in that
    order) from now on; before the parser is built, so its help and errors speak it too."""
    from core import i18n
    from core.settings import saved_language

    return i18n.set_language(i18n.choose_language(i18n.lang_from_argv(argv), saved=saved_language()))


@contextmanager
def _stop_signals_interrupt() -> Iterator[None]:
    """SIGTERM, SIGHUP and SIGBREAK interrupt any command as Ctrl-C does (exit 130, the --json object), not
    only an upload's job (which handles them itself, more gently). Signals ignored on purpose (``nohup``)
    stay ignored; only the main thread can set handlers."""
    previous: dict[int, Any] = {}

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        for name in ("SIGTERM", "SIGHUP", "SIGBREAK"):
            signum = getattr(signal, name, None)
            if signum is None:
                continue
            try:
                if signal.getsignal(signum) is signal.SIG_DFL:
                    previous[signum] = signal.signal(signum, interrupt)
            except (OSError, ValueError):  # pragma: no cover - a signal this platform will not let us catch
                continue
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


def _run(argv: list[str], out: IO[str], err: IO[str], record: RunRecord) -> int:
    try:
        parser = build_parser()
        try:
            args, extras = parser.parse_known_args(argv)
        except SystemExit as exc:  # --help / --version
            return int(exc.code or 0) if not isinstance(exc.code, str) else EXIT_USAGE
        if extras:
            raise UsageError(unrecognized_sentence(parser, args, extras))
        args.record = record
        if not args.command:
            raise UsageError(_("Give a command: {commands}. Run '{help}' for help.").format(
                commands=", ".join(COMMANDS), help=f"{PROG} --help"))
        try:
            from core.logsetup import setup_logging

            setup_logging()
        except (ImportError, OSError, UploaderError):
            pass  # no log file is no reason to refuse the work
        log.info("command %s", args.command)
        try:
            return COMMANDS[args.command](args, out, err)
        finally:
            _show_notices(err)
    except UploaderError as exc:
        err.write(_one_line(str(exc)) + "\n")
        return exc.exit_status
    except BrokenPipeError:  # the reader went away (e.g. `| head`): nothing more to say
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return EXIT_OK
    except (KeyboardInterrupt, JobInterrupted):
        err.write(_("Interrupted.") + "\n")
        return EXIT_INTERRUPTED
    except Exception as exc:
        log.exception("unexpected error")
        err.write(internal_error_sentence(exc) + "\n")
        return EXIT_INTERNAL


__all__ = [
    "EXIT_INTERNAL", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_ROWS", "EXIT_USAGE", "RunRecord", "base_url_for",
    "build_parser", "main", "run_record",
]
