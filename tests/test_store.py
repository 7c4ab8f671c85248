"""Tests for tui.store: merging, state durability, migrations, recovery, concurrency."""

from __future__ import annotations

import dataclasses
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tui.models import Entry, ParsedFeed, Post, post_id
from tui.store import (
    CACHE_MIGRATIONS,
    CACHE_SCHEMA_VERSION,
    STATE_MIGRATIONS,
    STATE_SCHEMA_VERSION,
    MergeResult,
    Store,
)

REPO = Path(__file__).resolve().parents[1]
URL = "https://blog.example/index.xml"
OTHER = "https://other.example/feed.xml"
T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


# --- helpers ----------------------------------------------------------------


def entry(
    key: str,
    *,
    title: str | None = None,
    published: datetime | None = T0,
    summary: str = "body",
    content_hash: str | None = None,
) -> Entry:
    title = key if title is None else title
    if content_hash is None:
        content_hash = f"{title}|{published}|{summary}"
    return Entry(
        key=key,
        title=title,
        link=f"https://blog.example/posts/backend/{key}/",
        published=published,
        updated=None,
        summary=summary,
        author="me",
        content_hash=content_hash,
    )


def feed(*entries: Entry, title: str = "Blog", ttl: int | None = None) -> ParsedFeed:
    return ParsedFeed(
        url=URL,
        title=title,
        link="https://blog.example/",
        description="",
        entries=list(entries),
        ttl_minutes=ttl,
    )


def merge(
    store: Store,
    parsed: ParsedFeed,
    *,
    url: str = URL,
    now: datetime = T0,
    mark_new: bool = True,
    etag: str | None = None,
    not_before: datetime | None = None,
) -> MergeResult:
    return store.merge(
        url,
        parsed,
        etag=etag,
        last_modified=None,
        not_before=not_before,
        now=now,
        mark_new=mark_new,
    )


def keys(store: Store, feed_url: str | None = URL, **kw: bool) -> list[str]:
    return [p.key for p in store.posts(feed_url, **kw)]


@pytest.fixture
def paths(tmp_path: Path) -> tuple[Path, Path]:
    return tmp_path / "cache" / "posts.sqlite3", tmp_path / "data" / "state.sqlite3"


@pytest.fixture
def store(paths: tuple[Path, Path]) -> Iterator[Store]:
    s = Store.open(*paths)
    yield s
    s.close()


def user_version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()


def quick_check(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute("PRAGMA quick_check").fetchone()[0])
    finally:
        conn.close()


def schema(path: Path) -> dict[str, list[tuple[str, str]]]:
    conn = sqlite3.connect(path)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {
            t: sorted((r[1], r[2]) for r in conn.execute(f"PRAGMA table_info({t})")) for t in tables
        }
    finally:
        conn.close()


def backups(path: Path) -> list[Path]:
    return sorted(
        p
        for p in path.parent.glob(path.name + ".corrupt-*")
        if not p.name.endswith(("-wal", "-shm"))
    )


# --- merge ------------------------------------------------------------------


def test_merge_counts_new_updated_unchanged(store: Store) -> None:
    first = merge(store, feed(entry("a"), entry("b")))
    assert (first.new, first.updated, first.unchanged) == (2, 0, 0)
    assert first.new_ids == [post_id(URL, "a"), post_id(URL, "b")]

    second = merge(store, feed(entry("a"), entry("b", summary="edited"), entry("c")))
    assert (second.new, second.updated, second.unchanged) == (1, 1, 1)
    assert second.new_ids == [post_id(URL, "c")]
    post = store.post(post_id(URL, "b"))
    assert post is not None and post.summary == "edited"


def test_dropped_out_posts_are_kept(store: Store) -> None:
    merge(store, feed(entry("old", published=T0), entry("mid", published=T0 + timedelta(1))))
    later = T0 + timedelta(days=2)
    merge(store, feed(entry("new", published=later)), now=later)
    assert keys(store) == ["new", "mid", "old"]
    old = store.post(post_id(URL, "old"))
    assert old is not None and old.last_seen == T0  # not refreshed: it left the feed


def test_retention_deletes_oldest_but_never_starred(paths: tuple[Path, Path]) -> None:
    with Store.open(*paths, retention=3) as store:
        day = timedelta(days=1)
        merge(store, feed(*(entry(f"p{i}", published=T0 + i * day) for i in range(3))))
        store.set_starred(post_id(URL, "p0"), True)
        now = T0 + 10 * day
        merge(store, feed(*(entry(f"q{i}", published=now + i * day) for i in range(2))), now=now)
        # 5 posts, limit 3: p1 and p2 are the oldest unstarred; p0 is starred.
        assert keys(store) == ["q1", "q0", "p0"]
        assert store.posts(starred_only=True)[0].key == "p0"


def test_retention_keeps_at_least_the_whole_current_feed(paths: tuple[Path, Path]) -> None:
    with Store.open(*paths, retention=2) as store:
        merge(store, feed(*(entry(f"p{i}", published=T0 + timedelta(i)) for i in range(5))))
        assert len(store.posts()) == 5
        # Old posts still in the document are not evicted in favour of dropped ones.
        later = T0 + timedelta(days=30)
        merge(store, feed(entry("p0"), entry("p1"), entry("z", published=later)), now=later)
        assert sorted(keys(store)) == ["p0", "p1", "z"]


def test_duplicate_keys_first_occurrence_wins(store: Store) -> None:
    result = merge(store, feed(entry("a", title="first"), entry("b"), entry("a", title="second")))
    assert (result.new, result.updated, result.unchanged) == (2, 0, 1)
    post = store.post(post_id(URL, "a"))
    assert post is not None and post.title == "first"


def test_read_state_survives_republish_and_content_change(store: Store) -> None:
    merge(store, feed(entry("a"), entry("b")))
    pid = post_id(URL, "a")
    store.set_read([pid], now=T0)
    store.set_starred(pid, True)
    later = T0 + timedelta(days=3)
    result = merge(
        store,
        feed(entry("a", title="Re-published", published=later, summary="new text"), entry("b")),
        now=later,
    )
    assert result.updated == 1
    post = store.post(pid)
    assert post is not None
    assert (post.title, post.published, post.read, post.starred) == (
        "Re-published",
        later,
        True,
        True,
    )
    assert post.first_seen == T0 and not post.is_new


def test_deleting_the_cache_keeps_read_and_star_state(paths: tuple[Path, Path]) -> None:
    cache, state = paths
    parsed = feed(entry("a"), entry("b"), entry("c"))
    with Store.open(cache, state) as store:
        merge(store, parsed)
        store.set_read([post_id(URL, "a")])
        store.set_starred(post_id(URL, "b"), True)
    for path in [cache, *cache.parent.glob(cache.name + "-*")]:
        path.unlink()
    with Store.open(cache, state) as store:
        # Only the starred post is still there: its copy lives with the star.
        assert [(p.key, p.starred) for p in store.posts()] == [("b", True)]
        assert store.notices == []
        merge(store, parsed)
        by_key = {p.key: p for p in store.posts()}
        assert by_key["a"].read and not by_key["a"].starred
        assert by_key["b"].starred and not by_key["b"].read
        assert not by_key["c"].read and not by_key["c"].starred


