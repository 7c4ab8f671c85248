"""Shared fixtures: every test runs in its own home, clock and time zone, offline."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.httpserver import FeedServer, feed_server, no_proxy_env  # noqa: F401

DATA = Path(__file__).parent / "data"
FEEDS = DATA / "feeds"
SEED = Path(__file__).parent.parent / "tui" / "seed" / "backend-index.xml"
# Three days after the newest post in the seed snapshot (2026-05-05 09:10 +05:30).
FIXED_NOW = datetime(2026, 5, 8, 12, 0, tzinfo=UTC)

_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", None}


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Temp XDG dirs (never the real home), UTC, no browser, and no internet."""
    for name in ("XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "HOME"):
        path = tmp_path / name.lower()
        path.mkdir()
        monkeypatch.setenv(name, str(path))
    for name in ("BROWSER", "DISPLAY", "WAYLAND_DISPLAY", "TEXTUAL_THEME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()

    real_getaddrinfo = socket.getaddrinfo

    def local_only(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in _LOCAL_HOSTS:
            raise socket.gaierror(socket.EAI_NONAME, "tests never use the internet")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", local_only)
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def fixed_now() -> Callable[[], datetime]:
    return lambda: FIXED_NOW


@pytest.fixture
def seed_bytes() -> bytes:
    return SEED.read_bytes()
