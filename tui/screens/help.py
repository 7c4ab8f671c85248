"""``?``: every key the app answers to, built from the bindings themselves."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from tui import __version__


def key_label(keys: str) -> str:
    """``j,down`` → ``j / ↓`` as shown in the help table."""
    names = {
        "down": "↓",
        "up": "↑",
        "left": "←",
        "right": "→",
        "enter": "enter",
        "pagedown": "pgdn",
        "pageup": "pgup",
        "question_mark": "?",
        "space": "space",
        "escape": "esc",
        "home": "home",
        "end": "end",
        "tab": "tab",
    }
    return " / ".join(names.get(k.strip(), k.strip()) for k in keys.split(","))


def help_rows(groups: Iterable[tuple[str, Iterable[BindingType]]]) -> list[tuple[str, str, str]]:
    """(group, keys, description) rows; bindings to the same action share a row."""
    rows: list[tuple[str, str, str]] = []
    for group, bindings in groups:
        merged: dict[str, tuple[list[str], str]] = {}
        for binding in bindings:
            if not isinstance(binding, Binding) or not binding.description:
                continue
            keys, _ = merged.setdefault(binding.action, ([], binding.description))
            keys.append(key_label(binding.key))
        rows += [(group, " / ".join(keys), description) for keys, description in merged.values()]
    return rows


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close help"),
    ]

    def __init__(self, rows: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box") as box:
            box.border_title = f"rajpoot-tui {__version__} · keys"
            box.border_subtitle = "esc / q / ? to close"
            yield Static(self._table(), markup=False)

    def _table(self) -> Content:
        width = max((len(keys) for _, keys, _ in self.rows), default=4) + 2
        parts: list[Content | str | tuple[str, str]] = []
        group = None
        for row_group, keys, description in self.rows:
            if row_group != group:
                if group is not None:
                    parts.append("\n")
                parts += [(row_group, "bold $accent"), "\n"]
                group = row_group
            parts += [(f"  {keys:<{width}}", "bold"), description, "\n"]
        parts += [
            "\n",
            ("Mouse: ", "bold"),
            "click a row to read it, double-click to open it, click links in the post, "
            "scroll with the wheel, click the keys in the footer.",
        ]
        return Content.assemble(*parts)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)

    def on_click(self) -> None:
        self.dismiss()
