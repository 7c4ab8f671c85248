"""The page object: what a test sees of the reader, without reaching into the App.

Tests say ``reader.post_list`` and ``await reader.settle()``; where those live
inside the app (the App, a screen, a widget) is this file's business alone, so
moving code around touches one file instead of every test.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from textual.pilot import Pilot

from tui.app import RajpootApp
from tui.models import Post
from tui.screens.reader import ReaderScreen
from tui.widgets.post_detail import PostDetail
from tui.widgets.post_list import PostList
from tui.widgets.search_bar import SearchBar
from tui.widgets.status_bar import StatusBar


class Notice(NamedTuple):
    severity: str
    title: str
    message: str


class Reader:
    """The reader screen of a running app, as a person sees and drives it."""

    def __init__(self, app: RajpootApp, pilot: Pilot[Any]) -> None:
        self.app = app
        self.pilot = pilot

    @property
    def screen(self) -> ReaderScreen:
        """The reader, even while a dialog (help, palette) is on top of it."""
        for screen in self.app.screen_stack:
            if isinstance(screen, ReaderScreen):
                return screen
        raise LookupError("the reader screen is not on the stack")

    @property
    def post_list(self) -> PostList:
        return self.screen.post_list

    @property
    def detail(self) -> PostDetail:
        return self.screen.detail

    @property
    def search_bar(self) -> SearchBar:
        return self.screen.search_bar

    @property
    def refreshing(self) -> bool:
        return self.screen.refreshing

    @property
    def status(self) -> StatusBar:
        return self.screen.status

    @property
    def posts(self) -> Sequence[Post]:
        """The rows of the list, top to bottom."""
        return self.post_list.posts

    def row_texts(self) -> list[str]:
        """The list's rows as drawn, in plain text, top to bottom."""
        from textual.content import Content

        rows = []
        for option in self.post_list.options:
            prompt = option.prompt
            rows.append(prompt.plain if isinstance(prompt, Content) else str(prompt))
        return rows

    @property
    def status_text(self) -> str:
        return str(self.status.content)

    @property
    def sidebar_shown(self) -> bool:
        return self.screen.has_class("-sidebar")

    @property
    def sidebar_rows(self) -> list[tuple[str, int, bool]]:
        """(label, unread, failed) for each sidebar row, top to bottom."""
        return [(row.label, row.unread, row.failed) for row in self.screen.sidebar.rows]

    def sidebar_index(self, label: str) -> int:
        return [row.label for row in self.screen.sidebar.rows].index(label)

    async def choose_feed(self, label: str) -> None:
        """Highlight ``label`` in the sidebar and press enter on it, as a person does."""
        if self.focused is not self.screen.sidebar:
            self.screen.set_focus(self.screen.sidebar)
        self.screen.sidebar.highlighted = self.sidebar_index(label)
        await self.pilot.press("enter")
        await self.settle()

    def meta(self, field: str) -> str:
        """What the post pane shows next to ``field`` (Published, Link, Section, Tags, ...)."""
        from textual.widgets import Static

        return str(self.screen.detail.query_one(f"#meta-{field.lower()}", Static).content)

    def detail_text(self) -> str:
        """The post pane's heading: the post's title, or why there is none."""
        from textual.widgets import Static

        return str(self.screen.detail.query_one("#detail-title", Static).content)

    @property
    def counts_text(self) -> str:
        """The status line's counts, without the feed's last error after them."""
        return self.status.summary

    @property
    def focused(self) -> object:
        return self.app.screen.focused

    def footer_descriptions(self) -> list[str]:
        """What the footer under the reader offers, left to right."""
        from textual.widgets._footer import FooterKey

        return [key.description for key in self.screen.query(FooterKey)]

    def has_focus(self, widget: object) -> bool:
        return self.app.screen.focused is widget

    def notices(self) -> list[Notice]:
        """Every notification shown so far, oldest first."""
        return [Notice(n.severity, n.title, n.message) for n in self.app._notifications]

    def notice_messages(
        self, *, title: str | None = None, severity: str | None = None
    ) -> list[str]:
        return [
            n.message
            for n in self.notices()
            if (title is None or n.title == title) and (severity is None or n.severity == severity)
        ]

    async def settle(self, *, extra: float = 0.1) -> None:
        """Let start-up, workers and timers that follow a key finish."""
        await self.pilot.pause()  # the start-up refresh begins after the first frame
        # On a slow machine the refresh may not have started after one pause, and
        # feeds arrive one by one: wait for the reader to say it is done.
        await self.wait_until(lambda: not self.refreshing)
        await self.app.workers.wait_for_complete()
        await self.pilot.pause()
        if extra:
            await self.pilot.pause(extra)

    async def wait_until(self, condition: Callable[[], bool], *, tries: int = 200) -> None:
        """Pause until ``condition()`` holds: a hang guard for timers (the read dwell),
        never a timing. The caller asserts the condition afterwards."""
        for _ in range(tries):
            if condition():
                return
            await self.pilot.pause(0.05)

    async def press(self, *keys: str) -> None:
        await self.pilot.press(*keys)


def search_off_the_ui_thread(monkeypatch: Any) -> None:
    """Make every search that scans (1-2 character terms only) run in a worker, as it
    does at thousands of posts, so a test with a few posts can see that path."""
    import tui.screens.reader

    monkeypatch.setattr(tui.screens.reader, "SCAN_OFF_THREAD_FROM", 0)
