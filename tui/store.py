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

Schema versions
---------------
``PRAGMA user_version`` counts the migrations applied; ``CACHE_MIGRATIONS`` /
``STATE_MIGRATIONS`` are ordered lists of SQL scripts or callables, and
version N is "after the first N entries". Only ever *append* to these lists;
an edited old migration would leave existing users with a schema that no
fresh install has. Each migration runs in the same transaction as its
``user_version`` bump, so a crash leaves either the old or the new version.

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
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Self, TypeVar

from tui.models import Entry, FeedInfo, ParsedFeed, Post, post_id

__all__ = [
    "CACHE_MIGRATIONS",
    "CACHE_SCHEMA_VERSION",
    "STATE_MIGRATIONS",
    "STATE_SCHEMA_VERSION",
    "MergeResult",
    "Migration",
    "Store",
]

Migration = str | Callable[[sqlite3.Connection], None]
"""A SQL script (one or more statements) or a function run inside the migration transaction."""

_T = TypeVar("_T")

# --- schema -----------------------------------------------------------------

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

CACHE_MIGRATIONS: Final[list[Migration]] = [_CACHE_V1, _CACHE_V2]
STATE_MIGRATIONS: Final[list[Migration]] = [_STATE_V1]
CACHE_SCHEMA_VERSION: Final = len(CACHE_MIGRATIONS)
STATE_SCHEMA_VERSION: Final = len(STATE_MIGRATIONS)

_STATE_COLUMNS: Final = ("post_id", "feed_url", "key", "read", "read_at", "starred", "starred_at")

# --- tuning -----------------------------------------------------------------

_BUSY_TIMEOUT_MS: Final = 10_000
_WRITE_ATTEMPTS: Final = 5
_OPEN_ATTEMPTS: Final = 3
# SQLite's default limit is 32766 host parameters; stay far below for old builds.
_IN_CHUNK: Final = 500
# Upper bound on skip-ahead probes when salvaging a damaged state table, so a
# hopeless file cannot stall startup.
_SALVAGE_MAX_PROBES: Final = 400

# Primary result codes (the low byte of sqlite_errorcode).
_SQLITE_BUSY: Final = 5
_SQLITE_LOCKED: Final = 6
_SQLITE_CORRUPT: Final = 11
_SQLITE_NOTADB: Final = 26


@dataclass(frozen=True, slots=True)
class MergeResult:
    """What one :meth:`Store.merge` did to the cache."""

    new: int
    updated: int
    unchanged: int
    new_ids: list[str]


class _Unusable(Exception):
    """The file is not a store we can use (corrupt, foreign or too new)."""


# --- small helpers ----------------------------------------------------------


def _primary_code(exc: sqlite3.Error) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def _is_busy(exc: sqlite3.Error) -> bool:
    code = _primary_code(exc)
    if code is not None:
        return code in (_SQLITE_BUSY, _SQLITE_LOCKED)
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def _is_corruption(exc: sqlite3.Error) -> bool:
    code = _primary_code(exc)
    if code is not None:
        return code in (_SQLITE_CORRUPT, _SQLITE_NOTADB)
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text


def _to_ts(dt: datetime | None) -> float | None:
    if dt is None:
        return None
    # A naive datetime here is a caller bug, but guessing UTC is far better
    # than the local-time guess .timestamp() would make.
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


def _from_ts(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC)


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
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _chunks(items: Sequence[_T], size: int = _IN_CHUNK) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


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


def _sidecars(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal")]


def _backup_name(path: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    backup = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while backup.exists():
        backup = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
        n += 1
    return backup


def _move_aside(path: Path) -> Path:
    """Rename ``path`` and its sidecar files to ``<name>.corrupt-<UTC ts>``; return the new path."""
    backup = _backup_name(path)
    if path.exists():
        path.rename(backup)
    for src, dst in zip(_sidecars(path), _sidecars(backup), strict=True):
        # -shm is only an index into -wal, but moving it keeps the set
        # consistent should anyone open the backup with the sqlite3 shell.
        if src.exists():
            src.rename(dst)
    return backup


def _durable_copy(src: Path, dst: Path) -> None:
    with src.open("rb") as fin, dst.open("xb") as fout:
        shutil.copyfileobj(fin, fout)
        fout.flush()
        os.fsync(fout.fileno())


def _fsync_dir(directory: Path) -> None:
    # Makes a rename durable; not possible (nor needed) on every platform.
    with suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _connect(path: Path | str, *, synchronous: str) -> sqlite3.Connection:
    # isolation_level=None: we issue BEGIN IMMEDIATE / COMMIT ourselves.
    # check_same_thread=False: the Store serialises access with its own lock,
    # and Textual workers may call it from a thread.
    conn = sqlite3.connect(
        path, timeout=_BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
    )
    conn.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute(f"PRAGMA synchronous = {synchronous}")
    return conn


def _quick_check(conn: sqlite3.Connection) -> None:
    rows = [row[0] for row in conn.execute("PRAGMA quick_check")]
    if rows != ["ok"]:
        raise _Unusable(f"integrity check failed: {rows[0] if rows else 'no answer'}")


def _write(conn: sqlite3.Connection, work: Callable[[sqlite3.Connection], _T]) -> _T:
    """Run ``work`` in one ``BEGIN IMMEDIATE`` transaction, retrying if the file stays locked.

    ``work`` may run more than once, so it must keep its effects inside the
    transaction (build its result there, mutate no outside state).
    """
    delay = 0.05
    for attempt in range(_WRITE_ATTEMPTS):
        try:
            conn.execute("BEGIN IMMEDIATE")
            result = work(conn)
            conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if not _is_busy(exc) or attempt == _WRITE_ATTEMPTS - 1:
                raise
            time.sleep(delay)
            delay *= 2
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        else:
            return result
    raise AssertionError("unreachable")  # pragma: no cover


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


# --- opening ----------------------------------------------------------------


def _open_checked(
    path: Path, *, which: str, synchronous: str, migrations: Sequence[Migration]
) -> sqlite3.Connection:
    """Open, verify and migrate one DB file. Raises _Unusable or sqlite3.Error.

    The file is never read with plain ``open()``: closing any file descriptor
    on a database drops every POSIX lock this process holds on it, including
    those of our other connections, and another process would then think it
    is alone and delete the WAL under us (losing committed read marks).
    SQLite itself tells a non-database file apart (SQLITE_NOTADB) on the first
    read, and nothing below writes before the checks pass.
    """
    conn = _connect(path, synchronous=synchronous)
    try:
        # One read transaction for all checks: otherwise another process
        # creating the file could commit its first migration between our
        # user_version read and our table listing, and a perfectly good new
        # file would look foreign (and be moved away under that process).
        conn.execute("BEGIN")
        try:
            _quick_check(conn)
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            newer_state = which == "state" and version > len(migrations)
            if newer_state:
                # Newer state: never migrate or rewrite it, use it if compatible.
                cols = _schema_of(conn).get("post_state", frozenset())
                if not set(_STATE_COLUMNS) <= cols:
                    raise _Unusable(f"schema version {version} without a usable post_state table")
            else:
                _validate(conn, which, len(migrations))
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")  # read-only: nothing to keep
        # Only now, with the file known to be ours: switching to WAL writes
        # to the header, which must not happen to a file we will move aside.
        conn.execute("PRAGMA journal_mode = WAL")
        if not newer_state:
            _migrate(conn, migrations)
        return conn
    except BaseException:
        conn.close()
        raise


def _classify(exc: BaseException) -> str | None:
    """Why the file is unusable, or None when the error is not about its contents."""
    if isinstance(exc, _Unusable):
        return str(exc)
    if isinstance(exc, sqlite3.DatabaseError) and _is_corruption(exc):
        return str(exc)
    if (
        isinstance(exc, sqlite3.DatabaseError)
        and _primary_code(exc) == 1  # SQLITE_ERROR: e.g. a migration clashing with foreign tables
    ):
        return str(exc)
    return None


def _try_open(
    path: Path, *, which: str, synchronous: str, migrations: Sequence[Migration]
) -> tuple[sqlite3.Connection | None, str | None, BaseException | None]:
    """(connection, None, None) on success, (None, reason, None) if the file is
    unusable, (None, None, error) for environment errors."""
    last: BaseException | None = None
    for attempt in range(_OPEN_ATTEMPTS):
        try:
            return (
                _open_checked(path, which=which, synchronous=synchronous, migrations=migrations),
                None,
                None,
            )
        except (_Unusable, sqlite3.Error, OSError) as exc:
            reason = _classify(exc)
            if reason is not None:
                return None, reason, None
            last = exc
            if isinstance(exc, sqlite3.Error) and _is_busy(exc) and attempt < _OPEN_ATTEMPTS - 1:
                time.sleep(0.1 * (attempt + 1))
                continue
            break
    return None, None, last


def _memory_db(migrations: Sequence[Migration]) -> sqlite3.Connection:
    conn = _connect(":memory:", synchronous="OFF")
    _migrate(conn, migrations)
    return conn


def _open_with_recovery(
    path: Path,
    notices: list[str],
    *,
    which: str,
    synchronous: str,
    migrations: Sequence[Migration],
    recover: Callable[[Path, str], str],
    what: str,
    unsaved: str,
) -> sqlite3.Connection:
    """Open ``path``; if it is unusable, ``recover`` it (returning the notice) and
    retry; if it still can't be opened, fall back to memory and say what is lost."""
    conn, reason, error = _try_open(
        path, which=which, synchronous=synchronous, migrations=migrations
    )
    if conn is not None:
        return conn
    if reason is not None:
        try:
            notices.append(recover(path, reason))
        except (OSError, sqlite3.Error) as exc:
            error = exc
        else:
            conn, _, error = _try_open(
                path, which=which, synchronous=synchronous, migrations=migrations
            )
            if conn is not None:
                return conn
    notices.append(f"Could not open {what} at {path} ({error or reason}); {unsaved}")
    return _memory_db(migrations)


def _recover_cache(path: Path, reason: str) -> str:
    backup = _move_aside(path)
    return f"Post cache was unreadable ({reason}); moved it to {backup} and started a fresh one."


def _open_cache(path: Path, notices: list[str]) -> sqlite3.Connection:
    return _open_with_recovery(
        path,
        notices,
        which="cache",
        synchronous="NORMAL",
        migrations=CACHE_MIGRATIONS,
        recover=_recover_cache,
        what="the post cache",
        unsaved="posts fetched in this session will not be kept.",
    )


def _salvage_state(backup: Path) -> list[tuple[Any, ...]]:
    """Every post_state row SQLite can still read from a damaged file, as _STATE_COLUMNS tuples.

    Works on a temporary copy so the kept original is never written to (even
    opening a WAL database can checkpoint into it).
    """
    rows: dict[str, tuple[Any, ...]] = {}
    with tempfile.TemporaryDirectory(prefix="rajpoot-salvage-") as tmp:
        copy = Path(tmp) / "state.sqlite3"
        try:
            shutil.copyfile(backup, copy)
            wal = backup.with_name(backup.name + "-wal")
            if wal.exists():
                # Committed transactions may live only in the WAL.
                shutil.copyfile(wal, copy.with_name(copy.name + "-wal"))
        except OSError:
            return []
        conn: sqlite3.Connection | None = None
        try:
            conn = sqlite3.connect(copy, isolation_level=None)
            cols = _schema_of(conn).get("post_state", frozenset())
            if "post_id" not in cols:
                return []
            select = ", ".join(c if c in cols else "NULL" for c in _STATE_COLUMNS)
            _scan_rows(conn, select, rows)
        except sqlite3.Error:
            pass
        finally:
            if conn is not None:
                conn.close()
    return list(rows.values())


def _scan_rows(conn: sqlite3.Connection, select: str, into: dict[str, tuple[Any, ...]]) -> None:
    """Read the table in rowid order; when a page is unreadable, probe further
    ahead with growing steps until rows come back, like ``.recover`` would."""
    # select is built from _STATE_COLUMNS, never from the file's own text.
    query = f"SELECT rowid, {select} FROM post_state WHERE rowid > ? ORDER BY rowid"  # noqa: S608
    after = -(2**63)
    step = 1
    for _ in range(_SALVAGE_MAX_PROBES):
        try:
            for row in conn.execute(query, (after,)):
                after = row[0]
                step = 1
                if isinstance(row[1], str):
                    into.setdefault(row[1], tuple(row[1:]))
        except sqlite3.DatabaseError:
            after = max(after, 0) + step
            step *= 2
            continue
        return


def _rebuild_state(path: Path) -> tuple[Path, int]:
    """Replace a damaged state DB with one holding every row that can be salvaged.

    Ordered so that a crash at any point loses nothing: the original (and its
    WAL, which may hold committed marks) is first *copied* to the backup and
    synced; the replacement is built beside it under another name; only then
    is the stale WAL removed (it must not be replayed onto the new file) and
    the new file renamed over the old in one atomic step.
    """
    backup = _backup_name(path)
    if path.exists():
        _durable_copy(path, backup)
    wal = path.with_name(path.name + "-wal")
    if wal.exists():
        _durable_copy(wal, backup.with_name(backup.name + "-wal"))
    _fsync_dir(path.parent)
    rows = _salvage_state(backup)

    fresh = path.with_name(path.name + ".recovering")
    for leftover in [fresh, *_sidecars(fresh)]:
        leftover.unlink(missing_ok=True)  # from a recovery cut short; never the live file
    conn = _connect(fresh, synchronous="FULL")
    try:
        # Rollback journal while building: one self-contained file to rename.
        conn.execute("PRAGMA journal_mode = DELETE")
        _migrate(conn, STATE_MIGRATIONS)
        _insert_state_rows(conn, rows)
    finally:
        conn.close()
    for sidecar in _sidecars(path):
        sidecar.unlink(missing_ok=True)
    fresh.replace(path)
    _fsync_dir(path.parent)
    return backup, len(rows)


def _recover_state(path: Path, reason: str) -> str:
    backup, recovered = _rebuild_state(path)
    return (
        f"Read/star state was damaged ({reason}); recovered {recovered} "
        f"entries, the original is kept at {backup}."
    )


def _open_state(path: Path, notices: list[str]) -> sqlite3.Connection:
    return _open_with_recovery(
        path,
        notices,
        which="state",
        synchronous="FULL",
        migrations=STATE_MIGRATIONS,
        recover=_recover_state,
        what="the read/star state",
        unsaved="read and starred marks made in this session will not be kept.",
    )


def _insert_state_rows(conn: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
    def run(c: sqlite3.Connection) -> None:
        c.executemany(
            f"INSERT OR IGNORE INTO post_state ({', '.join(_STATE_COLUMNS)}) "  # noqa: S608
            "VALUES (?, coalesce(?, ''), coalesce(?, ''), coalesce(?, 0), ?, coalesce(?, 0), ?)",
            rows,
        )

    if rows:
        _write(conn, run)


# --- the store --------------------------------------------------------------

# Built once from constants only (never from input), hence the noqa.
_POST_COLUMNS: Final = (
    "id, feed_url, key, title, link, published, summary, author, first_seen, last_seen, is_new"
)
# Ties (same date, same merge) keep the feed's own order: a merge inserts
# entries in document order, so rowid follows it. Only the ties are sorted
# outside the index, which costs ~4 ms at 10,000 posts.
_POST_ORDER: Final = " ORDER BY coalesce(published, first_seen) DESC, first_seen DESC, rowid"
_SELECT_POSTS: Final = f"SELECT {_POST_COLUMNS} FROM posts"  # noqa: S608
_SELECT_FEEDS: Final = (
    "SELECT url, title, link, etag, last_modified, last_attempt, last_success, last_error, "
    "ttl_minutes, not_before FROM feeds"
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
    )


class Store:
    """Posts (cache DB) joined with read/star state (state DB). See the module docstring.

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
            row = self._cache.execute(
                "SELECT 1 FROM posts WHERE feed_url = ? LIMIT 1", (feed_url,)
            ).fetchone()
            return row is not None

    def feed(self, url: str) -> FeedInfo | None:
        with self._locked():
            row = self._cache.execute(_SELECT_FEEDS + " WHERE url = ?", (url,)).fetchone()
            return None if row is None else _feed_info(row)

    def feeds(self) -> list[FeedInfo]:
        """All feeds, in the order they were first recorded."""
        with self._locked():
            rows = self._cache.execute(_SELECT_FEEDS + " ORDER BY rowid")
            return [_feed_info(row) for row in rows]

    def _state_map(self, feed_url: str | None) -> dict[str, tuple[int, int]]:
        if feed_url is None:
            cur = self._state.execute("SELECT post_id, read, starred FROM post_state")
        else:
            # '' = marked while the post was unknown to the cache; see set_read.
            cur = self._state.execute(
                "SELECT post_id, read, starred FROM post_state WHERE feed_url IN (?, '')",
                (feed_url,),
            )
        return {pid: (read, starred) for pid, read, starred in cur}

    def posts(
        self,
        feed_url: str | None = None,
        *,
        unread_only: bool = False,
        starred_only: bool = False,
    ) -> list[Post]:
        """Posts newest first (undated ones placed at their first_seen), with state."""
        with self._locked():
            state = self._state_map(feed_url)
            if feed_url is None:
                rows = self._cache.execute(_SELECT_POSTS + _POST_ORDER)
            else:
                rows = self._cache.execute(
                    _SELECT_POSTS + " WHERE feed_url = ?" + _POST_ORDER,
                    (feed_url,),
                )
            return self._build_posts(rows, state, unread_only, starred_only)

    @staticmethod
    def _build_posts(
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
        for pid, furl, key, title, link, pub, summary, author, fs, ls, new in rows:
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
                )
            )
        return out

    def post(self, post_id: str) -> Post | None:
        with self._locked():
            row = self._cache.execute(
                _SELECT_POSTS + " WHERE id = ? LIMIT 1", (post_id,)
            ).fetchone()
            if row is None:
                return None
            srow = self._state.execute(
                "SELECT read, starred FROM post_state WHERE post_id = ?", (post_id,)
            ).fetchone()
            state = {post_id: (srow[0], srow[1])} if srow else {}
            posts = self._build_posts([row], state, False, False)
            return posts[0]

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
        unique: dict[str, Entry] = {}
        for entry in parsed.entries:
            unique.setdefault(entry.key, entry)
        duplicates = len(parsed.entries) - len(unique)
        now_ts = _to_ts(now)
        limit = max(self._retention, len(unique))

        with self._locked():
            # Read before taking the cache write lock; a star set in the
            # instant between is the only thing retention could miss.
            starred = {
                row[0]
                for row in self._state.execute(
                    "SELECT post_id FROM post_state WHERE starred = 1 AND feed_url IN (?, '')",
                    (url,),
                )
            }

            def work(c: sqlite3.Connection) -> MergeResult:
                c.execute(
                    "INSERT INTO feeds (url, title, link) VALUES (?, ?, ?) "
                    "ON CONFLICT(url) DO NOTHING",
                    (url, parsed.title, parsed.link),
                )
                existing: dict[str, str] = dict(
                    c.execute("SELECT key, content_hash FROM posts WHERE feed_url = ?", (url,))
                )
                inserts: list[tuple[Any, ...]] = []
                updates: list[tuple[Any, ...]] = []
                touches: list[tuple[Any, ...]] = []
                new_ids: list[str] = []
                for key, entry in unique.items():
                    chash = _entry_hash(entry)
                    old = existing.get(key)
                    if old is None:
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
                                entry.summary,
                                entry.author,
                                chash,
                                now_ts,
                                now_ts,
                                int(mark_new),
                            )
                        )
                    elif old != chash:
                        updates.append(
                            (
                                entry.title,
                                entry.link,
                                _to_ts(entry.published),
                                _to_ts(entry.updated),
                                entry.summary,
                                entry.author,
                                chash,
                                now_ts,
                                url,
                                key,
                            )
                        )
                    else:
                        touches.append((now_ts, url, key))
                c.executemany(
                    "INSERT INTO posts (feed_url, key, id, title, link, published, updated, "
                    "summary, author, content_hash, first_seen, last_seen, is_new) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    inserts,
                )
                # is_new and first_seen are deliberately left alone on update.
                c.executemany(
                    "UPDATE posts SET title = ?, link = ?, published = ?, updated = ?, "
                    "summary = ?, author = ?, content_hash = ?, last_seen = ? "
                    "WHERE feed_url = ? AND key = ?",
                    updates,
                )
                c.executemany(
                    "UPDATE posts SET last_seen = ? WHERE feed_url = ? AND key = ?", touches
                )
                self._apply_retention(c, url, limit, set(unique), starred)
                if not record_success:
                    c.execute(
                        "UPDATE feeds SET title = coalesce(nullif(?, ''), title), "
                        "link = coalesce(nullif(?, ''), link) WHERE url = ?",
                        (parsed.title, parsed.link, url),
                    )
                    return MergeResult(
                        new=len(inserts),
                        updated=len(updates),
                        unchanged=len(touches) + duplicates,
                        new_ids=new_ids,
                    )
                c.execute(
                    "UPDATE feeds SET title = coalesce(nullif(?, ''), title), "
                    "link = coalesce(nullif(?, ''), link), etag = ?, last_modified = ?, "
                    "ttl_minutes = ?, not_before = ?, last_attempt = ?, last_success = ?, "
                    "last_error = NULL WHERE url = ?",
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
                    unchanged=len(touches) + duplicates,
                    new_ids=new_ids,
                )

            return _write(self._cache, work)

    @staticmethod
    def _apply_retention(
        c: sqlite3.Connection, url: str, limit: int, present: set[str], starred: set[str]
    ) -> None:
        total = int(
            c.execute("SELECT count(*) FROM posts WHERE feed_url = ?", (url,)).fetchone()[0]
        )
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

    def record_not_modified(self, url: str, *, not_before: datetime | None, now: datetime) -> None:
        """A 304 (or equivalent): the feed is fine and unchanged."""
        now_ts = _to_ts(now)
        with self._locked():
            _write(
                self._cache,
                lambda c: c.execute(
                    "INSERT INTO feeds (url, not_before, last_attempt, last_success) "
                    "VALUES (?, ?, ?, ?) ON CONFLICT(url) DO UPDATE SET "
                    "not_before = excluded.not_before, last_attempt = excluded.last_attempt, "
                    "last_success = excluded.last_success, last_error = NULL",
                    (url, _to_ts(not_before), now_ts, now_ts),
                ),
            )

    def record_failure(
        self, url: str, message: str, *, now: datetime, not_before: datetime | None = None
    ) -> None:
        """A failed fetch. Posts are untouched; ``not_before=None`` keeps any earlier
        server-imposed wait (a forced refresh that failed does not cancel it)."""
        with self._locked():
            _write(
                self._cache,
                lambda c: c.execute(
                    "INSERT INTO feeds (url, title, last_attempt, last_error, not_before) "
                    "VALUES (?, '', ?, ?, ?) ON CONFLICT(url) DO UPDATE SET "
                    "last_attempt = excluded.last_attempt, last_error = excluded.last_error, "
                    "not_before = coalesce(excluded.not_before, not_before)",
                    (url, _to_ts(now), message, _to_ts(not_before)),
                ),
            )

    # --- user state ------------------------------------------------------

    def _identities(self, ids: Sequence[str]) -> dict[str, tuple[str, str]]:
        found: dict[str, tuple[str, str]] = {}
        for chunk in _chunks(ids):
            marks = ", ".join("?" * len(chunk))
            for pid, furl, key in self._cache.execute(
                f"SELECT id, feed_url, key FROM posts WHERE id IN ({marks})",  # noqa: S608
                tuple(chunk),
            ):
                found[pid] = (furl, key)
        return found

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
            ident = self._identities(ids)
            rows = [(pid, *ident.get(pid, ("", "")), int(read), at) for pid in ids]
            _write(
                self._state,
                lambda c: c.executemany(
                    "INSERT INTO post_state (post_id, feed_url, key, read, read_at) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT(post_id) DO UPDATE SET "
                    "read = excluded.read, "
                    "read_at = CASE WHEN read = excluded.read THEN read_at "
                    "ELSE excluded.read_at END, "
                    "feed_url = coalesce(nullif(excluded.feed_url, ''), feed_url), "
                    "key = coalesce(nullif(excluded.key, ''), key)",
                    rows,
                ),
            )

    def set_starred(self, post_id: str, starred: bool, *, now: datetime | None = None) -> None:
        at = _to_ts(now or datetime.now(UTC)) if starred else None
        with self._locked():
            furl, key = self._identities([post_id]).get(post_id, ("", ""))
            _write(
                self._state,
                lambda c: c.execute(
                    "INSERT INTO post_state (post_id, feed_url, key, starred, starred_at) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT(post_id) DO UPDATE SET "
                    "starred = excluded.starred, "
                    "starred_at = CASE WHEN starred = excluded.starred THEN starred_at "
                    "ELSE excluded.starred_at END, "
                    "feed_url = coalesce(nullif(excluded.feed_url, ''), feed_url), "
                    "key = coalesce(nullif(excluded.key, ''), key)",
                    (post_id, furl, key, int(starred), at),
                ),
            )

    def mark_all_read(self, feed_url: str, *, now: datetime | None = None) -> int:
        """Mark every cached post of ``feed_url`` read; return how many were unread."""
        at = _to_ts(now or datetime.now(UTC))
        with self._locked():
            posts = self._cache.execute(
                "SELECT id, key FROM posts WHERE feed_url = ?", (feed_url,)
            ).fetchall()

            def work(c: sqlite3.Connection) -> int:
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

            return _write(self._state, work)
