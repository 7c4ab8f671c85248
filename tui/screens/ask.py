"""A one-line question (a feed's new title, a folder, a file path): enter answers, esc cancels."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Input, Static

from tui.screens.dialog import DialogScreen


class AskScreen(DialogScreen[str | None]):
    """Dismissed with the text typed (stripped), or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    DEFAULT_CSS = """
    AskScreen {
        align: center middle;
        background: $background 60%;
    }
    #ask-box {
        width: 80;
        max-width: 95%;
        height: auto;
        border: round $accent;
        padding: 0 1;
        background: $surface;
    }
    #ask-hint {
        color: $text-muted;
    }
    """

    def __init__(self, title: str, question: str, *, value: str = "", hint: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.question = question
        self.value = value
        self.hint = hint

    def compose(self) -> ComposeResult:
        box = Vertical(id="ask-box")
        box.border_title = self.title_text
        box.border_subtitle = "enter to confirm · esc to cancel"
        with box:
            # The question can name a feed: feed text is shown as Content, never markup.
            yield Static(Content(self.question), id="ask-question")
            yield Input(value=self.value, id="ask-input", select_on_focus=False)
            if self.hint:
                yield Static(Content(self.hint), id="ask-hint")

    @on(Input.Submitted)
    def _answer(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)
