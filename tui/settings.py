"""User settings from ``config.toml`` in the user config dir. No Textual here.

A missing file gives the defaults. A file that is not valid TOML, or holds
values of the wrong type, is moved aside (never deleted) and the defaults are
used, with a notice for the UI; a typo must not stop the reader from starting.
"""

from __future__ import annotations

import os
import tempfile
import tomllib
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tui import paths


@dataclass(frozen=True, slots=True)
class Settings:
    refresh_minutes: float = 30.0
    """Automatic refresh interval while the app runs; 0 turns it off."""
    timeout_seconds: float = 10.0
    """Network timeout for one request."""
    retention: int = 2000
    """Posts kept per feed, counting those that dropped out of the feed (starred are kept)."""
    theme: str = "textual-dark"
    """A Textual theme name, saved when changed from the command palette."""
    mark_read_after_seconds: float = 1.5
    """Dwell time on a post before it counts as read; negative turns auto-read off."""
    notices: list[str] = field(default_factory=list, compare=False)


_TYPES: dict[str, tuple[type, ...]] = {
    "refresh_minutes": (int, float),
    "timeout_seconds": (int, float),
    "retention": (int,),
    "theme": (str,),
    "mark_read_after_seconds": (int, float),
}


def load_settings(path: Path | None = None) -> Settings:
    path = path or paths.config_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Settings()
    except OSError as error:
        return Settings(
            notices=[f"Could not read settings {path}: {error.strerror}; using defaults."]
        )
    try:
        data = tomllib.loads(raw.decode("utf-8"))
        values = _validated(data)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, ValueError) as error:
        backup = _move_aside(path)
        return Settings(
            notices=[
                f"Settings file was invalid ({error}); moved it to {backup} and used defaults."
            ]
        )
    return Settings(**values)


def save_settings(settings: Settings, path: Path | None = None) -> None:
    """Write atomically: a crash mid-write leaves the old file, never half a file."""
    path = path or paths.config_path()
    lines = ["# rajpoot-tui settings", ""]
    for f in fields(Settings):
        if f.name == "notices":
            continue
        value = getattr(settings, f.name)
        lines.append(f"{f.name} = {_toml_value(value)}")
    atomic_write(path, ("\n".join(lines) + "\n").encode())


def with_theme(settings: Settings, theme: str) -> Settings:
    return replace(settings, theme=theme, notices=[])


def atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _validated(data: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in data.items():
        expected = _TYPES.get(key)
        if expected is None:
            continue  # unknown keys are ignored so newer configs still load
        if isinstance(value, bool) or not isinstance(value, expected):
            raise ValueError(f"{key} has the wrong type")
        values[key] = value
    if values.get("retention", 1) < 1:
        raise ValueError("retention must be at least 1")
    if values.get("timeout_seconds", 1) <= 0:
        raise ValueError("timeout_seconds must be positive")
    if values.get("refresh_minutes", 0) < 0:
        raise ValueError("refresh_minutes must not be negative")
    return values


def _toml_value(value: object) -> str:
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'
    return repr(value)


def _move_aside(path: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    backup = path.with_name(f"{path.name}.invalid-{stamp}")
    try:
        path.replace(backup)
    except OSError:
        return path
    return backup
