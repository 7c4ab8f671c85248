"""Settings picked in the app are kept in config.toml, one key at a time; [keys] remaps keys."""

from __future__ import annotations

from tests.builders import make_app
from tests.pilot import Reader
from tui import paths
from tui.settings import Settings, load_settings

HAND_WRITTEN = """\
# My reader settings. Keep this comment!
refresh_minutes = 15   # every quarter hour

future_option = "kept"   # a key this version doesn't know

[keys]
star = "x"
"""


def write_config(text: str) -> None:
    path = paths.config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


async def test_picking_a_theme_keeps_every_comment_and_unknown_key() -> None:
    write_config(HAND_WRITTEN)
    app = make_app(settings=load_settings(), refresh_on_start=False)
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        app.theme = "nord"
        await pilot.pause(0.8)  # saves are debounced while the theme picker previews
    text = paths.config_path().read_text()
    assert text == HAND_WRITTEN.replace(
        "# a key this version doesn't know\n",
        '# a key this version doesn\'t know\ntheme = "nord"\n',
    )
    assert load_settings().theme == "nord"


async def test_sort_theme_and_split_survive_a_restart() -> None:
    app = make_app(settings=load_settings(), refresh_on_start=False)
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("ctrl+p", *"sort title")
        await reader.settle()
        await pilot.press("enter")
        await pilot.press("greater_than_sign")
        app.theme = "gruvbox"
        await reader.settle(extra=0.8)
    saved = load_settings()
    assert (saved.sort, saved.list_width, saved.theme) == ("title", 50, "gruvbox")
    again = make_app(settings=load_settings(), refresh_on_start=False)
    async with again.run_test(size=(120, 40)) as pilot:
        reader = Reader(again, pilot)
        await reader.settle()
        titles = [p.display_title.casefold() for p in reader.posts]
        assert titles == sorted(titles)
        assert reader.counts_text.endswith("· by title")
        assert reader.post_list.region.width == 60
        assert again.theme == "gruvbox"


async def test_a_remapped_key_works_and_the_old_one_does_not() -> None:
    write_config(HAND_WRITTEN)
    app = make_app(settings=load_settings(), refresh_on_start=False)
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("s")
        assert not reader.posts[0].starred
        await pilot.press("x")
        assert reader.posts[0].starred
        # Help and the palette tell the new key.
        await pilot.press("question_mark")
        rows = {(k, d) for _, k, d in app.screen.rows}
        assert ("x", "Star") in rows
    # The star is stored, and the mapping still applies after a restart.
    again = make_app(settings=load_settings(), refresh_on_start=False)
    async with again.run_test(size=(120, 40)) as pilot:
        reader = Reader(again, pilot)
        await reader.settle()
        assert reader.posts[0].starred
        await pilot.press("x")
        assert not reader.posts[0].starred


async def test_wording_follows_a_remap() -> None:
    write_config('[keys]\nunread-only = "f2"\ncancel-search = "ctrl+g"\n')
    app = make_app(settings=load_settings(), refresh_on_start=False)
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("f2")
        assert reader.counts_text == "63 unread (f2 shows all)"
        await pilot.press("f2", "slash", *"grpc")
        assert "(ctrl+g clears)" in reader.counts_text
        await pilot.press("ctrl+g")
        assert len(reader.posts) == 63


async def test_bad_keys_and_an_unknown_theme_are_reported_and_the_rest_applies() -> None:
    write_config('theme = "no-such-theme"\n[keys]\nstarr = "x"\nrefresh = "s"\nopen = "w"\n')
    app = make_app(settings=load_settings(), refresh_on_start=False)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        notes = reader.notice_messages(title="Settings")
        assert any("'starr' is not a key binding id; did you mean 'star'?" in n for n in notes)
        assert any("s is bound to both" in n for n in notes), notes
        assert any("'no-such-theme' is not a theme here" in n for n in notes)
        assert app.theme == "textual-dark"
        await pilot.press("s")  # the clashing remap was ignored: s still stars
        assert reader.posts[0].starred
        await pilot.press("w")  # the good remap applies
        assert app.is_running


async def test_a_config_that_failed_to_load_is_never_written() -> None:
    broken = "refresh_minutes = [unterminated\n# my notes\n"
    write_config(broken)
    app = make_app(settings=load_settings(), refresh_on_start=False)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        app.theme = "nord"
        await reader.settle(extra=0.8)
        assert any("Not saved" in n for n in reader.notice_messages(title="Settings"))
    assert paths.config_path().read_text() == broken


async def test_first_run_writes_a_commented_config_that_loads_as_the_defaults() -> None:
    assert not paths.config_path().exists()
    app = make_app(settings=load_settings(), refresh_on_start=False)
    async with app.run_test(size=(80, 24)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
    text = paths.config_path().read_text()
    assert "# refresh_minutes = 30" in text
    assert load_settings() == Settings()
    assert load_settings().notices == ()


async def test_the_date_format_setting_changes_the_list_dates() -> None:
    write_config('date_format = "%d %b"\n')
    app = make_app(settings=load_settings(), refresh_on_start=False)
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        row = str(reader.post_list.get_option_at_index(0).prompt)
        assert row[3:9] == "05 May", row
