"""The durable local store: posts in a disposable cache, read/star state kept safe.

Two SQLite files, on purpose
----------------------------
* The **cache DB** (``posts`` and ``feeds``, under the user *cache* dir) holds
  everything that can be fetched again: post text and the per-feed HTTP
  bookkeeping (ETag, Last-Modified, ``not_before``...). Losing it costs one
  refresh, nothing more, so it runs with ``synchronous=NORMAL`` and is thrown
  away (moved aside) at the first sign of trouble.
* The **state DB** (``post_state``, under the user *data* dir) holds what only
  the user can produce: read / starred flags and their times. It is keyed by
  :func:`tui.models.post_id` (a hash of feed URL and entry key), never by a
  cache rowid, so wiping or rebuilding the cache and merging the same feed
  again brings every post back with its state. ``feed_url`` and ``key`` are
  stored next to the id only so a human can tell what a row was about. It runs
  with ``synchronous=FULL``: a read mark must survive a power cut.

The two are separate connections, not ``ATTACH``-ed: a write transaction on
an attached pair locks both files, which would make a long merge block a
keypress that marks a post read. ``posts()`` joins them in Python instead (the
state rows are small).

Concurrency
-----------
Both files use WAL, ``busy_timeout`` and ``BEGIN IMMEDIATE`` for every write
(a deferred transaction that later upgrades to a writer can fail with
SQLITE_BUSY without waiting at all under WAL). Transactions are short, one
per merge / per user action, and a write that still reports "locked" is
retried a few times with backoff. Two processes (say the TUI and a cron
``rajpoot-tui refresh``) can share the files.

Within one process, a :class:`Store` keeps a writer connection per file, each
behind its own lock, plus a reader connection per file for the UI's reads:
under WAL a reader sees the last commit and never waits for a write
transaction, so neither a keypress that marks a post read nor a screen
refresh waits for a 10,000-post merge (see :class:`Store` for the details and
the in-memory case). More SQLite connections to one file are safe; a Python
``open()`` of it is not (see ``recovery._open_checked``).

Schema versions
---------------
``PRAGMA user_version`` counts the migrations applied; ``CACHE_MIGRATIONS`` /
``STATE_MIGRATIONS`` are ordered lists of SQL scripts or callables, and
version N is "after the first N entries". Only ever *append* to these lists;
an edited old migration would leave existing users with a schema that no
fresh install has. Each migration runs in the same transaction as its
``user_version`` bump, so a crash leaves either the old or the new version.

Derived text
------------
Each post keeps its description's sanitised ``source`` (HTML or text, as the
feed gave it) next to what was derived from it (the Markdown ``summary``) and
the ``converter_version`` that derived it. When :mod:`tui.htmltext` changes its
output (and bumps ``CONVERTER_VERSION``), stale posts are derived again: by the
next merge that brings them (a re-derivation is not counted as an update), and
by :meth:`Store.rederive_stale`, which the app calls off the UI thread in small
batches. Opening the store never does it.

Search
------
``posts_fts`` (cache v4) is an FTS5 trigram index over folded plain text of each
post's title, author, feed title and description, and (``body``, cache v5) of the
whole article fetched for it if one is kept, keyed by ``posts.rowid`` (so
the cache must never be VACUUMed without :meth:`Store.rebuild_search_index`).
A merge indexes what it inserts or rewrites and re-titles a renamed feed's rows
in the same transaction; a trigger drops the rows of deleted posts. The index is
as disposable as the rest of the cache. Queries, semantics and the tokenizer
trade-off: :mod:`tui.store.search`. Queries of only 1-2 character terms, which the
index cannot look up, can also be answered from its text held in memory
(:meth:`Store.quick_search`, :mod:`tui.store.haystack`).

Recovery policy (``Store.notices`` tells the user what happened)
----------------------------------------------------------------
A file is *unusable* when it is not SQLite (bad header, garbage, truncated),
fails ``PRAGMA quick_check``, carries tables that are not ours, or has a
``user_version`` newer than this code.

* Unusable **cache**: move it (and ``-wal``/``-shm``) aside to
  ``<name>.corrupt-<UTC timestamp>`` and start a fresh one. Nothing is lost
  that the next refresh does not bring back.
* **State** is never deleted and never silently dropped. A damaged state DB is
  *copied* (with its WAL) to ``<name>.corrupt-<ts>`` and kept for good; every
  row SQLite can still read is copied from it into a new file, rowid range by
  rowid range, skipping unreadable pages; the new file then atomically
  replaces the damaged one (see ``_rebuild_state`` for why in that order).
  The notice says how many entries came back. A state DB from a *newer*
  version is used as-is, without migrating or rewriting its ``user_version``,
  as long as its ``post_state`` table has the columns we need (later versions
  only add); only if it lacks them is it treated as damaged.
* Errors that are not about the file's contents (permissions, disk full,
  still locked after retries) are not "corruption": the file is left alone,
  the store falls back to an in-memory DB for this session, and a notice says
  that changes will not be kept.

Known limit: recovery cannot coordinate with another process that has the
damaged file open; it keeps writing to the old inode until it restarts. That
only matters once a file is already damaged.

Opening never raises for any of the above. Errors after opening propagate:
the caller decides how to show them.

Modules
-------
``articles`` (whole articles fetched from posts' pages, their caps and eviction;
loaded on first use) · ``caps`` (the caps' values) ·
``db`` (connections, write transactions, error codes) · ``schema`` (the
migration lists and schema checks) · ``recovery`` (open, move aside, salvage,
in-memory fallback) · ``posts`` (cache reads and merge) · ``state`` (read and
star marks) · ``search`` (the full-text index: queries, folding, highlight spans;
its pure functions are public) · ``store`` (the :class:`Store` that ties them
together). Besides ``tui.store.search``, only the names re-exported here are
the package's API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.store.posts import MergeResult
from tui.store.schema import (
    CACHE_MIGRATIONS,
    CACHE_SCHEMA_VERSION,
    STATE_MIGRATIONS,
    STATE_SCHEMA_VERSION,
    Migration,
)
from tui.store.store import Store

if TYPE_CHECKING:
    from tui.store.articles import ArticleRefused, SavedArticle, StoredArticle

__all__ = [
    "CACHE_MIGRATIONS",
    "CACHE_SCHEMA_VERSION",
    "STATE_MIGRATIONS",
    "STATE_SCHEMA_VERSION",
    "ArticleRefused",
    "MergeResult",
    "Migration",
    "SavedArticle",
    "Store",
    "StoredArticle",
]

_FROM_ARTICLES = frozenset({"ArticleRefused", "SavedArticle", "StoredArticle"})


def __getattr__(name: str) -> object:
    # The article names load with their module, on first use: opening the store and
    # painting the posts need neither.
    if name in _FROM_ARTICLES:
        from tui.store import articles

        return getattr(articles, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
