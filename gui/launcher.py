"""The ``contact-uploader`` console script: a CLI subcommand runs headless, anything else opens the window.

This module imports neither PySide6 nor the window code until it knows the window is wanted, so
``contact-uploader upload ...`` on a server without a display never loads Qt. Before the window it refuses,
with one sentence and exit status 2 (SPEC §8):

- a first word that is neither a command nor an existing file ("Unknown command 'uplaod'. Did you mean
  'upload'?"; a word that looks like a path is named as a missing file instead);
- the window on a Linux/BSD machine without a desktop session (no ``DISPLAY``, no ``WAYLAND_DISPLAY`` and
  no ``QT_QPA_PLATFORM``/``-platform`` that needs none, such as ``offscreen``), instead of Qt's own abort;
- the same when the display those variables name does not answer (:func:`silent_display`).

A frozen build also starts itself with ``--read-workbook-child`` to read a big workbook for the window
(:mod:`core.workbook_child`); that is handed over before anything else.
"""

from __future__ import annotations

import difflib
import os
import sys
from collections.abc import Mapping, Sequence

WORKBOOK_CHILD = "--read-workbook-child"  # core.workbook_child.CHILD_FLAG (not imported here: kept light)
SUBCOMMANDS = frozenset({"providers", "add", "upload", "credentials", "groups"})
# top-level flags that belong to the command line tool rather than the window
CLI_FLAGS = frozenset({"-h", "--help", "--version"})
# window options that take a value, so the value is not mistaken for a subcommand
_VALUE_OPTIONS = frozenset({"--provider", "--profile", "--lang"})
# Qt's own command-line options that take a value (QGuiApplication/QApplication), in both spellings
_QT_VALUE_OPTIONS = frozenset(
    prefix + name
    for prefix in ("-", "--")
    for name in ("platform", "platformpluginpath", "platformtheme", "plugin", "qwindowgeometry", "geometry",
                 "qwindowicon", "qwindowtitle", "title", "display", "style", "stylesheet", "session",
                 "qmljsdebugger", "qwindowcontainer")
)
# Qt platform plugins that draw without an X11 or Wayland server
HEADLESS_PLATFORMS = frozenset({
    "offscreen", "minimal", "minimalegl", "vnc", "eglfs", "linuxfb", "vkkhrdisplay", "directfb", "bsdfb",
})
EXIT_USAGE = 2


def wants_cli(argv: Sequence[str]) -> bool:
    """True when ``argv`` names a CLI subcommand (or asks for the CLI's help/version)."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg == "--":
            return False
        if arg in CLI_FLAGS:
            return True
        if arg.startswith("-"):
            skip = arg in _VALUE_OPTIONS or arg in _QT_VALUE_OPTIONS
            continue
        return arg in SUBCOMMANDS
    return False


def first_word(argv: Sequence[str]) -> str | None:
    """The first argument that is not an option or an option's value (None after ``--`` or when none)."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg == "--":
            return None
        if arg.startswith("-") and arg != "-":
            skip = "=" not in arg and (arg in _VALUE_OPTIONS or arg in _QT_VALUE_OPTIONS)
            continue
        return arg
    return None


def _platform_option(argv: Sequence[str]) -> str | None:
    """The value of Qt's ``-platform NAME`` (or ``--platform=NAME``) option, if given."""
    from core.i18n import option_value

    return option_value(argv, "-platform", "--platform")


def has_display(
    argv: Sequence[str] = (), environ: Mapping[str, str] | None = None, platform: str | None = None
) -> bool:
    """Whether the window can be shown: a desktop session, or a Qt platform that needs none.

    Only X11/Wayland systems (Linux, the BSDs) are checked; on Windows and macOS a session is assumed.
    ``QT_QPA_PLATFORM`` may list fallbacks (``wayland;xcb``) and carry options (``vnc:size=800x600``).
    """
    env = os.environ if environ is None else environ
    system = sys.platform if platform is None else platform
    if not system.startswith(("linux", "freebsd", "openbsd", "netbsd", "dragonfly")):
        return True
    if env.get("DISPLAY", "").strip() or env.get("WAYLAND_DISPLAY", "").strip():
        return True
    chosen = _platform_option(argv) or env.get("QT_QPA_PLATFORM", "")
    names = {part.split(":", 1)[0].strip().lower() for part in chosen.split(";")}
    return bool(names & HEADLESS_PLATFORMS)


def silent_display(
    argv: Sequence[str] = (), environ: Mapping[str, str] | None = None, platform: str | None = None
) -> str | None:
    """The display that ``DISPLAY``/``WAYLAND_DISPLAY`` name when none of them answers, else None.

    A variable left over from a closed session (a tmux or screen session that outlived its X forwarding, a
    ``sudo`` keeping the user's ``DISPLAY``) would make Qt abort with its own text. Only a certain "nothing
    there" counts (the socket missing or refusing the connection); a form the launcher cannot read, a
    timeout or a permission problem leaves the decision to Qt. Checked where :func:`has_display` looks, and
    never when ``-platform``/``QT_QPA_PLATFORM`` chooses a platform that needs no display.
    """
    env = os.environ if environ is None else environ
    system = sys.platform if platform is None else platform
    if not system.startswith(("linux", "freebsd", "openbsd", "netbsd", "dragonfly")):
        return None
    chosen = _platform_option(argv) or env.get("QT_QPA_PLATFORM", "")
    if {part.split(":", 1)[0].strip().lower() for part in chosen.split(";")} & HEADLESS_PLATFORMS:
        return None
    named: list[str] = []
    for variable, answers in (("DISPLAY", _x11_answers), ("WAYLAND_DISPLAY", _wayland_answers)):
        value = env.get(variable, "").strip()
        if not value:
            continue
        if answers(value, env, system) is not False:
            return None
        named.append(value)
    return " / ".join(named) or None


