"""Whole articles in the cache (cache v5): round trip, caps, eviction, search, migration."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import timedelta
from pathlib import Path

import pytest

from tests.test_store import T0, URL, build, entry, feed, found, merge, quick_check, schema
from tui.models import post_id
from tui.store import CACHE_MIGRATIONS, ArticleRefused, Store, StoredArticle

MB = 1024 * 1024


def pid(key: str) -> str:
    return post_id(URL, key)


def save(store: Store, key: str, text: str = "article words", *, days: int = 0, **kw: str) -> None:
    store.save_article(
        pid(key),
        url=f"https://blog.example/posts/backend/{key}/",
        title=kw.get("title", key.title()),
        markdown=kw.get("markdown", f"# {key}\n\n{text}"),
        text=text,
        method=kw.get("method", "fake"),
        now=T0 + timedelta(days=days),
    )


@pytest.fixture
def paths(tmp_path: Path) -> tuple[Path, Path]:
    return tmp_path / "cache" / "posts.sqlite3", tmp_path / "data" / "state.sqlite3"


@pytest.fixture
def store(paths: tuple[Path, Path]) -> Iterator[Store]:
    with Store.open(*paths) as s:
        merge(s, feed(entry("a", summary="short description"), entry("b"), entry("c")))
        yield s


def test_an_article_round_trips(store: Store, paths: tuple[Path, Path]) -> None:
    assert store.article(pid("a")) is None
    saved = store.save_article(
        pid("a"),
        url="https://blog.example/a/",
        title="A title",
        markdown="# A title\n\nSome *text* — ünïcode.",
        text="A title\n\nSome text — ünïcode.",
        method="article-tag",
        now=T0,
    )
    assert saved.evicted == []
    expected = StoredArticle(
        post_id=pid("a"),
        url="https://blog.example/a/",
        title="A title",
        markdown="# A title\n\nSome *text* — ünïcode.",
        text="A title\n\nSome text — ünïcode.",
        method="article-tag",
        fetched_at=T0,
        size=len(b"# A title\n\nSome *text* \xe2\x80\x94 \xc3\xbcn\xc3\xafcode.")
        + len("A title\n\nSome text — ünïcode.".encode()),
    )
    assert saved.article == expected
    assert store.article(pid("a")) == expected
    assert store.article_ids([pid("a"), pid("b"), "nope"]) == {pid("a")}
    assert store.articles_size() == expected.size
    with Store.open(*paths) as again:  # it is on disk
        assert again.article(pid("a")) == expected


def test_saving_again_replaces_the_article(store: Store) -> None:
    save(store, "a", "first version")
    save(store, "a", "second version", days=1)
    article = store.article(pid("a"))
    assert article is not None and article.text == "second version"
    assert found(store, "first") == []
    assert found(store, "second") == ["a"]


def test_search_finds_words_of_fetched_articles(store: Store) -> None:
    assert found(store, "zanzibar") == []
    save(store, "b", "The Zanzibar protocol and MAX_POOL_SIZE explained")
    assert found(store, "zanzibar") == ["b"]
    assert found(store, "max_pool") == ["b"]
    assert found(store, "zanzibar short") == []  # every term, in any column of one post
    assert found(store, "description") == ["a"]  # the descriptions are still there
    assert store.delete_article(pid("b"))
    assert not store.delete_article(pid("b"))
    assert found(store, "zanzibar") == []
    assert store.article(pid("b")) is None


def test_article_words_survive_merges_updates_and_an_index_rebuild(store: Store) -> None:
    save(store, "a", "okapi")
    merge(store, feed(entry("a", summary="changed"), entry("b"), entry("c")))
    assert found(store, "okapi") == ["a"]
    store.rederive_stale()
    assert found(store, "okapi") == ["a"]
    store.rebuild_search_index()
    assert found(store, "okapi") == ["a"]  # articles are indexed again at once


def test_an_article_over_the_cap_is_refused_and_nothing_written(paths: tuple[Path, Path]) -> None:
    with Store.open(*paths, max_article_bytes=1000) as store:
        merge(store, feed(entry("a")))
        with pytest.raises(ArticleRefused) as info:
            save(store, "a", markdown="é" * 501)
        assert info.value.kind == "too-large"
        assert str(info.value) == (
            "the article is too large to keep (1002 bytes of Markdown, the limit is 1000 bytes)"
        )
        assert store.article(pid("a")) is None
        save(store, "a", markdown="é" * 500)  # exactly at the cap
        assert store.article(pid("a")) is not None


def test_the_default_cap_is_2_mb() -> None:
    with Store(sqlite3.connect(":memory:"), sqlite3.connect(":memory:")) as store:
        assert store._max_article_bytes == 2 * MB
        assert store._max_articles_bytes == 200 * MB


def test_an_article_for_a_post_not_stored_is_refused(store: Store) -> None:
    with pytest.raises(ArticleRefused) as info:
        store.save_article(
            "0123456789abcdef", url="u", title="t", markdown="m", text="t", method="x"
        )
    assert info.value.kind == "unknown-post"
    assert store.articles_size() == 0


def test_the_total_cap_evicts_oldest_fetched_but_never_starred(paths: tuple[Path, Path]) -> None:
    each = len(b"# a\n\n") + 2 * 100  # markdown + text of save(..., "x" * 100)
    with Store.open(*paths, max_articles_bytes=3 * each) as store:
        merge(store, feed(*(entry(k) for k in "abcde")))
        store.set_starred(pid("a"), True)
        for day, key in enumerate("abc"):
            save(store, key, "x" * 100, days=day)
        assert store.article_ids(pid(k) for k in "abcde") == {pid("a"), pid("b"), pid("c")}

        saved = store.save_article(
            pid("d"), url="u", title="d", markdown="# d\n\n" + "x" * 100, text="x" * 100,
            method="fake", now=T0 + timedelta(days=5),
        )  # fmt: skip

        # a is the oldest but starred; b goes.
        assert saved.evicted == [pid("b")]
        assert store.article_ids(pid(k) for k in "abcde") == {pid("a"), pid("c"), pid("d")}
        assert store.articles_size() <= 3 * each
        # Refetching an old article makes it the newest.
        save(store, "c", "x" * 100, days=6)
        save(store, "e", "x" * 100, days=7)
        assert store.article_ids(pid(k) for k in "abcde") == {pid("a"), pid("c"), pid("e")}


def test_starred_articles_are_kept_even_over_the_total_cap(paths: tuple[Path, Path]) -> None:
    with Store.open(*paths, max_articles_bytes=10) as store:
        merge(store, feed(entry("a"), entry("b")))
        store.set_starred(pid("a"), True)
        save(store, "a", "starred and big")
        save(store, "b", "new and big", days=1)
        # The one just saved is never its own victim; the starred one stays.
        assert store.article_ids([pid("a"), pid("b")]) == {pid("a"), pid("b")}
        save(store, "b", "again", days=2)
        assert store.article(pid("a")) is not None


def test_a_post_deleted_by_retention_takes_its_article_along(paths: tuple[Path, Path]) -> None:
    with Store.open(*paths, retention=1) as store:
        merge(store, feed(entry("old"), entry("new", published=T0 + timedelta(days=1))))
        save(store, "old", "walrus")
        merge(store, feed(entry("new", published=T0 + timedelta(days=1))))
        assert store.post(pid("old")) is None
        assert store.article(pid("old")) is None
        assert store.articles_size() == 0
        assert found(store, "walrus") == []


def test_deleting_the_cache_loses_articles_but_no_read_or_star_mark(
    paths: tuple[Path, Path],
) -> None:
    cache, state = paths
    with Store.open(cache, state) as store:
        merge(store, feed(entry("a"), entry("b")))
        save(store, "a", "zebra")
        store.set_starred(pid("a"), True)
        store.set_read([pid("a"), pid("b")])
    for suffix in ("", "-wal", "-shm"):
        Path(str(cache) + suffix).unlink(missing_ok=True)

    with Store.open(cache, state) as store:
        assert store.notices == []
        assert store.article(pid("a")) is None
        merge(store, feed(entry("a"), entry("b")))
        posts = {p.key: p for p in store.posts()}
        assert posts["a"].starred and posts["a"].read and posts["b"].read
        assert store.article(pid("a")) is None
        assert found(store, "zebra") == []
    assert quick_check(cache) == "ok"


def test_v4_to_v5_step_alone(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    build(path, list(CACHE_MIGRATIONS), 4)
    assert "articles" not in schema(path)
    build(path, list(CACHE_MIGRATIONS[4:]), 1)
    assert schema(path)["articles"] == sorted(
        [
            ("post_id", "TEXT"),
            ("url", "TEXT"),
            ("title", "TEXT"),
            ("markdown", "TEXT"),
            ("text", "TEXT"),
            ("method", "TEXT"),
            ("fetched_at", "REAL"),
            ("size", "INTEGER"),
        ]
    )
    with closing(sqlite3.connect(path)) as conn:
        triggers = {
            r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger'")
        }
    assert "posts_articles_delete" in triggers


def test_a_v4_cache_with_posts_opens_and_takes_articles(paths: tuple[Path, Path]) -> None:
    cache, state = paths
    build(cache, list(CACHE_MIGRATIONS), 4)
    with Store.open(cache, state) as store:
        assert store.notices == []
        merge(store, feed(entry("a")))
        save(store, "a", "capybara")
        assert found(store, "capybara") == ["a"]
