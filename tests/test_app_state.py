"""Read, star and filter state as the user changes it, and how it survives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from textual.binding import Binding
from textual.widgets import Static

from tests.builders import make_app, serve
from tests.conftest import FIXED_NOW
from tests.pilot import Reader
from tui import paths
from tui.feedstatus import auto_refresh_due
from tui.models import FeedInfo
from tui.screens.help import HelpScreen
from tui.screens.reader import ReaderScreen
from tui.settings import Settings, load_settings


async def test_m_toggles_read_and_s_toggles_star_and_both_survive_a_restart() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("m")
        await pilot.press("j", "s")
        posts = reader.post_list.posts
        assert posts[0].read and not posts[0].starred
        assert posts[1].starred and not posts[1].read
        assert reader.counts_text.endswith("62 unread")
    again = make_app(refresh_on_start=False)
    async with again.run_test(size=(120, 40)) as pilot:
        again_reader = Reader(again, pilot)
        await again_reader.settle()
        posts = again_reader.post_list.posts
        assert posts[0].read
        assert posts[1].starred
        await pilot.press("m")
        assert not again_reader.post_list.posts[0].read


async def test_looking_at_a_post_for_a_moment_marks_it_read() -> None:
    # A dwell long enough that three quick presses never sit on a row that long,
    # even on a loaded machine.
    app = make_app(settings=Settings(mark_read_after_seconds=0.8))
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("j")
        # the dwell is 0.8 s; a loaded machine may take longer
        await reader.wait_until(lambda: reader.post_list.posts[1].read)
        assert reader.post_list.posts[1].read
        # Rows merely passed over are left unread: their timers were stopped.
        await pilot.press("j", "j", "j")
        await pilot.pause(0.3)
        posts = reader.post_list.posts
        assert not posts[2].read and not posts[3].read


async def test_capital_u_shows_only_unread_posts_and_capital_s_only_starred() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("m", "j", "m")
        await pilot.press("U")
        assert len(reader.post_list.posts) == 61
        assert all(not p.read for p in reader.post_list.posts)
        await pilot.press("U")
        assert len(reader.post_list.posts) == 63
        await pilot.press("j", "s", "j", "s")
        await pilot.press("S")
        assert [p.starred for p in reader.post_list.posts] == [True, True]
        assert reader.counts_text == "2 starred posts · 2 unread (S shows all)"
        await pilot.press("S")
        assert len(reader.post_list.posts) == 63


async def test_a_304_says_up_to_date_and_keeps_everything(seed_bytes: bytes) -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if request.headers.get("if-none-match") == '"v1"':
            return httpx.Response(304)
        return httpx.Response(200, content=seed_bytes, headers={"etag": '"v1"'})

    app = make_app(serve(handler))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("r")
        await reader.settle()
        assert [c.headers.get("if-none-match") for c in calls] == [None, '"v1"']
        assert ("information", "Feed refreshed", "Up to date.") in [
            (n.severity, n.title, n.message) for n in reader.notices()
        ]
        assert len(reader.post_list.posts) == 63
        assert app.sub_title.startswith("fetched")


async def test_a_damaged_cache_is_moved_aside_with_a_notice_and_the_posts_come_back() -> None:
    cache = paths.cache_db_path()
    cache.parent.mkdir(parents=True)
    cache.write_bytes(b"this is not a database" * 100)
    app = make_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        storage = [n.message for n in reader.notices() if n.title == "Storage"]
        assert len(storage) == 1
        assert ".corrupt-" in storage[0]
        assert len(reader.post_list.posts) == 63
    assert list(cache.parent.glob("posts.sqlite3.corrupt-*"))


async def test_a_chosen_theme_is_saved_for_next_time() -> None:
    app = make_app(refresh_on_start=False)
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        app.theme = "nord"
        await pilot.pause()
    assert load_settings().theme == "nord"


def test_auto_refresh_waits_for_the_interval_and_the_publisher() -> None:
    never = FeedInfo(url="u", title="t")
    assert auto_refresh_due(None, FIXED_NOW, 30)
    assert auto_refresh_due(never, FIXED_NOW, 30)
    recent = FeedInfo(url="u", title="t", last_attempt=FIXED_NOW - timedelta(minutes=10))
    assert not auto_refresh_due(recent, FIXED_NOW, 30)
    old = FeedInfo(url="u", title="t", last_attempt=FIXED_NOW - timedelta(minutes=31))
    assert auto_refresh_due(old, FIXED_NOW, 30)
    # Cache-Control / Expires / <ttl> put the next fetch later still.
    held = FeedInfo(
        url="u",
        title="t",
        last_attempt=FIXED_NOW - timedelta(hours=2),
        not_before=FIXED_NOW + timedelta(minutes=5),
    )
    assert not auto_refresh_due(held, FIXED_NOW, 30)


async def test_the_auto_refresh_check_fetches_only_when_due(seed_bytes: bytes) -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, content=seed_bytes, headers={"cache-control": "max-age=3600"})

    app = make_app(serve(handler))
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        assert len(calls) == 1
        reader.screen.maybe_auto_refresh()
        await reader.settle()
        assert len(calls) == 1  # just fetched, and the server asked for an hour
        # fresh_until comes from the real clock of the fetch.
        clock = [datetime.now(UTC) + timedelta(hours=2)]
        app.services.clock = lambda: clock[0]
        reader.screen.maybe_auto_refresh()
        await reader.settle()
        assert len(calls) == 2


async def test_slash_filters_the_list_as_you_type_and_escape_clears_it() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("slash")
        assert reader.search_bar.has_focus
        await pilot.press(*"grpc stream")
        titles = [p.title for p in reader.post_list.posts]
        assert titles, "something matches"
        assert all(
            "grpc" in t.lower() or "grpc" in p.summary.lower()
            for t, p in zip(titles, reader.post_list.posts, strict=True)
        )
        assert len(titles) < 63
        # g, r and s went into the box: no jump, no refresh, no star.
        assert not any(p.starred for p in reader.post_list.posts)
        await pilot.press("enter")
        assert reader.post_list.has_focus
        assert len(reader.post_list.posts) == len(titles)
        await pilot.press("j")
        assert reader.post_list.highlighted == 1
        await pilot.press("slash", "escape")
        assert reader.post_list.has_focus
        assert len(reader.post_list.posts) == 63
        assert app.is_running


async def test_a_search_with_no_match_shows_an_empty_list_without_errors() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("slash", *"zzzz-nothing", "enter")
        assert reader.post_list.posts == []
        await pilot.press("j", "o", "y", "m", "s")
        assert app.is_running


async def test_n_jumps_to_the_next_unread_post_and_wraps() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("j", "m", "j", "m", "g")  # posts 1 and 2 read, cursor on 0
        await pilot.press("n")
        assert reader.post_list.highlighted == 3
        await pilot.press("G", "n")
        assert reader.post_list.highlighted == 0


async def test_capital_a_marks_only_the_shown_posts_read() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("slash", *"grpc", "enter")
        shown = len(reader.post_list.posts)
        await pilot.press("A")
        assert all(p.read for p in reader.post_list.posts)
        await pilot.press("slash", "escape")
        assert sum(p.read for p in reader.post_list.posts) == shown < 63
        await pilot.press("n")
        assert reader.post_list.current_post is not None
        assert not reader.post_list.current_post.read


async def test_a_failed_write_is_reported_and_the_app_keeps_running(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sqlite3

    from tui.store import Store

    def disk_full(self: Store, *args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    app = make_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        monkeypatch.setattr(Store, "set_read", disk_full)
        monkeypatch.setattr(Store, "set_starred", disk_full)
        await pilot.press("m", "s", "A")
        errors = [n.message for n in reader.notices() if n.severity == "error"]
        assert len(errors) == 3
        assert all("disk is full" in message for message in errors)
        assert not reader.post_list.posts[0].read
        assert app.is_running


async def test_an_empty_view_says_why() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404)

    app = make_app(serve(down), feed_url="https://example.com/feed.xml")
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        title = reader.detail.query_one("#detail-title", Static)
        assert "Loading" in str(title.content)
        await reader.settle()
        assert str(title.content) == (
            "This feed could not be fetched: example.com: HTTP error 404 Not Found. "
            "Press r to try again."
        )
    seeded = make_app()
    async with seeded.run_test(size=(120, 40)) as pilot:
        seeded_reader = Reader(seeded, pilot)
        await seeded_reader.settle()
        await pilot.press("slash", *"no such words", "enter")
        title = seeded_reader.detail.query_one("#detail-title", Static)
        assert str(title.content) == (
            "No post matches “no such words”. Press esc to clear the search."
        )
        await pilot.press("slash", "escape", "A", "U")
        assert str(title.content) == "No unread posts. Press U to show all posts."
        await pilot.press("U", "S")
        assert str(title.content) == "No starred posts. Press S to show all posts."


async def test_the_post_shown_at_launch_counts_as_read_after_the_dwell() -> None:
    app = make_app(settings=Settings(mark_read_after_seconds=0.1))
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        # the dwell is 0.1 s; a loaded machine may take longer
        await reader.wait_until(lambda: reader.post_list.posts[0].read)
        assert reader.post_list.posts[0].read
        assert not any(p.read for p in reader.post_list.posts[1:])


async def test_tab_moves_focus_at_once_so_the_next_key_goes_to_the_new_pane() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()

        # Keys go to screen.focused: it must change now, not after a message.
        def focused() -> object:
            return app.screen.focused

        reader.screen.action_switch_pane()
        assert focused() is reader.detail
        reader.screen.action_switch_pane()
        assert focused() is reader.post_list


async def test_a_slow_refresh_is_not_restarted_by_the_auto_refresh_check() -> None:
    import threading

    arrived: list[httpx.Request] = []
    release = threading.Event()

    def slow(request: httpx.Request) -> httpx.Response:
        arrived.append(request)
        release.wait(30)
        return httpx.Response(304)

    app = make_app(serve(slow))
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            reader = Reader(app, pilot)
            while not arrived:
                await pilot.pause(0.02)
            app.services.clock = lambda: datetime.now(UTC) + timedelta(days=1)
            reader.screen.maybe_auto_refresh()
            await pilot.pause(0.2)
            assert len(arrived) == 1
            assert len([w for w in app.workers if w.group == "refresh"]) == 1
    finally:
        release.set()


async def test_a_malformed_http_link_is_refused_with_the_right_reason() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        app.open_link("http://example.com/$(touch /tmp/x)")
        await pilot.pause()
        (refusal,) = [n.message for n in reader.notices() if n.title == "Link refused"]
        assert refusal.startswith("Not opening a malformed link")


async def test_keys_typed_right_after_slash_all_go_to_the_search_box() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        reader.screen.action_search()
        # Keys go to screen.focused: the box must have it before any await.
        assert app.screen.focused is reader.search_bar


async def test_slash_inside_the_search_box_is_just_a_character() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("slash", "a", "slash", "b", "question_mark")
        assert reader.search_bar.value == "a/b?"


async def test_focus_keys_are_priority_bindings_so_fast_typing_is_not_misrouted() -> None:
    # The App runs priority bindings before forwarding the next key; a widget's
    # binding would run only after later keys were already sent to the old focus.
    priority = {b.action for b in ReaderScreen.BINDINGS if isinstance(b, Binding) and b.priority}
    assert {"search", "switch_pane", "app.help", "confirm_search", "cancel_search"} == priority
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("question_mark", "tab", "slash")
        assert isinstance(app.screen, HelpScreen)  # a dialog keeps its keys


def test_the_header_says_when_the_feed_was_fetched_and_when_it_failed() -> None:
    from tui.feedstatus import fetch_label

    never = FeedInfo(url="u", title="t")
    assert fetch_label(None, FIXED_NOW, from_snapshot=True) == "built-in snapshot"
    assert fetch_label(never, FIXED_NOW, from_snapshot=False) == "not fetched yet"
    ok = FeedInfo(
        url="u",
        title="t",
        last_success=FIXED_NOW - timedelta(minutes=5),
        last_attempt=FIXED_NOW - timedelta(minutes=5),
    )
    assert fetch_label(ok, FIXED_NOW, from_snapshot=True) == "fetched 5 minutes ago"
    failed = FeedInfo(
        url="u",
        title="t",
        last_success=FIXED_NOW - timedelta(hours=3),
        last_attempt=FIXED_NOW - timedelta(minutes=1),
        last_error="boom",
    )
    assert fetch_label(failed, FIXED_NOW, from_snapshot=True) == (
        "fetched 3 hours ago · fetch failed 1 minute ago"
    )


async def test_marks_made_in_this_session_survive_a_search() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("j", "j", "s", "m")
        await pilot.press("slash", "x", "backspace", "escape")
        third = reader.post_list.posts[2]
        assert third.starred and third.read
        assert reader.counts_text.endswith("62 unread")
        await pilot.press("g", "n", "n")
        assert reader.post_list.highlighted == 3  # n skips the post just marked read


async def test_a_refresh_during_the_dwell_does_not_cancel_the_read_mark(
    seed_bytes: bytes,
) -> None:
    app = make_app(
        serve(lambda request: httpx.Response(200, content=seed_bytes)),
        settings=Settings(mark_read_after_seconds=0.4),
    )
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("j", "r")
        await reader.settle()
        await reader.wait_until(lambda: reader.post_list.posts[1].read)
        assert reader.post_list.posts[1].read


async def test_the_help_dialog_takes_the_keys_and_the_footer_under_it() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("question_mark", "s", "m", "u")
        assert isinstance(app.screen, HelpScreen)
        assert not reader.post_list.posts[0].starred
        assert reader.screen.check_action("toggle_star", ()) is False
        assert app.check_action("quit", ()) is True  # ctrl+q works from anywhere
        await pilot.press("q")
        assert not isinstance(app.screen, HelpScreen)
        assert app.is_running


async def test_typing_a_search_marks_nothing_read() -> None:
    app = make_app(settings=Settings(mark_read_after_seconds=0.1))
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        # the post shown at start-up is read after the dwell
        await reader.wait_until(lambda: reader.post_list.posts[0].read)
        await pilot.press("j")  # the second post: unread, and left at once
        await pilot.press("slash", *"temporal")
        # The matches pass through the post pane while the reader types.
        await pilot.pause(0.5)
        assert [p.read for p in reader.post_list.posts] == [False]
        # Back in the list, on the second post: reading it again counts.
        await pilot.press("escape")
        await reader.wait_until(lambda: reader.post_list.posts[1].read)
        assert [p.read for p in reader.post_list.posts[:3]] == [True, True, False]
        assert sum(p.read for p in reader.post_list.posts) == 2


async def test_clearing_a_search_with_no_match_returns_to_the_same_post() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("j", "j", "j")
        here = reader.post_list.current_post
        await pilot.press("slash", *"no such thing")
        assert reader.post_list.posts == []
        await pilot.press("escape")
        assert reader.post_list.current_post == here


async def test_slash_again_refines_the_search_instead_of_replacing_it() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("slash", *"grpc", "enter", "slash", *" stream")
        assert reader.search_bar.value == "grpc stream"


async def test_the_unread_view_counts_what_is_still_unread() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("U", "m")  # the row stays until the next reload
        assert len(reader.post_list.posts) == 63
        assert reader.counts_text == "62 unread (U shows all)"


async def test_posts_from_an_older_converter_are_brought_up_to_date_in_the_background(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sqlite3
    from contextlib import closing

    import tui.htmltext

    first = make_app(refresh_on_start=False)
    async with first.run_test(size=(120, 40)) as pilot:
        await Reader(first, pilot).settle()
    with closing(sqlite3.connect(paths.cache_db_path())) as conn:
        conn.execute("UPDATE posts SET summary = 'what an old converter made'")
        conn.commit()
    monkeypatch.setattr(tui.htmltext, "CONVERTER_VERSION", tui.htmltext.CONVERTER_VERSION + 1)
    again = make_app(refresh_on_start=False)
    async with again.run_test(size=(120, 40)) as pilot:
        reader = Reader(again, pilot)
        await reader.settle()
        assert reader.detail.post is not None
        assert all(p.summary != "what an old converter made" for p in reader.posts)
        assert reader.detail.post.summary.startswith("JWT vs session cookies")


async def test_a_star_survives_deleting_the_cache_and_the_feed_dropping_the_post() -> None:
    from tests.builders import numbered_item, rss

    feed_url = "https://example.com/feed.xml"
    app = make_app(serve(rss([numbered_item(n) for n in (1, 2, 3)])), feed_url=feed_url)
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("j", "s")  # star "Post 2"
        assert [p.title for p in reader.posts if p.starred] == ["Post 2"]
    for path in [paths.cache_db_path(), *paths.cache_db_path().parent.glob("*-wal")]:
        path.unlink()
    # Next morning the feed has moved on: Post 2 is no longer in it.
    moved_on = serve(rss([numbered_item(n) for n in (3, 4)]))
    again = make_app(moved_on, feed_url=feed_url)
    async with again.run_test(size=(120, 40)) as pilot:
        reader = Reader(again, pilot)
        await reader.settle()
        assert [p.title for p in reader.posts] == ["Post 4", "Post 3", "Post 2"]
        await pilot.press("S")
        await reader.settle()
        assert [(p.title, p.starred) for p in reader.posts] == [("Post 2", True)]
        assert reader.detail_text() == "Post 2"
