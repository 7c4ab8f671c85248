"""``E``: every subscribed feed whose last refresh failed, with its error and when."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from tui.feedlist import FailingFeed, failing_line
from tui.screens.dialog import DialogScreen


class FeedErrorsScreen(DialogScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,E", "dismiss", "Close"),
    ]

    DEFAULT_CSS = """
    FeedErrorsScreen {
        align: center middle;
        background: $background 60%;
    }
    #errors-box {
        width: 100;
        max-width: 95%;
        height: auto;
        max-height: 90%;
        border: round $error;
        padding: 0 1;
        background: $surface;
    }
    .feed-error {
        margin: 0 0 1 0;
    }
    """

    def __init__(self, failing: Sequence[FailingFeed], *, now: datetime) -> None:
        super().__init__()
        self.failing = list(failing)
        self.now = now

    def compose(self) -> ComposeResult:
        box = VerticalScroll(id="errors-box")
        box.border_title = f"Failing feeds ({len(self.failing)})"
        box.border_subtitle = "esc closes"
        with box:
            for failing in self.failing:
                # Feed titles and server errors are untrusted: Content, never markup.
                yield Static(
                    Content.assemble(
                        (failing.title, "bold"),
                        "\n",
                        (failing.url, "dim"),
                        "\n",
                        (failing_line(failing, self.now), "$warning"),
                    ),
                    classes="feed-error",
                    markup=False,
                )
