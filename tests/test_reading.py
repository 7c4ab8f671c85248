"""The reader's rules without a UI: sorting, views, counts, empty views, next unread."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tui.models import Post
from tui.reading import (
    KeyNames,
    MarkedRead,
    SortOrder,
    View,
    counts,
    dwell_applies,
    empty_view_text,
    next_unread,
    plural,
    post_at,
    select,
    sort_posts,
)

T0 = datetime(2026, 5, 1, tzinfo=UTC)


def post(n: int, *, days: int | None = 0, seen: int = 0, read: bool = False, **kw: object) -> Post:
    return Post(
        id=f"id{n}",
        feed_url="https://example.com/feed.xml",
        key=str(n),
        title=str(kw.pop("title", f"Post {n}")),
        link=f"https://example.com/{n}/",
        published=None if days is None else T0 + timedelta(days=days),
        summary="",
        author="",
        first_seen=T0 + timedelta(days=seen),
        last_seen=T0,
        read=read,
        starred=bool(kw.pop("starred", False)),
    )


def ids(posts: list[Post]) -> list[str]:
    return [p.id for p in posts]


def test_newest_first_puts_undated_posts_by_when_they_were_first_seen() -> None:
    posts = [post(1, days=1), post(2, days=None, seen=3), post(3, days=5)]
    assert ids(sort_posts(posts, SortOrder.NEWEST)) == ["id3", "id2", "id1"]
    assert ids(sort_posts(posts, SortOrder.OLDEST)) == ["id1", "id2", "id3"]


def test_same_dates_keep_the_feed_order() -> None:
    posts = [post(1), post(2), post(3)]
    assert ids(sort_posts(posts, SortOrder.NEWEST)) == ["id1", "id2", "id3"]
    assert ids(sort_posts(posts, SortOrder.OLDEST)) == ["id1", "id2", "id3"]


def test_by_title_ignores_case_and_unread_first_keeps_dates_within_each_group() -> None:
    posts = [post(1, title="beta"), post(2, title="Alpha"), post(3, title="gamma")]
    assert ids(sort_posts(posts, SortOrder.TITLE)) == ["id2", "id1", "id3"]
    posts = [post(1, days=3, read=True), post(2, days=1), post(3, days=2)]
    assert ids(sort_posts(posts, SortOrder.UNREAD_FIRST)) == ["id3", "id2", "id1"]


def test_views_select_unread_or_starred_and_a_search_narrows_further() -> None:
    posts = [post(1, read=True, starred=True), post(2), post(3, starred=True)]
    assert ids(select(posts, view=View.ALL)) == ["id1", "id2", "id3"]
    assert ids(select(posts, view=View.UNREAD)) == ["id2", "id3"]
    assert ids(select(posts, view=View.STARRED)) == ["id1", "id3"]
    assert ids(select(posts, view=View.STARRED, matches=lambda p: p.id != "id1")) == ["id3"]
    assert ids(select(posts, view=View.ALL, found={"id3", "id1"})) == ["id1", "id3"]
    assert ids(select(posts, view=View.UNREAD, found={"id1", "id2"})) == ["id2"]
    assert ids(select(posts, view=View.ALL, found=set())) == []


@pytest.mark.parametrize(("count", "text"), [(0, "0 posts"), (1, "1 post"), (2, "2 posts")])
def test_plural(count: int, text: str) -> None:
    assert plural(count, "post") == text


def test_counts_name_the_keys_that_are_bound_now() -> None:
    keys = KeyNames(unread_only="x", cancel_search="ctrl+g", starred_only="w")
    shown = [post(1), post(2, read=True)]
    assert counts(shown, view=View.ALL, query="", sort=SortOrder.NEWEST, keys=keys) == (
        "2 posts · 1 unread"
    )
    assert counts(shown, view=View.UNREAD, query="go", sort=SortOrder.NEWEST, keys=keys) == (
        "1 unread (x shows all) · matching “go” (ctrl+g clears)"
    )
    assert counts(shown[:1], view=View.STARRED, query="", sort=SortOrder.TITLE, keys=keys) == (
        "1 starred post · 1 unread (w shows all) · by title"
    )


def test_an_empty_view_says_why_with_the_current_keys() -> None:
    keys = KeyNames(refresh="F5", unread_only="x")
    base = {"stored": 3, "view": View.ALL, "query": "", "loading": False, "keys": keys}
    assert empty_view_text(**{**base, "stored": 0, "loading": True}) == "Loading the feed…"  # type: ignore[arg-type]
    assert empty_view_text(**{**base, "stored": 0}) == "No posts yet. Press F5 to fetch the feed."  # type: ignore[arg-type]
    assert empty_view_text(**{**base, "view": View.UNREAD}) == (  # type: ignore[arg-type]
        "No unread posts. Press x to show all posts."
    )
    assert empty_view_text(**{**base, "query": "zz"}) == (  # type: ignore[arg-type]
        "No post matches “zz”. Press esc to clear the search."
    )


def test_next_and_previous_unread_wrap_and_skip_the_current_post() -> None:
    posts = [post(0), post(1, read=True), post(2), post(3, read=True)]
    assert next_unread(posts, 0) == 2
    assert next_unread(posts, 2) == 0
    assert next_unread(posts, 2, step=-1) == 0
    assert next_unread(posts, 0, step=-1) == 2
    assert next_unread(posts, None) == 0
    assert next_unread([post(0), post(1, read=True)], 0) is None
    assert next_unread([], None) is None


def test_a_bulk_mark_read_says_how_many() -> None:
    assert MarkedRead(("a",)).message == "Marked 1 post read."
    assert MarkedRead(("a", "b")).message == "Marked 2 posts read."


def test_the_dwell_applies_to_unread_posts_unless_turned_off() -> None:
    assert dwell_applies(post(1), 1.5)
    assert not dwell_applies(post(1, read=True), 1.5)
    assert not dwell_applies(post(1), -1)
    assert not dwell_applies(None, 1.5)


def test_a_remap_that_clashes_with_the_whole_post_view_is_reported() -> None:
    from tui.keys import check_keymap

    usable, problems = check_keymap({"help": "h", "star": "x"})
    assert usable == {"star": "x"}
    assert problems == ["[keys] h is bound to both 'help' and 'scroll-left'; ignoring the remap"]
    # Moving scroll-left out of the way frees h.
    usable, problems = check_keymap({"help": "h", "scroll-left": "H"})
    assert usable == {"help": "h", "scroll-left": "H"}
    assert problems == []


def test_post_at_finds_the_post_of_a_page_whatever_its_fragment_or_spelling() -> None:
    posts = [post(1), post(2), post(3)]
    assert post_at(posts, "https://Example.com/2#the-middle") == posts[1]
    assert post_at(posts, "https://example.com/3/") == posts[2]
    assert post_at(posts, "https://example.com/4/") is None
