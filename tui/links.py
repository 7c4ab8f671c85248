"""Opening a link from the app: refuse what is not http(s), hand the terminal to a
console browser, start a GUI browser off the event loop, or copy the link.

Which browser, and whether it runs in the terminal, is ``tui.opener``'s (no Textual).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.app import SuspendNotSupported

from tui.opener import Browser
from tui.sanitize import is_openable_link, link_scheme, shorten

if TYPE_CHECKING:
    from tui.app import RajpootApp


def open_link(app: RajpootApp, url: str, *, on_opened: Callable[[], None] | None = None) -> None:
    """Open an http(s) link in the user's browser, safely.

    ``on_opened`` runs once a browser really has the link: not when the
    link was refused, copied instead, or the browser failed to start.
    """
    opened = on_opened or (lambda: None)
    if not is_openable_link(url):
        scheme = link_scheme(url)
        if scheme in ("http", "https"):
            what = "a malformed link (spaces, control characters or a bad host/port)"
        else:
            what = f"a {scheme}: link" if scheme else "a link without http(s)"
        app.notify(
            f"Not opening {what}; only http and https links are opened.\n{shorten(url, 300)}",
            title="Link refused",
            severity="warning",
            markup=False,
        )
        return
    browser = app.services.browser_finder()
    if browser is None:
        _copy_instead(app, url, "No browser is available here")
        return
    if browser.console:
        # lynx/w3m need the terminal; give it to them until they exit.
        try:
            with app.suspend():
                started = browser.open(url)
        except SuspendNotSupported:
            _copy_instead(app, url, "Can't hand the terminal to a console browser here")
            return
        if started:
            opened()
        else:
            _copy_instead(app, url, "The browser could not be started")
        return
    app.run_worker(
        lambda: _open_in_background(app, browser, url, opened),
        thread=True,
        group="open-link",
        exit_on_error=False,
        description="Opening link",
    )


def _open_in_background(
    app: RajpootApp, browser: Browser, url: str, opened: Callable[[], None]
) -> None:
    # Starting a GUI browser can take a second; never on the event loop.
    if browser.open(url):
        app.call_from_thread(app.notify, url, title="Opened in browser", timeout=3, markup=False)
        app.call_from_thread(opened)
    else:
        app.call_from_thread(_copy_instead, app, url, "The browser could not be started")


def _copy_instead(app: RajpootApp, url: str, reason: str) -> None:
    app.copy_to_clipboard(url)
    app.notify(
        f"{reason}; the link is copied to your clipboard (if your terminal allows it):\n{url}",
        title="Link copied",
        timeout=10,
        markup=False,
    )
