"""The command line speaks the chosen language: its own texts, argparse's, the providers' labels and the
core's errors (issue 15). Proven with the ``qps`` pseudo-locale, which turns every translated text into
``⟦…⟧``: what is left outside the brackets must be a machine value (a command, option, path, provider
name, field id, variable name), never an English word that skipped translation."""

from __future__ import annotations

import argparse
import ast
import contextlib
import io
import re
from pathlib import Path

import pytest

from core import argparse_texts, i18n
from core.cli import main
from core.providers import PROVIDERS
from tests.core.test_hostile_files import cell, write_xlsx_xml

COMMANDS = ("providers", "add", "upload", "groups", "credentials")
_SPAN = re.compile(r"⟦[^⟦⟧]*⟧")
# machine values: options, {choices}, URLs, UPPER_CASE names (metavars, variables, Netcore fields), paths
_MACHINE = re.compile(
    r"(?<![\w-])--?[A-Za-z][\w-]*(?:=\S*)?|\{[^{}\s]*\}|https?://\S+|\b[A-Z][A-Z0-9_]*(?:\.\w+)?\b|'?/[^\s']*'?"
    r"|[\w.-]+\.(?:csv|xlsx|cuimport)"
)
_WORD = re.compile(r"[^\W\d_][\w:<>@-]*")


def _machine_words() -> set[str]:
    words = {"contact-uploader", "contact_uploader", "set", "test", "delete", "en", "tr", "fr", "es", "qps",
             "default", *COMMANDS}
    for provider in PROVIDERS.values():
        words.add(provider.name)
        words.update(provider.title.replace("/", " ").split())
        words.update(f.id for f in provider.fields())
        words.update(c.id for c in provider.credential_fields)
        for spec in provider.fields():
            words.update(spec.choices)
        for spec in provider.credential_fields:
            words.update(spec.choices)
    return words


def leaks(text: str) -> list[str]:
    """The English words of ``text`` outside every ⟦…⟧ that are no machine value."""
    while True:  # innermost spans first: a translated sentence may hold translated parts
        stripped = _SPAN.sub(" ", text)
        if stripped == text:
            break
        text = stripped
    text = _MACHINE.sub(" ", text)
    allowed = _machine_words()
    return [w for w in _WORD.findall(text) if w not in allowed and sum(c.islower() for c in w) >= 2]