def test_is_new_semantics(store: Store) -> None:
    merge(store, feed(entry("a"), entry("b")), mark_new=False)
    assert [p.is_new for p in store.posts()] == [False, False]

    later = T0 + timedelta(hours=1)
    merge(store, feed(entry("a"), entry("b"), entry("c", published=later)), now=later)
    assert {p.key for p in store.posts() if p.is_new} == {"c"}

    # A later merge that brings more news does not clear earlier news...
    later2 = T0 + timedelta(hours=2)
    merge(store, feed(entry("c", published=later), entry("d", published=later2)), now=later2)
    assert {p.key for p in store.posts() if p.is_new} == {"c", "d"}
    # ...nor does a merge with nothing new, or a changed post.
    merge(store, feed(entry("c", published=later, summary="edit")), now=later2 + timedelta(hours=1))
    assert {p.key for p in store.posts() if p.is_new} == {"c", "d"}

    # Reading is what clears it (is_new = the cache flag and not read).
    store.set_read([post_id(URL, "c")])
    assert {p.key for p in store.posts() if p.is_new} == {"d"}


def test_ordering_newest_first_with_undated_at_first_seen(store: Store) -> None:
    merge(
        store,
        feed(
            entry("jan", published=T0),
            entry("undated-1", published=None),
            entry("mar", published=T0 + timedelta(days=60)),
            entry("tie-b", published=T0 + timedelta(days=30)),
            entry("tie-a", published=T0 + timedelta(days=30)),
        ),
        now=T0 + timedelta(days=45),
    )
    # An undated post seen later sorts by that first_seen.
    merge(store, feed(entry("undated-2", published=None)), now=T0 + timedelta(days=90))
    # Posts with the same date keep the feed's order (tie-b came first).
    assert keys(store) == ["undated-2", "mar", "undated-1", "tie-b", "tie-a", "jan"]
    undated = store.post(post_id(URL, "undated-1"))
    assert undated is not None and undated.published is None


def test_posts_across_feeds_and_filters(store: Store) -> None:
    merge(store, feed(entry("a", published=T0), entry("b", published=T0 + timedelta(1))))
    merge(store, feed(entry("x", published=T0 + timedelta(2))), url=OTHER)
    assert keys(store, None) == ["x", "b", "a"]
    assert keys(store, OTHER) == ["x"]
    assert store.has_posts(URL) and store.has_posts(OTHER) and not store.has_posts("nope")

    store.set_read([post_id(URL, "a"), post_id(OTHER, "x")])
    store.set_starred(post_id(URL, "a"), True)
    assert keys(store, None, unread_only=True) == ["b"]
    assert keys(store, None, starred_only=True) == ["a"]
    assert keys(store, URL, unread_only=True, starred_only=True) == []
    assert [p.feed_url for p in store.posts(None)] == [OTHER, URL, URL]


def test_set_read_read_at_and_unread(store: Store, paths: tuple[Path, Path]) -> None:
    merge(store, feed(entry("a")))
    pid = post_id(URL, "a")
    store.set_read([pid], now=T0)
    store.set_read([pid], now=T0 + timedelta(hours=5))  # already read: read_at kept

    def state_row() -> tuple[object, ...]:
        conn = sqlite3.connect(paths[1])
        try:
            row = conn.execute(
                "SELECT feed_url, key, read, read_at FROM post_state WHERE post_id = ?", (pid,)
            ).fetchone()
        finally:
            conn.close()
        return tuple(row)

    assert state_row() == (URL, "a", 1, T0.timestamp())
    store.set_read([pid], False)
    assert state_row() == (URL, "a", 0, None)
    post = store.post(pid)
    assert post is not None and not post.read
    store.set_read([])  # no-op, no error


def test_set_read_for_a_post_not_in_the_cache_is_kept(store: Store) -> None:
    pid = post_id(URL, "later")
    store.set_read([pid])
    merge(store, feed(entry("later")))
    post = store.post(pid)
    assert post is not None and post.read
    assert keys(store, URL, unread_only=True) == []


def test_mark_all_read_counts_changes(store: Store) -> None:
    merge(store, feed(entry("a"), entry("b"), entry("c")))
    merge(store, feed(entry("x")), url=OTHER)
    store.set_read([post_id(URL, "a")])
    assert store.mark_all_read(URL) == 2
    assert store.mark_all_read(URL) == 0
    assert keys(store, URL, unread_only=True) == []
    assert keys(store, OTHER, unread_only=True) == ["x"]


def test_set_starred_toggles(store: Store) -> None:
    merge(store, feed(entry("a")))
    pid = post_id(URL, "a")
    store.set_starred(pid, True)
    assert keys(store, starred_only=True) == ["a"]
    store.set_starred(pid, False)
    assert keys(store, starred_only=True) == []


def test_post_lookup(store: Store) -> None:
    assert store.post("0" * 16) is None
    merge(store, feed(entry("a", published=T0)))
    post = store.post(post_id(URL, "a"))
    assert post is not None
    assert (post.id, post.feed_url, post.key, post.author) == (post_id(URL, "a"), URL, "a", "me")
    assert post.published == T0 and post.published.tzinfo is not None
    # A section only on the blog's own host: elsewhere /posts/backend/ means nothing.
    assert post.link == "https://blog.example/posts/backend/a/"
    assert post.section == ""
    assert post.is_new


def test_blank_content_hash_still_detects_changes(store: Store) -> None:
    merge(store, feed(entry("a", content_hash="")))
    assert merge(store, feed(entry("a", content_hash=""))).unchanged == 1
    assert merge(store, feed(entry("a", summary="changed", content_hash=""))).updated == 1


