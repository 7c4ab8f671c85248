"""The bare Textual reference for ``startup.py``: a Header, a Footer and one Static.

``startup.py`` launches it in the same kind of tmux pane as ``rajpoot-tui`` and polls
until :data:`MARKER` is visible, so its first paint is what Textual itself costs on this
machine today (interpreter start, ``import textual``, the first frame). Startup figures
for the reader are reported as ratios to it, which survive a noisy machine better than
milliseconds do. Nothing from ``tui`` is imported here.

Run by hand: ``.venv/bin/python benchmarks/bare_app.py`` (``q`` quits).
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Header, Static

MARKER = "bare Textual reference: first paint"


class BareApp(App[None]):
    TITLE = "bare-textual"
    # One binding so the Footer has a key to show, as the reader's does.
    BINDINGS: ClassVar[list[BindingType]] = [Binding("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(MARKER)
        yield Footer()


if __name__ == "__main__":
    BareApp().run()
