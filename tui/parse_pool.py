"""Parsing feeds in other processes, for a refresh of many feeds. No Textual here.

Parsing is pure Python (feedparser, then Markdown and search text for each post):
about 56 ms a feed, holding the GIL. A refresh of 200 feeds on threads alone is
CPU-bound on one core, and its threads starve the UI thread of the GIL. Worker
processes parse on every core and leave the GIL to the app; the fetching, the
merge into the store and every policy stay where they were.

Processes are started with ``spawn``: forking a process that runs threads (the
app's, the fetches') can copy a held lock into the child and hang it.
"""

from __future__ import annotations

import os
import sys
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from tui.models import ParsedFeed

POOL_FROM_FEEDS = 8
"""A refresh of fewer feeds parses in its threads: starting processes would cost more."""
MAX_WORKERS = 4


def _parse(body: bytes, url: str, content_type: str) -> tuple[bool, object]:
    """In a worker: the parsed feed, or the parse error's (kind, message).

    FeedParseError is a dataclass without positional arguments, which pickle cannot
    rebuild, so the error travels as its fields.
    """
    from tui.parse import FeedParseError, parse_feed

    try:
        return True, parse_feed(body, url=url, content_type=content_type)
    except FeedParseError as error:
        return False, (error.kind, error.message)


class ParsePool:
    """``parse`` has :func:`tui.parse.parse_feed`'s signature and errors; thread-safe."""

    def __init__(self, workers: int | None = None) -> None:
        import multiprocessing

        _start_resource_tracker()
        count = workers or min(MAX_WORKERS, os.cpu_count() or 1)
        self._pool: ProcessPoolExecutor | None = ProcessPoolExecutor(
            max_workers=count, mp_context=multiprocessing.get_context("spawn")
        )

    def parse(self, body: bytes, *, url: str, content_type: str = "") -> ParsedFeed:
        from tui.parse import FeedParseError, parse_feed

        pool = self._pool
        if pool is not None:
            try:
                ok, value = pool.submit(_parse, body, url, content_type).result()
            except (BrokenProcessPool, RuntimeError, OSError, ValueError):
                # A worker died, could not start, or the pool is shutting down:
                # parse here instead, as a refresh of few feeds does.
                self._pool = None
            else:
                if ok:
                    return cast("ParsedFeed", value)
                kind, message = cast("tuple[str, str]", value)
                raise FeedParseError(kind, message)
        return parse_feed(body, url=url, content_type=content_type)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


_tracker_lock = threading.Lock()


def _start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker with the process's real stderr.

    Spawning a worker starts the tracker once, handing it ``sys.stderr.fileno()``.
    While a Textual app runs, ``sys.stderr`` is its capture, whose ``fileno()`` is
    -1, and the spawn fails with "bad value(s) in fds_to_keep".
    """
    from multiprocessing import resource_tracker

    with _tracker_lock:
        captured = sys.stderr
        real = sys.__stderr__
        try:
            if real is not None:
                sys.stderr = real
            resource_tracker.ensure_running()
        finally:
            sys.stderr = captured


def wanted(feeds: int) -> bool:
    """Whether a refresh of ``feeds`` feeds should parse in processes."""
    return feeds >= POOL_FROM_FEEDS and (os.cpu_count() or 1) > 1
