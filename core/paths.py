"""Where Contact Uploader keeps its state: settings, journal, logs, remembered mappings."""

from __future__ import annotations

import os
from pathlib import Path

from core import APP_NAME
from core.errors import ConfigError

ENV_HOME = "CONTACT_UPLOADER_HOME"


def state_dir(create: bool = True) -> Path:
    """``$CONTACT_UPLOADER_HOME`` or the platform's user data directory, created on demand."""
    env = os.environ.get(ENV_HOME, "").strip()
    if env:
        path = Path(env).expanduser()
    else:
        from platformdirs import user_data_path

        path = user_data_path(APP_NAME, appauthor=False)
    if create:
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"Cannot create the state folder {path}: {exc.strerror or exc}.") from None
    return path
