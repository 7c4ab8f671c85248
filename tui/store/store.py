"""The :class:`Store`: one object joining the cache DB and the state DB for the app and the CLI."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, ExitStack, closing, contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from tui.models import FeedInfo, ParsedFeed, Post
from tui.store import haystack as _haystack
from tui.store import posts as _posts
from tui.store import search as _search
from tui.store import state as _state
from tui.store.caps import MAX_ARTICLE_BYTES, MAX_TOTAL_BYTES
from tui.store.db import _open_reader, _to_ts, _write
from tui.store.posts import MergeResult
from tui.store.recovery import _open_cache, _open_state

if TYPE_CHECKING:
    from tui.store.articles import SavedArticle, StoredArticle


def _reader_for(
    writer: sqlite3.Connection, writer_lock: threading.RLock
) -> tuple[sqlite3.Connection, threading.RLock]:
    reader = _open_reader(writer)
    return (writer, writer_lock) if reader is None else (reader, threading.RLock())


# SQLITE_CORRUPT and SQLITE_CORRUPT_VTAB (FTS5's shadow tables are damaged).
_CORRUPT_CODES = frozenset({11, 267})


class Store:
    """Posts (cache DB) joined with read/star state (state DB). See the package docstring.

    Thread-safe, and built so that reads never wait for a write:

    * each DB has a **writer** connection, guarded by its own lock: a long
      cache merge holds only the cache writer's lock, so ``set_read`` and
      ``set_starred`` (state writer) go ahead beside it;
    * each DB also has a **reader** connection with its own lock, used by
      ``posts``, ``post``, ``feed``, ``feeds``, ``has_posts`` (and search), and
      by the writing methods for what they must read first (a merge's starred
      ids, ``set_read``'s post identities). Under WAL a reader sees the last
      commit and never waits for an open write transaction;
    * an in-memory fallback DB (see recovery) has no reader: a second
      connection cannot see it, so its reads go through its writer and lock.

    No method holds two of these locks at once, so they cannot deadlock;
    ``close`` takes them all, in a fixed order. Every connection is made with
    ``check_same_thread=False`` and only ever used under its lock, so the UI
    thread and worker threads can share one instance.
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
        max_article_bytes: int = MAX_ARTICLE_BYTES,
        max_articles_bytes: int = MAX_TOTAL_BYTES,
    ) -> None:
        self._cache = cache
        self._state = state
        self._retention = retention
        self._max_article_bytes = max_article_bytes
        self._max_articles_bytes = max_articles_bytes
        self._closed = False
        self.notices = notices if notices is not None else []
        self.search_rebuilt = False
        """The search index was found damaged and rebuilt; descriptions come back as
        :meth:`rederive_stale` re-derives them. The reader resets this once told."""
        self._cache_lock = threading.RLock()
        self._state_lock = threading.RLock()
        # (connection, lock) for reads: a reader of its own, or the writer's pair.
        self._cache_read = _reader_for(cache, self._cache_lock)
        self._state_read = _reader_for(state, self._state_lock)
        self._scan_read: tuple[sqlite3.Connection, threading.RLock] | None = None
        """A third cache connection, for searches a worker runs (``search(in_worker=True)``):
        made when first needed, so that a long scan holds up no other read."""
        self._scan_lock = threading.Lock()
        self._cache_writes = 0
        """Write transactions on the cache writer (a commit there is not a change for its
        own ``data_version``, and without a reader the writer is all there is)."""
        self._haystack: tuple[tuple[int, int], _haystack.Haystack] | None = None
        """The index's text in memory for :meth:`quick_search`, and the cache version
        (:meth:`_cache_version`) it was read at."""
        self._haystack_building = threading.Lock()
        self._haystack_wanted = False
        """A search has asked for one (``prepare_quick_search`` not only to refresh)."""

    @classmethod
    def open(
        cls,
        cache_path: Path,
        state_path: Path,
        *,
        retention: int = 2000,
        max_article_bytes: int = MAX_ARTICLE_BYTES,
        max_articles_bytes: int = MAX_TOTAL_BYTES,
    ) -> Store:
        """Open (creating as needed) both files; never raises for a damaged or foreign file.

        ``max_article_bytes`` / ``max_articles_bytes``: the caps on stored articles
        (one article's Markdown; all of them), see :mod:`tui.store.articles`."""
        notices: list[str] = []
        for path in (cache_path, state_path):
            # On failure _try_open reports the real error, with the path in it.
            with suppress(OSError):
                path.parent.mkdir(parents=True, exist_ok=True)
        cache_conn = _open_cache(Path(cache_path), notices)
        state_conn = _open_state(Path(state_path), notices)
        store = cls(
            cache_conn,
            state_conn,
            retention=retention,
            notices=notices,
            max_article_bytes=max_article_bytes,
            max_articles_bytes=max_articles_bytes,
        )
        store._copy_starred(None)  # stars from before state v2 get their copy now
        return store

    def close(self) -> None:
        locks = [self._cache_lock, self._state_lock, self._cache_read[1], self._state_read[1]]
        with self._scan_lock:
            if self._scan_read is not None:
                locks.append(self._scan_read[1])
        with ExitStack() as stack:
            for lock in dict.fromkeys(locks):  # a fixed order, each lock once
                stack.enter_context(lock)
            if self._closed:
                return
            self._closed = True
            for conn in (self._cache, self._state):
                # Only a planner hint; closing matters more than its failure.
                with suppress(sqlite3.Error):
                    conn.execute("PRAGMA optimize")
            scan = [] if self._scan_read is None else [self._scan_read[0]]
            for conn in dict.fromkeys(
                [*scan, self._cache_read[0], self._state_read[0], self._cache, self._state]
            ):
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
    def _using(
        self, pair: tuple[sqlite3.Connection, threading.RLock]
    ) -> Iterator[sqlite3.Connection]:
        conn, lock = pair
        with lock:
            if self._closed:
                raise sqlite3.ProgrammingError("Store is closed")
            yield conn

    def _reading_cache(self) -> AbstractContextManager[sqlite3.Connection]:
        return self._using(self._cache_read)

    def _scanning_cache(self) -> AbstractContextManager[sqlite3.Connection]:
        with self._scan_lock:
            if self._scan_read is None:
                with self._using(self._cache_read) as reader:  # raises once closed
                    scanner = _open_reader(reader)
                # No file to open again (the in-memory fallback): the readers' pair.
                self._scan_read = (
                    self._cache_read
                    if scanner is None
                    else (
                        scanner,
                        threading.RLock(),
                    )
                )
            return self._using(self._scan_read)

    def _reading_state(self) -> AbstractContextManager[sqlite3.Connection]:
        return self._using(self._state_read)

    @contextmanager
    def _writing_cache(self) -> Iterator[sqlite3.Connection]:
        with self._using((self._cache, self._cache_lock)) as cache:
            try:
                yield cache
            finally:
                self._cache_writes += 1  # under the writer's lock

    def _cache_version(self) -> tuple[int, int]:
        """Changes with every commit to the cache, by this process or another: the
        reader's ``data_version`` (which counts other connections' commits) and
        :attr:`_cache_writes` (this store's writer's)."""
        with self._reading_cache() as cache:
            (version,) = cache.execute("PRAGMA data_version").fetchone()
            return int(version), self._cache_writes

    def _writing_state(self) -> AbstractContextManager[sqlite3.Connection]:
        return self._using((self._state, self._state_lock))

    # --- reading ---------------------------------------------------------

    def has_posts(self, feed_url: str) -> bool:
        with self._reading_cache() as cache:
            return _posts.has_posts(cache, feed_url)

    def feed(self, url: str) -> FeedInfo | None:
        """What the cache knows of ``url``; else its title from starred copies; else None."""
        with self._reading_cache() as cache:
            found = _posts.feed(cache, url)
        if found is not None:
            return found
        with self._reading_state() as state_conn:
            title = _state.copied_feeds(state_conn).get(url)
        return None if title is None else FeedInfo(url, title)

    def feeds(self) -> list[FeedInfo]:
        """All feeds, in the order they were first recorded; then those known only
        from the copies of their starred posts (the cache was deleted)."""
        with self._reading_cache() as cache:
            known = _posts.feeds(cache)
        with self._reading_state() as state_conn:
            copied = _state.copied_feeds(state_conn)
        urls = {feed.url for feed in known}
        return known + [FeedInfo(url, title) for url, title in copied.items() if url not in urls]

    def unread_counts(self) -> dict[str, int]:
        """feed URL -> how many of its stored posts are unread (for the sidebar)."""
        with self._reading_state() as state_conn:
            read = _state.read_ids(state_conn)
            copies = _state.copy_rows(state_conn, None)
        with self._reading_cache() as cache:
            counts = _posts.unread_counts(cache, read)
            # Starred posts kept only as copies are listed, so they are counted too.
            for row in self._orphans(cache, copies):
                if row[0] not in read:
                    counts[row[1]] = counts.get(row[1], 0) + 1
        return counts

    def posts(
        self,
        feed_url: str | None = None,
        *,
        unread_only: bool = False,
        starred_only: bool = False,
    ) -> list[Post]:
        """Posts newest first (undated ones placed at their first_seen), with state."""
        with self._reading_state() as state_conn:
            state = _state.state_map(state_conn, feed_url)
            copies = _state.copy_rows(state_conn, feed_url)
        with self._reading_cache() as cache:
            # Only the rows under the lock: building 10,000 posts takes longer, and a
            # keypress on the UI thread may be waiting for this connection.
            rows = list(_posts.post_rows(cache, feed_url))
            orphans = self._orphans(cache, copies)
        if orphans:
            rows = _posts.in_list_order([*rows, *orphans])
        return _posts.build_posts(rows, state, unread_only, starred_only)

    @staticmethod
    def _orphans(cache: sqlite3.Connection, copies: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """The copies of starred posts the cache no longer holds."""
        if not copies:
            return []
        present = _posts.ids_present(cache, [row[0] for row in copies])
        return [row for row in copies if row[0] not in present]

    def post(self, post_id: str) -> Post | None:
        with self._reading_cache() as cache:
            row = _posts.post_row(cache, post_id)
        with self._reading_state() as state_conn:
            if row is None:
                row = _state.copy_row(state_conn, post_id)
            if row is None:
                return None
            state = _state.post_state(state_conn, post_id)
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
        # Read before taking the cache write lock; a star set in the
        # instant between is the only thing retention could miss.
        with self._reading_state() as state_conn:
            starred = _state.starred_ids(state_conn, url)
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
        with self._writing_cache() as cache:
            result = _write(cache, work)
        if starred:
            self._copy_starred(starred)  # a starred post's copy follows the feed's edits
        return result

    def _copy_starred(self, ids: Iterable[str] | None) -> None:
        """Save (or refresh) the copies of starred posts ``ids``; None = those without one."""
        if ids is None:
            with self._reading_state() as state_conn:
                ids = _state.stars_without_copy(state_conn)
        ids = list(ids)
        if not ids:
            return
        with self._reading_cache() as cache:
            rows = _posts.rows_to_copy(cache, ids, _to_ts(datetime.now(UTC)) or 0.0)
        if rows:
            with self._writing_state() as state:
                _write(state, lambda c: _state.save_copies(c, rows))

    def record_not_modified(self, url: str, *, not_before: datetime | None, now: datetime) -> None:
        """A 304 (or equivalent): the feed is fine and unchanged."""
        with self._writing_cache() as cache:
            _write(cache, lambda c: _posts.record_not_modified(c, url, not_before, now))

    def record_failure(
        self, url: str, message: str, *, now: datetime, not_before: datetime | None = None
    ) -> None:
        """A failed fetch. Posts are untouched; ``not_before=None`` keeps any earlier
        server-imposed wait (a forced refresh that failed does not cancel it)."""
        with self._writing_cache() as cache:
            _write(cache, lambda c: _posts.record_failure(c, url, message, now, not_before))

    def rederive_stale(self, limit: int = 200) -> int:
        """Bring up to ``limit`` posts kept by an older converter up to date (their Markdown
        and their search index entry); return how many were looked at, 0 once none are
        left. Newest first.

        For the app to call off the UI thread, again and again until it returns 0:
        the conversion runs outside every lock, and each call writes in one short
        transaction, beside which reads go on. Opening the store never does this (at
        10,000 posts it takes seconds). A post whose source was not kept (stored before
        cache v3) keeps its Markdown, and is indexed from it. Posts still in a feed are
        also brought up to date by the next merge that brings them.
        """
        from tui.htmltext import CONVERTER_VERSION
        from tui.parse import derive_description

        with self._reading_cache() as cache:
            rows = _posts.stale_rows(cache, CONVERTER_VERSION, limit)
        done: list[_posts.Rederived] = []
        for row in rows:
            rowid, pid, feed_url, link, source, summary, chash, version = row[:8]
            title, author, feed_title = row[8:]
            if source is None:
                text = _search.unescaped(summary)
            else:
                derived = derive_description(source, base_url=link or feed_url)
                summary, text = derived.markdown, derived.text
            index = _search.index_row(title, author, feed_title, text)
            done.append(
                _posts.Rederived(rowid, pid, chash, version, summary, CONVERTER_VERSION, index)
            )
        if done:
            with self._writing_cache() as cache:
                _write(cache, _posts.rederive_work(done))
        return len(rows)

    def rebuild_search_index(self) -> None:
        """Throw the search index away and start it again: titles, authors and feed
        titles at once (fast), descriptions through :meth:`rederive_stale`, which every
        post then needs. For a damaged or doubtful index; the cache is disposable."""
        from tui.store import articles as _articles

        def work(c: sqlite3.Connection) -> None:
            (ddl,) = c.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'posts_fts'"
            ).fetchone()
            c.execute("DROP TABLE posts_fts")
            c.execute(ddl)
            rows = c.execute(
                "SELECT p.rowid, p.title, p.author, coalesce(f.title, '') "
                "FROM posts AS p LEFT JOIN feeds AS f ON f.url = p.feed_url"
            ).fetchall()
            c.executemany(
                "INSERT INTO posts_fts (rowid, title, author, feed_title, description, body) "
                "VALUES (?, ?, ?, ?, '', '')",
                [(rowid, *_search.index_row(t, a, f, "")[:3]) for rowid, t, a, f in rows],
            )
            c.execute("UPDATE posts SET converter_version = 0")
            _articles.reindex_bodies(c)  # articles are kept whole: their text at once

        with self._writing_cache() as cache:
            _write(cache, work)

    # --- articles --------------------------------------------------------

    def article(self, post_id: str) -> StoredArticle | None:
        """The whole article fetched for ``post_id``, if one is kept."""
        from tui.store import articles as _articles

        with self._reading_cache() as cache:
            return _articles.article(cache, post_id)

    def article_ids(self, post_ids: Iterable[str]) -> set[str]:
        """Which of ``post_ids`` have an article kept (for prefetching the others)."""
        from tui.store import articles as _articles

        with self._reading_cache() as cache:
            return _articles.stored_ids(cache, post_ids)

    def articles_size(self) -> int:
        """Bytes all kept articles take (Markdown plus text)."""
        from tui.store import articles as _articles

        with self._reading_cache() as cache:
            return _articles.total_size(cache)

    def save_article(
        self,
        post_id: str,
        *,
        url: str,
        title: str,
        markdown: str,
        text: str,
        method: str,
        now: datetime | None = None,
    ) -> SavedArticle:
        """Keep the article of a stored post (replacing any earlier one), with its text
        in the search index, in one transaction; evict the oldest-fetched articles of
        unstarred posts while all of them are over the total cap.

        Raises :class:`tui.store.articles.ArticleRefused` (one short line) when the
        Markdown is over the per-article cap or the post is not in the cache; nothing
        is written then.
        """
        from tui.store import articles as _articles

        # Read before taking the cache write lock, as merge does.
        with self._reading_state() as state_conn:
            starred = _state.all_starred_ids(state_conn)
        work = _articles.save_work(
            post_id,
            url=url,
            title=title,
            markdown=markdown,
            text=text,
            method=method,
            now=now or datetime.now(UTC),
            max_article_bytes=self._max_article_bytes,
            max_total_bytes=self._max_articles_bytes,
            starred=starred,
        )
        with self._writing_cache() as cache:
            return _write(cache, work)

    def delete_article(self, post_id: str) -> bool:
        """Forget the article of ``post_id`` (and its words in the index); True if one was kept."""
        from tui.store import articles as _articles

        with self._writing_cache() as cache:
            return _write(cache, lambda c: _articles.delete(c, post_id))

    # --- search ----------------------------------------------------------

    def search(
        self, query: str, feed_url: str | None = None, *, in_worker: bool = False
    ) -> list[str]:
        """Ids of the posts (of ``feed_url``, or of every feed) matching ``query``, in the
        order of :meth:`posts`; every post when the query has no terms.

        ``query`` is what a person typed: see :mod:`tui.store.search` for what matches
        (every term a folded substring of the title, author, feed title or description)
        and :func:`tui.store.search.match_spans` to highlight it. Never raises for any
        text; reads through the reader connection, so a merge never holds it up.
        ``in_worker``: a worker's search (one that :func:`~tui.store.search.scans`)
        reads through a connection of its own, so the UI thread's reads never wait for it.
        """
        reading = self._scanning_cache if in_worker else self._reading_cache
        try:
            with reading() as cache:
                found = _posts.search(cache, query, feed_url)
        except sqlite3.DatabaseError as error:
            # The open-time check skips the index (it is rebuildable and slow to
            # check): a damaged one shows up here, once, and is rebuilt.
            if getattr(error, "sqlite_errorcode", None) not in _CORRUPT_CODES:
                raise
            self.rebuild_search_index()
            self.search_rebuilt = True
            with reading() as cache:
                found = _posts.search(cache, query, feed_url)
        return found + self._search_orphans(query, feed_url)

    def quick_search(self, query: str, feed_url: str | None = None) -> list[str] | None:
        """What :meth:`search` would return, from memory in a few milliseconds, for a query
        that :func:`~tui.store.search.scans` (only 1-2 character terms); None for any
        other query, or while no :meth:`prepare_quick_search` has read the cache as it
        is now (then :meth:`search`, in a worker, has to scan)."""
        if not _search.scans(query):
            return None
        short = _search.short_terms(query)
        held = self._haystack
        if held is None or any("\x00" in term for term in short):
            return None
        if held[0] != self._cache_version():
            if self._haystack is held:
                self._haystack = None  # out of date: its memory back until the next one
            return None
        return held[1].find(short, feed_url) + self._search_orphans(query, feed_url)

    def prepare_quick_search(self, *, only_to_refresh: bool = False) -> bool:
        """Read the search index's text into memory, for :meth:`quick_search`, unless what
        is there is current; True if it is (now). ``only_to_refresh``: only if one was
        read before (that is, a search was made).

        For a worker, never the UI thread: ~0.1-0.3 s at 10,000 posts, through a
        connection of its own (no other read waits for it), and ~20 MB (see
        :mod:`tui.store.haystack`). A commit to the cache while it reads makes it try
        again, a few times; a build already running makes this return False at once.
        """
        if only_to_refresh and not self._haystack_wanted:
            return False
        self._haystack_wanted = True
        if not self._haystack_building.acquire(blocking=False):
            return False
        try:
            for _attempt in range(3):
                version = self._cache_version()
                if self._haystack is not None and self._haystack[0] == version:
                    return True
                built = self._read_haystack(version)
                if built is not None:
                    self._haystack = (version, built)
                    return True
            return False
        except sqlite3.Error:
            return False  # quick_search stays unavailable; search still works
        finally:
            self._haystack_building.release()

    def _read_haystack(self, version: tuple[int, int]) -> _haystack.Haystack | None:
        """The haystack at cache ``version``; None if a commit came first."""
        with self._reading_cache() as reader:
            conn = _open_reader(reader)
        if conn is None:  # the in-memory fallback: through the one connection there is
            with self._reading_cache() as cache:
                return _posts.read_haystack(cache, lambda: True)
        with closing(conn):
            # The snapshot is taken at the first row: if the version is still the one
            # read before, that snapshot is that version's.
            return _posts.read_haystack(conn, lambda: self._cache_version() == version)

    def _search_orphans(self, query: str, feed_url: str | None) -> list[str]:
        """Starred posts kept only as copies are not in the index: a plain scan (few)."""
        with self._reading_state() as state_conn:
            copies = _state.copy_rows(state_conn, feed_url)
            titles = _state.copied_feeds(state_conn) if copies else {}
        if not copies:
            return []
        with self._reading_cache() as cache:
            orphans = self._orphans(cache, copies)
        wanted = _search.terms(query)
        found = []
        for row in _posts.in_list_order(orphans):
            pid, furl, _key, title, _link, _pub, summary, author = row[:8]
            text = _search.fold(
                f"{title} {author} {titles.get(furl, '')} {_search.unescaped(summary)}"
            )
            if all(term in text for term in wanted):
                found.append(pid)
        return found

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
        with self._reading_cache() as cache:
            ident = _posts.identities(cache, ids)
        rows = [(pid, *ident.get(pid, ("", "")), int(read), at) for pid in ids]
        with self._writing_state() as state:
            _write(state, lambda c: _state.set_read(c, rows))

    def set_starred(self, post_id: str, starred: bool, *, now: datetime | None = None) -> None:
        """Star a post (keeping a copy of it in the state DB, see schema v2) or unstar it."""
        when = _to_ts(now or datetime.now(UTC)) or 0.0
        at = when if starred else None
        with self._reading_cache() as cache:
            furl, key = _posts.identities(cache, [post_id]).get(post_id, ("", ""))
            copy = _posts.rows_to_copy(cache, [post_id], when) if starred else []

        def work(c: sqlite3.Connection) -> None:
            _state.set_starred(c, post_id, furl, key, starred, at)
            if copy:
                _state.save_copies(c, copy)
            elif not starred:
                _state.drop_copy(c, post_id)

        with self._writing_state() as state:
            _write(state, work)

    def mark_all_read(self, feed_url: str, *, now: datetime | None = None) -> int:
        """Mark every cached post of ``feed_url`` read; return how many were unread."""
        at = _to_ts(now or datetime.now(UTC))
        with self._reading_cache() as cache:
            posts = cache.execute(
                "SELECT id, key FROM posts WHERE feed_url = ?", (feed_url,)
            ).fetchall()
        with self._writing_state() as state:
            return _write(state, lambda c: _state.mark_all_read(c, feed_url, posts, at))
