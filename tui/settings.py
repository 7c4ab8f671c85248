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
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        # Not TOML at all: keep it for the user, out of the way, and start clean.
        backup = _move_aside(path)
        return Settings(
            notices=[
                f"Settings file was not valid TOML ({error}); moved it to {backup} "
                "and used the defaults."
            ]
        )
    # One bad value costs only that value: the rest of the file still applies.
    values, problems = _validated(data)
    notices = [f"Ignored {problem} in {path}; using the default." for problem in problems]
    return Settings(**values, notices=notices)


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


_LIMITS: dict[str, tuple[float, str]] = {
    # key: (smallest allowed value, what the user is told)
    "retention": (1, "at least 1"),
    "timeout_seconds": (0.1, "at least 0.1"),
    "refresh_minutes": (0, "not negative"),
}


def _validated(data: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The usable values, and a description of each value that was not."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    for key, value in data.items():
        expected = _TYPES.get(key)
        if expected is None:
            continue  # unknown keys are ignored so newer configs still load
        wanted = "a string" if expected == (str,) else "a number"
        if isinstance(value, bool) or not isinstance(value, expected):
            problems.append(f"{key} = {value!r} (it must be {wanted})")
            continue
        low, rule = _LIMITS.get(key, (float("-inf"), ""))
        if isinstance(value, int | float) and value < low:
            problems.append(f"{key} = {value!r} (it must be {rule})")
            continue
        values[key] = value
    return values, problems


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
