"""Whole articles fetched from posts' web pages, kept in the cache (cache v5).

One row per post id (``articles``), holding what the extractor made of the page: its
Markdown (what the reader shows), its plain text (what ``/`` searches: it goes into
the ``body`` column of ``posts_fts``, on the post's index row) and how it was found.

Caps, so a cache of articles stays a cache:

* one article's Markdown is at most :data:`MAX_ARTICLE_BYTES` (UTF-8); a bigger one is
  refused (:class:`ArticleRefused`, kind ``"too-large"``), never cut, since a cut
  article would pass for a whole one;
* all articles together (Markdown plus text, the ``size`` column) are at most
  :data:`MAX_TOTAL_BYTES`: saving one evicts the oldest-fetched others until they
  fit, but never an article of a starred post (the caller passes the starred ids).

Articles are disposable like the rest of the cache: deleting the cache loses them,
and nothing of the user's (read and star marks live in the state DB).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from tui.store import search as _search
from tui.store.caps import MAX_ARTICLE_BYTES, MAX_TOTAL_BYTES
from tui.store.db import _chunks, _from_ts, _to_ts

__all__ = [
    "MAX_ARTICLE_BYTES",
    "MAX_TOTAL_BYTES",
    "ArticleRefused",
    "SavedArticle",
    "StoredArticle",
]


class ArticleRefused(ValueError):
    """The store will not keep this article; ``str(err)`` is one short line for a user.

    ``kind``: ``"too-large"`` (over the per-article cap) or ``"unknown-post"`` (the post
    is not, or no longer, in the cache)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True, slots=True)
class StoredArticle:
    """An article as kept for a post (or, with ``post_id == ""``, fetched for a bare URL)."""

    post_id: str
    url: str
    """The page it was extracted from, after redirects."""
    title: str
    markdown: str
    text: str
    method: str
    """How the extractor found the article text (its own label)."""
    fetched_at: datetime
    size: int
    """Bytes it takes: UTF-8 Markdown plus plain text."""


@dataclass(frozen=True, slots=True)
class SavedArticle:
    article: StoredArticle
    evicted: list[str]
    """Ids of the posts whose articles made room for it."""


def article_size(markdown: str, text: str) -> int:
    return len(markdown.encode("utf-8", "surrogatepass")) + len(
        text.encode("utf-8", "surrogatepass")
    )


def human_size(n: int) -> str:
    mib = 1024 * 1024
    if n >= mib:
        return f"{n / mib:.1f} MB".replace(".0 MB", " MB")
    if n >= 1024:
        return f"{n // 1024} KB"
    return f"{n} bytes"


_COLUMNS: Final = "post_id, url, title, markdown, text, method, fetched_at, size"


def _from_row(row: tuple[Any, ...]) -> StoredArticle:
    post_id, url, title, markdown, text, method, fetched_at, size = row
    when = _from_ts(fetched_at)
    assert when is not None  # NOT NULL
    return StoredArticle(post_id, url, title, markdown, text, method, when, size)


def article(cache: sqlite3.Connection, post_id: str) -> StoredArticle | None:
    row = cache.execute(
        f"SELECT {_COLUMNS} FROM articles WHERE post_id = ?",  # noqa: S608 - constants only
        (post_id,),
    ).fetchone()
    return None if row is None else _from_row(row)


def stored_ids(cache: sqlite3.Connection, post_ids: Iterable[str]) -> set[str]:
    ids = list(dict.fromkeys(post_ids))
    found: set[str] = set()
    for chunk in _chunks(ids):
        marks = ", ".join("?" * len(chunk))
        found.update(
            row[0]
            for row in cache.execute(
                f"SELECT post_id FROM articles WHERE post_id IN ({marks})",  # noqa: S608
                list(chunk),
            )
        )
    return found


def total_size(cache: sqlite3.Connection) -> int:
    return int(cache.execute("SELECT coalesce(sum(size), 0) FROM articles").fetchone()[0])


