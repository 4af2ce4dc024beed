"""Run the installed ``contact-uploader`` console script as a user's shell would, for end-to-end tests.

The script is the one next to this interpreter (the venv's ``bin/``), so the tests exercise the real entry
point (``gui.launcher:main``), not a module. The environment is the test's (its isolated
``CONTACT_UPLOADER_HOME``), with no stray ``CONTACT_UPLOADER_*`` variables and never the user's keyring.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest


def script() -> str:
    """The path of the ``contact-uploader`` console script installed with this interpreter."""
    folder = Path(sys.executable).parent
    for name in ("contact-uploader", "contact-uploader.exe"):
        if (folder / name).exists():
            return str(folder / name)
    found = shutil.which("contact-uploader")
    if found is None:
        pytest.fail("the contact-uploader console script is not installed (pip install -e .)")
    return found


def script_env(env: Mapping[str, str] | None = None, *, drop: Sequence[str] = ()) -> dict[str, str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("CONTACT_UPLOADER_") and k not in drop}
    full["CONTACT_UPLOADER_HOME"] = os.environ["CONTACT_UPLOADER_HOME"]
    full["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"  # never the user's keyring
    full["PYTHONIOENCODING"] = "utf-8"
    full.update(env or {})
    return full


def run_script(
    *args: str, env: Mapping[str, str] | None = None, drop: Sequence[str] = (), cwd: Path | None = None,
    timeout: float = 90, **kwargs: Any,
) -> subprocess.CompletedProcess[str]:
    """``contact-uploader ARGS...`` to the end; stdout and stderr captured as text."""
    if "stdout" not in kwargs and "stderr" not in kwargs:
        kwargs["capture_output"] = True
    return subprocess.run(
        [script(), *args], env=script_env(env, drop=drop), cwd=cwd, text=True, encoding="utf-8",
        timeout=timeout, check=False, **kwargs,
    )


def start_script(
    *args: str, env: Mapping[str, str] | None = None, **kwargs: Any
) -> subprocess.Popen[str]:
    """``contact-uploader ARGS...`` started in the background, stdout and stderr piped."""
    kwargs.setdefault("stdout", subprocess.PIPE)
    kwargs.setdefault("stderr", subprocess.PIPE)
    return subprocess.Popen([script(), *args], env=script_env(env), text=True, encoding="utf-8", **kwargs)
