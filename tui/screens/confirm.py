"""A yes-or-no question before something the user cannot take back with one key."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from tui.screens.dialog import DialogScreen


class ConfirmScreen(DialogScreen[bool]):
    """Dismissed with True for ``y`` (or enter), False for ``n`` or esc."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    DEFAULT_CSS = """
    ConfirmScreen {
        align: center middle;
        background: $background 60%;
    }
    #confirm-box {
        width: 72;
        max-width: 95%;
        height: auto;
        border: round $warning;
        padding: 0 1;
        background: $surface;
    }
    """

    def __init__(self, title: str, question: str) -> None:
        super().__init__()
        self.title_text = title
        self.question = question

    def compose(self) -> ComposeResult:
        box = Vertical(id="confirm-box")
        box.border_title = self.title_text
        box.border_subtitle = "y yes · n no"
        with box:
            # The question names a feed: feed text is shown as Content, never markup.
            yield Static(Content(self.question), id="confirm-question")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
