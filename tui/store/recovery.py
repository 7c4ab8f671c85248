"""Opening a DB file: check it, migrate it, or recover it (move aside, salvage, fall back).

See the package docstring for the policy; this module is its implementation.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from tui.store.db import _connect, _is_busy, _is_corruption, _primary_code, _write
from tui.store.schema import (
    _STATE_COLUMNS,
    CACHE_MIGRATIONS,
    COPY_COLUMNS,
    STATE_MIGRATIONS,
    Migration,
    _migrate,
    _schema_of,
    _Unusable,
    _validate,
)

_OPEN_ATTEMPTS: Final = 3
# Upper bound on skip-ahead probes when salvaging a damaged state table, so a
# hopeless file cannot stall startup.
_SALVAGE_MAX_PROBES: Final = 400


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


# The cache tables checked before the first frame. The search index (posts_fts)
# is by far the biggest part of the file and can be rebuilt from these, so a
# whole-file check would make first paint scale with the index's size.
_CACHE_CHECKED_TABLES = ("feeds", "posts")


def _quick_check(conn: sqlite3.Connection, *, which: str = "state") -> None:
    if which == "cache":
        tables = {
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        rows = []
        for table in _CACHE_CHECKED_TABLES:
            if table in tables:
                rows += [row[0] for row in conn.execute(f"PRAGMA quick_check({table})")]
        rows = [row for row in rows if row != "ok"] or ["ok"]
    else:
        rows = [row[0] for row in conn.execute("PRAGMA quick_check")]
    if rows != ["ok"]:
        raise _Unusable(f"integrity check failed: {rows[0] if rows else 'no answer'}")


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
            _quick_check(conn, which=which)
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


def _salvage_state(backup: Path) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Every post_state row SQLite can still read from a damaged file, as _STATE_COLUMNS
    tuples, and every copy of a starred post (state v2), as COPY_COLUMNS tuples.

    Works on a temporary copy so the kept original is never written to (even
    opening a WAL database can checkpoint into it).
    """
    rows: dict[str, tuple[Any, ...]] = {}
    copies: dict[str, tuple[Any, ...]] = {}
    with tempfile.TemporaryDirectory(prefix="rajpoot-salvage-") as tmp:
        copy = Path(tmp) / "state.sqlite3"
        try:
            shutil.copyfile(backup, copy)
            wal = backup.with_name(backup.name + "-wal")
            if wal.exists():
                # Committed transactions may live only in the WAL.
                shutil.copyfile(wal, copy.with_name(copy.name + "-wal"))
        except OSError:
            return [], []
        conn: sqlite3.Connection | None = None
        try:
            conn = sqlite3.connect(copy, isolation_level=None)
            schema = _schema_of(conn)
            for table, columns, into in (
                ("post_state", _STATE_COLUMNS, rows),
                ("starred_posts", COPY_COLUMNS, copies),
            ):
                cols = schema.get(table, frozenset())
                if "post_id" in cols:
                    select = ", ".join(c if c in cols else "NULL" for c in columns)
                    _scan_rows(conn, table, select, into)
        except sqlite3.Error:
            pass
        finally:
            if conn is not None:
                conn.close()
    # A copy without its first_seen/last_seen cannot be shown; such rows are dropped.
    usable = [row for row in copies.values() if row[8] is not None and row[9] is not None]
    return list(rows.values()), usable


def _scan_rows(
    conn: sqlite3.Connection, table: str, select: str, into: dict[str, tuple[Any, ...]]
) -> None:
    """Read the table in rowid order; when a page is unreadable, probe further
    ahead with growing steps until rows come back, like ``.recover`` would."""
    # table and select come from our constants, never from the file's own text.
    query = f"SELECT rowid, {select} FROM {table} WHERE rowid > ? ORDER BY rowid"  # noqa: S608
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
    rows, copies = _salvage_state(backup)

    fresh = path.with_name(path.name + ".recovering")
    for leftover in [fresh, *_sidecars(fresh)]:
        leftover.unlink(missing_ok=True)  # from a recovery cut short; never the live file
    conn = _connect(fresh, synchronous="FULL")
    try:
        # Rollback journal while building: one self-contained file to rename.
        conn.execute("PRAGMA journal_mode = DELETE")
        _migrate(conn, STATE_MIGRATIONS)
        _insert_state_rows(conn, rows)
        _insert_copies(conn, copies)
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


def _insert_copies(conn: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
    from tui.store.state import save_copies

    def run(c: sqlite3.Connection) -> None:
        save_copies(c, [_filled(row) for row in rows])

    if rows:
        _write(conn, run)


def _filled(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A salvaged copy with what the damage (or an older file) lost set to the defaults."""
    filled = list(row)
    for index, column in enumerate(COPY_COLUMNS):
        if filled[index] is None and column != "published":
            filled[index] = 0 if column in ("summary_truncated", "saved_at") else ""
    return tuple(filled)


def _insert_state_rows(conn: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
    def run(c: sqlite3.Connection) -> None:
        c.executemany(
            f"INSERT OR IGNORE INTO post_state ({', '.join(_STATE_COLUMNS)}) "  # noqa: S608
            "VALUES (?, coalesce(?, ''), coalesce(?, ''), coalesce(?, 0), ?, coalesce(?, 0), ?)",
            rows,
        )

    if rows:
        _write(conn, run)
