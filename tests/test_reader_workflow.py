"""The daily workflow on the reader screen: views, undo, unread jumps, zoom, split."""

from __future__ import annotations

import pytest

from tests.builders import RecordingBrowser, make_app
from tests.pilot import Reader
from tui.settings import Settings


async def test_capital_a_can_be_undone_with_ctrl_z() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("m")  # one read before: undo must leave it read
        await pilot.press("A")
        assert all(p.read for p in reader.posts)
        assert "Marked 62 posts read. ctrl+z undoes it." in reader.notice_messages()
        await pilot.press("ctrl+z")
        assert [p.read for p in reader.posts].count(True) == 1
        assert reader.posts[0].read
        assert "Undone: 62 posts unread again." in reader.notice_messages()
        await pilot.press("ctrl+z")
        assert "Nothing to undo." in reader.notice_messages()
    # The undo is stored, not only drawn.
    again = make_app(refresh_on_start=False)
    async with again.run_test(size=(120, 40)) as pilot:
        again_reader = Reader(again, pilot)
        await again_reader.settle()
        assert [p.read for p in again_reader.posts].count(True) == 1


async def test_counts_say_one_post_not_one_posts() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("slash", *"temporal", "enter")
        assert reader.counts_text == "1 post · 1 unread · matching “temporal” (esc clears)"
        await pilot.press("A")
        assert "Marked 1 post read. ctrl+z undoes it." in reader.notice_messages()


async def test_p_jumps_to_the_previous_unread_post_and_wraps() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("j", "m", "j", "m")  # posts 1 and 2 read, cursor on 2
        await pilot.press("p")
        assert reader.post_list.highlighted == 0
        await pilot.press("p")
        assert reader.post_list.highlighted == 62


async def test_a_post_reached_by_n_counts_as_read_after_the_dwell() -> None:
    app = make_app(settings=Settings(mark_read_after_seconds=0.1))
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("n")
        target = reader.post_list.highlighted
        assert target == 1
        await reader.wait_until(lambda: reader.posts[1].read)
        assert reader.posts[1].read


async def test_a_browser_that_fails_to_start_leaves_the_post_unread() -> None:
    browser = RecordingBrowser(works=False)
    app = make_app(browser=browser)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("o")
        await reader.settle()
        assert browser.opened == [reader.posts[0].link]
        assert not reader.posts[0].read
        assert reader.notice_messages(title="Link copied")


async def test_no_browser_at_all_copies_the_link_and_leaves_the_post_unread() -> None:
    app = make_app()
    app.services.browser_finder = lambda: None
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("o")
        await reader.settle()
        assert app.clipboard == reader.posts[0].link
        assert not reader.posts[0].read


async def test_esc_in_the_list_clears_a_kept_search() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("slash", *"grpc", "enter")
        assert reader.has_focus(reader.post_list)
        kept = len(reader.posts)
        assert 0 < kept < 63
        await pilot.press("escape")
        assert len(reader.posts) == 63
        assert not reader.search_bar.display


async def test_z_zooms_the_post_pane_and_back() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("z")
        await pilot.pause()
        assert not reader.post_list.display or reader.post_list.region.width == 0
        assert reader.has_focus(reader.detail)
        assert reader.detail.region.width >= 118
        await pilot.press("j", "j")  # scrolls the post, not the list
        assert reader.post_list.highlighted == 0
        await pilot.press("z")
        await pilot.pause()
        assert reader.post_list.region.width > 0
        assert reader.has_focus(reader.post_list)


async def test_leaving_zoom_goes_back_to_the_pane_zoomed_from() -> None:
    # QA: zoomed from the post, unzooming put the focus in the list, and the next
    # j moved the list and replaced the post being read.
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("tab", "z")
        await pilot.pause()
        assert reader.has_focus(reader.detail)
        await pilot.press("z")
        await pilot.pause()
        assert reader.post_list.region.width > 0
        assert reader.has_focus(reader.detail)
        await pilot.press("j")
        assert reader.post_list.highlighted == 0


async def test_greater_and_less_than_resize_the_list() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        before = reader.post_list.region.width
        await pilot.press("greater_than_sign", "greater_than_sign")
        await pilot.pause()
        wider = reader.post_list.region.width
        assert wider == before + 12  # 2 x 5% of 120 columns
        for _ in range(20):
            await pilot.press("less_than_sign")
        await pilot.pause()
        assert reader.post_list.region.width == 24  # never below 20%
        await pilot.resize_terminal(80, 24)  # stacked: the same share of the height
        await pilot.pause()
        assert reader.post_list.region.width == 80


async def test_the_status_line_keeps_the_unread_count() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        assert reader.counts_text == "63 posts · 63 unread"
        await pilot.press("m")
        assert reader.counts_text == "63 posts · 62 unread"


