"""Settings load from the config dir; a bad file is moved aside, never fatal."""

from __future__ import annotations

from pathlib import Path

from tui import paths
from tui.settings import Settings, load_settings, save_settings, with_theme


def test_missing_file_gives_defaults() -> None:
    settings = load_settings()
    assert settings == Settings()
    assert settings.notices == []


def test_values_are_read_and_unknown_keys_ignored() -> None:
    path = paths.config_path()
    path.parent.mkdir(parents=True)
    path.write_text('refresh_minutes = 5\ntheme = "nord"\nfuture_option = true\n')
    settings = load_settings()
    assert settings.refresh_minutes == 5
    assert settings.theme == "nord"
    assert settings.notices == []


def test_the_config_lives_under_xdg_config_home() -> None:
    assert str(paths.config_path()).startswith(str(Path.home().parent / "xdg_config_home"))


def test_invalid_toml_is_moved_aside_with_a_notice() -> None:
    path = paths.config_path()
    path.parent.mkdir(parents=True)
    path.write_text("refresh_minutes = [unterminated\n")
    settings = load_settings()
    assert settings.refresh_minutes == Settings().refresh_minutes
    (notice,) = settings.notices
    backups = list(path.parent.glob("config.toml.invalid-*"))
    assert len(backups) == 1
    assert str(backups[0]) in notice
    assert backups[0].read_text() == "refresh_minutes = [unterminated\n"
    assert not path.exists()


def test_a_bad_value_is_ignored_alone_and_the_rest_of_the_file_applies() -> None:
    path = paths.config_path()
    path.parent.mkdir(parents=True)
    cases = [
        ('refresh_minutes = "often"\n', "refresh_minutes = 'often' (it must be a number)"),
        ("retention = 0\n", "retention = 0 (it must be at least 1)"),
        ("timeout_seconds = -1\n", "timeout_seconds = -1 (it must be at least 0.1)"),
        ("theme = 3\n", "theme = 3 (it must be a string)"),
        ("refresh_minutes = true\n", "refresh_minutes = True (it must be a number)"),
    ]
    for bad, problem in cases:
        path.write_text(f'theme = "nord"\n{bad}' if "theme" not in bad else bad + "retention = 5\n")
        settings = load_settings()
        (notice,) = settings.notices
        assert notice == f"Ignored {problem} in {path}; using the default."
        assert path.exists()  # the user's file is left as it is
        if "theme" in bad:
            assert settings.theme == Settings().theme and settings.retention == 5
        else:
            assert settings.theme == "nord"


def test_binary_garbage_is_moved_aside() -> None:
    path = paths.config_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\xff\xfe\x00garbage")
    (notice,) = load_settings().notices
    assert "not valid TOML" in notice
    assert not path.exists()


def test_save_round_trips_atomically() -> None:
    save_settings(with_theme(Settings(refresh_minutes=12.5), 'my "quoted" theme'))
    loaded = load_settings()
    assert loaded.theme == 'my "quoted" theme'
    assert loaded.refresh_minutes == 12.5
    leftovers = [p for p in paths.config_path().parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []
