"""ctrl+p: every action by name with its key, posts by title, sorting, a safe screenshot."""

from __future__ import annotations

from pathlib import Path

from textual.command import CommandPalette

from tests.builders import Item, make_app, rss, serve
from tests.pilot import Reader
from tui import paths


async def palette_rows(reader: Reader) -> list[str]:
    await reader.settle()
    palette = reader.app.screen
    assert isinstance(palette, CommandPalette)
    from textual.widgets import OptionList

    options = palette.query_one("CommandList", OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def test_the_palette_lists_actions_with_their_current_keys_and_runs_them() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("ctrl+p", *"star")
        rows = await palette_rows(reader)
        assert any(row.startswith("Star\nkey: s") for row in rows), rows
        assert any(row.startswith("Starred only / all\nkey: S") for row in rows), rows
        await pilot.press("enter")
        await reader.settle()
        assert reader.posts[0].starred


async def test_the_palette_finds_posts_by_title_and_goes_there() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("ctrl+p", *"temporal")
        rows = await palette_rows(reader)
        post_rows = [row for row in rows if "\npost · " in row]
        assert post_rows and "Temporal" in post_rows[0]
        await pilot.press("enter")
        await reader.settle()
        current = reader.post_list.current_post
        assert current is not None and "Temporal" in current.title


async def test_titles_with_markup_are_shown_as_text_in_the_palette() -> None:
    titles = ["C# [/r/programming] tips", "[@click=app.quit]Click me", "List[int] in [b]bold"]
    items = [
        Item(title=t, link=f"https://example.com/{n}/", description="x")
        for n, t in enumerate(titles)
    ]
    app = make_app(serve(rss(items, raw_titles=True)), feed_url="https://example.com/feed.xml")
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        for query, title in (("programming", titles[0]), ("click", titles[1]), ("bold", titles[2])):
            await pilot.press("ctrl+p", *query)
            rows = await palette_rows(reader)
            assert any(row.startswith(title + "\npost") for row in rows), (query, rows)
            await pilot.press("escape")
            await reader.settle()
        assert app.is_running


async def test_sorting_from_the_palette() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        newest = reader.posts[0].id
        await pilot.press("ctrl+p", *"sort oldest")
        rows = await palette_rows(reader)
        assert rows[0].startswith("Sort: oldest first")
        await pilot.press("enter")
        await reader.settle()
        assert reader.posts[-1].id == newest
        assert reader.counts_text.endswith("· oldest first")


async def test_the_palette_screenshot_is_saved_under_the_data_dir_without_downloads() -> None:
    assert not (Path.home() / "Downloads").exists()
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("ctrl+p", *"screenshot")
        rows = await palette_rows(reader)
        assert rows[0].startswith("Screenshot")
        await pilot.press("enter")
        await reader.settle()
        (saved,) = reader.notice_messages(title="Screenshot saved")
        assert Path(saved).parent == paths.screenshot_dir()
        assert Path(saved).read_text().startswith("<svg")
