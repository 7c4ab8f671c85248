"""Everything the app needs from the outside world, in one object. No Textual here.

The store's files, the settings, the HTTP transport, how to find a browser and
the clock: tests and benchmarks swap any of them by building one ``Services``,
instead of patching the App after the fact.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from tui import paths
from tui.settings import Settings, load_settings

if TYPE_CHECKING:
    import httpx

    from tui.opener import Browser


def utc_now() -> datetime:
    return datetime.now(UTC)


def find_browser() -> Browser | None:
    """:func:`tui.opener.find_browser`, imported when a link is first opened (it loads
    :mod:`webbrowser`), not at start-up."""
    from tui.opener import find_browser

    return find_browser()


@dataclass(frozen=True, slots=True)
class StorePaths:
    """The cache DB (disposable) and the state DB (the user's read and star marks)."""

    cache: Path
    state: Path

    @classmethod
    def default(cls) -> StorePaths:
        return cls(paths.cache_db_path(), paths.state_db_path())


@dataclass(slots=True)
class Services:
    settings: Settings = field(default_factory=Settings)
    store_paths: StorePaths = field(default_factory=StorePaths.default)
    config_path: Path = field(default_factory=paths.config_path)
    transport: httpx.BaseTransport | None = None
    """None means the real network; tests pass an ``httpx.MockTransport``."""
    browser_finder: Callable[[], Browser | None] = find_browser
    clock: Callable[[], datetime] = utc_now
    _client: httpx.Client | None = None
    _client_lock: threading.Lock = field(default_factory=threading.Lock)

    def http_client(self) -> httpx.Client:
        """One keep-alive client for every page fetch of this process (built on first use,
        off the UI thread: it imports httpx)."""
        with self._client_lock:
            if self._client is None:
                from tui.fetch import PAGE_POLICY, make_client

                self._client = make_client(PAGE_POLICY, transport=self.transport)
            return self._client

    def close(self) -> None:
        with self._client_lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    @classmethod
    def default(cls) -> Services:
        """What a person's ``rajpoot-tui`` uses: their files, the network, their browser."""
        config_path = paths.config_path()
        return cls(settings=load_settings(config_path), config_path=config_path)
