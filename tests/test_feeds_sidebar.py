"""Many feeds in one reader: the sidebar, "All feeds", per-feed errors and the E view."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import httpx
import pytest

from tests.builders import Item, make_app, numbered_item, rss
from tests.pilot import Reader
from tui.feedlist import FeedRef

GO = "https://go.example/feed.xml"
RUST = "https://rust.example/index.xml"
DEAD = "https://dead.example/feed.xml"


def _go_feed() -> bytes:
    return rss([numbered_item(n) for n in (1, 2, 3)], title="Go notes")


def _rust_feed() -> bytes:
    items = [
        Item(
            title=f"Rust {n}",
            link=f"https://rust.example/posts/{n}/",
            description=f"Rust body {n}.",
            pub_date=f"Tue, {n + 10:02d} May 2026 09:00:00 +0000",
        )
        for n in (1, 2)
    ]
    return rss(items, title="Rust weekly")


def many_feeds() -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        if url == GO:
            return httpx.Response(200, content=_go_feed())
        if url == RUST:
            return httpx.Response(200, content=_rust_feed())
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    return httpx.MockTransport(handler)


FEEDS = [
    FeedRef(GO),
    FeedRef(RUST, title="Rust", folder="Languages"),
    FeedRef(DEAD, title="Dead blog", folder="Languages"),
]


async def test_all_feeds_merges_every_subscription_newest_first() -> None:
    app = make_app(many_feeds(), feeds=FEEDS)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        assert reader.sidebar_shown
        titles = [p.title for p in reader.posts]
        assert titles == ["Rust 2", "Rust 1", "Post 3", "Post 2", "Post 1"]
        assert app.title == "All feeds"
        assert app.sub_title == "3 feeds · 1 failing (E)"


async def test_the_highlight_starts_on_the_newest_post_of_all_feeds() -> None:
    """Feeds arrive one by one; a reader who has not moved sees the merged top post."""
    app = make_app(many_feeds(), feeds=FEEDS)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        current = reader.post_list.current_post
        assert current is not None and current.title == "Rust 2"
        assert reader.detail_text() == "Rust 2"


async def test_a_post_the_reader_moved_to_stays_highlighted_while_other_feeds_arrive() -> None:
    rust_may_answer = threading.Event()
    go_only = many_feeds()

    def handler(request: httpx.Request) -> httpx.Response:
        if str(request.url) == RUST:
            rust_may_answer.wait(timeout=30)  # a hang guard, not a timing
        return go_only.handle_request(request)

    app = make_app(httpx.MockTransport(handler), feeds=FEEDS)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        reader = Reader(app, pilot)
        await reader.wait_until(lambda: len(reader.posts) == 3)
        assert [p.title for p in reader.posts] == ["Post 3", "Post 2", "Post 1"]
        await pilot.press("j")
        rust_may_answer.set()
        await reader.settle()
        assert [p.title for p in reader.posts][:2] == ["Rust 2", "Rust 1"]
        current = reader.post_list.current_post
        assert current is not None and current.title == "Post 2"


async def test_sidebar_lists_folders_with_unread_counts_and_marks_the_failing_feed() -> None:
    app = make_app(many_feeds(), feeds=FEEDS)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        assert reader.sidebar_rows == [
            ("All feeds", 5, False),
            ("Go notes", 3, False),
            ("Languages", 2, True),
            ("Rust", 2, False),
            ("Dead blog", 0, True),
        ]
        # Reading one post lowers its feed's, its folder's and the total count.
        await reader.choose_feed("Rust")
        assert [p.title for p in reader.posts] == ["Rust 2", "Rust 1"]
        await pilot.press("m")
        await reader.settle()
        assert reader.sidebar_rows[:4] == [
            ("All feeds", 4, False),
            ("Go notes", 3, False),
            ("Languages", 1, True),
            ("Rust", 1, False),
        ]


async def test_rows_of_several_feeds_name_their_feed_in_a_column() -> None:
    app = make_app(many_feeds(), feeds=FEEDS)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        # As wide as the longest name of the feeds listed ("Go notes", the feed's own).
        assert reader.row_texts() == [
            "●  2026-05-12  Rust      Rust 2",
            "●  2026-05-11  Rust      Rust 1",
            "●  2026-05-04  Go notes  Post 3",
            "●  2026-05-03  Go notes  Post 2",
            "●  2026-05-02  Go notes  Post 1",
        ]
        # One feed's posts need no column.
        await reader.choose_feed("Rust")
        assert reader.row_texts()[0].endswith("2026-05-12  Rust 2")


async def test_the_feed_column_leaves_a_narrow_list_room_for_the_titles() -> None:
    feeds = [FeedRef(GO), FeedRef(RUST, title="Rust, the language, weekly")]
    app = make_app(many_feeds(), feeds=feeds)
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        column = reader.post_list.feed_column
        assert column is not None
        room = reader.post_list.scrollable_content_region.width - 15
        assert column.width == max(6, room // 4) < 14
        assert reader.row_texts()[0].endswith(
            f"{'Rust, the language, weekly'[: column.width - 1]}…  Rust 2"
        )
        # Stacked at 80 columns the list has the whole width: the name up to the cap.
        await pilot.resize_terminal(80, 24)
        await reader.settle()
        column = reader.post_list.feed_column
        assert column is not None and column.width == 14


async def test_choosing_a_folder_shows_its_feeds_only() -> None:
    app = make_app(many_feeds(), feeds=FEEDS)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await reader.choose_feed("Languages")
        assert [p.title for p in reader.posts] == ["Rust 2", "Rust 1"]
        assert app.title == "Languages"


async def test_a_failing_feed_keeps_its_error_on_the_status_line_and_says_why_it_is_empty() -> None:
    app = make_app(many_feeds(), feeds=FEEDS)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await reader.choose_feed("Dead blog")
        assert reader.posts == []
        assert reader.detail_text().startswith("This feed could not be fetched: ")
        assert "Refresh failed: " in reader.status_text
        assert "connection refused" in reader.status_text.lower()
        assert reader.counts_text in reader.status_text


async def test_capital_e_lists_every_failing_feed_with_its_error() -> None:
    app = make_app(many_feeds(), feeds=FEEDS)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("E")
        await pilot.pause()
        from tui.screens.feed_errors import FeedErrorsScreen

        assert isinstance(app.screen, FeedErrorsScreen)
        assert [f.url for f in app.screen.failing] == [DEAD]
        assert "connection refused" in app.screen.failing[0].error.lower()
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen_stack[-1] is reader.screen  # (not app.screen: mypy narrowed it)


async def test_one_refresh_notice_for_many_feeds_counts_the_failures() -> None:
    app = make_app(many_feeds(), feeds=FEEDS)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        assert "2 of 3 feeds refreshed, 5 new posts, 1 failed (E lists them)." in (
            reader.notice_messages(title="Feeds refreshed")
        )


async def test_a_refresh_where_every_feed_failed_is_titled_so() -> None:
    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    app = make_app(httpx.MockTransport(refused), feeds=FEEDS)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        assert reader.notice_messages(title="Refresh failed") == [
            "0 of 3 feeds refreshed, 3 failed (E lists them)."
        ]
        assert not reader.notice_messages(title="Feeds refreshed")


async def test_b_toggles_the_sidebar_and_tab_walks_through_it() -> None:
    app = make_app(many_feeds(), feeds=FEEDS)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        assert reader.has_focus(reader.post_list)
        await pilot.press("tab")
        assert reader.has_focus(reader.screen.post_pane)
        await pilot.press("tab")
        assert reader.has_focus(reader.screen.sidebar)
        await pilot.press("tab")
        assert reader.has_focus(reader.post_list)
        await pilot.press("b")
        assert not reader.sidebar_shown
        await pilot.press("b")
        assert reader.sidebar_shown
        assert reader.focused is reader.screen.sidebar


async def test_one_feed_keeps_the_sidebar_hidden_until_b() -> None:
    app = make_app(refresh_on_start=False)
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        assert not reader.sidebar_shown
        await pilot.press("b")
        assert reader.sidebar_shown
        assert reader.sidebar_rows[0][0] == "All feeds"
        assert reader.sidebar_rows[1][0] == "Backend on Manvendra Rajpoot"


async def test_the_sidebar_follows_the_width_until_b_decides() -> None:
    # QA: started at 120 columns and narrowed to 80x24, the stacked sidebar left
    # the post pane four rows.
    app = make_app(many_feeds(), feeds=FEEDS)
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        assert reader.sidebar_shown
        await pilot.resize_terminal(80, 24)
        await reader.settle()
        assert not reader.sidebar_shown
        assert reader.detail.region.height > 8
        await pilot.resize_terminal(120, 40)
        await reader.settle()
        assert reader.sidebar_shown
        # Once b has spoken, a resize leaves the sidebar as it is.
        await pilot.press("b")
        await pilot.resize_terminal(80, 24)
        await pilot.resize_terminal(130, 40)
        await reader.settle()
        assert not reader.sidebar_shown


async def test_other_feeds_show_their_categories_and_no_section() -> None:
    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Go notes</title>'
        b"<item><title>Generics</title><link>https://go.example/posts/lang/generics/</link>"
        b"<category>language</category><category>[b]types[/b]</category>"
        b"<pubDate>Tue, 05 May 2026 09:00:00 +0000</pubDate></item></channel></rss>"
    )
    app = make_app(
        httpx.MockTransport(lambda request: httpx.Response(200, content=body)), feed_url=GO
    )
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        assert reader.meta("Tags") == "language · [b]types[/b]"  # text, never markup
        assert reader.meta("Section") == ""  # /posts/lang/ means nothing off the blog


async def test_the_blogs_own_posts_show_their_section() -> None:
    app = make_app(refresh_on_start=False)
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        assert reader.meta("Section") == "backend"


async def test_a_long_feed_title_is_cut_so_its_count_and_mark_still_show() -> None:
    long_title = "A very long feed title that never ends in a narrow sidebar"
    feeds = [FeedRef(GO, title=long_title), FeedRef(RUST), FeedRef(DEAD, title=long_title * 2)]
    app = make_app(many_feeds(), feeds=feeds)
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        sidebar = reader.screen.sidebar
        shown = [str(sidebar.get_option_at_index(i).prompt) for i in range(sidebar.option_count)]
        go_row = next(row for row in shown if row.lstrip(" ▸").startswith("A very"))
        dead_row = [row for row in shown if row.lstrip(" ▸").startswith("A very")][1]
        assert go_row.endswith("… 3")
        assert dead_row.endswith("… !")
        assert all(len(row) <= sidebar.scrollable_content_region.width for row in shown)


async def test_the_automatic_refresh_fetches_only_the_feeds_that_are_due() -> None:
    from datetime import timedelta

    from tests.conftest import FIXED_NOW

    fetched: list[str] = []
    bodies = {GO: _go_feed(), RUST: _rust_feed()}

    def handler(request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        fetched.append(url)
        # Go asks for a day between fetches, Rust says nothing.
        headers = {"cache-control": "max-age=86400"} if url == GO else {}
        return httpx.Response(200, content=bodies[url], headers=headers)

    app = make_app(httpx.MockTransport(handler), feeds=[FeedRef(GO), FeedRef(RUST)])
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        assert sorted(fetched) == sorted([GO, RUST])
        fetched.clear()
        # An hour later (the interval is 30 minutes): Rust is due, Go asked for a day.
        later = datetime.now(UTC) + timedelta(hours=1)
        assert later > FIXED_NOW
        app.services.clock = lambda: later
        reader.screen.maybe_auto_refresh()
        await reader.settle()
        assert fetched == [RUST]


async def test_many_feeds_refresh_in_the_app_with_parsing_in_worker_processes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Under Textual, sys.stderr is a capture with no file descriptor: spawning the
    parse workers must still work (it once failed with "bad value(s) in fds_to_keep")."""
    import os

    from tui import parse_pool

    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    body = rss([numbered_item(n) for n in (1, 2)])
    feeds = [FeedRef(f"https://h{n}.example/feed.xml") for n in range(parse_pool.POOL_FROM_FEEDS)]
    app = make_app(
        httpx.MockTransport(lambda request: httpx.Response(200, content=body)), feeds=feeds
    )
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        assert len(reader.posts) == 2 * len(feeds)
        assert reader.notice_messages(title="Feeds refreshed") == [
            f"{len(feeds)} feeds refreshed, {2 * len(feeds)} new posts."
        ]
