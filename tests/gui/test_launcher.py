"""The ``contact-uploader`` console script before the window: typos refused, no window without a display.

Each case runs the installed console script as a subprocess (SPEC §8: a first word that is neither a
subcommand nor an existing file exits 2 naming the closest command; the window without a display exits 2
with one sentence, decided before Qt is imported).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from core import __version__
from gui.launcher import first_word, has_display, language, unknown_word_sentence
from tests.console import run_script

NO_SESSION = ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11/Wayland are Linux's")


def one_line(stderr: str) -> str:
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


# ---------------------------------------------------------------------------------------- unknown first word
@pytest.mark.parametrize(
    ("typed", "meant"),
    [("uplaod", "upload"), ("ad", "add"), ("provider", "providers"), ("credential", "credentials"),
     ("UPLOAD", "upload")],
)
def test_a_mistyped_command_exits_2_naming_the_closest(tmp_path: Path, typed: str, meant: str) -> None:
    proc = run_script(typed, "contacts.csv", "--provider", "octopush", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    assert one_line(proc.stderr) == f"Unknown command '{typed}'. Did you mean '{meant}'?"


def test_a_word_like_no_command_lists_the_commands(tmp_path: Path) -> None:
    proc = run_script("zzzz", cwd=tmp_path)
    assert proc.returncode == 2
    line = one_line(proc.stderr)
    assert line.startswith("Unknown command 'zzzz'; the commands are providers, add, upload, credentials")


def test_a_missing_file_is_named_as_a_file(tmp_path: Path) -> None:
    proc = run_script("contacts.xlsx", cwd=tmp_path)
    assert proc.returncode == 2
    assert one_line(proc.stderr) == "There is no file 'contacts.xlsx' to open."


def test_the_sentence_follows_the_language(tmp_path: Path) -> None:
    proc = run_script("uplaod", cwd=tmp_path, env={"CONTACT_UPLOADER_LANG": "tr"})
    assert proc.returncode == 2
    assert one_line(proc.stderr) == "Bilinmeyen komut 'uplaod'. Bunu mu demek istediniz: 'upload'?"


def test_version_and_help_still_work(tmp_path: Path) -> None:
    proc = run_script("--version", cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"contact-uploader {__version__}"
    proc = run_script("--help", cwd=tmp_path)
    assert proc.returncode == 0
    assert "upload" in proc.stdout
    assert proc.stderr == ""


@pytest.mark.parametrize("name", ["uplaod", "contacts.csv"])
def test_an_existing_file_still_opens_the_window(tmp_path: Path, name: str) -> None:
    # even a file whose name looks like a mistyped command is a file to open
    (tmp_path / name).write_text("Ad,E-posta\nAyşe,ayse@example.com\n", encoding="utf-8")
    proc = run_script("--smoke-test", name, cwd=tmp_path, env={"QT_QPA_PLATFORM": "offscreen"})
    assert proc.returncode == 0, proc.stderr
    assert "window shown after" in proc.stdout
    assert "Unknown command" not in proc.stderr


# ---------------------------------------------------------------------------------------- no display
@linux_only
@pytest.mark.parametrize("argv", [[], ["--demo"], ["--smoke-test"], ["contacts.csv"]])
def test_the_window_without_a_display_exits_2_with_one_sentence(tmp_path: Path, argv: list[str]) -> None:
    (tmp_path / "contacts.csv").write_text("Ad\nAyşe\n", encoding="utf-8")
    proc = run_script(*argv, cwd=tmp_path, drop=NO_SESSION)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stdout == ""
    line = one_line(proc.stderr)
    assert line.startswith("The window needs a desktop session")
    assert "upload" in line
    assert "add" in line


@linux_only
def test_without_a_display_qt_is_never_imported(tmp_path: Path) -> None:
    # PYTHONPROFILEIMPORTTIME makes Python list every module it imports on stderr
    proc = run_script(cwd=tmp_path, drop=NO_SESSION, env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert proc.returncode == 2
    assert "import time:" in proc.stderr  # the listing is there
    assert "PySide6" not in proc.stderr
    assert "desktop session" in proc.stderr


@linux_only
def test_an_x11_platform_without_display_is_refused_too(tmp_path: Path) -> None:
    proc = run_script(cwd=tmp_path, drop=NO_SESSION, env={"QT_QPA_PLATFORM": "xcb"})
    assert proc.returncode == 2
    assert "desktop session" in one_line(proc.stderr)


@linux_only
def test_a_platform_that_needs_no_display_opens_the_window(tmp_path: Path) -> None:
    proc = run_script("--smoke-test", cwd=tmp_path, drop=NO_SESSION, env={"QT_QPA_PLATFORM": "offscreen"})
    assert proc.returncode == 0, proc.stderr
    assert "window shown after" in proc.stdout


@linux_only
def test_commands_work_without_a_display(tmp_path: Path) -> None:
    proc = run_script("providers", "--json", cwd=tmp_path, drop=NO_SESSION)
    assert proc.returncode == 0, proc.stderr
    assert '"octopush"' in proc.stdout


def _free_x_display() -> int:
    """A display number with no X server behind it (no socket file, no abstract socket, no TCP port)."""
    import socket

    for number in range(4700, 4800):
        if Path(f"/tmp/.X11-unix/X{number}").exists():
            continue
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(f"\0/tmp/.X11-unix/X{number}")
        except OSError:
            return number
        finally:
            probe.close()
    pytest.skip("no free X display number")


@linux_only
@pytest.mark.parametrize("variable", ["DISPLAY", "WAYLAND_DISPLAY"])
def test_a_display_that_does_not_answer_exits_2_with_one_sentence(tmp_path: Path, variable: str) -> None:
    # a DISPLAY left over in a tmux session after the X forwarding closed: Qt aborted (134) with its own text
    value = f":{_free_x_display()}" if variable == "DISPLAY" else "wayland-gone"
    env = {variable: value, "XDG_RUNTIME_DIR": str(tmp_path), "PYTHONPROFILEIMPORTTIME": "1"}
    proc = run_script(cwd=tmp_path, drop=NO_SESSION, env=env)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "PySide6" not in proc.stderr  # decided before Qt is imported
    lines = [line for line in proc.stderr.splitlines() if not line.startswith("import time:")]
    assert len(lines) == 1, lines
    assert lines[0].startswith("The window needs a desktop session")
    assert value in lines[0]
    assert "upload" in lines[0]


@linux_only
def test_a_display_that_answers_is_used(tmp_path: Path) -> None:
    import socket

    from gui.launcher import silent_display

    number = _free_x_display()
    x_server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    wayland = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    with x_server, wayland:
        x_server.bind(f"\0/tmp/.X11-unix/X{number}")  # where libxcb looks first
        x_server.listen()
        wayland.bind(str(tmp_path / "wayland-1"))
        wayland.listen()
        assert silent_display([], {"DISPLAY": f":{number}"}) is None
        assert silent_display([], {"DISPLAY": f":{number}.0"}) is None
        assert silent_display([], {"WAYLAND_DISPLAY": "wayland-1", "XDG_RUNTIME_DIR": str(tmp_path)}) is None
        # one of the two answering is enough
        both = {"DISPLAY": ":4799", "WAYLAND_DISPLAY": str(tmp_path / "wayland-1")}
        assert silent_display([], both) is None
    assert silent_display([], {"DISPLAY": f":{number}"}) == f":{number}"
    # a platform that needs no display, another system, or a form the launcher cannot read: not refused
    assert silent_display([], {"DISPLAY": f":{number}", "QT_QPA_PLATFORM": "offscreen"}) is None
    assert silent_display([], {"DISPLAY": f":{number}"}, "win32") is None
    assert silent_display([], {"DISPLAY": "weird/form"}) is None


# ---------------------------------------------------------------------------------------- the pieces
@pytest.mark.parametrize(
    ("env", "argv", "system", "expected"),
    [
        ({}, [], "linux", False),
        ({"DISPLAY": ":0"}, [], "linux", True),
        ({"WAYLAND_DISPLAY": "wayland-0"}, [], "linux", True),
        ({"QT_QPA_PLATFORM": "offscreen"}, [], "linux", True),
        ({"QT_QPA_PLATFORM": "vnc:size=800x600"}, [], "linux", True),
        ({"QT_QPA_PLATFORM": "wayland;xcb"}, [], "linux", False),
        ({"QT_QPA_PLATFORM": "xcb"}, ["-platform", "minimal"], "linux", True),
        ({}, ["--platform=offscreen"], "linux", True),
        ({"DISPLAY": "  "}, [], "freebsd14", False),
        ({}, [], "win32", True),
        ({}, [], "darwin", True),
    ],
)
def test_has_display(env: dict[str, str], argv: list[str], system: str, expected: bool) -> None:
    assert has_display(argv, env, system) is expected


@pytest.mark.parametrize(
    ("argv", "word"),
    [([], None), (["--demo"], None), (["--profile", "upload", "x.csv"], "x.csv"),
     (["-platform", "offscreen", "uplaod"], "uplaod"), (["--", "uplaod"], None), (["--lang=tr", "ad"], "ad")],
)
def test_first_word(argv: list[str], word: str | None) -> None:
    assert first_word(argv) == word


@pytest.mark.parametrize(
    ("argv", "env", "lang"),
    [([], {}, "en"), ([], {"LANG": "fr_FR.UTF-8"}, "fr"), ([], {"LC_ALL": "de_DE", "LANG": "fr_FR"}, "en"),
     (["--lang", "es"], {"CONTACT_UPLOADER_LANG": "tr"}, "es"), ([], {"CONTACT_UPLOADER_LANG": "tr"}, "tr"),
     # LC_ALL=C overrides LANG, as in setlocale: the C locale has no language, so English (as the CLI does)
     ([], {"LC_ALL": "C", "LANG": "tr_TR.UTF-8"}, "en"), ([], {"LANGUAGE": "es:fr", "LANG": "fr_FR"}, "es"),
     (["--lang=fr"], {}, "fr")],
)
def test_language(argv: list[str], env: dict[str, str], lang: str) -> None:
    assert language(argv, env) == lang


def test_the_language_chosen_in_the_window_is_used_unless_given() -> None:
    from core import settings

    with settings.edit() as s:
        s.set_language("fr")
    assert language([], {"LANG": "tr_TR.UTF-8"}) == "fr"
    assert language(["--lang", "es"], {"LANG": "tr_TR.UTF-8"}) == "es"
    assert language([], {"CONTACT_UPLOADER_LANG": "tr"}) == "tr"


@pytest.mark.parametrize("lang", ["en", "tr", "fr", "es"])
def test_every_sentence_exists_in_every_language(lang: str) -> None:
    commands = ["providers", "add", "upload", "credentials"]
    for word in ("uplaod", "zzzz", "a.csv"):
        sentence = unknown_word_sentence(word, commands, lang)
        assert word in sentence
        assert "{" not in sentence
    if lang != "en":
        assert unknown_word_sentence("uplaod", commands, lang) != unknown_word_sentence("uplaod", commands)
