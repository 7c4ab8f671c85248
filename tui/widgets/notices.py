"""Which notices show now: none over a question, and never so many that the newest is cut.

Two faults of toasts as Textual 8.2.8 draws them, found trying the reader:

* A refresh can end while the reader types a feed's new title; its toast landed
  over the question and the text being typed. So while a dialog
  (``tui.screens.dialog``) is on screen, notices are held, and shown, in
  order and for their full time, once it is closed.
* The toast rack shows toasts from the oldest down and cuts at its height, so
  after a burst of notices (a refresh of many feeds, a few keys) the newest was
  laid out off screen. So past a few, the oldest are dismissed.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from textual.app import App
from textual.notifications import Notification
from textual.widgets._toast import ToastRack

# Rows of screen per toast shown at once: a toast takes 3-6 rows with its gap, and
# the rack may take half the screen (styles/app.tcss). 2 at 24 rows, 4 at 40.
TOAST_ROWS = 10


class NoticeGate:
    """Decides, for the App, whether a notice is shown now or held for later."""

    def __init__(self, app: App[Any]) -> None:
        self.app = app
        self.held: list[Notification] = []
        """Notices raised while a dialog was on screen, shown once it is closed."""

    @property
    def toasts_at_once(self) -> int:
        return max(1, self.app.size.height // TOAST_ROWS)

    def admit(self, notification: Notification) -> bool:
        """True to show ``notification`` now (room made for it); False: it is held."""
        from tui.screens.dialog import DialogScreen

        app = self.app
        if isinstance(app.screen, DialogScreen):
            self.held.append(notification)
            return False
        live = list(app._notifications)
        for oldest in live[: max(0, len(live) + 1 - self.toasts_at_once)]:
            app._unnotify(oldest, refresh=False)
            # Its holder too: the rack removes only the toast and keeps the empty
            # holder's row, pushing every later toast down.
            app.screen.query(f"#{ToastRack._toast_id(oldest)}").remove()
        return True

    def release(self) -> list[Notification]:
        """The held notices, to show now, unless another dialog is on screen."""
        from tui.screens.dialog import DialogScreen

        if isinstance(self.app.screen, DialogScreen):
            return []
        held, self.held = self.held, []
        # Their time on screen starts now: the reader has not seen them yet.
        now = time.time()
        return [replace(notification, raised_at=now) for notification in held]
