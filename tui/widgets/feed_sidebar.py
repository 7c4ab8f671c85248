"""The feeds sidebar: "All feeds", folders and feeds, each with its unread count."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.binding import BindingType
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option, OptionDoesNotExist

from tui import keys
from tui.feedlist import RowKind, SidebarRow


class FeedSidebar(OptionList):
    """Highlighting a row only moves; enter (or a click) shows that row's posts."""

    BINDINGS: ClassVar[list[BindingType]] = keys.bindings(keys.SIDEBAR_KEYS)  # type: ignore[assignment]

    DEFAULT_CSS = """
    FeedSidebar {
        width: 28;
        height: 1fr;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    class Chosen(Message):
        """The reader picked a row: show its posts."""

        def __init__(self, row: SidebarRow) -> None:
            super().__init__()
            self.row = row

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.border_title = "Feeds"
        self._rows: list[SidebarRow] = []
        self._current = ""

    @property
    def rows(self) -> Sequence[SidebarRow]:
        return self._rows

    def show_rows(self, rows: Sequence[SidebarRow], *, current: str) -> None:
        """Redraw with fresh counts, the highlight kept on the same row (by id)."""
        keep = self.highlighted_option.id if self.highlighted_option is not None else current
        self._rows = list(rows)
        self._current = current
        # Room for the text of a row: the count must stay visible however long a title.
        width = max(8, (self.scrollable_content_region.width or 26) - 1)
        self.set_options(Option(_row_content(row, current, width), id=row.row_id) for row in rows)
        try:
            index = self.get_option_index(keep or current)
        except OptionDoesNotExist:
            index = 0
        if self.option_count:
            with self.prevent(OptionList.OptionHighlighted):
                self.highlighted = index

    def on_resize(self) -> None:
        if self._rows:
            self.show_rows(self._rows, current=self._current)

    def action_select(self) -> None:
        if self.highlighted is not None and self.highlighted < len(self._rows):
            self.post_message(self.Chosen(self._rows[self.highlighted]))


def _row_content(row: SidebarRow, current: str, width: int = 26) -> Content:
    """``▸ Go  12`` with the shown row marked, failures flagged without colour alone.

    A long title is cut (``…``) so the ``!`` and the count always show.
    """
    indent = "  " if row.kind is RowKind.FEED and row.folder else ""
    shown = "▸" if row.row_id == current else " "
    flag = " !" if row.failed else ""
    count = f" {row.unread}" if row.unread else ""
    room = max(3, width - len(shown) - len(indent) - len(flag) - len(count))
    text = row.label if len(row.label) <= room else row.label[: room - 1] + "…"
    label = Content.styled(text, "bold" if row.kind is not RowKind.FEED else "")
    parts: list[Content | str | tuple[str, str]] = [shown, indent, label]
    if flag:
        parts.append((flag, "bold $error"))
    if count:
        parts.append((count, "$accent"))
    return Content.assemble(*parts)
