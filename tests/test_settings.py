"""Settings: every mistake named with its line, a broken file never touched, edits in place."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tui import DEFAULT_FEED_URL, paths
from tui.settings import (
    FIELDS,
    Settings,
    SettingsNotSaved,
    atomic_write,
    config_template,
    ensure_config_file,
    keymap,
    load_settings,
    markdown_table,
    save_setting,
    save_settings,
    with_theme,
)

README = Path(__file__).resolve().parent.parent / "README.md"


def write(text: str) -> Path:
    path = paths.config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name != "config.toml")


# ------------------------------------------------------------------ loading


def test_missing_file_gives_defaults_and_loading_writes_nothing() -> None:
    settings = load_settings()
    assert settings == Settings()
    assert settings.notices == ()
    assert settings.writable
    assert not paths.config_path().exists()
    assert not paths.config_dir().exists()


def test_every_setting_is_read() -> None:
    write(
        "refresh_minutes = 5\n"
        "timeout_seconds = 2.5\n"
        "retention = 100\n"
        "mark_read_after_seconds = -1\n"
        'theme = "nord"\n'
        'date_format = "%d %b %Y"\n'
        "list_width = 60\n"
        'sort = "unread-first"\n'
        "[keys]\n"
        'star = "x"\n'
        'next-unread = ["n", "ctrl+n"]\n'
    )
    settings = load_settings()
    assert settings.notices == ()
    assert (settings.refresh_minutes, settings.timeout_seconds, settings.retention) == (5, 2.5, 100)
    assert settings.mark_read_after_seconds == -1
    assert (settings.theme, settings.date_format) == ("nord", "%d %b %Y")
    assert (settings.list_width, settings.sort) == (60, "unread-first")
    assert dict(settings.keys) == {"star": ("x",), "next-unread": ("n", "ctrl+n")}
    assert keymap(settings) == {"star": "x", "next-unread": "n,ctrl+n"}


def test_limits_are_inclusive_and_a_whole_float_counts_as_whole() -> None:
    write(
        "refresh_minutes = 0\ntimeout_seconds = 0.1\nretention = 1.0\nlist_width = 20\n"
        'date_format = "%A"\n'
    )
    settings = load_settings()
    assert settings.notices == ()
    assert (settings.refresh_minutes, settings.timeout_seconds) == (0, 0.1)
    assert settings.retention == 1 and isinstance(settings.retention, int)
    assert settings.list_width == 20
    write("list_width = 80\n")
    assert load_settings().list_width == 80


def test_settings_are_frozen_and_keys_cannot_be_changed_behind_its_back() -> None:
    given = {"star": ["x"]}
    settings = Settings(keys=given)  # type: ignore[arg-type]
    given["star"].append("y")
    assert dict(settings.keys) == {"star": ("x",)}
    with pytest.raises(TypeError):
        settings.keys["star"] = ("z",)  # type: ignore[index]
    with pytest.raises(AttributeError):
        settings.theme = "nord"  # type: ignore[misc]


BAD_VALUES = [
    # (the line, what the user is told after "<file> line 3: ")
    ('refresh_minutes = "5"', 'refresh_minutes = "5" is not a number of at least 0; using 30'),
    ("refresh_minutes = -1", "refresh_minutes = -1 is not a number of at least 0; using 30"),
    ("refresh_minutes = true", "refresh_minutes = true is not a number of at least 0; using 30"),
    ("refresh_minutes = nan", "refresh_minutes = nan is not a number of at least 0; using 30"),
    ("refresh_minutes = inf", "refresh_minutes = inf is not a number of at least 0; using 30"),
    ("refresh_minutes = [5]", "refresh_minutes = [5] is not a number of at least 0; using 30"),
    (
        "refresh_minutes = 1979-05-27",
        "refresh_minutes = 1979-05-27 is not a number of at least 0; using 30",
    ),
    (
        "refresh_minutes = { every = 5 }",
        "refresh_minutes is a table, not a number of at least 0; using 30",
    ),
    (
        "timeout_seconds = 0.05",
        "timeout_seconds = 0.05 is not a number of at least 0.1; using 10.0",
    ),
    (
        "timeout_seconds = false",
        "timeout_seconds = false is not a number of at least 0.1; using 10.0",
    ),
    ("retention = 0", "retention = 0 is not a whole number of at least 1; using 2000"),
    ("retention = 2.5", "retention = 2.5 is not a whole number of at least 1; using 2000"),
    ('retention = "2000"', 'retention = "2000" is not a whole number of at least 1; using 2000'),
    ("retention = true", "retention = true is not a whole number of at least 1; using 2000"),
    (
        'mark_read_after_seconds = "soon"',
        'mark_read_after_seconds = "soon" is not a number; using 1.5',
    ),
    ("mark_read_after_seconds = true", "mark_read_after_seconds = true is not a number; using 1.5"),
    ("theme = 3", 'theme = 3 is not a non-empty string; using "textual-dark"'),
    ('theme = ""', 'theme = "" is not a non-empty string; using "textual-dark"'),
    ('theme = ["nord"]', 'theme = ["nord"] is not a non-empty string; using "textual-dark"'),
    (
        'date_format = ""',
        'date_format = "" is not a strftime date format, like "%d %b %Y"; using "%Y-%m-%d"',
    ),
    (
        "date_format = 5",
        'date_format = 5 is not a strftime date format, like "%d %b %Y"; using "%Y-%m-%d"',
    ),
    (
        # Formats to nothing; and the NUL is shown escaped, never raw.
        'date_format = "\\u0000"',
        'date_format = "\\u0000" is not a strftime date format, like "%d %b %Y"; using "%Y-%m-%d"',
    ),
    ("list_width = 19", "list_width = 19 is not a whole number from 20 to 80; using 45"),
    ("list_width = 81", "list_width = 81 is not a whole number from 20 to 80; using 45"),
    ('list_width = "45"', 'list_width = "45" is not a whole number from 20 to 80; using 45'),
    (
        'sort = "newst"',
        'sort = "newst" is not one of newest, oldest, title, unread-first; using "newest"',
    ),
    (
        'sort = "Newest"',
        'sort = "Newest" is not one of newest, oldest, title, unread-first; using "newest"',
    ),
    ("sort = 1", 'sort = 1 is not one of newest, oldest, title, unread-first; using "newest"'),
]


@pytest.mark.parametrize(("line", "told"), BAD_VALUES, ids=[line for line, _ in BAD_VALUES])
def test_a_bad_value_is_named_with_its_line_and_only_it_falls_back(line: str, told: str) -> None:
    name = line.split(" ")[0]
    other, other_value = ("retention", 5) if name != "retention" else ("list_width", 30)
    path = write(f"# mine\n{other} = {other_value}\n{line}\n")
    settings = load_settings()
    assert settings.notices == (f"{path} line 3: {told}",)
    assert getattr(settings, name) == getattr(Settings(), name)
    assert getattr(settings, other) == other_value  # every other value applies
    assert settings.writable
    assert path.read_text() == f"# mine\n{other} = {other_value}\n{line}\n"


def test_a_setting_written_as_a_table_is_reported_at_its_header() -> None:
    path = write('theme = "nord"\n\n[refresh_minutes]\nevery = 5\n')
    settings = load_settings()
    assert settings.notices == (
        f"{path} line 3: refresh_minutes is a table, not a number of at least 0; using 30",
    )
    assert settings.theme == "nord"


def test_several_mistakes_each_get_their_own_notice_in_file_order() -> None:
    path = write('sort = "newst"\ntheme = "nord"\nretention = 0\n')
    settings = load_settings()
    assert [notice.split(":")[0] for notice in settings.notices] == [
        f"{path} line 1",
        f"{path} line 3",
    ]
    assert settings.theme == "nord"


def test_an_unknown_key_gets_the_closest_known_one_and_the_rest_loads() -> None:
    path = write('# Settings\n\ntheme = "nord"\n\n\n\nrefresh_minute = 5\nRetention = 9\n')
    settings = load_settings()
    assert settings.notices == (
        f"{path} line 7: unknown setting 'refresh_minute'; did you mean 'refresh_minutes'?",
        f"{path} line 8: unknown setting 'Retention'; did you mean 'retention'?",
    )
    assert settings.theme == "nord"
    assert settings.refresh_minutes == 30


def test_an_unknown_key_like_no_setting_lists_the_settings() -> None:
    path = write("[colours]\nred = 1\n")
    (notice,) = load_settings().notices
    names = ", ".join(spec.name for spec in FIELDS)
    assert notice == f"{path} line 1: unknown setting 'colours'; the settings are {names}"


def test_a_line_number_is_found_past_multiline_strings_and_dotted_keys() -> None:
    path = write(
        'note = """\nsort = "this is text, not a setting"\n"""\nsort = "newst"\nkeys.star = 5\n'
    )
    notices = load_settings().notices
    assert notices[1].startswith(f"{path} line 4: sort = ")
    assert notices[2].startswith(f"{path} line 5: [keys] star = 5 ")


def test_names_and_values_are_shown_escaped_and_long_values_cut() -> None:
    path = write('"\\u001b[31mred" = 1\ntheme = 7\nsort = "' + "x" * 200 + '"\n')
    notices = load_settings().notices
    assert notices[0] == (
        f"{path}: unknown setting '\\u001B[31mred'; the settings are "
        + ", ".join(spec.name for spec in FIELDS)
    )
    assert "\x1b" not in "".join(notices)
    assert notices[2].startswith(f'{path} line 3: sort = "{"x" * 58}… is not one of')


# ------------------------------------------------------------------ [keys]


def test_keys_shape_errors_name_the_binding_and_the_good_ones_apply() -> None:
    path = write(
        "[keys]\n"
        'star = "x"\n'
        "open = 3\n"
        'copy = ""\n'
        "next = []\n"
        'refresh = ["r", 5]\n'
        'search = "s,/"\n'
        'quit = "ctrl q"\n'
        'Help = "h"\n'
        'mark_all = "a"\n'
        '"-x" = "z"\n'
        'next-unread = ["n", "ctrl+n"]\n'
    )
    settings = load_settings()
    key_rule = 'a key like "x" or a list of keys like ["x", "ctrl+s"]'
    id_rule = "lower-case words joined by hyphens, like next-unread"
    assert settings.notices == (
        f"{path} line 3: [keys] open = 3 is not {key_rule}; open keeps its default keys",
        f'{path} line 4: [keys] copy = "" is not {key_rule}; copy keeps its default keys',
        f"{path} line 5: [keys] next = [] is not {key_rule}; next keeps its default keys",
        f'{path} line 6: [keys] refresh = ["r", 5] is not {key_rule}; '
        "refresh keeps its default keys",
        f'{path} line 7: [keys] search = "s,/" is not {key_rule}; search keeps its default keys',
        f'{path} line 8: [keys] quit = "ctrl q" is not {key_rule}; quit keeps its default keys',
        f"{path} line 9: [keys] 'Help' is not a binding id ({id_rule}); ignored",
        f"{path} line 10: [keys] 'mark_all' is not a binding id ({id_rule}); ignored",
        f"{path} line 11: [keys] '-x' is not a binding id ({id_rule}); ignored",
    )
    assert keymap(settings) == {"star": "x", "next-unread": "n,ctrl+n"}


def test_keys_that_are_not_a_table_are_reported() -> None:
    path = write('theme = "nord"\nkeys = "x"\n')
    settings = load_settings()
    assert settings.notices == (
        f'{path} line 2: keys = "x" is not a table ([keys], then one line per binding: '
        'a key like "x" or a list of keys like ["x", "ctrl+s"]); using the default keys',
    )
    assert dict(settings.keys) == {}
    assert settings.theme == "nord"


def test_a_binding_written_as_a_table_is_reported_at_its_header() -> None:
    path = write('[keys]\nstar = "x"\n\n[keys.open]\nkey = "o"\n')
    settings = load_settings()
    assert settings.notices == (
        f'{path} line 4: [keys] open = {{key = "o"}} is not a key like "x" or a list of keys '
        'like ["x", "ctrl+s"]; open keeps its default keys',
    )
    assert keymap(settings) == {"star": "x"}


# ------------------------------------------------------------------ a file that does not load


@pytest.mark.parametrize(
    ("content", "where_and_why"),
    [
        (b"theme = 'nord'\nrefresh_minutes = [unterminated\n", "line 2, column 20: not valid TOML"),
        (b'theme = "nord"\ntheme = "nord"\n', "line 2, column 15: not valid TOML"),
        (b"theme = [\n", "at the end: not valid TOML (Invalid value)"),
        (b'theme = "nord"\n\xff\xfe\x00garbage', "line 2, column 1: not UTF-8 text (byte 0xff)"),
    ],
    ids=["syntax", "duplicate", "truncated", "binary"],
)
def test_a_file_that_fails_to_load_is_left_exactly_as_it_is(
    content: bytes, where_and_why: str
) -> None:
    path = paths.config_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    before = path.stat()

    settings = load_settings()

    assert settings == Settings()  # every setting is its default...
    (notice,) = settings.notices
    assert notice.startswith(f"{path} {where_and_why}")
    assert notice.endswith(
        "; every setting uses its default until it is fixed (the file is left as it is)."
    )
    assert not settings.writable
    assert settings.load_error is not None and notice.startswith(settings.load_error)
    # ...and the file is where it was, byte for byte, and nothing was put beside it.
    assert path.read_bytes() == content
    assert path.stat().st_mtime_ns == before.st_mtime_ns
    assert leftovers(path.parent) == []

    with pytest.raises(SettingsNotSaved) as refused:
        save_setting("theme", "gruvbox")
    assert str(refused.value).startswith(f"{path} {where_and_why}")
    assert str(refused.value).endswith(
        "; fix it first: theme was not saved and the file was not changed"
    )
    with pytest.raises(OSError, match="theme was not saved"):
        save_settings(with_theme(settings, "gruvbox"))  # the app's path refuses too
    assert ensure_config_file() == path
    assert path.read_bytes() == content
    assert leftovers(path.parent) == []


def test_the_syntax_error_notice_names_the_line_and_column() -> None:
    path = write("theme = 'nord'\nrefresh_minutes = [unterminated\n")
    assert load_settings().notices == (
        f"{path} line 2, column 20: not valid TOML (Invalid value); every setting uses its "
        "default until it is fixed (the file is left as it is).",
    )


def test_an_unreadable_file_gives_defaults_and_is_never_written(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = write('theme = "nord"\n')
    real_read = Path.read_bytes

    def denied(self: Path) -> bytes:
        if self.name == "config.toml":
            raise PermissionError(13, "Permission denied", str(self))
        return real_read(self)

    monkeypatch.setattr(Path, "read_bytes", denied)
    settings = load_settings()
    assert settings == Settings()
    assert settings.notices == (
        f"Could not read {path} (Permission denied); every setting uses its default until it "
        "is fixed (the file is left as it is).",
    )
    assert not settings.writable
    with pytest.raises(SettingsNotSaved, match=r"\(Permission denied\); theme was not saved"):
        save_setting("theme", "gruvbox")
    monkeypatch.undo()
    assert path.read_text() == 'theme = "nord"\n'


def test_a_directory_in_place_of_the_file_is_reported() -> None:
    paths.config_path().mkdir(parents=True)
    settings = load_settings()
    assert settings == Settings()
    (notice,) = settings.notices
    assert notice.startswith(f"Could not read {paths.config_path()} (")
    assert not settings.writable


# ------------------------------------------------------------------ first run: the template


def test_ensure_config_file_writes_the_commented_template_once() -> None:
    path = ensure_config_file()
    assert path == paths.config_path()
    text = path.read_text()
    assert text == config_template()
    assert text.startswith("# rajpoot-tui settings. Uncomment a line to change it.\n")
    assert leftovers(path.parent) == []

    path.write_text("theme = 'mine'\n")
    assert ensure_config_file() == path
    assert path.read_text() == "theme = 'mine'\n"  # never overwritten


def test_the_template_documents_every_setting_with_its_default() -> None:
    text = config_template()
    assert (
        "# Automatic refresh while the app runs, in minutes; 0 turns it off.\n"
        "# Allowed: a number of at least 0.\n"
        "# refresh_minutes = 30\n"
    ) in text
    assert (
        "# Order of the post list.\n"
        "# Allowed: one of newest, oldest, title, unread-first.\n"
        '# sort = "newest"\n'
    ) in text
    assert '# [keys]\n# star = "x"\n' in text
    assert text.endswith(f'# [[feeds]]\n# url = "{DEFAULT_FEED_URL}"\n')
    for spec in FIELDS:
        assert f"# {spec.name} = " in text or spec.name in ("keys", "feeds")
    assert all(len(line) <= 90 for line in text.splitlines())


def test_the_template_loads_as_the_defaults_commented_and_uncommented() -> None:
    path = write(config_template())
    settings = load_settings()
    assert settings == Settings()
    assert settings.notices == ()

    # Uncomment every assignment (and the table headers): still the defaults, no notice.
    uncommented = re.sub(r"(?m)^# (\[keys\]|\[\[feeds\]\]|[a-z_]+ = .*)$", r"\1", config_template())
    assert uncommented.count("\n# ") < config_template().count("\n# ")
    path.write_text(uncommented)
    settings = load_settings()
    assert settings.notices == ()
    assert settings == Settings(keys={"star": ("x",)})
    for spec in FIELDS:
        if spec.name not in ("keys", "feeds"):  # tables, each with its header uncommented
            assert re.search(rf"(?m)^{spec.name} = ", uncommented), spec.name
    assert re.search(r"(?m)^\[\[feeds\]\]\nurl = ", uncommented)


def test_the_config_lives_under_xdg_config_home() -> None:
    expected = Path(os.environ["XDG_CONFIG_HOME"]) / "rajpoot-tui" / "config.toml"
    assert paths.config_path() == expected
    assert ensure_config_file() == expected
    assert expected.exists()
    save_setting("theme", "nord")
    assert load_settings().theme == "nord"


# ------------------------------------------------------------------ saving in place

HAND_WRITTEN = """\
# My rajpoot-tui settings.

