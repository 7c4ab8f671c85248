"""``?``: every key the app answers to, built from the bindings themselves."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from tui import __version__, keys
from tui.screens.dialog import DialogScreen


def help_rows(keymap: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """(section, keys, description) rows from the live bindings, remaps included."""
    rows: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    textual_own = [
        keys.KeySpec("command-palette", "ctrl+p", "command_palette", "Commands and themes", ""),
        keys.KeySpec("quit-anywhere", "ctrl+q", "quit", "Quit from anywhere", ""),
    ]
    for section, specs in (
        (keys.MOVE, keys.LIST_KEYS + keys.ARTICLE_KEYS),
        (keys.VIEW, keys.READER_KEYS),
        (TEXTUAL_OWN, textual_own),
        (keys.READ, keys.READER_KEYS + keys.LIST_KEYS + keys.SIDEBAR_KEYS),
        (keys.APP, keys.APP_KEYS + keys.READER_KEYS),
    ):
        for spec in specs:
            if spec.id in seen or (spec.section != section and section != TEXTUAL_OWN):
                continue
            seen.add(spec.id)
            bound = keymap.get(spec.id, spec.keys)
            rows.append((section, keys.key_label(bound), spec.description))
    return rows


TEXTUAL_OWN = "Textual's own"
LEFT_COLUMN = (keys.MOVE, keys.VIEW, TEXTUAL_OWN)


class HelpBox(VerticalScroll):
    """The help scrolls with the keys it lists for the post pane (j/k, g/G, space…)."""

    BINDINGS: ClassVar[list[BindingType]] = keys.bindings(keys.DETAIL_KEYS)  # type: ignore[assignment]


class HelpScreen(DialogScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close help"),
    ]

    def __init__(
        self,
        rows: list[tuple[str, str, str]],
        palette: list[str] | None = None,
        *,
        close_keys: str = "?",
        close_key_names: frozenset[str] = frozenset(),
    ) -> None:
        super().__init__()
        self.rows = rows
        self.palette = palette or []
        self.close_keys = close_keys
        """The key bound to help now, which closes it too (with esc and q)."""
        self._close_key_names = close_key_names

    def compose(self) -> ComposeResult:
        groups = list(dict.fromkeys(group for group, _, _ in self.rows))
        # Moving and viewing on the left, acting on the right: fits 40 rows unscrolled.
        left = [group for group in groups if group in LEFT_COLUMN]
        right = [group for group in groups if group not in LEFT_COLUMN]
        with HelpBox(id="help-box") as box:
            box.border_title = f"rajpoot-tui {__version__} · keys"
            box.border_subtitle = f"esc / q / {self.close_keys} to close"
            with Horizontal(id="help-columns"):
                yield Static(
                    self._table(left, palette=self.palette), markup=False, classes="help-column"
                )
                yield Static(self._table(right, mouse=True), markup=False, classes="help-column")

    def _table(
        self, groups: list[str], *, mouse: bool = False, palette: list[str] | None = None
    ) -> Content:
        rows = [row for row in self.rows if row[0] in groups]
        width = max((len(keys) for _, keys, _ in rows), default=4) + 2
        parts: list[Content | str | tuple[str, str]] = []
        group = None
        for row_group, bound, description in rows:
            if row_group != group:
                if group is not None:
                    parts.append("\n")
                parts += [(row_group, "bold $accent"), "\n"]
                group = row_group
            parts += [(f"  {bound:<{width}}", "bold"), description, "\n"]
        if palette:
            parts += [
                "\n",
                ("Only in the command palette (ctrl+p)", "bold $accent"),
                "\n  " + "; ".join(palette) + ".",
            ]
        if mouse:
            parts += [
                "\n",
                ("Mouse", "bold $accent"),
                "\n  click a post to show it, double-click to read it whole; click links in a "
                "post; scroll with the wheel; click the keys in the footer.",
            ]
        return Content.assemble(*parts)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)

    def on_key(self, event: events.Key) -> None:
        if event.key in self._close_key_names:  # help remapped in [keys]
            event.stop()
            self.dismiss()

    def on_click(self) -> None:
        self.dismiss()
