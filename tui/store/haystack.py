"""Short terms without a scan of SQLite: the index's folded text, in memory, for ``str.find``.

A term of 1-2 folded characters cannot use the trigram index (see
:mod:`tui.store.search`), so a query of only such terms is answered by SQLite
with ``instr`` over every row of ``posts_fts``: 30-70 ms at 10,000 posts, several
frames. A :class:`Haystack` answers the same query in a few milliseconds, with
the same result:

* it holds what ``instr`` reads, taken from ``posts_fts`` itself (not folded
  again here): each post's folded columns, UTF-8 encoded, one after the other
  with a NUL byte between them, in :meth:`tui.store.Store.posts` order, in chunks
  of :data:`CHUNK_POSTS` posts (one ``bytes`` each), with each post's offset;
* a term is looked for with ``bytes.find`` over a whole chunk (C speed); a hit is
  mapped to its post by bisecting the offsets, and the search goes on at the next
  post's start, so a post costs at most one hit. Further terms are looked for only
  in the posts the first one found (AND across terms; any column: OR across them);
* UTF-8 is self-synchronising, so a byte match of a whole term is a match of its
  characters, as ``instr`` (which compares UTF-8 bytes too) finds it. A term never
  holds a control character (:func:`tui.store.search.terms` makes them spaces), so
  no hit can run across the NUL between two columns or two posts.

Building one reads every row of ``posts_fts`` (~0.1-0.3 s at 10,000 posts): for a
worker, never the UI thread. It takes about as much memory as the folded text
(~20 MB at 10,000 posts with 1-2.5 kB descriptions). :class:`tui.store.Store`
knows when it no longer matches the cache (any commit to it) and then falls back to
SQLite until one is built again.
"""

from __future__ import annotations

import itertools
import sqlite3
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from tui.store.search import _COLUMNS

__all__ = ["CHUNK_POSTS", "Haystack", "read_haystack"]

CHUNK_POSTS: Final = 256
"""Posts in one ``bytes``: big enough that ``find`` runs long in C, small enough
that joining one holds the GIL for well under a millisecond."""

_SEP: Final = b"\x00"


@dataclass(frozen=True, slots=True)
class _Chunk:
    text: bytes
    starts: array[int]
    """Offset in ``text`` of each post's first column, then ``len(text)``."""
    first: int
    """Index (into :attr:`Haystack.ids`) of the chunk's first post."""


class Haystack:
    """The folded text of every post in the index, for :meth:`find`. Immutable once built."""

    def __init__(self, rows: Iterable[Sequence[object]]) -> None:
        """``rows``: (id, feed_url, folded column, ...) of each post, in list order."""
        ids: list[str] = []
        feeds: list[str] = []
        urls: dict[str, str] = {}
        chunks: list[_Chunk] = []
        parts: list[bytes] = []
        starts = array("q")
        size = 0
        for row in rows:
            ids.append(str(row[0]))
            url = str(row[1])
            feeds.append(urls.setdefault(url, url))  # one string per feed, not per post
            post = _SEP.join(
                (column if isinstance(column, str) else "").encode("utf-8", "surrogatepass")
                for column in row[2:]
            )
            starts.append(size)
            parts.append(post)
            parts.append(_SEP)
            size += len(post) + 1
            if len(starts) == CHUNK_POSTS:
                chunks.append(self._chunk(parts, starts, size, len(ids) - len(starts)))
                parts, starts, size = [], array("q"), 0
        if starts:
            chunks.append(self._chunk(parts, starts, size, len(ids) - len(starts)))
        self.ids: Final = ids
        self.feeds: Final = feeds
        self._chunks: Final = chunks

    @staticmethod
    def _chunk(parts: list[bytes], starts: array[int], size: int, first: int) -> _Chunk:
        starts.append(size)
        return _Chunk(b"".join(parts), starts, first)

    @property
    def nbytes(self) -> int:
        """The memory its text and offsets take (not counting the ids)."""
        return sum(len(c.text) + c.starts.itemsize * len(c.starts) for c in self._chunks)

    def find(self, terms: Sequence[str], feed_url: str | None = None) -> list[str]:
        """Ids (in list order) of the posts of ``feed_url`` (or of all) holding every one
        of ``terms`` (folded, non-empty) in some column. Every post when there are none."""
        needles = [term.encode("utf-8", "surrogatepass") for term in terms]
        if any(not needle or _SEP in needle for needle in needles):
            raise ValueError("a term must be non-empty and hold no NUL")
        found: list[int] = []
        if not needles:
            found = list(range(len(self.ids)))
        for chunk in self._chunks:
            if needles:
                found += _posts_with_all(chunk, needles)
        if feed_url is not None:
            feeds = self.feeds
            return [self.ids[i] for i in found if feeds[i] == feed_url]
        ids = self.ids
        return [ids[i] for i in found]


def _posts_with_all(chunk: _Chunk, needles: list[bytes]) -> list[int]:
    """Indexes of the chunk's posts holding every needle."""
    text, starts, first = chunk.text, chunk.starts, chunk.first
    last = len(starts) - 1  # starts[last] is the end of the text
    hits: list[int] = []
    needle = needles[0]
    at = text.find(needle)
    while at != -1:
        post = bisect_right(starts, at) - 1
        hits.append(post)
        if post + 1 >= last:
            break
        at = text.find(needle, starts[post + 1])
    for needle in needles[1:]:
        if not hits:
            break
        find = text.find
        hits = [post for post in hits if find(needle, starts[post], starts[post + 1]) != -1]
    return [first + post for post in hits]


def read_haystack(
    cache: sqlite3.Connection, order: str, still_current: Callable[[], bool]
) -> Haystack | None:
    """Every post of the index (joined with ``posts``, as a search is) in ``order``; None
    if ``still_current()``, asked once the first row is read (when the read transaction
    has its snapshot), says False.

    For a worker: reads every row (see the module docstring). In one read
    transaction, so the rows are one commit's."""
    columns = ", ".join(f"s.{c}" for c in _COLUMNS)
    sql = (
        f"SELECT p.id, p.feed_url, {columns} "  # noqa: S608 (constants only)
        "FROM posts_fts AS s JOIN posts AS p ON p.rowid = s.rowid" + order
    )
    began = not cache.in_transaction
    if began:
        cache.execute("BEGIN")
    try:
        rows = cache.execute(sql)
        first = rows.fetchone()
        if not still_current():
            return None
        return Haystack(itertools.chain([] if first is None else [first], rows))
    finally:
        if began:
            cache.execute("COMMIT")
