"""The :class:`Store`: one object joining the cache DB and the state DB for the app and the CLI."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Self

from tui.models import FeedInfo, ParsedFeed, Post
from tui.store import posts as _posts
from tui.store import state as _state
from tui.store.db import _to_ts, _write
from tui.store.posts import MergeResult
from tui.store.recovery import _open_cache, _open_state


class Store:
    """Posts (cache DB) joined with read/star state (state DB). See the package docstring.

    Thread-safe: every public method holds one lock, so a Textual worker
    thread and the UI thread can share an instance.
    """

    notices: list[str]
    """Recovery messages for the UI, in the order they happened."""

    def __init__(
        self,
        cache: sqlite3.Connection,
        state: sqlite3.Connection,
        *,
        retention: int = 2000,
        notices: list[str] | None = None,
    ) -> None:
        self._cache = cache
        self._state = state
        self._retention = retention
        self._lock = threading.RLock()
        self._closed = False
        self.notices = notices if notices is not None else []

    @classmethod
    def open(cls, cache_path: Path, state_path: Path, *, retention: int = 2000) -> Store:
        """Open (creating as needed) both files; never raises for a damaged or foreign file."""
        notices: list[str] = []
        for path in (cache_path, state_path):
            # On failure _try_open reports the real error, with the path in it.
            with suppress(OSError):
                path.parent.mkdir(parents=True, exist_ok=True)
        cache_conn = _open_cache(Path(cache_path), notices)
        state_conn = _open_state(Path(state_path), notices)
        return cls(cache_conn, state_conn, retention=retention, notices=notices)

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            for conn in (self._cache, self._state):
                # Only a planner hint; closing matters more than its failure.
                with suppress(sqlite3.Error):
                    conn.execute("PRAGMA optimize")
                conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @contextmanager
    def _locked(self) -> Iterator[None]:
        with self._lock:
            if self._closed:
                raise sqlite3.ProgrammingError("Store is closed")
            yield

    # --- reading ---------------------------------------------------------

    def has_posts(self, feed_url: str) -> bool:
        with self._locked():
            return _posts.has_posts(self._cache, feed_url)

    def feed(self, url: str) -> FeedInfo | None:
        with self._locked():
            return _posts.feed(self._cache, url)

    def feeds(self) -> list[FeedInfo]:
        """All feeds, in the order they were first recorded."""
        with self._locked():
            return _posts.feeds(self._cache)

    def posts(
        self,
        feed_url: str | None = None,
        *,
        unread_only: bool = False,
        starred_only: bool = False,
    ) -> list[Post]:
        """Posts newest first (undated ones placed at their first_seen), with state."""
        with self._locked():
            state = _state.state_map(self._state, feed_url)
            rows = _posts.post_rows(self._cache, feed_url)
            return _posts.build_posts(rows, state, unread_only, starred_only)

    def post(self, post_id: str) -> Post | None:
        with self._locked():
            row = _posts.post_row(self._cache, post_id)
            if row is None:
                return None
            state = _state.post_state(self._state, post_id)
            return _posts.build_posts([row], state, False, False)[0]

    # --- merging ---------------------------------------------------------

    def merge(
        self,
        url: str,
        parsed: ParsedFeed,
        *,
        etag: str | None,
        last_modified: str | None,
        not_before: datetime | None,
        now: datetime,
        mark_new: bool = True,
        record_success: bool = True,
    ) -> MergeResult:
        """Fold one fetched feed into the cache in a single transaction.

        ``record_success=False`` is for imports that are not fetches (the
        snapshot shipped in the package): the posts go in, but the feed row
        keeps saying when the network last answered, and no validators.

        Posts that dropped out of the feed are kept (feeds show only the latest
        N items); read state is never touched. A post stays ``is_new`` until it
        is read, even across later merges. Retention keeps at most
        ``max(retention, entries in this feed)`` posts per feed, deleting the
        oldest by (published or first_seen, last_seen) among posts that are
        neither in the current document (they would come straight back as
        "new") nor starred.
        """
        with self._locked():
            # Read before taking the cache write lock; a star set in the
            # instant between is the only thing retention could miss.
            starred = _state.starred_ids(self._state, url)
            work = _posts.merge_work(
                url,
                parsed,
                etag=etag,
                last_modified=last_modified,
                not_before=not_before,
                now=now,
                mark_new=mark_new,
                record_success=record_success,
                retention=self._retention,
                starred=starred,
            )
            return _write(self._cache, work)

    def record_not_modified(self, url: str, *, not_before: datetime | None, now: datetime) -> None:
        """A 304 (or equivalent): the feed is fine and unchanged."""
        with self._locked():
            _write(self._cache, lambda c: _posts.record_not_modified(c, url, not_before, now))

    def record_failure(
        self, url: str, message: str, *, now: datetime, not_before: datetime | None = None
    ) -> None:
        """A failed fetch. Posts are untouched; ``not_before=None`` keeps any earlier
        server-imposed wait (a forced refresh that failed does not cancel it)."""
        with self._locked():
            _write(self._cache, lambda c: _posts.record_failure(c, url, message, now, not_before))

    # --- user state ------------------------------------------------------

    def set_read(
        self, post_ids: Iterable[str], read: bool = True, *, now: datetime | None = None
    ) -> None:
        """Mark posts read or unread; read_at keeps the time of the first read mark.

        Ids unknown to the cache are still recorded (with an empty feed_url):
        state is the user's, and the cache may simply be younger than it.
        """
        ids = list(dict.fromkeys(post_ids))
        if not ids:
            return
        at = _to_ts(now or datetime.now(UTC)) if read else None
        with self._locked():
            ident = _posts.identities(self._cache, ids)
            rows = [(pid, *ident.get(pid, ("", "")), int(read), at) for pid in ids]
            _write(self._state, lambda c: _state.set_read(c, rows))

    def set_starred(self, post_id: str, starred: bool, *, now: datetime | None = None) -> None:
        at = _to_ts(now or datetime.now(UTC)) if starred else None
        with self._locked():
            furl, key = _posts.identities(self._cache, [post_id]).get(post_id, ("", ""))
            _write(self._state, lambda c: _state.set_starred(c, post_id, furl, key, starred, at))

    def mark_all_read(self, feed_url: str, *, now: datetime | None = None) -> int:
        """Mark every cached post of ``feed_url`` read; return how many were unread."""
        at = _to_ts(now or datetime.now(UTC))
        with self._locked():
            posts = self._cache.execute(
                "SELECT id, key FROM posts WHERE feed_url = ?", (feed_url,)
            ).fetchall()
            return _write(self._state, lambda c: _state.mark_all_read(c, feed_url, posts, at))