def run(*argv: str) -> tuple[int, str, str]:
    """``main(argv)``: its exit status, stdout and stderr (argparse writes --help to sys.stdout itself)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(argv), stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


# ------------------------------------------------------------------------------------------ argparse
def _argparse_msgids() -> tuple[set[str], set[tuple[str, str]]]:
    """The literal texts argparse.py passes to ``_()`` and ``ngettext()`` (a ``kwargs.pop(key, default)``
    argument counts with its literal default, as argparse's own "subcommands" title)."""
    tree = ast.parse(Path(argparse.__file__).read_text(encoding="utf-8"))
    singles: set[str] = set()
    plurals: set[tuple[str, str]] = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        args = node.args
        if node.func.id == "_" and args:
            arg = args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                singles.add(arg.value)
            elif isinstance(arg, ast.Call):
                singles.update(a.value for a in arg.args[1:]
                               if isinstance(a, ast.Constant) and isinstance(a.value, str))
        elif node.func.id == "ngettext" and len(args) >= 2:
            one, many = args[0], args[1]
            if isinstance(one, ast.Constant) and isinstance(many, ast.Constant):
                plurals.add((str(one.value), str(many.value)))
    return singles, plurals


def test_every_argparse_text_is_marked_for_the_catalogue() -> None:
    singles, plurals = _argparse_msgids()
    assert singles, "argparse.py has no _() texts: the parse above is broken"
    assert set(argparse_texts.TEXTS) == singles
    assert set(argparse_texts.PLURALS) == plurals


def test_argparse_speaks_the_catalogue() -> None:
    i18n.set_language(i18n.PSEUDO)
    assert argparse._("usage: ") == i18n.pseudo("usage: ")  # type: ignore[attr-defined]
    assert argparse.ngettext("expected %s argument", "expected %s arguments", 2) == i18n.pseudo(  # type: ignore[attr-defined]
        "expected %s arguments")
    assert argparse_texts.plural_texts(1)[1] == i18n.pseudo("expected %s argument")
    i18n.set_language("en")
    assert argparse._("usage: ") == "usage: "  # type: ignore[attr-defined]


def test_help_under_the_pseudo_locale_translates_argparse_own_words() -> None:
    status, out, _err = run("--lang", "qps", "--help")
    assert status == 0
    assert out.startswith(i18n.pseudo("usage: ") + "contact-uploader")
    assert i18n.pseudo("options") + ":" in out
    assert i18n.pseudo("show this help message and exit") in out
    assert "usage:" not in out
    assert "\noptions:" not in out


def test_argparse_errors_under_the_pseudo_locale() -> None:
    status, out, err = run("--lang", "qps", "upload")  # FILE missing
    assert status == 2
    assert out == ""
    assert i18n.pseudo("the following arguments are required: %s") % "FILE" in err
    assert "required" not in err.replace(i18n.pseudo("the following arguments are required: %s"), "")
    status, _out, err = run("--lang", "qps", "credentials", "frob", "octopush")
    assert status == 2
    assert i18n.pseudo("invalid choice: %(value)r (choose from %(choices)s)") % {
        "value": "frob", "choices": "'set', 'test', 'delete'"} in err
    assert leaks(err) == [], err


# ------------------------------------------------------------------------------------------ the audit
@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_every_help_is_translated(command: str | None) -> None:
    argv = ["--lang", "qps", *([command] if command else []), "--help"]
    status, out, err = run(*argv)
    assert status == 0, err
    assert "⟦" in out
    assert leaks(out) == [], out


def test_the_providers_listing_is_translated() -> None:
    status, out, _err = run("--lang", "qps", "providers")
    assert status == 0
    assert leaks(out) == [], out
    # field ids, variable names and provider names stay as they are
    assert "phone_number" in out
    assert "CONTACT_UPLOADER_OCTOPUSH_API_KEY" in out
    assert "octopush — Octopush" in out
    assert i18n.pseudo("Mobile phone") in out
    assert i18n.pseudo("Parameter {n}").format(n="3") in out  # a label built around a number
    assert i18n.pseudo("max {n} characters").format(n="30") in out  # a plural, its count formatted


def test_a_file_too_large_to_read_is_told_in_the_language(tmp_path: Path) -> None:
    path = write_xlsx_xml(tmp_path / "far.xlsx", f'<row r="1048576">{cell("XFD1048576", "x")}</row>')
    status, _out, err = run("--lang", "qps", "upload", str(path), "--provider", "octopush", "--dry-run")
    assert status == 2
    assert "XFD1048576" in err
    assert "⟦" in err
    assert leaks(err) == [], err


def test_an_unknown_provider_is_told_in_the_language() -> None:
    status, _out, err = run("--lang", "qps", "add", "--provider", "nope", "--set", "x=y")
    assert status == 2
    assert leaks(err) == [], err
    assert "'nope'" in err
    assert "octopush" in err


def test_missing_credentials_are_told_in_the_language() -> None:
    status, out, err = run("--lang", "qps", "credentials", "test", "octopush")
    assert status == 2
    assert out == ""
    assert i18n.pseudo("API key") in err  # the credential's label, translated
    assert "CONTACT_UPLOADER_OCTOPUSH_API_KEY" in err
    assert leaks(err) == [], err


def test_a_provider_without_a_check_says_so_in_the_language() -> None:
    status, out, _err = run("--lang", "qps", "credentials", "test", "netcore")
    assert status == 0
    assert leaks(out) == [], out


def test_bad_arguments_are_told_in_the_language() -> None:
    for argv in (("upload", "f.csv", "--concurrency", "0"), ("upload", "f.csv", "--header-row", "x"),
                 ("add", "--provider", "octopush", "--frob"), ("--lang", "qps")):
        status, _out, err = run("--lang", "qps", *argv)
        assert status == 2, argv
        assert "⟦" in err, (argv, err)
        assert leaks(err) == [], (argv, err)


def test_the_leak_check_catches_english() -> None:
    """The audit above can fail: an untranslated sentence is reported, machine values are not."""
    assert leaks("⟦Ŗéàð~⟧ --provider octopush CONTACT_UPLOADER_HOME phone_number /tmp/x.csv") == []
    assert leaks("⟦Ŗéàð~⟧ Nothing was sent.") == ["Nothing", "was", "sent"]


# ------------------------------------------------------------------------------------------ choosing
def test_the_environment_chooses_the_language_like_lang(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(i18n.ENV_LANG, "qps")
    status, out, _err = run("providers")
    assert status == 0
    assert i18n.pseudo("Mobile phone") in out
    assert leaks(out) == []
    status, out, _err = run("--lang", "en", "providers")  # --lang wins over the environment
    assert "Mobile phone" in out
    assert "⟦" not in out


@pytest.mark.parametrize("argv", [("upload", "--lang", "fr"), ("--lang", "fr", "upload"),
                                  ("upload", "--lang=fr"), ("--lang=fr", "upload")])
def test_lang_is_taken_before_and_after_the_command(argv: tuple[str, ...]) -> None:
    status, _out, _err = run(*argv)
    assert status == 2  # FILE is missing
    assert i18n.language() == "fr"
    qps = tuple("qps" if a == "fr" else a.replace("=fr", "=qps") for a in argv)
    status, _out, err = run(*qps)
    assert status == 2
    assert i18n.pseudo("the following arguments are required: %s") % "FILE" in err


def test_numbers_follow_the_language(tmp_path: Path) -> None:
    path = write_xlsx_xml(tmp_path / "far.xlsx", f'<row r="1048576">{cell("XFD1048576", "x")}</row>')
    for lang, rows in (("en", "1,048,576"), ("fr", "1\u202f048\u202f576"), ("tr", "1.048.576")):
        status, _out, err = run("--lang", lang, "upload", str(path), "--provider", "octopush", "--dry-run")
        assert status == 2
        assert i18n.number(1048576) == rows
        # (core/upload.py still folds the no-break spaces of French numbers into plain ones)
        assert f"({rows.replace(chr(0x202F), ' ')} " in err.replace(chr(0x202F), " "), (lang, err)
