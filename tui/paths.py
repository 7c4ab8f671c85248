"""Where rajpoot-tui keeps its files.

platformdirs follows the ``XDG_*`` variables on Linux, so tests point
``XDG_CACHE_HOME``/``XDG_DATA_HOME``/``XDG_CONFIG_HOME`` at a temp dir and never
touch the real home. Paths are computed on each call (not at import) for the
same reason.
"""

from __future__ import annotations

from pathlib import Path

import platformdirs

from tui import APP_NAME


def cache_dir() -> Path:
    """Posts and HTTP metadata: safe to delete, rebuilt from the network or the seed."""
    return platformdirs.user_cache_path(APP_NAME, appauthor=False)


def data_dir() -> Path:
    """Read and star state: user data, never deleted by the app."""
    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def config_dir() -> Path:
    return platformdirs.user_config_path(APP_NAME, appauthor=False)


def cache_db_path() -> Path:
    return cache_dir() / "posts.sqlite3"


def state_db_path() -> Path:
    return data_dir() / "state.sqlite3"


def config_path() -> Path:
    return config_dir() / "config.toml"


def screenshot_dir() -> Path:
    """Palette screenshots: under the data dir, which always exists for us (~/Downloads may not)."""
    return data_dir() / "screenshots"
