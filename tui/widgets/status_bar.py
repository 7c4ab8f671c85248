"""One line under the panes: counts, the shown feed's last error, a spinner while refreshing."""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import Static

_FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


class StatusBar(Static):
    busy: reactive[bool] = reactive(False)
    """True while a refresh runs; animates the spinner."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self._frame = 0
        self._summary = ""
        self._activity = ""
        self._error = ""
        self._timer: Timer | None = None

    @property
    def summary(self) -> str:
        return self._summary

    def set_summary(self, summary: str) -> None:
        self._summary = summary
        self._draw()

    def set_error(self, error: str) -> None:
        """The shown feed's last refresh error: it stays after its toast has gone."""
        if error != self._error:
            self._error = error
            self._draw()

    def start(self, activity: str) -> None:
        self._activity = activity
        self.busy = True
        self._draw()

    def stop(self) -> None:
        self.busy = False
        self._activity = ""
        self._draw()

    def watch_busy(self, busy: bool) -> None:
        self.set_class(busy, "-busy")
        if busy and self._timer is None:
            self._timer = self.set_interval(0.1, self._tick)
        elif not busy and self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _tick(self) -> None:
        self._frame = (self._frame + 1) % len(_FRAMES)
        self._draw()

    def _draw(self) -> None:
        if self.busy:
            self.update(
                Content.assemble(
                    (_FRAMES[self._frame], "bold $accent"),
                    " ",
                    self._activity,
                    ("  ·  ", "dim"),
                    (self._summary, "dim"),
                )
            )
        elif self._error:
            self.update(
                Content.assemble(self._summary, ("  ·  ", "dim"), (self._error, "$warning"))
            )
        else:
            self.update(Content(self._summary))
