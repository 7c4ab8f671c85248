"""The two schemas as append-only migration lists, and how a file is checked against them.

``PRAGMA user_version`` counts the migrations applied; version N is "after the
first N entries". Only ever *append*: an edited old migration would leave
existing users with a schema that no fresh install has.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from functools import cache
from typing import Final

from tui.store.db import _write

Migration = str | Callable[[sqlite3.Connection], None]
"""A SQL script (one or more statements) or a function run inside the migration transaction."""


class _Unusable(Exception):
    """The file is not a store we can use (corrupt, foreign or too new)."""


_CACHE_V1: Final = """
CREATE TABLE feeds (
    url            TEXT PRIMARY KEY,
    title          TEXT NOT NULL DEFAULT '',
    link           TEXT NOT NULL DEFAULT '',
    etag           TEXT,
    last_modified  TEXT,
    last_attempt   REAL,
    last_success   REAL,
    last_error     TEXT
);
CREATE TABLE posts (
    feed_url      TEXT NOT NULL REFERENCES feeds(url) ON DELETE CASCADE,
    key           TEXT NOT NULL,
    id            TEXT NOT NULL,
    title         TEXT NOT NULL DEFAULT '',
    link          TEXT NOT NULL DEFAULT '',
    published     REAL,
    updated       REAL,
    summary       TEXT NOT NULL DEFAULT '',
    author        TEXT NOT NULL DEFAULT '',
    content_hash  TEXT NOT NULL DEFAULT '',
    first_seen    REAL NOT NULL,
    last_seen     REAL NOT NULL,
    is_new        INTEGER NOT NULL DEFAULT 0,
    UNIQUE (feed_url, key)
);
CREATE INDEX posts_id ON posts(id);
-- posts() orders by exactly these expressions, so SQLite can walk an index
-- instead of sorting every row on each screen refresh.
CREATE INDEX posts_feed_order
    ON posts(feed_url, coalesce(published, first_seen) DESC, first_seen DESC, key);
CREATE INDEX posts_all_order
    ON posts(coalesce(published, first_seen) DESC, first_seen DESC, key);
"""

# v2: honour the server's wishes about polling (RSS <ttl>, Cache-Control,
# Retry-After). v1 files exist on disk, so this is an ALTER, not an edit of v1.
_CACHE_V2: Final = """
ALTER TABLE feeds ADD COLUMN ttl_minutes INTEGER;
ALTER TABLE feeds ADD COLUMN not_before REAL;
"""

_STATE_V1: Final = """
CREATE TABLE post_state (
    post_id     TEXT PRIMARY KEY,
    feed_url    TEXT NOT NULL DEFAULT '',
    key         TEXT NOT NULL DEFAULT '',
    read        INTEGER NOT NULL DEFAULT 0,
    read_at     REAL,
    starred     INTEGER NOT NULL DEFAULT 0,
    starred_at  REAL
);
CREATE INDEX post_state_feed ON post_state(feed_url);
"""

# v3: keep each description's source, so Markdown and plain text can be derived
# again when the converter changes (``converter_version`` says which one made
# them; 0 = not derived from a kept source, e.g. rows from before v3, whose
# ``source`` is NULL), and say when the feed's description was cut instead of
# writing that into the text.
_CACHE_V3: Final = """
ALTER TABLE posts ADD COLUMN source TEXT;
ALTER TABLE posts ADD COLUMN converter_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE posts ADD COLUMN summary_truncated INTEGER NOT NULL DEFAULT 0;
CREATE INDEX posts_converter ON posts(converter_version);
"""

# v4: full-text search (see tui/store/search.py for the tokenizer and why). The
# index holds folded plain text, keyed by posts.rowid; merges keep it in step,
# and the trigger covers every way a post is deleted. Only titles, authors and
# feed titles are indexed here, in SQL, so that opening a 10,000-post cache
# stays fast (descriptions would take seconds): older rows are left at
# converter_version 0, and Store.rederive_stale or the next merge indexes
# their descriptions. lower() is ASCII-only; those rows are re-folded then too.
_CACHE_V4: Final = """
CREATE VIRTUAL TABLE posts_fts USING fts5(
    title, author, feed_title, description, body,
    tokenize = 'trigram case_sensitive 1', columnsize = 0
);
INSERT INTO posts_fts (rowid, title, author, feed_title, description, body)
    SELECT p.rowid, lower(p.title), lower(p.author), lower(coalesce(f.title, '')), '', ''
    FROM posts AS p LEFT JOIN feeds AS f ON f.url = p.feed_url;
UPDATE posts SET converter_version = 0;
CREATE TRIGGER posts_fts_delete AFTER DELETE ON posts BEGIN
    DELETE FROM posts_fts WHERE rowid = old.rowid;
END;
"""

# v5: whole articles fetched from posts' web pages (see tui/store/articles.py),
# keyed by post id like the state DB, so a rebuilt cache finds nothing stale. The
# article's plain text goes into posts_fts.body, the column v4 kept for it. A post
# deleted (retention) takes its article along, as its index row goes.
_CACHE_V5: Final = """
CREATE TABLE articles (
    post_id     TEXT PRIMARY KEY,
    url         TEXT NOT NULL DEFAULT '',
    title       TEXT NOT NULL DEFAULT '',
    markdown    TEXT NOT NULL DEFAULT '',
    text        TEXT NOT NULL DEFAULT '',
    method      TEXT NOT NULL DEFAULT '',
    fetched_at  REAL NOT NULL,
    size        INTEGER NOT NULL
);
CREATE INDEX articles_fetched ON articles(fetched_at);
CREATE TRIGGER posts_articles_delete AFTER DELETE ON posts BEGIN
    DELETE FROM articles WHERE post_id = old.id;