def test_unread_rows_differ_without_colour_by_a_dot_and_bold() -> None:
    from tests.test_reading import post
    from tui.widgets.post_list import row_content

    unread, read = row_content(post(1)), row_content(post(2, read=True))
    assert str(unread).startswith("●") and not str(read).startswith("●")
    bold_spans = [span for span in unread.spans if "bold" in str(span.style)]
    assert any(str(unread)[s.start : s.end] == "Post 1" for s in bold_spans)
    assert not any("bold" in str(span.style) for span in read.spans)


async def test_no_color_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        assert app.no_color
        assert len(reader.posts) == 63


@pytest.mark.parametrize("size", [(120, 40), (80, 24), (40, 12)])
async def test_a_toast_never_covers_the_status_line_or_most_of_the_screen(
    size: tuple[int, int],
) -> None:
    app = make_app()  # offline: the start-up refresh fails with a two-line notice
    async with app.run_test(size=size, notifications=True) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        from textual.widgets._toast import Toast

        toasts = list(app.screen.query(Toast))
        assert toasts
        status = reader.status.region
        for toast in toasts:
            assert not toast.region.overlaps(status), (toast.region, status)
        rack = app.screen.query_one("ToastRack").region
        assert rack.height <= size[1] // 2


async def test_the_header_keeps_title_and_state_readable_at_80_columns() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        assert app.sub_title == "built-in snapshot · fetch failed just now"
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert app.title == "Backend on Manvendra Rajpoot"
        assert app.sub_title == "snapshot · failed just now"
        assert reader.screen.query_one("Footer").compact  # type: ignore[attr-defined]
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert app.sub_title == "built-in snapshot · fetch failed just now"
        assert not reader.screen.query_one("Footer").compact  # type: ignore[attr-defined]


def test_a_cut_description_points_at_the_key_bound_to_open_now() -> None:
    from dataclasses import replace

    from tests.test_reading import post
    from tui.widgets.post_detail import body_markdown

    cut = replace(post(1), summary="The start of it.", summary_truncated=True)
    assert body_markdown(cut, open_key="w").endswith(
        "*… the feed's description goes on; press `w` to read the whole post.*"
    )
    assert "press" not in body_markdown(replace(cut, summary_truncated=False), open_key="w")


@pytest.mark.parametrize("size", [(120, 40), (60, 16)])
async def test_a_notice_waits_until_the_dialog_on_screen_is_closed(
    size: tuple[int, int],
) -> None:
    # QA: a refresh finishing while "Rename this feed" was open put its notice
    # over the question and the text being typed.
    from textual.widgets._toast import Toast

    from tui.screens.ask import AskScreen
    from tui.screens.confirm import ConfirmScreen

    app = make_app()
    async with app.run_test(size=size, notifications=True) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        app.clear_notifications()
        dialogs: list[AskScreen | ConfirmScreen] = [
            AskScreen("Rename", "A new title for the feed:", value="Backend"),
            ConfirmScreen("Unsubscribe", "Stop following this feed?"),
        ]
        for n, dialog in enumerate(dialogs):
            app.push_screen(dialog)
            await reader.settle()
            app.notify(f"Feeds refreshed ({n}).", timeout=0.5)
            await reader.settle(extra=0.6)  # longer than the notice's own time on screen
            assert not app.screen.query(Toast), "a notice drawn over the question"
            await pilot.press("escape")
            await reader.settle(extra=0)
            assert app.screen is reader.screen
            assert reader.notice_messages() == [f"Feeds refreshed ({n})."]
            shown = [str(toast._notification.message) for toast in app.screen.query(Toast)]
            assert shown == [f"Feeds refreshed ({n})."]
            app.clear_notifications()
        # The help too (and every other dialog): read in peace, told after.
        await pilot.press("question_mark")
        await reader.settle()
        app.notify("Feeds refreshed (help).", timeout=0.5)
        await reader.settle(extra=0.6)
        assert not app.screen.query(Toast)
        await pilot.press("escape")
        await reader.settle(extra=0)
        assert reader.notice_messages() == ["Feeds refreshed (help)."]


@pytest.mark.parametrize("size", [(120, 40), (80, 24), (40, 12)])
async def test_the_newest_notice_is_always_in_view(size: tuple[int, int]) -> None:
    # Textual shows toasts from the oldest down and cuts the rest: after a burst of
    # notices (a refresh of many feeds, a few keys) the newest was laid out off screen.
    from textual.widgets._toast import Toast

    app = make_app()
    async with app.run_test(size=size, notifications=True) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        for n in range(6):
            app.notify(f"Notice {n}, with a second line\\nthat says more.", timeout=30)
            await pilot.pause()
        await reader.settle()
        toasts = list(app.screen.query(Toast))
        newest = next(t for t in toasts if str(t._notification.message).startswith("Notice 5"))
        region = newest.region
        assert app.screen.get_widget_at(region.x + 2, region.y)[0] is newest
        assert app.screen.get_widget_at(region.x + 2, region.bottom - 1)[0] is newest
        assert not newest.region.overlaps(reader.status.region)
