"""The cache DB's posts and feeds: reading them as :class:`~tui.models.Post` and merging feeds in.

Functions here take the connection(s) to use; locking is the caller's (:class:`tui.store.Store`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from tui.models import Entry, FeedInfo, ParsedFeed, Post, post_id
from tui.store import haystack as _haystack
from tui.store import search as _search
from tui.store.db import _chunks, _from_ts, _to_ts
from tui.store.schema import CATEGORY_SEPARATOR
from tui.store.search import fold, unescaped


@dataclass(frozen=True, slots=True)
class MergeResult:
    """What one :meth:`Store.merge` did to the cache."""

    new: int
    updated: int
    unchanged: int
    new_ids: list[str]


# Built once from constants only (never from input), hence the noqa.
_POST_COLUMNS: Final = (
    "id, feed_url, key, title, link, published, summary, author, first_seen, last_seen, is_new, "
    "summary_truncated, categories"
)
# Ties (same date, same merge) keep the feed's own order: a merge inserts
# entries in document order, so rowid follows it. Only the ties are sorted
# outside the index, which costs ~4 ms at 10,000 posts.
_POST_ORDER: Final = " ORDER BY coalesce(published, first_seen) DESC, first_seen DESC, rowid"
_SELECT_POSTS: Final = f"SELECT {_POST_COLUMNS} FROM posts"  # noqa: S608
_SELECT_FEEDS: Final = (
    "SELECT url, title, link, etag, last_modified, last_attempt, last_success, last_error, "
    "ttl_minutes, not_before, retry_until FROM feeds"
)


def _feed_info(row: tuple[Any, ...]) -> FeedInfo:
    return FeedInfo(
        url=row[0],
        title=row[1],
        link=row[2],
        etag=row[3],
        last_modified=row[4],
        last_attempt=_from_ts(row[5]),
        last_success=_from_ts(row[6]),
        last_error=row[7],
        ttl_minutes=row[8],
        not_before=_from_ts(row[9]),
        retry_until=_from_ts(row[10]),
    )


def _categories(entry: Entry) -> str:
    return CATEGORY_SEPARATOR.join(entry.categories)


def _entry_hash(entry: Entry) -> str:
    """The entry's own content_hash, or one computed here when the parser left it blank."""
    if entry.content_hash:
        return entry.content_hash
    parts = (
        entry.title,
        entry.link,
        str(_to_ts(entry.published)),
        str(_to_ts(entry.updated)),
        entry.summary,
        entry.author,
    )
    import hashlib  # only merges hash; see tui.models.post_id

    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


# --- reading -----------------------------------------------------------------


def has_posts(cache: sqlite3.Connection, feed_url: str) -> bool:
    row = cache.execute("SELECT 1 FROM posts WHERE feed_url = ? LIMIT 1", (feed_url,)).fetchone()
    return row is not None


def feed(cache: sqlite3.Connection, url: str) -> FeedInfo | None:
    row = cache.execute(_SELECT_FEEDS + " WHERE url = ?", (url,)).fetchone()
    return None if row is None else _feed_info(row)


def feeds(cache: sqlite3.Connection) -> list[FeedInfo]:
    rows = cache.execute(_SELECT_FEEDS + " ORDER BY rowid")
    return [_feed_info(row) for row in rows]


def post_rows(cache: sqlite3.Connection, feed_url: str | None) -> Iterable[tuple[Any, ...]]:
    if feed_url is None:
        return cache.execute(_SELECT_POSTS + _POST_ORDER)
    return cache.execute(_SELECT_POSTS + " WHERE feed_url = ?" + _POST_ORDER, (feed_url,))


_COPY_SOURCE: Final = (
    "SELECT p.id, p.feed_url, p.key, p.title, p.link, p.published, p.summary, "
    "p.author, p.first_seen, p.last_seen, p.summary_truncated, p.categories, "
    "coalesce(f.title, '') "
    "FROM posts AS p LEFT JOIN feeds AS f ON f.url = p.feed_url WHERE p.id IN "
)