END;
"""

# State v2: a starred post is the user's, so it keeps a copy of what it shows (its
# title, link, date, description, feed) here, beside the star. Deleting the cache,
# or the feed dropping the post and retention deleting it, no longer loses it.
# Copies of stars from before v2 are made from the cache when the store opens.
_STATE_V2: Final = """
CREATE TABLE starred_posts (
    post_id            TEXT PRIMARY KEY,
    feed_url           TEXT NOT NULL DEFAULT '',
    key                TEXT NOT NULL DEFAULT '',
    title              TEXT NOT NULL DEFAULT '',
    link               TEXT NOT NULL DEFAULT '',
    published          REAL,
    summary            TEXT NOT NULL DEFAULT '',
    author             TEXT NOT NULL DEFAULT '',
    first_seen         REAL NOT NULL,
    last_seen          REAL NOT NULL,
    summary_truncated  INTEGER NOT NULL DEFAULT 0,
    categories         TEXT NOT NULL DEFAULT '',
    feed_title         TEXT NOT NULL DEFAULT '',
    saved_at           REAL NOT NULL
);
"""

# v6: many feeds. A server's Retry-After is kept apart from freshness (not_before),
# because a refresh the user asks for may skip freshness but never a Retry-After.
# Posts keep their feed's categories, shown as tags (the URL-path "section" is
# only meaningful on the blog itself). Joined by CATEGORY_SEPARATOR, which
# cleaned text never contains; older rows get them on their feed's next merge.
_CACHE_V6: Final = """
ALTER TABLE feeds ADD COLUMN retry_until REAL;
ALTER TABLE posts ADD COLUMN categories TEXT NOT NULL DEFAULT '';
"""
CATEGORY_SEPARATOR: Final = "\x1f"

CACHE_MIGRATIONS: Final[list[Migration]] = [
    _CACHE_V1,
    _CACHE_V2,
    _CACHE_V3,
    _CACHE_V4,
    _CACHE_V5,
    _CACHE_V6,
]
STATE_MIGRATIONS: Final[list[Migration]] = [_STATE_V1, _STATE_V2]
CACHE_SCHEMA_VERSION: Final = len(CACHE_MIGRATIONS)
STATE_SCHEMA_VERSION: Final = len(STATE_MIGRATIONS)

_STATE_COLUMNS: Final = ("post_id", "feed_url", "key", "read", "read_at", "starred", "starred_at")
COPY_COLUMNS: Final = (
    "post_id",
    "feed_url",
    "key",
    "title",
    "link",
    "published",
    "summary",
    "author",
    "first_seen",
    "last_seen",
    "summary_truncated",
    "categories",
    "feed_title",
    "saved_at",
)


def _split_script(script: str) -> list[str]:
    """Split a migration script into statements.

    ``executescript`` is avoided because it commits any open transaction
    first, which would separate a migration from its ``user_version`` bump.
    """
    statements: list[str] = []
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \t\r\n;"):
                statements.append(pending)
            pending = ""
    if pending.strip(" \t\r\n;"):
        statements.append(pending)
    return statements


def _apply(conn: sqlite3.Connection, migration: Migration) -> None:
    if callable(migration):
        migration(conn)
        return
    for statement in _split_script(migration):
        conn.execute(statement)


@cache
def _expected_schema(which: str, version: int) -> dict[str, frozenset[str]]:
    """Tables -> columns that a file at ``version`` must have, derived by replaying
    the migrations in memory so it can never drift from the migrations themselves."""
    migrations = CACHE_MIGRATIONS if which == "cache" else STATE_MIGRATIONS
    conn = sqlite3.connect(":memory:")
    try:
        for migration in migrations[:version]:
            _apply(conn, migration)
        return _schema_of(conn)
    finally:
        conn.close()


def _schema_of(conn: sqlite3.Connection) -> dict[str, frozenset[str]]:
    tables = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return {
        name: frozenset(row[1] for row in conn.execute(f'PRAGMA table_info("{name}")'))
        for name in tables
    }


def _migrate(conn: sqlite3.Connection, migrations: Sequence[Migration]) -> None:
    def run(c: sqlite3.Connection) -> None:
        # Re-read inside the write lock: another process may have migrated
        # between our validation and now.
        version = int(c.execute("PRAGMA user_version").fetchone()[0])
        for number in range(version, len(migrations)):
            _apply(c, migrations[number])
            c.execute(f"PRAGMA user_version = {number + 1}")

    if int(conn.execute("PRAGMA user_version").fetchone()[0]) < len(migrations):
        _write(conn, run)


def _validate(conn: sqlite3.Connection, which: str, known: int) -> None:
    """Raise _Unusable unless the file holds (some version of) our schema."""
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    actual = _schema_of(conn)
    if version > known:
        raise _Unusable(f"schema version {version} is newer than this program's {known}")
    if version < 0:
        raise _Unusable(f"schema version {version} is not one of ours")
    expected = _expected_schema(which, version)
    if set(actual) != set(expected):
        raise _Unusable(f"unexpected tables: {', '.join(sorted(actual)) or 'none'}")
    for table, columns in expected.items():
        if not columns <= actual[table]:
            raise _Unusable(f"table {table} lacks columns {sorted(columns - actual[table])}")