def save_work(
    post_id: str,
    *,
    url: str,
    title: str,
    markdown: str,
    text: str,
    method: str,
    now: datetime,
    max_article_bytes: int,
    max_total_bytes: int,
    starred: set[str],
) -> Callable[[sqlite3.Connection], SavedArticle]:
    """The body of one save transaction (see :meth:`tui.store.Store.save_article`).

    Raises :class:`ArticleRefused` before writing anything when the article is over
    the cap or its post is not in the cache."""
    markdown_bytes = len(markdown.encode("utf-8", "surrogatepass"))
    if markdown_bytes > max_article_bytes:
        raise ArticleRefused(
            "too-large",
            f"the article is too large to keep ({human_size(markdown_bytes)} of Markdown, "
            f"the limit is {human_size(max_article_bytes)})",
        )
    size = article_size(markdown, text)
    stored = StoredArticle(post_id, url, title, markdown, text, method, now, size)
    body = _search.fold(text)

    def work(c: sqlite3.Connection) -> SavedArticle:
        row = c.execute(
            "SELECT p.rowid, p.title, p.author, coalesce(f.title, '') "
            "FROM posts AS p LEFT JOIN feeds AS f ON f.url = p.feed_url WHERE p.id = ? LIMIT 1",
            (post_id,),
        ).fetchone()
        if row is None:
            raise ArticleRefused("unknown-post", "the post is no longer stored")
        rowid = row[0]
        c.execute(
            f"INSERT OR REPLACE INTO articles ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",  # noqa: S608
            (post_id, url, title, markdown, text, method, _to_ts(now), size),
        )
        _set_body(c, rowid, body, row[1:])
        evicted = _evict(c, max_total_bytes, keep=starred | {post_id})
        return SavedArticle(stored, evicted)

    return work


def _set_body(c: sqlite3.Connection, rowid: int, body: str, post: tuple[str, str, str]) -> None:
    cur = c.execute("UPDATE posts_fts SET body = ? WHERE rowid = ?", (body, rowid))
    if cur.rowcount == 0:  # an index row lost (e.g. mid-rebuild): make one
        c.execute(
            "INSERT INTO posts_fts (rowid, title, author, feed_title, description, body) "
            "VALUES (?, ?, ?, ?, '', ?)",
            (rowid, *(_search.fold(part) for part in post), body),
        )


def _evict(c: sqlite3.Connection, max_total: int, *, keep: set[str]) -> list[str]:
    """Delete the oldest-fetched articles (not in ``keep``) until the total fits."""
    excess = total_size(c) - max_total
    if excess <= 0:
        return []
    doomed: list[str] = []
    for pid, size in c.execute("SELECT post_id, size FROM articles ORDER BY fetched_at, post_id"):
        if pid in keep:
            continue
        doomed.append(pid)
        excess -= size
        if excess <= 0:
            break
    for pid in doomed:
        delete(c, pid)
    return doomed


def delete(c: sqlite3.Connection, post_id: str) -> bool:
    """Drop the article of ``post_id`` and its words from the index."""
    cur = c.execute("DELETE FROM articles WHERE post_id = ?", (post_id,))
    c.execute(
        "UPDATE posts_fts SET body = '' WHERE rowid IN (SELECT rowid FROM posts WHERE id = ?)",
        (post_id,),
    )
    return cur.rowcount > 0


def reindex_bodies(c: sqlite3.Connection) -> None:
    """Put every stored article's text back into the index (after a rebuild)."""
    rows = c.execute(
        "SELECT p.rowid, a.text FROM articles AS a JOIN posts AS p ON p.id = a.post_id"
    ).fetchall()
    c.executemany(
        "UPDATE posts_fts SET body = ? WHERE rowid = ?",
        [(_search.fold(text), rowid) for rowid, text in rows],
    )