def rows_to_copy(
    cache: sqlite3.Connection, ids: Iterable[str], now: float
) -> list[tuple[Any, ...]]:
    """What a star keeps of each post in ``ids`` the cache holds (COPY_COLUMNS tuples)."""
    wanted = list(dict.fromkeys(ids))
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(wanted), 500):  # under SQLite's bound-parameter limit
        chunk = wanted[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        query = f"{_COPY_SOURCE}({marks})"  # only placeholders are added
        rows += [(*row, now) for row in cache.execute(query, chunk)]
    return rows


def in_list_order(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Post rows in :data:`_POST_ORDER` (rows already in it keep their ties' order)."""

    def newest_first(row: tuple[Any, ...]) -> tuple[float, float]:
        published, first_seen = row[5], row[8]
        return (-(first_seen if published is None else published), -first_seen)

    return sorted(rows, key=newest_first)


def ids_present(cache: sqlite3.Connection, ids: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        found.update(
            row[0]
            for row in cache.execute(
                f"SELECT id FROM posts WHERE id IN ({marks})",  # noqa: S608
                chunk,
            )
        )
    return found


def unread_counts(cache: sqlite3.Connection, read: set[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for feed_url, pid in cache.execute("SELECT feed_url, id FROM posts"):
        if pid not in read:
            counts[feed_url] = counts.get(feed_url, 0) + 1
    return counts


def post_row(cache: sqlite3.Connection, post_id: str) -> tuple[Any, ...] | None:
    row: tuple[Any, ...] | None = cache.execute(
        _SELECT_POSTS + " WHERE id = ? LIMIT 1", (post_id,)
    ).fetchone()
    return row


def build_posts(
    rows: Iterable[tuple[Any, ...]],
    state: dict[str, tuple[int, int]],
    unread_only: bool,
    starred_only: bool,
) -> list[Post]:
    # Hot path for the UI (10k rows per refresh): locals instead of
    # globals, and a memo for first_seen/last_seen, which repeat across
    # every post stored by the same merge.
    fromts = datetime.fromtimestamp
    utc = UTC
    memo: dict[float, datetime] = {}
    no_state = (0, 0)
    get_state = state.get
    out: list[Post] = []
    append = out.append
    for pid, furl, key, title, link, pub, summary, author, fs, ls, new, cut, tags in rows:
        read, starred = get_state(pid, no_state)
        if (unread_only and read) or (starred_only and not starred):
            continue
        first = memo.get(fs)
        if first is None:
            first = memo[fs] = fromts(fs, utc)
        last = memo.get(ls)
        if last is None:
            last = memo[ls] = fromts(ls, utc)
        append(
            Post(
                pid,
                furl,
                key,
                title,
                link,
                None if pub is None else fromts(pub, utc),
                summary,
                author,
                first,
                last,
                bool(read),
                bool(starred),
                bool(new) and not read,
                bool(cut),
                tuple(tags.split(CATEGORY_SEPARATOR)) if tags else (),
            )
        )
    return out


def identities(cache: sqlite3.Connection, ids: Iterable[str]) -> dict[str, tuple[str, str]]:
    """post id -> (feed_url, key) for the ids the cache knows."""
    found: dict[str, tuple[str, str]] = {}
    for chunk in _chunks(list(ids)):
        marks = ", ".join("?" * len(chunk))
        for pid, furl, key in cache.execute(
            f"SELECT id, feed_url, key FROM posts WHERE id IN ({marks})",  # noqa: S608
            tuple(chunk),
        ):
            found[pid] = (furl, key)
    return found


# --- merging -----------------------------------------------------------------


def merge_work(
    url: str,
    parsed: ParsedFeed,
    *,
    etag: str | None,
    last_modified: str | None,
    not_before: datetime | None,
    now: datetime,
    mark_new: bool,
    record_success: bool,
    retention: int,
    starred: set[str],
) -> Callable[[sqlite3.Connection], MergeResult]:
    """The body of one merge transaction (see :meth:`tui.store.Store.merge`), for ``_write``."""
    unique: dict[str, Entry] = {}
    for entry in parsed.entries:
        unique.setdefault(entry.key, entry)
    duplicates = len(parsed.entries) - len(unique)
    now_ts = _to_ts(now)
    limit = max(retention, len(unique))

    def work(c: sqlite3.Connection) -> MergeResult:
        c.execute(
            "INSERT INTO feeds (url, title, link) VALUES (?, ?, ?) ON CONFLICT(url) DO NOTHING",
            (url, parsed.title, parsed.link),
        )
        old_title: str = c.execute("SELECT title FROM feeds WHERE url = ?", (url,)).fetchone()[0]
        feed_title = parsed.title or old_title
        existing: dict[str, tuple[str, int, int, int]] = {
            key: (chash, version, has_source, rowid)
            for key, chash, version, has_source, rowid in c.execute(
                "SELECT key, content_hash, converter_version, source IS NOT NULL, rowid "
                "FROM posts WHERE feed_url = ?",
                (url,),
            )
        }
        indexed: list[tuple[str, tuple[str, ...]]] = []  # (key, row) of new posts_fts rows
        reindexed: list[tuple[int, Entry]] = []  # (rowid, entry) of rows written again
        inserts: list[tuple[Any, ...]] = []
        updates: list[tuple[Any, ...]] = []
        refreshes: list[tuple[Any, ...]] = []
        touches: list[tuple[Any, ...]] = []
        new_ids: list[str] = []
        for key, entry in unique.items():
            chash = _entry_hash(entry)
            stored = existing.get(key)
            derived = _derived(entry)
            if stored is None:
                pid = post_id(url, key)
                new_ids.append(pid)
                inserts.append(
                    (
                        url,
                        key,
                        pid,
                        entry.title,
                        entry.link,
                        _to_ts(entry.published),
                        _to_ts(entry.updated),
                        entry.author,
                        chash,
                        now_ts,
                        now_ts,
                        int(mark_new),
                        *derived,
                        _categories(entry),
                    )
                )
                indexed.append((key, _index_row(entry, feed_title)))
            elif stored[0] != chash:
                updates.append(
                    (
                        entry.title,
                        entry.link,
                        _to_ts(entry.published),
                        _to_ts(entry.updated),
                        entry.author,
                        chash,
                        now_ts,
                        *derived,
                        _categories(entry),
                        url,
                        key,
                    )
                )
                reindexed.append((stored[3], entry))
            elif _needs_rederiving(stored[1], bool(stored[2]), entry):
                # Same post, but kept by an older converter (or before sources were
                # kept): store what this one made of it. Not an "update" to the reader.
                refreshes.append((now_ts, *derived, _categories(entry), url, key))
                reindexed.append((stored[3], entry))
            else:
                touches.append((now_ts, _categories(entry), url, key))
        c.executemany(
            "INSERT INTO posts (feed_url, key, id, title, link, published, updated, "
            "author, content_hash, first_seen, last_seen, is_new, "
            "summary, source, converter_version, summary_truncated, categories) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            inserts,
        )
        # is_new and first_seen are deliberately left alone on update.
        c.executemany(
            "UPDATE posts SET title = ?, link = ?, published = ?, updated = ?, "
            "author = ?, content_hash = ?, last_seen = ?, "
            "summary = ?, source = ?, converter_version = ?, summary_truncated = ?, "
            "categories = ? WHERE feed_url = ? AND key = ?",
            updates,
        )
        c.executemany(
            "UPDATE posts SET last_seen = ?, "
            "summary = ?, source = ?, converter_version = ?, summary_truncated = ?, "
            "categories = ? WHERE feed_url = ? AND key = ?",
            refreshes,
        )
        # Categories too: rows from before cache v6 get theirs on the next merge.
        c.executemany(
            "UPDATE posts SET last_seen = ?, categories = ? WHERE feed_url = ? AND key = ?",
            touches,
        )
        if indexed:
            rowids = dict(c.execute("SELECT key, rowid FROM posts WHERE feed_url = ?", (url,)))
            c.executemany(
                "INSERT INTO posts_fts (rowid, title, author, feed_title, description, body) "
                "VALUES (?, ?, ?, ?, ?, '')",
                [(rowids[key], *row) for key, row in indexed],
            )
        for rowid, entry in reindexed:
            _search.set_row(c, rowid, _index_row(entry, feed_title))
        if fold(feed_title) != fold(old_title):
            # Every other post of the feed is found under its new title too.
            c.execute(
                "UPDATE posts_fts SET feed_title = ? "
                "WHERE rowid IN (SELECT rowid FROM posts WHERE feed_url = ?) AND feed_title <> ?",
                (fold(feed_title), url, fold(feed_title)),
            )
        _apply_retention(c, url, limit, set(unique), starred)
        if not record_success:
            c.execute(
                "UPDATE feeds SET title = coalesce(nullif(?, ''), title), "
                "link = coalesce(nullif(?, ''), link) WHERE url = ?",
                (parsed.title, parsed.link, url),
            )
            return MergeResult(
                new=len(inserts),
                updated=len(updates),
                unchanged=len(touches) + len(refreshes) + duplicates,
                new_ids=new_ids,
            )
        c.execute(
            "UPDATE feeds SET title = coalesce(nullif(?, ''), title), "
            "link = coalesce(nullif(?, ''), link), etag = ?, last_modified = ?, "
            "ttl_minutes = ?, not_before = ?, last_attempt = ?, last_success = ?, "
            "last_error = NULL, retry_until = NULL WHERE url = ?",
            (
                parsed.title,
                parsed.link,
                etag,
                last_modified,
                parsed.ttl_minutes,
                _to_ts(not_before),
                now_ts,
                now_ts,
                url,
            ),
        )
        return MergeResult(
            new=len(inserts),
            updated=len(updates),
            unchanged=len(touches) + len(refreshes) + duplicates,
            new_ids=new_ids,
        )

    return work


def _index_row(entry: Entry, feed_title: str) -> tuple[str, ...]:
    # Hand-made entries (converter_version 0) may come without plain text.
    text = entry.text if entry.converter_version else (entry.text or unescaped(entry.summary))
    return _search.index_row(entry.title, entry.author, feed_title, text)


def _derived(entry: Entry) -> tuple[str, str | None, int, int]:
    """(summary, source, converter_version, summary_truncated) as stored for ``entry``.

    An entry whose summary was not derived from its source (converter_version 0)
    keeps no source: there is nothing to derive again from."""
    source = entry.source if entry.converter_version else None
    return entry.summary, source, entry.converter_version, int(entry.summary_truncated)


def _needs_rederiving(stored_version: int, has_source: bool, entry: Entry) -> bool:
    if not entry.converter_version:
        return False
    return stored_version < entry.converter_version or not has_source


def _apply_retention(
    c: sqlite3.Connection, url: str, limit: int, present: set[str], starred: set[str]
) -> None:
    total = int(c.execute("SELECT count(*) FROM posts WHERE feed_url = ?", (url,)).fetchone()[0])
    excess = total - limit
    if excess <= 0:
        return
    doomed: list[tuple[str, str]] = []
    for key, pid in c.execute(
        "SELECT key, id FROM posts WHERE feed_url = ? "
        "ORDER BY coalesce(published, first_seen), last_seen, key",
        (url,),
    ):
        if key in present or pid in starred:
            continue
        doomed.append((url, key))
        if len(doomed) >= excess:
            break
    c.executemany("DELETE FROM posts WHERE feed_url = ? AND key = ?", doomed)


def record_not_modified(
    c: sqlite3.Connection, url: str, not_before: datetime | None, now: datetime
) -> None:
    now_ts = _to_ts(now)
    c.execute(
        "INSERT INTO feeds (url, not_before, last_attempt, last_success) "
        "VALUES (?, ?, ?, ?) ON CONFLICT(url) DO UPDATE SET "
        "not_before = excluded.not_before, last_attempt = excluded.last_attempt, "
        "last_success = excluded.last_success, last_error = NULL, retry_until = NULL",
        (url, _to_ts(not_before), now_ts, now_ts),
    )


def record_failure(
    c: sqlite3.Connection, url: str, message: str, now: datetime, not_before: datetime | None
) -> None:
    c.execute(
        "INSERT INTO feeds (url, title, last_attempt, last_error, not_before, retry_until) "
        "VALUES (?, '', ?, ?, ?, ?) ON CONFLICT(url) DO UPDATE SET "
        "last_attempt = excluded.last_attempt, last_error = excluded.last_error, "
        "not_before = coalesce(excluded.not_before, not_before), "
        "retry_until = coalesce(excluded.retry_until, retry_until)",
        # Only a server's Retry-After sets not_before on a failure: it is both.
        (url, _to_ts(now), message, _to_ts(not_before), _to_ts(not_before)),
    )


# --- re-deriving ---------------------------------------------------------------

_STALE_COLUMNS: Final = (
    "p.rowid, p.id, p.feed_url, p.link, p.source, p.summary, p.content_hash, "
    "p.converter_version, p.title, p.author, coalesce(f.title, '')"
)
# posts() order, for queries that join posts AS p with another table.
_POST_ORDER_P: Final = (
    " ORDER BY coalesce(p.published, p.first_seen) DESC, p.first_seen DESC, p.rowid"
)


def stale_rows(cache: sqlite3.Connection, current: int, limit: int) -> list[tuple[Any, ...]]:
    """Up to ``limit`` posts whose derived text predates converter ``current``, in
    :meth:`Store.posts` order (what the reader sees first is fixed first)."""
    return cache.execute(
        f"SELECT {_STALE_COLUMNS} FROM posts AS p "  # noqa: S608
        "LEFT JOIN feeds AS f ON f.url = p.feed_url "
        "WHERE p.converter_version < ?" + _POST_ORDER_P + " LIMIT ?",
        (current, limit),
    ).fetchall()


@dataclass(frozen=True, slots=True)
class Rederived:
    """A stale row and what the current converter makes of it (see Store.rederive_stale)."""

    rowid: int
    post_id: str
    content_hash: str
    old_version: int
    summary: str
    version: int
    index: tuple[str, ...]


def rederive_work(rows: list[Rederived]) -> Callable[[sqlite3.Connection], int]:
    """Store ``rows``; a row that a merge changed since it was read (another hash or
    version) is left as that merge wrote it. Returns how many were stored."""

    def work(c: sqlite3.Connection) -> int:
        stored = 0
        for row in rows:
            cur = c.execute(
                "UPDATE posts SET summary = ?, converter_version = ? "
                "WHERE rowid = ? AND id = ? AND content_hash = ? AND converter_version = ?",
                (
                    row.summary,
                    row.version,
                    row.rowid,
                    row.post_id,
                    row.content_hash,
                    row.old_version,
                ),
            )
            if cur.rowcount:
                _search.set_row(c, row.rowid, row.index)
                stored += 1
        return stored

    return work


def search(cache: sqlite3.Connection, query: str, feed_url: str | None) -> list[str]:
    return _search.search_ids(cache, query, feed_url, _POST_ORDER_P)


def read_haystack(
    cache: sqlite3.Connection, still_current: Callable[[], bool]
) -> _haystack.Haystack | None:
    """The index's text for short terms, in the order :func:`search` returns ids."""
    return _haystack.read_haystack(cache, _POST_ORDER_P, still_current)
