"""SVG snapshots at fixed sizes. Update with ``pytest --snapshot-update`` and look at each SVG."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot

from tests.builders import make_app
from tests.pilot import Reader


async def _settle(pilot: Pilot[Any]) -> None:
    await Reader(pilot.app, pilot).settle(extra=0.2)  # type: ignore[arg-type]


def _then(*keys: str) -> Callable[[Pilot[Any]], Any]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await _settle(pilot)
        if keys:
            await pilot.press(*keys)
            await _settle(pilot)

    return run_before


def test_wide_reader_shows_list_and_post(snap_compare: Any) -> None:
    """120x40: posts on the left, the third post's detail on the right."""
    app = make_app(refresh_on_start=False)
    assert snap_compare(app, terminal_size=(120, 40), run_before=_then("j", "j"))


def test_narrow_reader_stacks_the_panes(snap_compare: Any) -> None:
    """80x24: the list on top, the post below."""
    app = make_app(refresh_on_start=False)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_then("j"))


def test_help_screen(snap_compare: Any) -> None:
    """120x40: ? lists every key."""
    app = make_app(refresh_on_start=False)
    assert snap_compare(app, terminal_size=(120, 40), run_before=_then("question_mark"))


def test_unread_read_starred_and_new_rows_look_different(snap_compare: Any) -> None:
    """120x40: read rows dim, unread bold with a dot, starred with a star."""
    app = make_app(refresh_on_start=False)
    assert snap_compare(
        app, terminal_size=(120, 40), run_before=_then("m", "j", "s", "j", "m", "s", "j")
    )


def test_the_palette_lists_actions_with_their_keys(snap_compare: Any) -> None:
    """100x30: ctrl+p, "sta": actions by name with the key bound now."""
    app = make_app(refresh_on_start=False)
    assert snap_compare(app, terminal_size=(100, 30), run_before=_then("ctrl+p", "s", "t", "a"))


def test_the_zoomed_post(snap_compare: Any) -> None:
    """80x24: z gives the post pane the whole screen."""
    app = make_app(refresh_on_start=False)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_then("z"))


def test_a_search_narrows_the_list_and_highlights_the_matches(snap_compare: Any) -> None:
    """120x40: /grpc, kept with enter: matching posts with "grpc" highlighted."""
    app = make_app(refresh_on_start=False)
    assert snap_compare(
        app, terminal_size=(120, 40), run_before=_then("slash", "g", "r", "p", "c", "enter")
    )


def _article(*keys: str) -> Callable[[Pilot[Any]], Any]:
    """enter, then wait for the article to be laid out, then ``keys``."""

    async def run_before(pilot: Pilot[Any]) -> None:
        from tests.test_reader_articles import wait_for_article

        await _settle(pilot)
        await pilot.press("enter")
        await wait_for_article(Reader(pilot.app, pilot))  # type: ignore[arg-type]
        if keys:
            await pilot.press(*keys)
            await _settle(pilot)

    return run_before


def test_a_whole_article_with_code_at_120x40(snap_compare: Any) -> None:
    from tests.test_reader_articles import page_server

    app = make_app(page_server())
    assert snap_compare(app, terminal_size=(120, 40), run_before=_article("pagedown"))


def test_a_whole_article_with_code_at_80x24(snap_compare: Any) -> None:
    from tests.test_reader_articles import page_server

    app = make_app(page_server())
    assert snap_compare(app, terminal_size=(80, 24), run_before=_article("pagedown"))


def test_a_zoomed_article(snap_compare: Any) -> None:
    from tests.test_reader_articles import page_server

    app = make_app(page_server())
    assert snap_compare(app, terminal_size=(100, 30), run_before=_article("z", "pagedown"))


def test_the_table_of_contents(snap_compare: Any) -> None:
    from tests.test_reader_articles import page_server

    app = make_app(page_server())
    assert snap_compare(app, terminal_size=(100, 30), run_before=_article("t"))


def test_the_feeds_sidebar_with_folders_counts_and_a_failing_feed(snap_compare: Any) -> None:
    """120x40: All feeds first, a folder with its feeds, ! on the one that failed."""
    from tests.test_feeds_sidebar import FEEDS, many_feeds

    app = make_app(many_feeds(), feeds=FEEDS)
    assert snap_compare(app, terminal_size=(120, 40), run_before=_then("j"))


def test_the_feeds_sidebar_stacked_at_80x24(snap_compare: Any) -> None:
    """80x24: hidden until b, then above the list, the post below."""
    from tests.test_feeds_sidebar import FEEDS, many_feeds

    app = make_app(many_feeds(), feeds=FEEDS)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_then("b"))


def test_the_failing_feeds_view(snap_compare: Any) -> None:
    """100x30: E lists each failing feed with its URL, error and when."""
    from tests.test_feeds_sidebar import FEEDS, many_feeds

    app = make_app(many_feeds(), feeds=FEEDS)
    assert snap_compare(app, terminal_size=(100, 30), run_before=_then("E"))