def test_feed_row_bookkeeping(store: Store) -> None:
    assert store.feed(URL) is None
    nb = T0 + timedelta(minutes=30)
    merge(store, feed(entry("a"), title="My Blog", ttl=60), etag='"v1"', not_before=nb)
    info = store.feed(URL)
    assert info is not None
    assert (info.title, info.link, info.etag, info.ttl_minutes, info.not_before) == (
        "My Blog",
        "https://blog.example/",
        '"v1"',
        60,
        nb,
    )
    assert info.last_attempt == info.last_success == T0 and info.last_error is None

    fail_at = T0 + timedelta(hours=1)
    store.record_failure(URL, "HTTP 503", now=fail_at)
    info = store.feed(URL)
    assert info is not None
    assert (info.last_attempt, info.last_success, info.last_error) == (fail_at, T0, "HTTP 503")
    assert info.not_before == nb  # a failure without its own wait keeps the server's
    assert keys(store) == ["a"]  # posts untouched

    ok_at = T0 + timedelta(hours=2)
    store.record_not_modified(URL, not_before=None, now=ok_at)
    info = store.feed(URL)
    assert info is not None
    assert (info.last_attempt, info.last_success, info.last_error, info.not_before) == (
        ok_at,
        ok_at,
        None,
        None,
    )
    assert info.etag == '"v1"'

    store.record_failure(URL, "timeout", now=ok_at, not_before=ok_at + timedelta(minutes=5))
    merge(store, feed(entry("a"), title=""), now=ok_at + timedelta(hours=1), etag='"v2"')
    info = store.feed(URL)
    assert info is not None
    assert (info.last_error, info.etag, info.title) == (None, '"v2"', "My Blog")


def test_record_failure_on_a_url_never_seen(store: Store) -> None:
    store.record_failure(OTHER, "DNS failure", now=T0)
    info = store.feed(OTHER)
    assert info is not None
    assert (info.title, info.last_error, info.last_attempt, info.last_success) == (
        "",
        "DNS failure",
        T0,
        None,
    )
    assert not store.has_posts(OTHER)
    store.record_not_modified("https://third.example/", not_before=None, now=T0)
    assert [f.url for f in store.feeds()] == [OTHER, "https://third.example/"]


# --- reads beside a merge -----------------------------------------------------

# Only a guard against a hung test: nothing here measures how long anything takes.
HANG_GUARD = 60.0


def paused_merge(
    store: Store, parsed: ParsedFeed, monkeypatch: pytest.MonkeyPatch
) -> tuple[threading.Thread, threading.Event, Callable[[], None], list[BaseException]]:
    """Start ``merge(parsed)`` in a thread and stop it inside its write transaction.

    Returns (thread, paused, release, errors): ``paused`` is set once the merge
    has written its rows and holds the cache's write lock; ``release()`` lets it
    commit and waits for the thread.
    """
    import tui.store.posts as posts_module

    real = posts_module._apply_retention
    paused, go_on = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def pausing(*args: object, **kwargs: object) -> None:
        real(*args, **kwargs)  # type: ignore[arg-type]
        paused.set()
        go_on.wait(HANG_GUARD * 2)

    monkeypatch.setattr(posts_module, "_apply_retention", pausing)

    def run() -> None:
        try:
            merge(store, parsed, now=T0 + timedelta(hours=1))
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=run, name="paused-merge", daemon=True)
    thread.start()

    def release() -> None:
        go_on.set()
        thread.join(HANG_GUARD)

    return thread, paused, release, errors


