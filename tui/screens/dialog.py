"""A dialog (a question, the help, a picker, the failing feeds): notices wait until it closes.

A refresh can end while the reader types a feed's new title; its notice would
land over the question and the text being typed, or over the failing-feeds
list and its close hint (Textual draws toasts on the top screen). So while a
dialog is on screen the App holds notices back and shows them, in order and
for their full time, once it is gone.
"""

from __future__ import annotations

from typing import TypeVar

from textual.screen import ModalScreen

ResultT = TypeVar("ResultT")


class DialogScreen(ModalScreen[ResultT]):
    """A modal dialog; the App shows the notices it held once this screen is gone."""

    def on_unmount(self) -> None:
        from tui.app import RajpootApp

        app = self.app
        if isinstance(app, RajpootApp):
            # Later, so the screen below is the top one again when they are shown.
            app.call_later(app.release_notices)
