"""``?``: every key the app answers to, built from the bindings themselves."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
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
        "slash": "/",
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
        groups = list(dict.fromkeys(group for group, _, _ in self.rows))
        # Navigation on the left, actions on the right: fits 40 rows without scrolling.
        left, right = groups[:-1], groups[-1:]
        with VerticalScroll(id="help-box") as box:
            box.border_title = f"rajpoot-tui {__version__} · keys"
            box.border_subtitle = "esc / q / ? to close"
            with Horizontal(id="help-columns"):
                yield Static(self._table(left), markup=False, classes="help-column")
                yield Static(self._table(right, mouse=True), markup=False, classes="help-column")

    def _table(self, groups: list[str], *, mouse: bool = False) -> Content:
        rows = [row for row in self.rows if row[0] in groups]
        width = max((len(keys) for _, keys, _ in rows), default=4) + 2
        parts: list[Content | str | tuple[str, str]] = []
        group = None
        for row_group, keys, description in rows:
            if row_group != group:
                if group is not None:
                    parts.append("\n")
                parts += [(row_group, "bold $accent"), "\n"]
                group = row_group
            parts += [(f"  {keys:<{width}}", "bold"), description, "\n"]
        if mouse:
            parts += [
                "\n",
                ("Mouse", "bold $accent"),
                "\n  click a post to read it, double-click to open it; click links in a post; "
                "scroll with the wheel; click the keys in the footer.",
            ]
        return Content.assemble(*parts)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)

    def on_click(self) -> None:
        self.dismiss()
