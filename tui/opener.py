"""Choosing how to open a link. No Textual here; the App decides what to do with the choice.

Python's ``webbrowser`` picks a *console* browser (lynx, w3m) when there is no
display, and its ``open()`` then blocks until that browser exits while fighting
the TUI for the terminal. So we resolve the browser ourselves: console
browsers run with the app suspended, GUI browsers in a thread, and with no
browser at all (SSH, containers) the caller copies the URL instead of
silently doing nothing. Nothing here ever goes through a shell.
"""

from __future__ import annotations

import os
import sys
import webbrowser
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol


class Browser(Protocol):
    @property
    def console(self) -> bool:
        """True when the browser runs in this terminal and needs it to itself."""

    def open(self, url: str) -> bool:
        """Open ``url``; False when the browser could not be started."""


@dataclass(frozen=True, slots=True)
class SystemBrowser:
    """A browser found by :mod:`webbrowser` (which honours ``$BROWSER``)."""

    controller: webbrowser.BaseBrowser
    console: bool

    def open(self, url: str) -> bool:
        try:
            return bool(self.controller.open(url, new=2))
        except OSError:
            return False


def find_browser(env: Mapping[str, str] | None = None) -> Browser | None:
    """The browser to use, or None when opening a link would do nothing useful."""
    env = os.environ if env is None else env
    if sys.platform.startswith("linux") and not env.get("BROWSER"):
        remote = env.get("SSH_CONNECTION") or env.get("SSH_TTY")
        has_display = env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")
        if remote and not has_display:
            # A GUI browser would open on the far machine's screen, if anywhere.
            return None
    try:
        controller = webbrowser.get()
    except webbrowser.Error:
        return None
    return SystemBrowser(controller, console=_is_console(controller))


def _is_console(controller: webbrowser.BaseBrowser) -> bool:
    # GenericBrowser waits for the process; BackgroundBrowser (its subclass) doesn't.
    if type(controller) is webbrowser.GenericBrowser:
        return True
    if isinstance(controller, webbrowser.UnixBrowser):
        return not controller.background
    return False
