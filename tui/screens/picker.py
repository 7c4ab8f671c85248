"""A small modal list to pick one item from: the article's headings (t) or its links (f)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tui import keys
from tui.screens.dialog import DialogScreen


class PickerList(OptionList):
    """The picker's list moves with the reader's list keys (j/k, g/G, space…), remaps too."""

    BINDINGS: ClassVar[list[BindingType]] = keys.bindings(keys.LIST_KEYS[:-1])  # type: ignore[assignment]


class PickerScreen(DialogScreen[int | None]):
    """Dismisses with the index picked (enter, click), or None (esc, q)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "dismiss_none", "Close", id="close-picker"),
    ]
    DEFAULT_CSS = """
    PickerScreen {
        align: center middle;
        background: $background 60%;
    }
    PickerScreen #picker-box {
        width: 90;
        max-width: 95%;
        height: auto;
        max-height: 80%;
        border: round $accent;
        background: $surface;
        padding: 0 1;
    }
    PickerScreen OptionList, PickerScreen OptionList:focus {
        height: auto;
        max-height: 100%;
        border: none;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def __init__(self, title: str, items: list[Content]) -> None:
        super().__init__()
        self.title_text = title
        self.items = items

    def compose(self) -> ComposeResult:
        with Vertical(id="picker-box") as box:
            box.border_title = self.title_text
            box.border_subtitle = "enter picks · esc closes"
            # Items are Content built by the caller: article text is never markup.
            yield PickerList(*(Option(item) for item in self.items), markup=False)

    def on_mount(self) -> None:
        self.query_one(OptionList).highlighted = 0 if self.items else None

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option_index)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
