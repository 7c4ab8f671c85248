"""The sidebar's rules without a terminal: order, folders, counts, failures, empty reasons."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tui.feedlist import (
    FeedRef,
    RowKind,
    empty_feed_text,
    failing_feeds,
    failing_line,
    feed_column,
    short_address,
    sidebar_rows,
)
from tui.models import FeedInfo

NOW = datetime(2026, 5, 5, 12, 0, tzinfo=UTC)


def _failed(url: str, error: str = "server said 500") -> FeedInfo:
    return FeedInfo(url=url, title="", last_attempt=NOW - timedelta(minutes=5), last_error=error)


def test_rows_keep_subscription_order_with_loose_feeds_before_folders() -> None:
    feeds = [
        FeedRef("https://a/1", "A", "Tech"),
        FeedRef("https://b/2", "B"),
        FeedRef("https://c/3", "C", "Tech"),
        FeedRef("https://d/4", "D", "News"),
    ]
    rows = sidebar_rows(feeds, {}, {"https://a/1": 2, "https://c/3": 1, "https://b/2": 4})
    assert [(r.kind, r.label, r.unread) for r in rows] == [
        (RowKind.ALL, "All feeds", 7),
        (RowKind.FEED, "B", 4),
        (RowKind.FOLDER, "Tech", 3),
        (RowKind.FEED, "A", 2),
        (RowKind.FEED, "C", 1),
        (RowKind.FOLDER, "News", 0),
        (RowKind.FEED, "D", 0),
    ]


def test_a_feed_with_no_title_anywhere_is_named_by_its_address() -> None:
    assert short_address("https://example.com/blog/feed.xml") == "example.com/blog/feed.xml"
    assert short_address("https://example.com/") == "example.com"
    assert short_address("file:///home/me/feeds/local.xml") == "local.xml"


def test_a_feed_is_named_by_the_user_then_the_feed_then_its_address() -> None:
    infos = {"https://x.example/feed": FeedInfo(url="https://x.example/feed", title="X's blog")}
    rows = sidebar_rows(
        [FeedRef("https://x.example/feed"), FeedRef("https://y.example/rss"), FeedRef("u", "Mine")],
        infos,
        {},
    )
    # Host and path, so that two untitled feeds of one host never look alike.
    assert [r.label for r in rows[1:]] == ["X's blog", "y.example/rss", "Mine"]


def test_a_failure_marks_the_feed_and_its_folder_until_a_success_after_it() -> None:
    failed = _failed("https://a/1")
    recovered = FeedInfo(
        url="https://b/2",
        title="",
        last_attempt=NOW - timedelta(minutes=9),
        last_error="old error",
        last_success=NOW - timedelta(minutes=1),
    )
    feeds = [FeedRef("https://a/1", folder="F"), FeedRef("https://b/2", folder="G")]
    rows = sidebar_rows(feeds, {"https://a/1": failed, "https://b/2": recovered}, {})
    assert [(r.label, r.failed) for r in rows] == [
        ("All feeds", False),
        ("F", True),
        ("a/1", True),
        ("G", False),
        ("b/2", False),
    ]
    failing = failing_feeds(feeds, {"https://a/1": failed, "https://b/2": recovered})
    assert [f.url for f in failing] == ["https://a/1"]
    assert failing_line(failing[0], NOW) == "server said 500 (5 minutes ago)"


def test_an_empty_feed_says_why() -> None:
    assert empty_feed_text(None, NOW) == "This feed has not been fetched yet."
    assert empty_feed_text(_failed("u", "no such host"), NOW) == (
        "This feed could not be fetched: no such host."
    )
    fetched = FeedInfo(url="u", title="", last_attempt=NOW, last_success=NOW)
    assert empty_feed_text(fetched, NOW) == "The feed had no posts when it was fetched just now."


def test_the_feed_column_is_as_wide_as_the_longest_name_up_to_its_cap() -> None:
    feeds = [FeedRef("https://a.example/feed", title="Go"), FeedRef("https://b.example/x")]
    infos = {"https://b.example/x": FeedInfo(url="https://b.example/x", title="Rust Blog")}
    column = feed_column(feeds, infos)
    assert column.width == len("Rust Blog")
    assert column.label("https://a.example/feed") == "Go".ljust(9)
    assert column.label("https://b.example/x") == "Rust Blog"
    long = feed_column([FeedRef("https://c.example/", title="The Very Long Engineering Blog")], {})
    assert long.width == 14
    assert long.label("https://c.example/") == "The Very Long…"


def test_the_feed_column_names_feeds_no_longer_followed_by_their_address() -> None:
    column = feed_column(
        [FeedRef("https://a.example/f", title="A")], {}, extra=["https://gone.example/rss"]
    )
    assert column.label("https://gone.example/rss") == "gone.example/…"
    assert column.label("https://a.example/f") == "A".ljust(14)
