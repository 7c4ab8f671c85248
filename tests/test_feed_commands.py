"""Following feeds from the palette: subscribe, rename, move to a folder, unsubscribe,
import and export OPML. Each edits config.toml in place and shows at once."""

from __future__ import annotations

from pathlib import Path

from tests.builders import make_app
from tests.pilot import Reader
from tests.test_feeds_sidebar import GO, RUST, many_feeds
from tests.test_palette import palette_rows
from tui import paths
from tui.app import RajpootApp
from tui.feedlist import FeedRef
from tui.opml import parse_opml
from tui.settings import Settings, load_settings

CONFIG = f"""\
# mine
theme = "textual-dark"  # keep

[[feeds]]
url = "{GO}"

[[feeds]]
url = "{RUST}"
title = "Rust"
folder = "Languages"
"""


def subscribed_app() -> tuple[RajpootApp, Path]:
    config = paths.config_path()
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(CONFIG)
    settings = Settings(
        mark_read_after_seconds=-1, feeds=load_settings(config).feeds, retention=2000
    )
    return make_app(many_feeds(), feed_url=None, settings=settings), config


async def run_command(reader: Reader, name: str) -> None:
    await reader.pilot.press("ctrl+p", *name)
    rows = await palette_rows(reader)
    assert rows and rows[0].startswith(name), rows
    await reader.pilot.press("enter")
    await reader.settle()


async def answer(reader: Reader, text: str) -> None:
    from textual.widgets import Input

    from tui.screens.ask import AskScreen

    assert isinstance(reader.app.screen, AskScreen)
    reader.app.screen.query_one(Input).value = ""
    await reader.pilot.press(*text, "enter")
    await reader.settle()


async def test_rename_and_move_the_shown_feed_edit_the_file_and_the_sidebar() -> None:
    app, config = subscribed_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await reader.choose_feed("Go notes")
        await run_command(reader, "Rename this feed")
        await answer(reader, "Go at work")
        await run_command(reader, "Move this feed to a folder")
        await answer(reader, "Work")
        assert ("Work", 3, False) in reader.sidebar_rows
        assert ("Go at work", 3, False) in reader.sidebar_rows
    text = config.read_text()
    assert text.startswith('# mine\ntheme = "textual-dark"  # keep\n')
    assert load_settings(config).feeds[0] == FeedRef(GO, title="Go at work", folder="Work")


async def test_unsubscribe_leaves_the_sidebar_and_the_file() -> None:
    app, config = subscribed_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await reader.choose_feed("Rust")
        await run_command(reader, "Unsubscribe from this feed")
        await pilot.press("n")  # asked first: no
        await reader.settle()
        assert [feed.url for feed in load_settings(config).feeds] == [GO, RUST]
        await run_command(reader, "Unsubscribe from this feed")
        await pilot.press("y")
        await reader.settle()
        assert not reader.sidebar_shown  # one feed left reads the whole width
        assert [p.title for p in reader.posts] == ["Post 3", "Post 2", "Post 1"]
    assert [feed.url for feed in load_settings(config).feeds] == [GO]


async def test_a_feed_opened_with_feed_can_be_subscribed_from_the_palette() -> None:
    config = paths.config_path()
    app = make_app(many_feeds(), feed_url=RUST)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await run_command(reader, "Subscribe to this feed")
        assert any("Following Rust weekly" in m for m in reader.notice_messages(title="Subscribed"))
    assert [feed.url for feed in load_settings(config).feeds][-1] == RUST


async def test_export_then_import_opml_from_the_palette(tmp_path: Path) -> None:
    app, config = subscribed_app()
    exported = tmp_path / "feeds.opml"
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await run_command(reader, "Export OPML")
        await answer(reader, str(exported))
        assert [(f.url, f.folder) for f in parse_opml(exported.read_bytes())] == [
            (GO, ""),
            (RUST, "Languages"),
        ]
        extra = tmp_path / "more.opml"
        extra.write_text(
            '<?xml version="1.0"?><opml version="2.0"><body>'
            '<outline text="Tech"><outline type="rss" text="Dead" '
            'xmlUrl="https://dead.example/feed.xml"/></outline>'
            f'<outline type="rss" text="Go" xmlUrl="{GO}"/></body></opml>'
        )
        await run_command(reader, "Import OPML")
        await answer(reader, str(extra))
        assert any(
            "Imported 1 feed from more.opml (1 already followed)" in m
            for m in reader.notice_messages()
        )
        assert ("Tech", 0, True) in reader.sidebar_rows  # fetched at once: it failed
    assert [feed.url for feed in load_settings(config).feeds][-1] == "https://dead.example/feed.xml"


async def test_subscribing_to_a_feed_followed_already_says_so() -> None:
    _, config = subscribed_app()  # (writes the config this run reads)
    before = config.read_bytes()
    again = make_app(many_feeds(), feed_url=GO)
    async with again.run_test(size=(120, 40), notifications=True) as pilot:
        reader = Reader(again, pilot)
        await reader.settle()
        await pilot.press("ctrl+p", *"subscribe")
        rows = await palette_rows(reader)
        assert not any(row.startswith("Subscribe to this feed") for row in rows)
        await pilot.press("escape")
        await run_command(reader, "Rename this feed")  # followed: it can be renamed
        await answer(reader, "Go")
    assert config.read_bytes() != before
    assert load_settings(config).feeds[0] == FeedRef(GO, title="Go")


async def test_unsubscribing_keeps_the_feeds_starred_posts_in_all_feeds_and_starred() -> None:
    app, config = subscribed_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await reader.choose_feed("Rust")
        await pilot.press("s")  # star "Rust 2"
        await run_command(reader, "Unsubscribe from this feed")
        await pilot.press("y")
        await reader.settle()
        # One feed left: its posts, as at start-up with one feed.
        assert [p.title for p in reader.posts] == ["Post 3", "Post 2", "Post 1"]
        await pilot.press("S")
        await reader.settle()
        assert [p.title for p in reader.posts] == ["Rust 2"]
        assert reader.meta("Feed") == "Rust weekly"  # still named, though not followed
    assert [feed.url for feed in load_settings(config).feeds] == [GO]