refresh_minutes = 5   # every five minutes
theme="nord"

# The office proxy is slow.
timeout_seconds = 30
future_option = { colour = "red" }  # from a newer version
tags = [
  "backend",
  "go",
]

# Keys I like
[keys]
star = "x"

[plugins.thing]
enabled = true
"""


def test_saving_changes_one_value_and_keeps_everything_else() -> None:
    path = write(HAND_WRITTEN)
    save_setting("theme", "gruvbox")
    save_setting("refresh_minutes", 0)
    assert path.read_text() == HAND_WRITTEN.replace('theme="nord"', 'theme="gruvbox"').replace(
        "refresh_minutes = 5   #", "refresh_minutes = 0   #"
    )
    settings = load_settings()
    assert (settings.theme, settings.refresh_minutes) == ("gruvbox", 0)
    assert keymap(settings) == {"star": "x"}


def test_a_missing_key_is_added_after_the_last_setting_before_the_first_table() -> None:
    path = write(HAND_WRITTEN)
    save_setting("sort", "oldest")
    save_setting("list_width", 60)
    assert path.read_text() == HAND_WRITTEN.replace(
        '  "go",\n]\n', '  "go",\n]\nsort = "oldest"\nlist_width = 60\n'
    )
    settings = load_settings()
    assert (settings.sort, settings.list_width) == ("oldest", 60)


def test_a_missing_key_goes_before_a_table_and_the_comments_that_lead_into_it() -> None:
    path = write("# Mine.\n\n# Keys I like\n[keys]\nstar = 'x'\n")
    save_setting("theme", "nord")
    assert path.read_text() == "# Mine.\n\ntheme = \"nord\"\n\n# Keys I like\n[keys]\nstar = 'x'\n"
    assert load_settings().theme == "nord"


def test_a_missing_key_in_a_file_without_a_final_newline() -> None:
    path = write("retention = 10")
    save_setting("theme", "nord")
    assert path.read_text() == 'retention = 10\ntheme = "nord"\n'


def test_saving_uncomments_the_templates_line_and_keeps_its_doc() -> None:
    path = ensure_config_file()
    save_setting("theme", "nord")
    save_setting("sort", "title")
    text = path.read_text()
    assert text == config_template().replace(
        '# theme = "textual-dark"\n', 'theme = "nord"\n'
    ).replace('# sort = "newest"\n', 'sort = "title"\n')
    assert (
        "# The Textual theme; saved when you pick one in the command palette.\n"
        "# Allowed: a non-empty string.\n"
        'theme = "nord"\n'
    ) in text
    save_setting("theme", "gruvbox")  # now a real key: edited where it is
    assert path.read_text() == text.replace('theme = "nord"', 'theme = "gruvbox"')
    settings = load_settings()
    assert (settings.theme, settings.sort, settings.notices) == ("gruvbox", "title", ())


def test_a_commented_line_inside_a_table_is_not_the_one_uncommented() -> None:
    path = write('retention = 10\n\n[keys]\n# theme = "old"\nstar = "x"\n')
    save_setting("theme", "nord")
    assert path.read_text() == (
        'retention = 10\ntheme = "nord"\n\n[keys]\n# theme = "old"\nstar = "x"\n'
    )


def test_saving_with_no_file_writes_the_template_with_the_value() -> None:
    save_setting("refresh_minutes", 12.5)
    text = paths.config_path().read_text()
    assert text == config_template().replace("# refresh_minutes = 30\n", "refresh_minutes = 12.5\n")
    assert load_settings().refresh_minutes == 12.5


def test_strings_are_written_escaped_and_read_back() -> None:
    save_setting("theme", 'my "quoted" \\ theme')
    assert load_settings().theme == 'my "quoted" \\ theme'
    assert leftovers(paths.config_dir()) == []


def test_unknown_keys_even_nan_survive_a_save() -> None:
    path = write("odd = nan\nwhen = 1979-05-27T07:32:00Z\n")
    save_setting("theme", "nord")
    assert path.read_text() == 'odd = nan\nwhen = 1979-05-27T07:32:00Z\ntheme = "nord"\n'


def test_windows_line_endings_and_a_bom_are_kept() -> None:
    path = paths.config_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(b'\xef\xbb\xbftheme = "nord"  # mine\r\nretention = 10\r\n')
    assert load_settings().theme == "nord"
    save_setting("theme", "gruvbox")
    save_setting("sort", "title")
    assert path.read_bytes() == (
        b'\xef\xbb\xbftheme = "gruvbox"  # mine\r\nretention = 10\r\nsort = "title"\r\n'
    )


def test_a_value_the_setting_refuses_is_never_written() -> None:
    path = write('theme = "nord"\n')
    with pytest.raises(ValueError, match=r'^sort = "newst" is not one of newest, oldest'):
        save_setting("sort", "newst")
    with pytest.raises(ValueError, match=r"^retention = true is not a whole number of at least 1$"):
        save_setting("retention", True)
    with pytest.raises(ValueError, match=r'^theme = "" is not a non-empty string$'):
        save_setting("theme", "")
    with pytest.raises(ValueError, match="not a setting"):
        save_setting("refresh_minute", 5)
    with pytest.raises(ValueError, match="not a setting"):
        save_setting("keys", {"star": "x"})
    assert path.read_text() == 'theme = "nord"\n'


def test_a_setting_written_as_a_table_is_not_overwritten() -> None:
    path = write('retention = 10\n\n[theme]\nname = "nord"\n')
    with pytest.raises(SettingsNotSaved, match=r"line 3: theme is a table; fix it by hand first"):
        save_setting("theme", "gruvbox")
    assert path.read_text() == 'retention = 10\n\n[theme]\nname = "nord"\n'


def test_saving_keeps_the_files_permission_bits() -> None:
    path = write('theme = "nord"\n')
    path.chmod(0o640)
    save_setting("theme", "gruvbox")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert leftovers(path.parent) == []


def test_a_new_file_gets_the_usual_permission_bits() -> None:
    umask = os.umask(0o022)
    try:
        path = ensure_config_file()
    finally:
        os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_a_symlinked_config_stays_a_symlink() -> None:
    dotfiles = paths.config_dir().parent / "dotfiles"
    dotfiles.mkdir()
    real = dotfiles / "rajpoot.toml"
    real.write_text('theme = "nord"\n')
    paths.config_dir().mkdir(parents=True)
    paths.config_path().symlink_to(real)

    save_setting("theme", "gruvbox")

    assert paths.config_path().is_symlink()
    assert real.read_text() == 'theme = "gruvbox"\n'
    assert ensure_config_file() == paths.config_path()
    assert real.read_text() == 'theme = "gruvbox"\n'


def test_atomic_write_replaces_the_whole_file_and_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "file.txt"
    atomic_write(target, b"one")
    atomic_write(target, b"two")
    assert target.read_bytes() == b"two"
    assert sorted(p.name for p in target.parent.iterdir()) == ["file.txt"]


def test_the_apps_theme_shims_write_only_the_theme() -> None:
    path = write("# mine\nrefresh_minutes = 5\n")
    settings = load_settings()
    save_settings(with_theme(settings, "nord"))
    assert path.read_text() == '# mine\nrefresh_minutes = 5\ntheme = "nord"\n'
    assert with_theme(Settings(notices=("old",)), "nord").notices == ()


# ------------------------------------------------------------------ start-up cost and the README


def test_loading_and_creating_never_import_tomlkit() -> None:
    probe = (
        "import sys\n"
        "from tui.settings import ensure_config_file, load_settings, save_setting\n"
        "load_settings(); ensure_config_file(); load_settings()\n"
        "before = 'tomlkit' in sys.modules\n"
        "save_setting('theme', 'nord')\n"
        "print(json.dumps([before, 'tomlkit' in sys.modules, 'textual' in sys.modules]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", "import json\n" + probe],
        check=True,
        capture_output=True,
        text=True,
    )
    assert json.loads(result.stdout) == [False, True, False]


def test_the_readme_lists_every_setting_as_declared() -> None:
    # After changing a declaration, paste the output of
    # `python -c "from tui.settings import markdown_table; print(markdown_table())"`.
    readme = README.read_text(encoding="utf-8")
    assert markdown_table() in readme
    for spec in FIELDS:
        assert any(
            f"`{name}`" in readme for name in (spec.name, f"[{spec.name}]", f"[[{spec.name}]]")
        )