def _connects(family: int, address: str | tuple[str, int]) -> bool | None:
    """True: something accepts connections there; False: nothing (missing, refused); None: unknown."""
    import socket

    try:
        if family == socket.AF_INET:
            assert isinstance(address, tuple)
            with socket.create_connection(address, timeout=1.0):
                return True
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.settimeout(1.0)
            sock.connect(address)
            return True
    except (ConnectionRefusedError, FileNotFoundError, socket.gaierror):
        return False
    except OSError:
        return None


def _x11_answers(display: str, env: Mapping[str, str], system: str) -> bool | None:
    """Whether the X server of ``display`` (``:0``, ``:0.0``, ``unix:1``, ``host:10.0``) answers, as libxcb
    would reach it: the abstract socket (Linux), the socket file, then TCP (port 6000 + the number)."""
    import re
    import socket

    match = re.fullmatch(r"(?P<host>[A-Za-z0-9.\-]*|\[[0-9A-Fa-f:.]+\]):(?P<number>\d+)(?:\.\d+)?", display)
    if match is None:
        return None
    host, number = match["host"].strip("[]"), int(match["number"])
    results: list[bool | None] = []
    if host in ("", "unix"):
        path = f"/tmp/.X11-unix/X{number}"
        if system.startswith("linux"):
            results.append(_connects(socket.AF_UNIX, "\0" + path))
        results.append(_connects(socket.AF_UNIX, path))
    if host != "unix":
        results.append(_connects(socket.AF_INET, (host or "localhost", 6000 + number)))
    if any(r is True for r in results):
        return True
    return None if any(r is None for r in results) else False


def _wayland_answers(name: str, env: Mapping[str, str], system: str) -> bool | None:
    """Whether the Wayland compositor's socket (``name`` in ``XDG_RUNTIME_DIR``, or a full path) answers."""
    import socket

    if os.path.isabs(name):
        path = name
    elif env.get("XDG_RUNTIME_DIR", "").strip():
        path = os.path.join(env["XDG_RUNTIME_DIR"], name)
    else:
        return False  # libwayland finds no socket without XDG_RUNTIME_DIR
    return _connects(socket.AF_UNIX, path)


def commands() -> list[str]:
    """The command line's subcommands, as ``core.cli`` defines them (a later command is known too)."""
    try:
        from core.cli import COMMANDS
    except ImportError:  # pragma: no cover - core.cli is part of every build
        return sorted(SUBCOMMANDS)
    return list(COMMANDS)


def language(argv: Sequence[str] = (), environ: Mapping[str, str] | None = None) -> str:
    """``--lang``, else ``CONTACT_UPLOADER_LANG``, else the language chosen in the window, else the operating
    system's (:func:`core.i18n.choose_language`); English when none fits. ``environ`` replaces the process
    environment (and then the system's UI languages are not asked)."""
    from core import i18n

    saved: str | None = None
    try:
        from core.settings import load

        saved = load().language()
    except Exception:  # noqa: BLE001 - a damaged or unreadable settings file never stops the launcher
        saved = None
    return i18n.choose_language(i18n.lang_from_argv(argv), saved=saved, environ=environ)


def _say(key: str, lang: str, **params: str) -> str:
    from core.messages import text

    return text("launcher", key, lang=lang, **params)


def unknown_word_sentence(word: str, known: Sequence[str], lang: str = "en") -> str:
    """One sentence for a first word that is neither a command nor an existing file."""
    if any(mark in word for mark in ("/", "\\", ".")):
        return _say("no_file", lang, word=word)
    close = difflib.get_close_matches(word.lower(), list(known), n=1, cutoff=0.5)
    if close:
        return _say("unknown_command", lang, word=word, suggestion=close[0])
    return _say("unknown_command_no_match", lang, word=word, commands=", ".join(known))


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == [WORKBOOK_CHILD]:  # the frozen program reading a workbook for the window
        from core.workbook_child import main as child_main

        return child_main()
    # no console (a windowed build started by the Task Scheduler, a closed stream): Python leaves None there;
    # what would be printed is dropped, and the job, its report and its exit status stay the same
    if sys.stdout is None:
        sys.stdout = open(os.devnull, "w")
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w")
    if wants_cli(args):
        from core.cli import main as cli_main

        return int(cli_main(args) or 0)
    word = first_word(args)
    if word is not None and not os.path.exists(word):
        known = commands()
        if word in known:  # a command added to core.cli after SUBCOMMANDS was written
            from core.cli import main as cli_main

            return int(cli_main(args) or 0)
        sys.stderr.write(unknown_word_sentence(word, known, language(args)) + "\n")
        return EXIT_USAGE
    if not has_display(args):
        sys.stderr.write(_say("no_display", language(args), commands=", ".join(commands())) + "\n")
        return EXIT_USAGE
    silent = silent_display(args)
    if silent is not None:
        sys.stderr.write(
            _say("silent_display", language(args), display=silent, commands=", ".join(commands())) + "\n"
        )
        return EXIT_USAGE
    try:
        from gui.app import main as gui_main

        return gui_main(args)
    except Exception as exc:  # a bug before or after the event loop: one sentence and 70, no traceback
        import logging

        from core.cli import EXIT_INTERNAL, internal_error_sentence

        logging.getLogger(__name__).exception("the window failed")
        sys.stderr.write(internal_error_sentence(exc) + "\n")
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
