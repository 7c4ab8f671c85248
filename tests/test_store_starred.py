"""Durable stars: a starred post keeps its title, link, date and text in the state DB.

It survives deleting the cache (which the README calls safe), the feed dropping
the post, and a damaged state file; the copy follows the feed's later edits.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from tests.test_store import OTHER, T0, URL, entry, feed, merge
from tests.test_store import paths as paths  # the fixture
from tui.models import post_id
from tui.store import Store


def delete_cache(cache: Path) -> None:
    for path in [cache, *cache.parent.glob(cache.name + "-*")]:
        path.unlink()


def test_a_starred_post_survives_deleting_the_cache_with_everything_it_showed(
    paths: tuple[Path, Path],
) -> None:
    cache, state = paths
    older = entry("old", title="Old but loved", published=T0 - timedelta(days=30), summary="**x**")
    with Store.open(cache, state) as store:
        merge(store, feed(entry("new"), older, title="The Blog"))
        starred = post_id(URL, "old")
        store.set_starred(starred, True)
        before = store.post(starred)
    delete_cache(cache)
    with Store.open(cache, state) as store:
        assert store.notices == []
        [post] = store.posts()
        assert before is not None
        # All of it, except "new since the last refresh": that was the cache's news.
        assert post == replace(before, is_new=False)
        assert (post.title, post.link, post.summary) == (
            "Old but loved",
            "https://blog.example/posts/backend/old/",
            "**x**",
        )
        assert post.published == T0 - timedelta(days=30)
        assert post.starred
        assert store.post(starred) == post
        assert [p.id for p in store.posts(URL, starred_only=True)] == [starred]
        assert store.posts(OTHER) == []
        # The feed is still known by its title, for the sidebar and the CLI.
        assert [(f.url, f.title) for f in store.feeds()] == [(URL, "The Blog")]


def test_a_copy_takes_its_place_by_date_among_the_cached_posts(paths: tuple[Path, Path]) -> None:
    cache, state = paths
    with Store.open(cache, state) as store:
        merge(store, feed(entry("middle", published=T0 - timedelta(days=2))))
        store.set_starred(post_id(URL, "middle"), True)
    delete_cache(cache)
    with Store.open(cache, state) as store:
        merge(
            store,
            feed(
                entry("newest", published=T0),
                entry("oldest", published=T0 - timedelta(days=5)),
            ),
        )
        assert [p.key for p in store.posts(URL)] == ["newest", "middle", "oldest"]
        assert [p.key for p in store.posts()] == ["newest", "middle", "oldest"]


def test_the_copy_follows_the_feeds_later_edits(paths: tuple[Path, Path]) -> None:
    cache, state = paths
    with Store.open(cache, state) as store:
        merge(store, feed(entry("a", title="Frist draft")))
        store.set_starred(post_id(URL, "a"), True)
        merge(store, feed(entry("a", title="First draft, fixed")), now=T0 + timedelta(hours=1))
    delete_cache(cache)
    with Store.open(cache, state) as store:
        [post] = store.posts()
        assert post.title == "First draft, fixed"


def test_unstarring_lets_the_post_go_with_the_cache(paths: tuple[Path, Path]) -> None:
    cache, state = paths
    with Store.open(cache, state) as store:
        merge(store, feed(entry("a"), entry("b")))
        store.set_starred(post_id(URL, "a"), True)
        store.set_starred(post_id(URL, "b"), True)
        store.set_starred(post_id(URL, "b"), False)
    delete_cache(cache)
    with Store.open(cache, state) as store:
        assert [p.key for p in store.posts()] == ["a"]
        assert store.post(post_id(URL, "b")) is None


def test_read_state_of_a_kept_star_is_kept_too(paths: tuple[Path, Path]) -> None:
    cache, state = paths
    with Store.open(cache, state) as store:
        merge(store, feed(entry("a")))
        store.set_starred(post_id(URL, "a"), True)
        store.set_read([post_id(URL, "a")])
    delete_cache(cache)
    with Store.open(cache, state) as store:
        [post] = store.posts()
        assert post.read and post.starred
        assert store.posts(unread_only=True) == []


def test_search_finds_a_star_kept_only_as_a_copy(paths: tuple[Path, Path]) -> None:
    cache, state = paths
    with Store.open(cache, state) as store:
        merge(store, feed(entry("a", title="Pooling connections", summary="pgbouncer *tips*")))
        merge(store, feed(entry("b", title="Other")))
        store.set_starred(post_id(URL, "a"), True)
    delete_cache(cache)
    with Store.open(cache, state) as store:
        assert store.search("pgbouncer tips") == [post_id(URL, "a")]
        assert store.search("pooling", URL) == [post_id(URL, "a")]
        assert store.search("pooling", OTHER) == []
        assert store.search("nothing like it") == []


def test_stars_from_before_the_copies_get_one_when_the_store_opens(
    paths: tuple[Path, Path],
) -> None:
    cache, state = paths
    with Store.open(cache, state) as store:
        merge(store, feed(entry("a"), entry("b")))
    # A state file as an older version wrote it: the star, no copy.
    with sqlite3.connect(state) as conn:
        conn.execute(
            "INSERT INTO post_state (post_id, feed_url, key, starred) VALUES (?, ?, 'a', 1)",
            (post_id(URL, "a"), URL),
        )
    with Store.open(cache, state):
        pass
    delete_cache(cache)
    with Store.open(cache, state) as store:
        assert [(p.key, p.starred) for p in store.posts()] == [("a", True)]


def test_a_damaged_state_file_gives_back_its_copies(paths: tuple[Path, Path]) -> None:
    cache, state = paths
    with Store.open(cache, state) as store:
        merge(store, feed(entry("a", title="Keep me")))
        store.set_starred(post_id(URL, "a"), True)
    # Break the schema's promise (as a newer, incompatible version would): the
    # file is moved aside and every row that can be read is salvaged.
    with sqlite3.connect(state) as conn:
        conn.execute("ALTER TABLE post_state RENAME COLUMN read TO seen")
        conn.execute("PRAGMA user_version = 9")
    delete_cache(cache)
    with Store.open(cache, state) as store:
        assert "Read/star state was damaged" in store.notices[0]
        [post] = store.posts()
        assert (post.title, post.starred) == ("Keep me", True)


def test_unread_counts_include_the_stars_kept_only_as_copies(paths: tuple[Path, Path]) -> None:
    cache, state = paths
    with Store.open(cache, state) as store:
        merge(store, feed(entry("a"), entry("b"), entry("c")))
        store.set_starred(post_id(URL, "a"), True)
        store.set_starred(post_id(URL, "b"), True)
        store.set_read([post_id(URL, "b")])
        assert store.unread_counts() == {URL: 2}
    delete_cache(cache)
    with Store.open(cache, state) as store:
        assert store.unread_counts() == {URL: 1}  # "a": starred and unread
        assert store.feed(URL) is not None and store.feed(URL).title == "Blog"  # type: ignore[union-attr]
