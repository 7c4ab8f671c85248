"""Faults a QA pass in a real terminal found, each pinned by a test."""

from __future__ import annotations

from tests.builders import make_app
from tests.pilot import Reader
from tui import paths
from tui.screens.help import HelpScreen
from tui.settings import Settings, load_settings


async def test_question_mark_in_help_closes_it() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("question_mark")
        await reader.settle()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("question_mark")
        await reader.settle()
        assert not isinstance(app.screen, HelpScreen)
        assert len(app.screen_stack) == 1


async def test_many_settings_problems_make_one_toast() -> None:
    path = paths.config_path()
    path.parent.mkdir(parents=True)
    path.write_text('sort = "newst"\nlist_width = 5\nrefresh_minute = 3\n[keys]\nstaar = "x"\n')
    app = make_app(settings=load_settings(), refresh_on_start=False)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        (toast,) = reader.notice_messages(title="Settings")
        lines = toast.splitlines()
        assert len(lines) == 4
        assert lines[-1] == "… and 1 more: `rajpoot-tui config` lists them all."


async def test_esc_in_the_list_stays_on_the_post_reached_during_the_search() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("j", "j", "j")
        before = reader.post_list.current_post
        await pilot.press("slash", *"grpc", "enter", "j")
        reached = reader.post_list.current_post
        assert reached is not None and reached != before
        await pilot.press("escape")
        assert len(reader.posts) == 63
        assert reader.post_list.current_post == reached
        # esc in the box still cancels, back to where the search started.
        await pilot.press("slash", *"grpc", "escape")
        assert reader.post_list.current_post == reached


async def test_the_footer_offers_clear_search_only_while_there_is_one() -> None:
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        assert "Clear search" not in reader.footer_descriptions()
        await pilot.press("slash", *"grpc", "enter")
        await reader.settle()
        assert "Clear search" in reader.footer_descriptions()
        await pilot.press("escape")
        await reader.settle()
        assert "Clear search" not in reader.footer_descriptions()


async def test_undo_is_not_reverted_by_the_dwell_on_the_shown_post() -> None:
    # A dwell long enough that A comes first even on a loaded machine.
    app = make_app(settings=Settings(mark_read_after_seconds=1.0))
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("slash", *"temporal", "enter", "A")
        assert reader.posts[0].read
        await pilot.press("ctrl+z")
        assert not reader.posts[0].read
        await pilot.pause(1.5)  # past the dwell, still on the same post
        assert not reader.posts[0].read


async def test_leaving_zoom_keeps_the_list_where_it_was() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("G", "k", "k", "k")
        await reader.settle()
        top = reader.post_list.scroll_y
        assert top > 0
        await pilot.press("z")
        await reader.settle()
        await pilot.press("z")
        await reader.settle()
        assert reader.post_list.scroll_y == top


async def test_the_palette_offers_neither_textual_keys_panel_nor_maximize() -> None:
    from tests.test_palette import palette_rows

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("ctrl+p", *"show")
        rows = await palette_rows(reader)
        assert any(row.startswith("Show: all posts\nShow all posts") for row in rows), rows
        await pilot.press("escape")
        for query in ("keys", "maximize"):
            await pilot.press("ctrl+p", *query)
            rows = await palette_rows(reader)
            assert not any(row.split("\n")[0] in ("Keys", "Maximize") for row in rows), rows
            await pilot.press("escape")


async def test_going_to_a_hidden_post_from_the_palette_says_the_search_was_cleared() -> None:
    app = make_app()
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("slash", *"grpc", "enter")
        await pilot.press("ctrl+p", *"flask")
        await reader.settle()
        await pilot.press("enter")
        await reader.settle()
        current = reader.post_list.current_post
        assert current is not None and "Flask" in current.title
        assert "Cleared the search to show this post." in reader.notice_messages()
        assert "Clear search" not in reader.footer_descriptions()
        assert len(reader.posts) == 63


async def test_a_long_list_of_settings_problems_is_cut_to_fit_and_points_at_the_cli() -> None:
    path = paths.config_path()
    path.parent.mkdir(parents=True)
    path.write_text(
        'refresh_minutes = -3\ntimeout_seconds = "x"\nretention = 0\nlist_width = 99\n'
        'sort = "newst"\n[keys]\nstra = "x"\n'
    )
    app = make_app(settings=load_settings(), refresh_on_start=False)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        (toast,) = reader.notice_messages(title="Settings")
        lines = toast.splitlines()
        assert len(lines) == 4
        assert lines[-1] == "… and 3 more: `rajpoot-tui config` lists them all."


async def test_a_remapped_help_key_opens_and_closes_help_and_the_hint_says_so() -> None:
    path = paths.config_path()
    path.parent.mkdir(parents=True)
    path.write_text('[keys]\nhelp = "f1"\n')
    app = make_app(settings=load_settings(), refresh_on_start=False)
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("f1")
        await reader.settle()
        assert isinstance(app.screen, HelpScreen)
        assert app.screen.query_one("#help-box").border_subtitle == "esc / q / f1 to close"
        await pilot.press("f1")
        await reader.settle()
        assert not isinstance(app.screen, HelpScreen)


async def test_resizing_the_stacked_list_does_not_change_the_side_by_side_setting() -> None:
    app = make_app(settings=load_settings(), refresh_on_start=False)
    async with app.run_test(size=(80, 24)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        before = reader.post_list.region.height
        await pilot.press("greater_than_sign")
        await reader.settle(extra=0.8)
        assert reader.post_list.region.height > before
    assert "list_width = 50" not in paths.config_path().read_text()
    assert load_settings().list_width == 45


def test_config_reports_key_binding_mistakes_too(capsys: object) -> None:
    from tui.__main__ import main

    path = paths.config_path()
    path.parent.mkdir(parents=True)
    path.write_text('[keys]\nstra = "x"\n')
    assert main(["config"]) == 0
    err = capsys.readouterr().err  # type: ignore[attr-defined]
    assert "'stra' is not a key binding id; did you mean 'star'?" in err
