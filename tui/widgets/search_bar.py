"""The ``/`` search line under the panes."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input


class SearchBar(Input):
    """Filters the list as you type; enter keeps the filter, escape clears it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "clear_search", "Clear search"),
    ]

    class Closed(Message):
        """The user is done typing (``keep`` is False when the search was cleared)."""

        def __init__(self, keep: bool) -> None:
            super().__init__()
            self.keep = keep

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(placeholder="search titles and descriptions…", id=id)

    def action_clear_search(self) -> None:
        self.value = ""
        self.post_message(self.Closed(keep=False))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Closed(keep=bool(self.value.strip())))
