"""Subscriptions in config.toml: loaded by the settings, edited in place, never lost."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from tui import DEFAULT_FEED_URL
from tui import subscriptions as subs
from tui.feedlist import FeedRef
from tui.settings import SettingsNotSaved, config_template, load_settings

GO = "https://go.example/feed.xml"
RUST = "https://rust.example/index.xml"

USER_FILE = """\
# my settings, by hand
theme = "nord"   # the one I like

[keys]
star = "x"  # like mutt

[[feeds]]
url = "https://blog.rajpoot.dev/tags/backend/index.xml"
folder = "Blogs"  # the reason I installed this

# Go, from work
[[feeds]]
url = "https://go.example/feed.xml"
title = "Go notes"
tags = ["kept"]   # not a setting rajpoot-tui knows; must stay
"""


def test_no_feeds_key_follows_the_backend_feed_alone() -> None:
    assert load_settings(Path("/nonexistent/config.toml")).feeds == (FeedRef(DEFAULT_FEED_URL),)


def test_the_template_lists_feeds_commented_out_and_loads_as_the_default(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(config_template())
    settings = load_settings(path)
    assert settings.feeds == (FeedRef(DEFAULT_FEED_URL),)
    assert settings.notices == ()
    assert "# [[feeds]]" in config_template()


def test_feeds_load_with_titles_folders_and_normalised_urls(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[[feeds]]\nurl = "HTTPS://Go.Example/feed.xml#top"\ntitle = " Go\\u0007 notes "\n'
        'folder = " Languages /Go "\n[[feeds]]\nurl = "file:///srv/feeds/local.xml"\n'
    )
    settings = load_settings(path)
    assert settings.feeds == (
        FeedRef(GO, title="Go notes", folder="Languages / Go"),
        FeedRef("file:///srv/feeds/local.xml"),
    )
    assert settings.notices == ()


def test_a_bad_or_repeated_feed_is_skipped_with_a_notice_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        'theme = "nord"\n\n[[feeds]]\nurl = "javascript:alert(1)"\n'
        f'[[feeds]]\nurl = "{GO}"\n[[feeds]]\nurl = "{GO}/"\n[[feeds]]\nurl = "{GO}"\n'
    )
    settings = load_settings(path)
    assert [feed.url for feed in settings.feeds] == [GO, GO + "/"]
    assert settings.theme == "nord"
    assert len(settings.notices) == 2
    assert "line 3: feed 1" in settings.notices[0] and "skipped" in settings.notices[0]
    assert f"feed 4 repeats {GO}" in settings.notices[1]


def test_feeds_that_is_not_a_list_keeps_the_default_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('feeds = "https://go.example/feed.xml"\n')
    settings = load_settings(path)
    assert settings.feeds == (FeedRef(DEFAULT_FEED_URL),)
    assert "not a list of feeds" in settings.notices[0]


def test_an_empty_list_follows_nothing(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("feeds = []\n")
    assert load_settings(path).feeds == ()


def test_adding_to_a_missing_file_writes_the_default_first(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    assert subs.add(FeedRef(GO, folder="Languages"), path) is subs.Added.ADDED
    assert load_settings(path).feeds == (
        FeedRef(DEFAULT_FEED_URL),
        FeedRef(GO, folder="Languages"),
    )
    # The template's comments are still there to guide the user.
    assert path.read_text().startswith(config_template())


def test_adding_keeps_every_comment_key_and_unknown_key(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(USER_FILE)
    assert subs.add(FeedRef(RUST, title="Rust"), path) is subs.Added.ADDED
    text = path.read_text()
    assert text.startswith(USER_FILE)
    assert text[len(USER_FILE) :].strip() == f'[[feeds]]\nurl = "{RUST}"\ntitle = "Rust"'
    assert [feed.url for feed in load_settings(path).feeds] == [DEFAULT_FEED_URL, GO, RUST]


def test_adding_a_feed_already_followed_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(USER_FILE)
    assert subs.add(FeedRef(GO, title="Other"), path) is subs.Added.ALREADY
    assert path.read_text() == USER_FILE


def test_removing_deletes_that_table_only(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(USER_FILE)
    assert subs.remove(DEFAULT_FEED_URL, path)
    text = path.read_text()
    assert 'url = "https://blog.rajpoot.dev' not in text
    assert "# my settings, by hand" in text and 'theme = "nord"   # the one I like' in text
    assert 'star = "x"  # like mutt' in text
    assert 'tags = ["kept"]   # not a setting rajpoot-tui knows; must stay' in text
    # The comment above the next table is that table's, not the removed one's.
    assert "# Go, from work\n[[feeds]]\n" in text
    assert load_settings(path).feeds == (FeedRef(GO, title="Go notes"),)
    assert not subs.remove("https://never.example/feed", path)


def test_removing_the_last_feed_writes_an_empty_list_not_the_default(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('theme = "nord"\n\n[keys]\nstar = "x"\n')
    assert subs.remove(DEFAULT_FEED_URL, path)
    assert tomllib.loads(path.read_text()) == {
        "theme": "nord",
        "feeds": [],
        "keys": {"star": "x"},
    }
    assert load_settings(path).feeds == ()
    # And adding again starts from nothing, not from the default.
    subs.add(FeedRef(GO), path)
    assert load_settings(path).feeds == (FeedRef(GO),)


def test_rename_and_move_to_a_folder_edit_the_one_table(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(USER_FILE)
    assert subs.update(GO, title="Go at work", folder="Work / Go", path=path)
    text = path.read_text()
    assert 'title = "Go at work"' in text and 'folder = "Work / Go"' in text
    assert "# Go, from work" in text
    feeds = load_settings(path).feeds
    assert feeds[1] == FeedRef(GO, title="Go at work", folder="Work / Go")
    # Back to the feed's own title and the top level.
    assert subs.update(GO, title="", folder="", path=path)
    assert load_settings(path).feeds[1] == FeedRef(GO)
    assert 'tags = ["kept"]' in path.read_text()
    with pytest.raises(SettingsNotSaved, match="not one of your feeds"):
        subs.update("https://never.example/feed", title="x", path=path)


def test_a_table_the_loader_skipped_stays_for_the_user_to_fix(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    original = f'[[feeds]]\nurl = "javascript:alert(1)"\n\n[[feeds]]\nurl = "{GO}"\n'
    path.write_text(original)
    subs.remove(GO, path)
    assert 'url = "javascript:alert(1)"' in path.read_text()
    assert load_settings(path).feeds == ()


def test_a_file_that_does_not_load_is_never_written(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    broken = b'theme = "nord\n[[feeds]]\n'
    path.write_bytes(broken)
    with pytest.raises(SettingsNotSaved, match="fix it first"):
        subs.add(FeedRef(GO), path)
    assert path.read_bytes() == broken


def test_add_many_writes_once_and_skips_known_urls(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(USER_FILE)
    added = subs.add_many([FeedRef(GO), FeedRef(RUST, folder="Languages"), FeedRef(RUST)], path)
    assert added == 1
    assert load_settings(path).feeds[-1] == FeedRef(RUST, folder="Languages")


def test_a_symlinked_config_is_edited_where_it_points(tmp_path: Path) -> None:
    real = tmp_path / "dotfiles" / "config.toml"
    real.parent.mkdir()
    real.write_text(USER_FILE)
    link = tmp_path / "config.toml"
    link.symlink_to(real)
    subs.add(FeedRef(RUST), link)
    assert link.is_symlink()
    assert RUST in real.read_text()


def test_removing_a_table_between_blank_lines_leaves_one_blank_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f'theme = "nord"\n\n[[feeds]]\nurl = "{GO}"\n\n[[feeds]]\nurl = "{RUST}"\n')
    subs.remove(GO, path)
    assert path.read_text() == f'theme = "nord"\n\n[[feeds]]\nurl = "{RUST}"\n'


def test_an_import_names_and_files_a_feed_followed_with_nothing_of_its_own(
    tmp_path: Path,
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(USER_FILE)  # the backend feed in "Blogs", Go with a title of its own
    added = subs.add_many(
        [
            FeedRef(DEFAULT_FEED_URL, title="Backend", folder="Elsewhere"),
            FeedRef(GO, title="Other name", folder="Languages"),
            FeedRef(RUST, folder="Languages"),
        ],
        path,
    )
    assert added == 1
    feeds = load_settings(path).feeds
    # What the user gave is theirs: neither the folder nor the title is replaced.
    assert feeds[0] == FeedRef(DEFAULT_FEED_URL, folder="Blogs")
    assert feeds[1] == FeedRef(GO, title="Go notes")
    assert feeds[2] == FeedRef(RUST, folder="Languages")


def test_an_import_files_the_default_feed_when_nothing_was_written(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    added = subs.add_many([FeedRef(DEFAULT_FEED_URL, title="Backend", folder="Blog")], path)
    assert added == 0
    assert load_settings(path).feeds == (FeedRef(DEFAULT_FEED_URL, title="Backend", folder="Blog"),)
