"""The state DB: read and starred marks, keyed by post id.

Functions here take the connection to use; locking is the caller's (:class:`tui.store.Store`).
"""

from __future__ import annotations

import sqlite3
from typing import Any


def state_map(state: sqlite3.Connection, feed_url: str | None) -> dict[str, tuple[int, int]]:
    """post id -> (read, starred) for ``feed_url`` (every feed when None)."""
    if feed_url is None:
        cur = state.execute("SELECT post_id, read, starred FROM post_state")
    else:
        # '' = marked while the post was unknown to the cache; see set_read.
        cur = state.execute(
            "SELECT post_id, read, starred FROM post_state WHERE feed_url IN (?, '')",
            (feed_url,),
        )
    return {pid: (read, starred) for pid, read, starred in cur}


def post_state(state: sqlite3.Connection, post_id: str) -> dict[str, tuple[int, int]]:
    srow = state.execute(
        "SELECT read, starred FROM post_state WHERE post_id = ?", (post_id,)
    ).fetchone()
    return {post_id: (srow[0], srow[1])} if srow else {}


def read_ids(state: sqlite3.Connection) -> set[str]:
    return {row[0] for row in state.execute("SELECT post_id FROM post_state WHERE read = 1")}


def all_starred_ids(state: sqlite3.Connection) -> set[str]:
    return {row[0] for row in state.execute("SELECT post_id FROM post_state WHERE starred = 1")}


def starred_ids(state: sqlite3.Connection, feed_url: str) -> set[str]:
    return {
        row[0]
        for row in state.execute(
            "SELECT post_id FROM post_state WHERE starred = 1 AND feed_url IN (?, '')",
            (feed_url,),
        )
    }


def set_read(c: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
    """``rows``: (post_id, feed_url, key, read, read_at)."""
    c.executemany(
        "INSERT INTO post_state (post_id, feed_url, key, read, read_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT(post_id) DO UPDATE SET "
        "read = excluded.read, "
        "read_at = CASE WHEN read = excluded.read THEN read_at "
        "ELSE excluded.read_at END, "
        "feed_url = coalesce(nullif(excluded.feed_url, ''), feed_url), "
        "key = coalesce(nullif(excluded.key, ''), key)",
        rows,
    )


def set_starred(
    c: sqlite3.Connection, post_id: str, feed_url: str, key: str, starred: bool, at: float | None
) -> None:
    c.execute(
        "INSERT INTO post_state (post_id, feed_url, key, starred, starred_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT(post_id) DO UPDATE SET "
        "starred = excluded.starred, "
        "starred_at = CASE WHEN starred = excluded.starred THEN starred_at "
        "ELSE excluded.starred_at END, "
        "feed_url = coalesce(nullif(excluded.feed_url, ''), feed_url), "
        "key = coalesce(nullif(excluded.key, ''), key)",
        (post_id, feed_url, key, int(starred), at),
    )


def mark_all_read(
    c: sqlite3.Connection, feed_url: str, posts: list[tuple[str, str]], at: float | None
) -> int:
    """Mark ``posts`` ((id, key) pairs of ``feed_url``) read; return how many were unread."""
    already = {
        row[0]
        for row in c.execute(
            "SELECT post_id FROM post_state WHERE read = 1 AND feed_url IN (?, '')",
            (feed_url,),
        )
    }
    rows = [(pid, feed_url, key, at) for pid, key in posts if pid not in already]
    c.executemany(
        "INSERT INTO post_state (post_id, feed_url, key, read, read_at) "
        "VALUES (?, ?, ?, 1, ?) ON CONFLICT(post_id) DO UPDATE SET "
        "read = 1, read_at = excluded.read_at, "
        "feed_url = excluded.feed_url, key = excluded.key",
        rows,
    )
    return len(rows)


# -- copies of starred posts (state v2) ------------------------------------------------
# Rows go in and come out in COPY_COLUMNS order; reads give the cache's post-row
# shape (see tui.store.posts._POST_COLUMNS) so build_posts takes them as they are.

_COPY_AS_POST_ROW = (
    "SELECT post_id, feed_url, key, title, link, published, summary, author, "
    "first_seen, last_seen, 0, summary_truncated, categories FROM starred_posts"
)


def save_copies(c: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
    """``rows``: COPY_COLUMNS tuples; a newer copy replaces the older one."""
    from tui.store.schema import COPY_COLUMNS

    marks = ", ".join("?" for _ in COPY_COLUMNS)
    c.executemany(
        f"INSERT OR REPLACE INTO starred_posts ({', '.join(COPY_COLUMNS)}) "  # noqa: S608
        f"VALUES ({marks})",
        rows,
    )


def drop_copy(c: sqlite3.Connection, post_id: str) -> None:
    c.execute("DELETE FROM starred_posts WHERE post_id = ?", (post_id,))


def copy_rows(state: sqlite3.Connection, feed_url: str | None) -> list[tuple[Any, ...]]:
    """The copies (of ``feed_url``, or all), as post rows."""
    if feed_url is None:
        return state.execute(_COPY_AS_POST_ROW).fetchall()
    return state.execute(_COPY_AS_POST_ROW + " WHERE feed_url = ?", (feed_url,)).fetchall()


def copy_row(state: sqlite3.Connection, post_id: str) -> tuple[Any, ...] | None:
    row: tuple[Any, ...] | None = state.execute(
        _COPY_AS_POST_ROW + " WHERE post_id = ?", (post_id,)
    ).fetchone()
    return row


def copied_feeds(state: sqlite3.Connection) -> dict[str, str]:
    """feed URL -> its title, for the feeds starred posts were copied from."""
    rows = state.execute("SELECT feed_url, max(feed_title) FROM starred_posts GROUP BY feed_url")
    return dict(rows)


def stars_without_copy(state: sqlite3.Connection) -> list[str]:
    """Starred posts with no copy yet (starred before state v2)."""
    return [
        row[0]
        for row in state.execute(
            "SELECT post_id FROM post_state WHERE starred = 1 "
            "AND post_id NOT IN (SELECT post_id FROM starred_posts)"
        )
    ]