def test_reads_and_marks_go_ahead_while_a_merge_holds_the_cache(
    store: Store, paths: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    merge(store, feed(entry("a"), entry("b")))
    a, b = post_id(URL, "a"), post_id(URL, "b")
    bigger = feed(entry("a"), entry("b"), *(entry(f"n{i:03d}") for i in range(200)))
    thread, paused, release, errors = paused_merge(store, bigger, monkeypatch)
    try:
        assert paused.wait(HANG_GUARD)
        # The merge really is mid-transaction: no other writer can get in.
        other = sqlite3.connect(paths[0], timeout=0, isolation_level=None)
        with closing(other), pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")

        seen: dict[str, object] = {}
        done = threading.Event()

        def ui() -> None:  # what a keypress does while the worker merges
            store.set_read([a])
            store.set_starred(b, True)
            seen["keys"] = keys(store)
            seen["post"] = store.post(a)
            seen["feed"] = store.feed(URL)
            seen["feeds"] = [f.url for f in store.feeds()]
            seen["has_posts"] = store.has_posts(URL)
            seen["marked"] = store.mark_all_read(URL)
            seen["search"] = [store.post(i).key for i in store.search("n0")]  # type: ignore[union-attr]
            done.set()

        threading.Thread(target=ui, name="ui", daemon=True).start()
        assert done.wait(HANG_GUARD), "a read or a mark waited for the merge"
        assert thread.is_alive() and not errors  # ...which was still holding the cache
    finally:
        release()
    assert not errors and not thread.is_alive()

    # The reads saw the last commit, not the merge in flight.
    assert seen["keys"] == ["a", "b"]
    post = seen["post"]
    assert isinstance(post, Post) and post.read
    assert seen["feeds"] == [URL] and seen["has_posts"] is True
    assert seen["marked"] == 1  # b; a was already read
    assert seen["search"] == []  # the merge's posts were not committed yet
    assert len(store.search("n0")) == 100
    # Both sides kept everything: the merge's posts and the marks made beside it.
    assert len(store.posts()) == 202
    assert keys(store, starred_only=True) == ["b"]
    assert {p.key for p in store.posts(unread_only=True)} == {f"n{i:03d}" for i in range(200)}


def test_a_paused_merge_does_not_stop_another_store_reading(
    store: Store, paths: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another process (a CLI ``list``) reads through its own connections.
    merge(store, feed(entry("a")))
    _, paused, release, errors = paused_merge(store, feed(entry("a"), entry("b")), monkeypatch)
    try:
        assert paused.wait(HANG_GUARD)
        with Store.open(*paths) as other:
            assert other.notices == []
            assert keys(other) == ["a"]
            other.set_read([post_id(URL, "a")])
    finally:
        release()
    assert not errors
    assert keys(store, unread_only=True) == ["b"]


def test_close_is_idempotent_and_blocks_use(paths: tuple[Path, Path]) -> None:
    store = Store.open(*paths)
    store.close()
    store.close()
    with pytest.raises(sqlite3.ProgrammingError):
        store.posts()


def test_pragmas(store: Store, paths: tuple[Path, Path]) -> None:
    cache = store._cache
    state = store._state
    assert cache.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert state.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert cache.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    assert state.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert cache.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    assert cache.execute("PRAGMA foreign_keys").fetchone()[0] == 1


# --- migrations ---------------------------------------------------------------

# The v1 cache schema exactly as released; pinned here so an edit of the old
# migration (instead of appending a new one) fails this test.
CACHE_V1_SQL = """
CREATE TABLE feeds (
    url TEXT PRIMARY KEY, title TEXT NOT NULL DEFAULT '', link TEXT NOT NULL DEFAULT '',
    etag TEXT, last_modified TEXT, last_attempt REAL, last_success REAL, last_error TEXT
);
CREATE TABLE posts (
    feed_url TEXT NOT NULL REFERENCES feeds(url) ON DELETE CASCADE,
    key TEXT NOT NULL, id TEXT NOT NULL, title TEXT NOT NULL DEFAULT '',
    link TEXT NOT NULL DEFAULT '', published REAL, updated REAL,
    summary TEXT NOT NULL DEFAULT '', author TEXT NOT NULL DEFAULT '',
    content_hash TEXT NOT NULL DEFAULT '', first_seen REAL NOT NULL, last_seen REAL NOT NULL,
    is_new INTEGER NOT NULL DEFAULT 0, UNIQUE (feed_url, key)
);
CREATE INDEX posts_id ON posts(id);
CREATE INDEX posts_feed_order
    ON posts(feed_url, coalesce(published, first_seen) DESC, first_seen DESC, key);
CREATE INDEX posts_all_order
    ON posts(coalesce(published, first_seen) DESC, first_seen DESC, key);
PRAGMA user_version = 1;
"""


def build(path: Path, migrations: list[object], version: int) -> None:
    """A DB at ``version`` made with the real migration list, as an old release would have."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for number, migration in enumerate(migrations[:version], start=1):
            assert isinstance(migration, str)
            conn.executescript(migration)
            conn.execute(f"PRAGMA user_version = {number}")
    finally:
        conn.close()


def test_fresh_files_get_the_latest_versions(store: Store, paths: tuple[Path, Path]) -> None:
    assert CACHE_SCHEMA_VERSION == len(CACHE_MIGRATIONS) == 6
    assert STATE_SCHEMA_VERSION == len(STATE_MIGRATIONS) == 2
    assert user_version(paths[0]) == CACHE_SCHEMA_VERSION
    assert user_version(paths[1]) == STATE_SCHEMA_VERSION


def test_v1_cache_is_upgraded_with_data_kept(paths: tuple[Path, Path], tmp_path: Path) -> None:
    cache, state = paths
    cache.parent.mkdir(parents=True)
    conn = sqlite3.connect(cache)
    conn.executescript(CACHE_V1_SQL)
    conn.execute(
        "INSERT INTO feeds (url, title, etag, last_success) VALUES (?, 'Old', '\"e\"', ?)",
        (URL, T0.timestamp()),
    )
    conn.execute(
        "INSERT INTO posts (feed_url, key, id, title, published, first_seen, last_seen, is_new)"
        " VALUES (?, 'k', ?, 'Kept', ?, ?, ?, 1)",
        (URL, post_id(URL, "k"), T0.timestamp(), T0.timestamp(), T0.timestamp()),
    )
    conn.commit()
    conn.close()

    pinned = tmp_path / "pinned.sqlite3"
    build(pinned, list(CACHE_MIGRATIONS), 1)
    assert schema(pinned) == schema(cache), "migration 1 must never change"

    with Store.open(cache, state) as store:
        assert store.notices == []
        assert user_version(cache) == CACHE_SCHEMA_VERSION
        info = store.feed(URL)
        assert info is not None
        assert (info.title, info.etag, info.last_success) == ("Old", '"e"', T0)
        assert (info.ttl_minutes, info.not_before) == (None, None)
        post = store.post(post_id(URL, "k"))
        assert post is not None and post.title == "Kept" and post.is_new
        merge(store, feed(entry("k", title="Kept"), ttl=15), not_before=T0)
        info = store.feed(URL)
        assert info is not None and (info.ttl_minutes, info.not_before) == (15, T0)


@pytest.mark.parametrize("start", range(CACHE_SCHEMA_VERSION))
def test_each_cache_migration_step(start: int, tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.sqlite3"
    build(fresh, list(CACHE_MIGRATIONS), CACHE_SCHEMA_VERSION)
    old = tmp_path / "old.sqlite3"
    build(old, list(CACHE_MIGRATIONS), start)
    with Store.open(old, tmp_path / "state.sqlite3") as store:
        assert store.notices == []
    assert user_version(old) == CACHE_SCHEMA_VERSION
    assert schema(old) == schema(fresh)


@pytest.mark.parametrize("start", range(STATE_SCHEMA_VERSION))
def test_each_state_migration_step(start: int, tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.sqlite3"
    build(fresh, list(STATE_MIGRATIONS), STATE_SCHEMA_VERSION)
    old = tmp_path / "old.sqlite3"
    build(old, list(STATE_MIGRATIONS), start)
    with Store.open(tmp_path / "cache.sqlite3", old) as store:
        assert store.notices == []
    assert user_version(old) == STATE_SCHEMA_VERSION
    assert schema(old) == schema(fresh)


def test_v1_to_v2_step_alone(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    build(path, list(CACHE_MIGRATIONS), 1)
    assert "ttl_minutes" not in dict(schema(path)["feeds"])
    build(path, list(CACHE_MIGRATIONS[1:]), 1)
    cols = dict(schema(path)["feeds"])
    assert cols["ttl_minutes"] == "INTEGER" and cols["not_before"] == "REAL"


def test_v2_to_v3_step_alone(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    build(path, list(CACHE_MIGRATIONS), 2)
    assert "source" not in dict(schema(path)["posts"])
    build(path, list(CACHE_MIGRATIONS[2:]), 1)
    cols = dict(schema(path)["posts"])
    assert cols["source"] == "TEXT"
    assert cols["converter_version"] == cols["summary_truncated"] == "INTEGER"


def v2_cache_with_a_post(path: Path, summary: str) -> None:
    """A cache as the release before v3 left it: Markdown only, no source."""
    build(path, list(CACHE_MIGRATIONS), 2)
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO feeds (url, title) VALUES (?, 'Blog')", (URL,))
    conn.execute(
        "INSERT INTO posts (feed_url, key, id, title, link, published, summary, author, "
        "content_hash, first_seen, last_seen) VALUES (?, 'k', ?, 'Kept', '', ?, ?, '', 'h', ?, ?)",
        (URL, post_id(URL, "k"), T0.timestamp(), summary, T0.timestamp(), T0.timestamp()),
    )
    conn.commit()
    conn.close()


def parsed_entry(key: str, source: str, *, content_hash: str = "h", version: int = 0) -> Entry:
    """An entry as the parser makes it: summary and text derived from ``source``."""
    from tui.htmltext import CONVERTER_VERSION
    from tui.parse import derive_description

    derived = derive_description(source, base_url="https://blog.example/")
    return Entry(
        key=key,
        title="Kept",
        link="",
        published=T0,
        updated=None,
        summary=derived.markdown,
        content_hash=content_hash,
        source=source,
        text=derived.text,
        converter_version=version or CONVERTER_VERSION,
    )


def test_posts_from_before_sources_were_kept_are_rederived_by_the_next_merge(
    paths: tuple[Path, Path],
) -> None:
    cache, state = paths
    v2_cache_with_a_post(cache, "Old \\*rendering\\*")
    with Store.open(cache, state) as store:
        assert store.notices == []
        post = store.post(post_id(URL, "k"))
        assert post is not None and post.summary == "Old \\*rendering\\*"
        assert not post.summary_truncated
        # Same content (same hash): not an update to the reader, but the source is kept now.
        result = merge(store, feed(parsed_entry("k", "<p>New <b>rendering</b></p>")))
        assert (result.new, result.updated, result.unchanged) == (0, 0, 1)
        post = store.post(post_id(URL, "k"))
        assert post is not None and post.summary == "New **rendering**"
    with closing(sqlite3.connect(cache)) as conn:
        assert conn.execute("SELECT source, converter_version FROM posts").fetchall() == [
            ("<p>New <b>rendering</b></p>", parsed_entry("k", "x").converter_version)
        ]


def test_a_converter_bump_rederives_stale_posts_in_batches_never_at_open(
    paths: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import tui.htmltext

    sources = {f"p{i}": f"<p>Post <code>n_{i}</code></p>" for i in range(5)}
    with Store.open(*paths) as store:
        merge(store, feed(*(parsed_entry(k, src, content_hash=k) for k, src in sources.items())))
        assert store.rederive_stale() == 0  # nothing is stale
    # What an older converter made of them.
    with closing(sqlite3.connect(paths[0])) as conn:
        conn.execute("UPDATE posts SET summary = 'old: ' || key")
        conn.commit()
    monkeypatch.setattr(tui.htmltext, "CONVERTER_VERSION", tui.htmltext.CONVERTER_VERSION + 1)

    with Store.open(*paths) as store:
        assert {p.summary for p in store.posts()} == {f"old: {k}" for k in sources}  # open: no
        assert store.rederive_stale(limit=2) == 2
        assert store.rederive_stale(limit=2) == 2
        assert store.rederive_stale(limit=2) == 1
        assert store.rederive_stale(limit=2) == 0
        assert {p.key: p.summary for p in store.posts()} == {
            f"p{i}": f"Post `n_{i}`" for i in range(5)
        }
        # Read state, is_new and order are untouched by it.
        assert keys(store) == [f"p{i}" for i in range(5)]


def test_merge_brings_a_post_kept_by_an_older_converter_up_to_date(store: Store) -> None:
    old = parsed_entry("k", "<p>a <i>b</i></p>")
    merge(store, feed(old))
    newer = parsed_entry("k", "<p>a <i>b</i></p>", version=old.converter_version + 1)
    newer = dataclasses.replace(newer, summary="a _b_")
    result = merge(store, feed(newer))
    assert (result.updated, result.unchanged) == (0, 1)
    post = store.post(post_id(URL, "k"))
    assert post is not None and post.summary == "a _b_"
    # An entry from an older converter never overwrites a newer rendering.
    assert merge(store, feed(old)).unchanged == 1
    post = store.post(post_id(URL, "k"))
    assert post is not None and post.summary == "a _b_"


def test_summary_truncated_is_kept(store: Store) -> None:
    cut = Entry(
        key="cut",
        title="Cut",
        link="",
        published=T0,
        updated=None,
        summary="the start",
        summary_truncated=True,
    )
    merge(store, feed(cut, entry("whole")))
    assert {p.key: p.summary_truncated for p in store.posts()} == {"cut": True, "whole": False}


# --- the search index -------------------------------------------------------------


def index_rows(path: Path) -> int:
    with closing(sqlite3.connect(path)) as conn:
        return int(conn.execute("SELECT count(*) FROM posts_fts").fetchone()[0])


def found(store: Store, query: str, feed_url: str | None = None) -> list[str]:
    by_id = {p.id: p.key for p in store.posts()}
    return [by_id[i] for i in store.search(query, feed_url)]


def test_the_index_follows_merges_updates_and_retention(paths: tuple[Path, Path]) -> None:
    with Store.open(*paths, retention=2) as store:
        day = timedelta(days=1)
        merge(store, feed(entry("old", summary="walrus"), entry("mid", published=T0 + day)))
        assert found(store, "walrus") == ["old"]
        # An edited post is found by its new words only.
        merge(store, feed(entry("old", summary="narwhal"), entry("mid", published=T0 + day)))
        assert found(store, "walrus") == [] and found(store, "narwhal") == ["old"]
        # Retention deletes "old"; the index forgets it in the same transaction.
        later = T0 + 10 * day
        merge(store, feed(entry("new1", published=later), entry("new2", published=later)))
        assert keys(store) == ["new1", "new2"]
        assert found(store, "narwhal") == []
        assert index_rows(paths[0]) == 2


def test_a_feed_renamed_is_found_by_its_new_title(store: Store) -> None:
    merge(store, feed(entry("a"), entry("b"), title="Old Name"))
    merge(store, feed(entry("x"), title="Elsewhere"), url=OTHER)
    assert found(store, "old name") == ["a", "b"]
    merge(store, feed(entry("a"), title="Brand New"))  # b dropped out but is kept
    assert found(store, "old name") == []
    assert found(store, "brand new") == ["a", "b"]
    assert found(store, "elsewhere") == ["x"]
    # An empty title in a later document keeps the name the feed had.
    merge(store, feed(entry("a"), title=""))
    assert found(store, "brand new") == ["a", "b"]


def test_search_in_a_store_that_fell_back_to_memory(tmp_path: Path) -> None:
    cache = tmp_path / "cache-dir"
    cache.mkdir()
    with Store.open(cache, tmp_path / "state.sqlite3") as store:
        assert store.notices
        merge(store, feed(entry("a", summary="in memory")))
        assert found(store, "memory") == ["a"]


def test_v3_cache_is_indexed_by_title_at_once_and_by_description_in_batches(
    paths: tuple[Path, Path],
) -> None:
    cache, state = paths
    build(cache, list(CACHE_MIGRATIONS), 3)
    with closing(sqlite3.connect(cache)) as conn:
        conn.execute("INSERT INTO feeds (url, title) VALUES (?, 'The Blog')", (URL,))
        conn.executemany(
            "INSERT INTO posts (feed_url, key, id, title, author, summary, content_hash, "
            "first_seen, last_seen, source, converter_version) "
            "VALUES (?, ?, ?, ?, 'Ann', ?, ?, ?, ?, ?, ?)",
            [
                (
                    URL,
                    "kept",
                    post_id(URL, "kept"),
                    "Kept Title",
                    "Set MAX\\_POOL\\_SIZE",
                    "h1",
                    T0.timestamp(),
                    T0.timestamp(),
                    None,
                    0,
                ),
                (
                    URL,
                    "src",
                    post_id(URL, "src"),
                    "Sourced",
                    "Use `a_b`",
                    "h2",
                    T0.timestamp(),
                    T0.timestamp(),
                    "<p>Use <code>a_b</code></p>",
                    1,
                ),
            ],
        )
        conn.commit()
    with Store.open(cache, state) as store:
        assert store.notices == []
        assert index_rows(cache) == 2
        assert sorted(found(store, "the blog")) == ["kept", "src"]
        assert found(store, "kept title") == ["kept"] and found(store, "ann") != []
        assert found(store, "max_pool") == [] and found(store, "a_b") == []  # not yet
        assert store.rederive_stale() == 2
        assert store.rederive_stale() == 0
        assert found(store, "max_pool_size") == ["kept"]  # from the kept Markdown
        assert found(store, "use a_b") == ["src"]  # from the source
        post = store.post(post_id(URL, "kept"))
        assert post is not None and post.summary == "Set MAX\\_POOL\\_SIZE"


def test_rebuilding_the_index(store: Store, paths: tuple[Path, Path]) -> None:
    merge(store, feed(entry("a", summary="zebra"), entry("b", title="Okapi")))
    store.rebuild_search_index()
    assert found(store, "okapi") == ["b"]
    assert found(store, "zebra") == []  # until rederive_stale gets to it
    while store.rederive_stale(limit=1):
        pass
    assert found(store, "zebra") == ["a"] and found(store, "okapi") == ["b"]
    assert index_rows(paths[0]) == 2
    assert quick_check(paths[0]) == "ok"


def test_v3_to_v4_step_alone(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    build(path, list(CACHE_MIGRATIONS), 3)
    assert "posts_fts" not in schema(path)
    build(path, list(CACHE_MIGRATIONS[3:]), 1)
    assert {n for n, _ in schema(path)["posts_fts"]} == {
        "title",
        "author",
        "feed_title",
        "description",
        "body",
    }


# --- corruption -----------------------------------------------------------------


def populated_cache(paths: tuple[Path, Path], n: int = 400) -> None:
    with Store.open(*paths) as store:
        merge(
            store,
            feed(*(entry(f"p{i}", summary="lorem ipsum " * 40) for i in range(n))),
        )
        store.set_read([post_id(URL, "p1")])


def assert_cache_replaced(paths: tuple[Path, Path], original: bytes) -> None:
    cache, state = paths
    with Store.open(cache, state) as store:
        [backup] = backups(cache)
        assert backup.read_bytes() == original
        assert len(store.notices) == 1
        assert str(backup) in store.notices[0]
        assert store.notices[0].startswith("Post cache was unreadable")
        assert store.posts() == []
        merge(store, feed(entry("fresh")))
        assert keys(store) == ["fresh"]
    assert quick_check(cache) == "ok"
    with Store.open(cache, state) as store:
        assert store.notices == []


def test_garbage_cache_is_moved_aside(paths: tuple[Path, Path]) -> None:
    cache = paths[0]
    cache.parent.mkdir(parents=True)
    garbage = b"<html>definitely not SQLite</html>\n" * 200
    cache.write_bytes(garbage)
    assert_cache_replaced(paths, garbage)


def test_garbage_with_a_valid_header_is_moved_aside(paths: tuple[Path, Path]) -> None:
    cache = paths[0]
    cache.parent.mkdir(parents=True)
    garbage = b"SQLite format 3\x00" + bytes(range(256)) * 40
    cache.write_bytes(garbage)
    assert_cache_replaced(paths, garbage)


def test_truncated_cache_is_moved_aside(paths: tuple[Path, Path]) -> None:
    populated_cache(paths)
    cache = paths[0]
    data = cache.read_bytes()
    assert len(data) > 40_000
    cache.write_bytes(data[: len(data) // 2])
    assert_cache_replaced(paths, data[: len(data) // 2])
    # Read state lives elsewhere and is untouched.
    with Store.open(*paths) as store:
        merge(store, feed(entry("p1")))
        post = store.post(post_id(URL, "p1"))
        assert post is not None and post.read


def test_foreign_schema_is_moved_aside(paths: tuple[Path, Path]) -> None:
    cache = paths[0]
    cache.parent.mkdir(parents=True)
    conn = sqlite3.connect(cache)
    conn.execute("CREATE TABLE users (name TEXT, password TEXT)")
    conn.execute("INSERT INTO users VALUES ('root', 'hunter2')")
    conn.commit()
    conn.close()
    original = cache.read_bytes()
    assert_cache_replaced(paths, original)


def test_foreign_table_with_our_name_is_moved_aside(paths: tuple[Path, Path]) -> None:
    cache = paths[0]
    cache.parent.mkdir(parents=True)
    conn = sqlite3.connect(cache)
    conn.execute("CREATE TABLE posts (whatever BLOB)")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    assert_cache_replaced(paths, cache.read_bytes())


def test_newer_cache_version_is_moved_aside(paths: tuple[Path, Path]) -> None:
    populated_cache(paths, n=5)
    cache = paths[0]
    conn = sqlite3.connect(cache)
    conn.execute(f"PRAGMA user_version = {CACHE_SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    assert_cache_replaced(paths, cache.read_bytes())


def make_state(paths: tuple[Path, Path], n: int) -> dict[str, tuple[int, int]]:
    """A state DB (every 3rd post read, the next one unread again, every 5th starred);
    returns its rows as {post_id: (read, starred)}."""
    truth: dict[str, tuple[int, int]] = {}
    with Store.open(*paths) as store:
        ids = [post_id(URL, f"p{i:05d}") for i in range(n)]
        store.set_read(ids[::3], now=T0)
        store.set_read(ids[1::3], False)
        for pid in ids[::5]:
            store.set_starred(pid, True, now=T0)
        for i, pid in enumerate(ids):
            if i % 3 != 2 or i % 5 == 0:  # ids never marked have no row at all
                truth[pid] = (int(i % 3 == 0), int(i % 5 == 0))
    assert read_state(paths[1]) == truth
    return truth


def read_state(path: Path) -> dict[str, tuple[int, int]]:
    conn = sqlite3.connect(path)
    try:
        return {
            r[0]: (r[1], r[2])
            for r in conn.execute("SELECT post_id, read, starred FROM post_state")
        }
    finally:
        conn.close()


def test_damaged_state_is_recovered_row_by_row(paths: tuple[Path, Path]) -> None:
    truth = make_state(paths, 3000)
    state = paths[1]
    data = bytearray(state.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    table_leaves = [
        n
        for n in range(1, len(data) // page_size)  # skip page 1 (schema)
        if data[n * page_size] == 0x0D
    ]
    assert len(table_leaves) > 10
    victim = table_leaves[len(table_leaves) // 2] * page_size
    data[victim : victim + page_size] = b"\xa5" * page_size
    state.write_bytes(bytes(data))
    damaged = bytes(data)

    with Store.open(*paths) as store:
        [backup] = backups(state)
        assert backup.read_bytes() == damaged  # the original is kept, byte for byte
        [notice] = store.notices
        assert notice.startswith("Read/star state was damaged")
        assert str(backup) in notice
        recovered = read_state(state)
        assert f"recovered {len(recovered)} entries" in notice
        assert 0.8 * len(truth) < len(recovered) < len(truth)
        assert all(truth[pid] == flags for pid, flags in recovered.items())
        # The recovered state is in use.
        some_read = next(pid for pid, (r, _) in recovered.items() if r)
        merge(store, feed(*(entry(f"p{i:05d}") for i in range(3000))))
        post = store.post(some_read)
        assert post is not None and post.read
    assert quick_check(state) == "ok"


def test_garbage_state_is_kept_and_reported(paths: tuple[Path, Path]) -> None:
    state = paths[1]
    state.parent.mkdir(parents=True)
    state.write_bytes(b"\x00garbage" * 1000)
    with Store.open(*paths) as store:
        [backup] = backups(state)
        assert backup.read_bytes() == b"\x00garbage" * 1000
        [notice] = store.notices
        assert "recovered 0 entries" in notice and str(backup) in notice
        store.set_read([post_id(URL, "a")])  # a fresh, working state DB
    assert user_version(state) == STATE_SCHEMA_VERSION


def test_foreign_state_is_moved_aside(paths: tuple[Path, Path]) -> None:
    state = paths[1]
    state.parent.mkdir(parents=True)
    conn = sqlite3.connect(state)
    conn.execute("CREATE TABLE notes (body TEXT)")
    conn.commit()
    conn.close()
    with Store.open(*paths) as store:
        assert len(backups(state)) == 1
        assert "recovered 0 entries" in store.notices[0]


def test_newer_compatible_state_is_used_untouched(paths: tuple[Path, Path]) -> None:
    truth = make_state(paths, 20)
    state = paths[1]
    conn = sqlite3.connect(state)
    conn.execute("ALTER TABLE post_state ADD COLUMN tags TEXT")
    conn.execute("CREATE TABLE future (x)")
    conn.execute("PRAGMA user_version = 7")
    conn.commit()
    conn.close()
    with Store.open(*paths) as store:
        assert store.notices == []
        store.set_read([post_id(URL, "new")])
    assert user_version(state) == 7
    assert backups(state) == []
    after = read_state(state)
    assert {k: v for k, v in after.items() if k in truth} == truth


def test_newer_incompatible_state_is_salvaged(paths: tuple[Path, Path]) -> None:
    truth = make_state(paths, 10)
    state = paths[1]
    conn = sqlite3.connect(state)
    conn.execute("ALTER TABLE post_state RENAME COLUMN starred TO flagged")
    conn.execute("PRAGMA user_version = 9")
    conn.commit()
    conn.close()
    with Store.open(*paths) as store:
        assert len(backups(state)) == 1
        assert f"recovered {len(truth)} entries" in store.notices[0]
    # Rows came back with their read flag; the column that vanished is defaulted.
    assert read_state(state) == {pid: (r, 0) for pid, (r, _) in truth.items()}


def test_file_migrated_by_another_process_mid_check_is_not_foreign(
    paths: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another process has just created the state file (WAL, no tables yet) and
    # commits its first migration while we are validating. Seeing version 0
    # but its tables would look foreign and yank the file from under it.
    import tui.store.schema as store_module

    state = paths[1]
    state.parent.mkdir(parents=True)
    creator = sqlite3.connect(state, isolation_level=None)
    creator.execute("PRAGMA journal_mode = WAL")
    real_schema_of = store_module._schema_of
    raced: list[bool] = []

    def schema_of_after_race(conn: sqlite3.Connection) -> dict[str, frozenset[str]]:
        db_file = conn.execute("PRAGMA database_list").fetchone()[2]
        if not raced and conn is not creator and db_file == str(state):
            raced.append(True)
            creator.execute("BEGIN IMMEDIATE")
            for migration in STATE_MIGRATIONS:
                assert isinstance(migration, str)
                for statement in migration.split(";"):
                    creator.execute(statement)
            creator.execute(f"PRAGMA user_version = {STATE_SCHEMA_VERSION}")
            creator.execute("COMMIT")
        return real_schema_of(conn)

    monkeypatch.setattr(store_module, "_schema_of", schema_of_after_race)
    with Store.open(*paths) as store:
        assert raced
        assert store.notices == []
        assert backups(state) == []
        store.set_read([post_id(URL, "a")])
    creator.close()
    assert user_version(state) == STATE_SCHEMA_VERSION


def test_unopenable_paths_fall_back_to_memory_with_notices(tmp_path: Path) -> None:
    # A directory where a file should be: an environment problem, not corruption,
    # so nothing is moved aside; the session still works and the user is told.
    cache, state = tmp_path / "cache-dir", tmp_path / "state-dir"
    cache.mkdir()
    state.mkdir()
    with Store.open(cache, state) as store:
        assert len(store.notices) == 2
        assert store.notices[0].startswith("Could not open the post cache")
        assert store.notices[1].startswith("Could not open the read/star state")
        merge(store, feed(entry("a")))
        store.set_read([post_id(URL, "a")])
        assert store.posts()[0].read
    assert cache.is_dir() and state.is_dir() and backups(cache) == backups(state) == []


# --- processes ----------------------------------------------------------------

WORKER = """
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tui.models import Entry, ParsedFeed, post_id
from tui.store import Store

cache, state, who, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
url = "https://shared.example/feed"
base = datetime(2026, 1, 1, tzinfo=UTC)
store = Store.open(Path(cache), Path(state))
if store.notices:  # e.g. a file another worker was creating taken for corrupt
    sys.exit(f"notices: {store.notices}")
print("ready", flush=True)
if len(sys.argv) > 5:  # start barrier, so the writers really overlap
    go = Path(sys.argv[5])
    while not go.exists():
        time.sleep(0.001)
for i in range(count):
    key = f"{who}-{i}"
    now = base + timedelta(seconds=i)
    item = Entry(key=key, title=key, link="https://shared.example/" + key, published=now,
                 updated=None, summary="text " * 100, content_hash=key)
    parsed = ParsedFeed(url=url, title="Shared", link="", description="", entries=[item])
    store.merge(url, parsed, etag=None, last_modified=None, not_before=None, now=now)
    print("merged", i, flush=True)
    store.set_read([post_id(url, key)], now=now)
    print("read", i, flush=True)
store.close()
print("done", flush=True)
"""
SHARED = "https://shared.example/feed"


def spawn(
    tmp_path: Path, paths: tuple[Path, Path], who: str, count: int, *extra: str
) -> subprocess.Popen[str]:
    script = tmp_path / "worker.py"
    if not script.exists():
        script.write_text(WORKER)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, str(script), str(paths[0]), str(paths[1]), who, str(count), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_sigkill_mid_write_loses_at_most_the_transaction_in_flight(
    tmp_path: Path, paths: tuple[Path, Path]
) -> None:
    proc = spawn(tmp_path, paths, "k", 1_000_000)
    assert proc.stdout is not None
    reported: list[str] = []
    while sum(line.startswith("read ") for line in reported) < 40:
        line = proc.stdout.readline()
        assert line, f"worker died early: {proc.stderr.read() if proc.stderr else ''}"
        reported.append(line)
    os.kill(proc.pid, signal.SIGKILL)
    # Read through the text wrapper: readline() above may hold further lines in
    # its buffer, which communicate() (raw reads of the pipe) would skip.
    reported += proc.stdout.read().splitlines()
    proc.wait()
    assert proc.returncode == -signal.SIGKILL

    merged = {int(x.split()[1]) for x in reported if x.startswith("merged ")}
    read = {int(x.split()[1]) for x in reported if x.startswith("read ")}
    assert quick_check(paths[0]) == "ok"
    assert quick_check(paths[1]) == "ok"
    with Store.open(*paths) as store:
        assert store.notices == []
        posts = {p.key: p for p in store.posts(SHARED)}
    for i in merged:
        assert f"k-{i}" in posts
    for i in read:
        assert posts[f"k-{i}"].read
    # Only what was in flight (one merge past the last report) may also be there.
    assert len(posts) <= len(merged) + 1


def test_two_processes_write_at_once(tmp_path: Path, paths: tuple[Path, Path]) -> None:
    count = 150
    go = tmp_path / "go"
    # Both start on empty paths, so creating and migrating the files races too.
    procs = [spawn(tmp_path, paths, who, count, str(go)) for who in ("a", "b")]
    for proc in procs:
        assert proc.stdout is not None
        assert proc.stdout.readline() == "ready\n", proc.communicate()[1]
    go.touch()
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert "locked" not in err.lower()
        assert out.rstrip().endswith("done")
        assert sum(line.startswith("read ") for line in out.splitlines()) == count
    with Store.open(*paths) as store:
        assert store.notices == []
        posts = {p.key: p for p in store.posts(SHARED)}
    assert set(posts) == {f"{who}-{i}" for who in ("a", "b") for i in range(count)}
    assert all(p.read for p in posts.values())


# --- performance ----------------------------------------------------------------


def test_ten_thousand_posts_round_trip(paths: tuple[Path, Path]) -> None:
    n = 10_000
    with Store.open(*paths) as store:
        entries = [
            entry(f"p{i:05d}", published=T0 + timedelta(minutes=i), summary="words " * 60)
            for i in range(n)
        ]
        assert merge(store, feed(*entries)).new == n
        store.set_read([post_id(URL, f"p{i:05d}") for i in range(0, n, 2)])
        started = time.perf_counter()
        posts = store.posts()
        elapsed = time.perf_counter() - started
        print(f"\nposts() over {n} rows: {elapsed * 1000:.1f} ms")
        assert len(posts) == n
        assert [p.key for p in posts] == [f"p{i:05d}" for i in reversed(range(n))]
        assert sum(p.read for p in posts) == n // 2
        assert len(store.posts(URL, unread_only=True)) == n // 2


def test_an_import_that_is_not_a_fetch_leaves_the_feed_never_fetched(tmp_path: Path) -> None:
    from tui.models import Entry, ParsedFeed

    url = "https://example.com/feed.xml"
    entry = Entry(
        key="k1",
        title="T",
        link="https://example.com/1",
        published=None,
        updated=None,
        summary="s",
    )
    parsed = ParsedFeed(url=url, title="Feed", link="", description="", entries=[entry])
    now = datetime(2026, 5, 1, tzinfo=UTC)
    with Store.open(tmp_path / "c.db", tmp_path / "s.db") as store:
        result = store.merge(
            url,
            parsed,
            etag="e",
            last_modified="lm",
            not_before=None,
            now=now,
            mark_new=False,
            record_success=False,
        )
        assert result.new == 1
        feed = store.feed(url)
        assert feed is not None
        assert feed.title == "Feed"
        assert feed.last_success is None and feed.last_attempt is None
        assert feed.etag is None and feed.last_modified is None
        assert [p.title for p in store.posts(url)] == ["T"]


_HOLDER = """
import sys
from datetime import UTC, datetime
from pathlib import Path
from tui.store import Store

cache, state = Path(sys.argv[1]), Path(sys.argv[2])
store = Store.open(cache, state)
# A second store in the same process and closed again, as the app's worker
# thread used to do: closing it must not drop the first store's file locks.
Store.open(cache, state).close()
print("ready", flush=True)
sys.stdin.readline()
store.set_starred("post-after", True, now=datetime.now(UTC))
print("starred", flush=True)
sys.stdin.readline()  # wait here until killed
"""


def test_other_connections_opening_and_closing_never_lose_committed_marks(
    tmp_path: Path,
) -> None:
    """Regression: a second Store in the app plus a CLI run deleted the app's WAL."""
    cache, state = tmp_path / "cache.sqlite3", tmp_path / "state.sqlite3"
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(cache), str(state)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    try:
        assert holder.stdout is not None and holder.stdin is not None
        assert holder.stdout.readline().strip() == "ready"
        # Another process (``rajpoot-tui list``) opens and closes the same files.
        Store.open(cache, state).close()
        holder.stdin.write("go\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "starred"
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
    Store.open(cache, state).close()  # replays the WAL, if it still exists
    with closing(sqlite3.connect(state)) as conn:
        starred = conn.execute(
            "SELECT starred FROM post_state WHERE post_id = 'post-after'"
        ).fetchone()
    assert starred == (1,)


def test_opening_checks_the_posts_not_the_rebuildable_search_index(
    paths: tuple[Path, Path],
) -> None:
    # First paint must not scale with the search index's size: the open-time check
    # covers the tables that can't be rebuilt from others.
    from tui.store.recovery import _quick_check

    populated_cache(paths)
    statements: list[str] = []
    with closing(sqlite3.connect(paths[0])) as conn:
        conn.set_trace_callback(statements.append)
        _quick_check(conn, which="cache")
    checks = [s for s in statements if "quick_check" in s]
    assert checks == ["PRAGMA quick_check(feeds)", "PRAGMA quick_check(posts)"]


def test_a_damaged_search_index_is_rebuilt_on_the_next_search(
    store: Store, paths: tuple[Path, Path]
) -> None:
    merge(store, feed(*(entry(f"p{n}", title=f"Okapi {n}", summary="zebra") for n in range(50))))
    with closing(sqlite3.connect(paths[0])) as raw:
        raw.execute("UPDATE posts_fts_data SET block = X'0102030405' WHERE id > 1")
        raw.commit()
    assert len(found(store, "okapi")) == 50  # rebuilt, then searched again
    assert store.search_rebuilt
    while store.rederive_stale(limit=20):
        pass
    assert len(found(store, "zebra")) == 50
    assert quick_check(paths[0]) == "ok"
