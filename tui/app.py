"""The Textual app: what is global to the reader. It orchestrates only.

The App owns the services (store, settings, network, browser, clock), the
theme and the keymap, help, quit, opening links and the one place where a
failed worker is reported. The reader itself is ``tui.screens.reader``; feed
fetching, parsing, sanitising and storage live in modules with no Textual
import.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import App, SystemCommand
from textual.binding import BindingType
from textual.notifications import Notify
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from tui import DEFAULT_FEED_URL, keys
from tui.feedlist import FeedRef
from tui.paths import screenshot_dir
from tui.reading import SortOrder
from tui.screens.reader import ReaderScreen
from tui.services import Services
from tui.settings import Settings, ensure_config_file, keymap, save_setting
from tui.store import Store
from tui.widgets.notices import NoticeGate

if TYPE_CHECKING:
    from textual.command import Provider

    from tui.feedlist import FeedLike

_PACKAGE = Path(__file__).resolve().parent
# A wheel carries the stylesheets inside the package (hatch force-include);
# an editable install or a checkout has them in the top-level styles/ dir.
STYLES = next(p for p in (_PACKAGE / "styles", _PACKAGE.parent / "styles") if p.is_dir())


def _reader_commands() -> type[Provider]:
    from tui.commands import reader_commands_provider

    return reader_commands_provider()


def _post_commands() -> type[Provider]:
    from tui.commands import post_commands_provider

    return post_commands_provider()


class RajpootApp(App[int]):
    """A reader for RSS/Atom feeds: list on the left, the post on the right."""

    TITLE = "rajpoot-tui"
    CSS_PATH = STYLES / "app.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]  # noqa: RUF012
    BINDINGS: ClassVar[list[BindingType]] = keys.bindings(keys.APP_KEYS)  # type: ignore[assignment]
    # Providers load when the palette first opens, not at start-up (so does tui.commands).
    COMMANDS = App.COMMANDS | {_reader_commands, _post_commands}

    def __init__(
        self,
        feed_url: str | None = None,
        *,
        feeds: Sequence[FeedLike] | None = None,
        services: Services | None = None,
        refresh_on_start: bool = True,
    ) -> None:
        """Read ``feeds``, or the one ``feed_url`` for this run, else the subscriptions."""
        super().__init__()
        self.services = services or Services.default()
        self.refresh_on_start = refresh_on_start
        self._store: Store | None = None
        self._notices: list[str] = list(self.settings.notices)
        self.notices = NoticeGate(self)
        self.reads_subscriptions = not feeds and not feed_url
        """False for ``--feed URL``: a look at one feed, which the palette can subscribe."""
        chosen: list[FeedLike]
        if feeds:
            chosen = list(feeds)
        elif feed_url:
            chosen = [FeedRef(feed_url)]
        else:
            chosen = list(self.settings.feeds)
            if not chosen:
                self._notices.append(
                    "You follow no feeds (feeds = [] in the settings); showing the backend "
                    "feed. Add feeds with: rajpoot-tui add URL"
                )
                chosen = [FeedRef(DEFAULT_FEED_URL)]
        self.feeds = chosen
        self.feed_url = chosen[0].url
        if self.settings.theme in self.available_themes:
            self.theme = self.settings.theme
        else:
            self._notices.append(
                f"theme = {self.settings.theme!r} is not a theme here; using {self.theme!r}. "
                "Pick one with ctrl+p → Theme."
            )
        usable, problems = keys.check_keymap(keymap(self.settings))
        self._notices += problems
        self.set_keymap(usable)
        # Settings picked in the app, waiting to be written (debounced: the
        # theme picker changes the theme on every highlighted row).
        self._unsaved: dict[str, object] = {}
        self._save_timer: Timer | None = None

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def store(self) -> Store:
        if self._store is None:
            # Reading the store is a few milliseconds even at 10,000 posts, so
            # the first frame already shows the cached posts.
            paths = self.services.store_paths
            self._store = Store.open(paths.cache, paths.state, retention=self.settings.retention)
        return self._store

    @property
    def reader(self) -> ReaderScreen:
        screen = self.screen_stack[0]
        assert isinstance(screen, ReaderScreen)
        return screen

    def get_default_screen(self) -> ReaderScreen:
        return ReaderScreen(self.feed_url, feeds=self.feeds, refresh_on_start=self.refresh_on_start)

    def on_mount(self) -> None:
        # One toast per kind, however many problems: a pile of toasts would push
        # the newest off the screen.
        if self._notices:
            shown = self._notices[:MAX_NOTICE_LINES]
            if len(self._notices) > MAX_NOTICE_LINES:
                more = len(self._notices) - MAX_NOTICE_LINES
                shown.append(f"… and {more} more: `rajpoot-tui config` lists them all.")
            self.notify(
                "\n".join(shown),
                title="Settings",
                severity="warning",
                timeout=10 + 3 * len(self._notices),
                markup=False,
            )
        if self.store.notices:
            self.notify(
                "\n".join(self.store.notices),
                title="Storage",
                severity="warning",
                timeout=15,
                markup=False,
            )
        self.call_after_refresh(self._after_first_frame)

    def _after_first_frame(self) -> None:
        # Everything alive now (Textual, widgets, modules) lives as long as the
        # app. Freezing it keeps full garbage collections short: a refresh that
        # parses 10,000 items otherwise triggers ~200 ms collections that stall
        # the UI thread (measured in benchmarks/refresh_responsiveness.py).
        gc.freeze()
        gc.enable()  # off since start-up when started from the command line (tui.__main__)
        self.reader.start()
        if self.settings.writable:
            self.run_worker(
                self._write_config_template, thread=True, group="settings", exit_on_error=False
            )

    def _write_config_template(self) -> None:
        """First run: a config.toml with every setting commented out, to discover and edit."""
        # A read-only home still runs on the defaults; nothing to tell.
        with contextlib.suppress(OSError):
            ensure_config_file(self.services.config_path)

    def on_unmount(self) -> None:
        self.services.close()
        if self._save_timer is not None:
            self._save_timer.stop()
            self._save_settings()  # a change made just before quitting is kept
        if self._store is not None:
            self._store.close()

    # -- global keys ------------------------------------------------------------

    def action_help(self) -> None:
        from tui.commands import palette_command_names
        from tui.screens.help import HelpScreen, help_rows

        bound = keys.keys_of("help", self._keymap)
        self.push_screen(
            HelpScreen(
                help_rows(self._keymap),
                palette_command_names(),
                close_keys=keys.key_label(bound),
                close_key_names=frozenset(keys.normal_keys(bound)),
            )
        )

    def action_leave(self) -> None:
        """q. Not Textual's "quit" action (ctrl+q): the letter q must still type
        into the search box, while ctrl+q must quit from anywhere."""
        self.exit(0)

    def action_quit(self) -> None:  # type: ignore[override]
        self.exit(0)

    def choose_sort(self, order: SortOrder) -> None:
        """A sort picked from the palette: applied, and remembered for next time."""
        self.reader.sort_by(order)
        self.remember("sort", order.value)
        self.notify(f"Sorted {order.label}.", timeout=2)

    def remember(self, name: str, value: object) -> None:
        """Keep a setting the user changed in the app, writing that one key in config.toml."""
        changed: dict[str, Any] = {name: value}
        self.services.settings = replace(self.settings, **changed)
        self._unsaved[name] = value
        if self._save_timer is not None:
            self._save_timer.stop()
        self._save_timer = self.set_timer(0.5, self._save_settings)

    def _save_settings(self) -> None:
        self._save_timer = None
        changes, self._unsaved = self._unsaved, {}
        if not changes:
            return
        if not self.settings.writable:
            self.notify(
                f"Not saved: {self.settings.load_error}. Fix the file and the next change is kept.",
                title="Settings",
                severity="warning",
                markup=False,
            )
            return
        for name, value in changes.items():
            try:
                save_setting(name, value, self.services.config_path)
            except (OSError, ValueError) as error:
                self.notify(
                    f"Could not save {name}: {error}",
                    title="Settings",
                    severity="warning",
                    markup=False,
                )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # ? in a dialog is the dialog's (help closes with it).
        return not (action == "help" and self.screen is not self.screen_stack[0])

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            if command.title in _HIDDEN_SYSTEM_COMMANDS:
                continue
            if command.title == "Screenshot":
                # Textual's saves to ~/Downloads and fails silently when it's missing.
                yield SystemCommand(
                    "Screenshot",
                    f"Save an SVG screenshot in {screenshot_dir()}",
                    self.take_screenshot,
                )
            else:
                yield command

    def take_screenshot(self) -> None:
        directory = screenshot_dir()
        try:
            directory.mkdir(parents=True, exist_ok=True)
            saved = self.save_screenshot(path=str(directory))
        except OSError as error:
            self.notify(
                f"Could not save the screenshot in {directory}: {error.strerror or error}",
                title="Screenshot",
                severity="error",
                markup=False,
            )
            return
        self.notify(saved, title="Screenshot saved", timeout=6, markup=False)

    def watch_theme(self, theme: str) -> None:
        if theme != self.settings.theme:
            self.remember("theme", theme)

    # -- opening links ------------------------------------------------------------

    def open_link(self, url: str, *, on_opened: Callable[[], None] | None = None) -> None:
        """Open an http(s) link in the user's browser, safely (see ``tui.links``)."""
        from tui.links import open_link

        open_link(self, url, on_opened=on_opened)

    # -- the one failure sink -------------------------------------------------------

    def _on_notify(self, event: Notify) -> None:
        # Never over a dialog, never so many that the newest is cut (tui.widgets.notices).
        if self.notices.admit(event.notification):
            super()._on_notify(event)

    def release_notices(self) -> None:
        """A dialog closed: show the notices that waited for it."""
        for notification in self.notices.release():
            super()._on_notify(Notify(notification))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.worker_failed(event)

    def worker_failed(self, event: Worker.StateChanged) -> None:
        """Any worker that raised: say so, keep running."""
        if event.state is WorkerState.ERROR:
            self.notify(
                str(event.worker.error),
                title="Something went wrong",
                severity="error",
                markup=False,
            )


# Textual's own "Keys" panel lists keys our help doesn't and can't be closed with
# esc; "Maximize" hides the status line. Help (?) and zoom (z) do both jobs.
# Its "Quit" would stand beside ours, which shows its key.
_HIDDEN_SYSTEM_COMMANDS = frozenset({"Keys", "Maximize", "Minimize", "Quit"})
# A toast of settings problems stays readable at 80x24; the CLI lists them all.
MAX_NOTICE_LINES = 3
