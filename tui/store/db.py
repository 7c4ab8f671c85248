"""SQLite plumbing shared by the store's modules: connections, write transactions, errors."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Final, TypeVar
from urllib.parse import quote

_T = TypeVar("_T")

# --- tuning -----------------------------------------------------------------

_BUSY_TIMEOUT_MS: Final = 10_000
_WRITE_ATTEMPTS: Final = 5
# SQLite's default limit is 32766 host parameters; stay far below for old builds.
_IN_CHUNK: Final = 500

# Primary result codes (the low byte of sqlite_errorcode).
_SQLITE_BUSY: Final = 5
_SQLITE_LOCKED: Final = 6
_SQLITE_CORRUPT: Final = 11
_SQLITE_NOTADB: Final = 26


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


def _chunks(items: Sequence[_T], size: int = _IN_CHUNK) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


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


def _open_reader(writer: sqlite3.Connection) -> sqlite3.Connection | None:
    """A second connection to ``writer``'s file, for reads that must not wait for its writes.

    WAL lets a reader run beside a writer, in this process or another: the
    reader sees the last committed state. SQLite's unix VFS shares one set of
    POSIX locks between all connections of a process to the same file, so a
    second connection (unlike a Python ``open()``) is safe. Returns None for an
    in-memory DB, which no second connection can see (a shared-cache URI would
    bring back table locks, i.e. waiting), or if the file cannot be opened again;
    the caller then reads through the writer.
    """
    row = writer.execute("PRAGMA database_list").fetchone()
    path = row[2] if row is not None else ""
    if not path:
        return None
    try:
        # mode=rw: never create a file that vanished since the writer opened it.
        conn = sqlite3.connect(
            f"file:{quote(path)}?mode=rw",
            uri=True,
            timeout=_BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,
            check_same_thread=False,
        )
    except sqlite3.Error:
        return None
    try:
        conn.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA query_only = ON")
    except sqlite3.Error:
        conn.close()
        return None
    return conn


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
