"""Builders for feeds, transports and browsers used by the app tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

import httpx

from tui.app import RajpootApp
from tui.feedlist import FeedLike
from tui.services import Services, StorePaths
from tui.settings import Settings


@dataclass(frozen=True)
class Item:
    title: str
    link: str
    description: str = ""
    pub_date: str = "Tue, 05 May 2026 09:10:00 +0530"
    guid: str | None = None


def numbered_item(n: int, description: str = "") -> Item:
    """``Post n`` at ``/posts/n/``; higher numbers are newer, so they list first."""
    return Item(
        title=f"Post {n}",
        link=f"https://example.com/posts/{n}/",
        description=description or f"Body of post {n}.",
        pub_date=f"Tue, {n + 1:02d} May 2026 09:00:00 +0000",
    )


class Sleeper:
    """Stands in for time.sleep: records the requested delays, never waits."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def rss(items: Sequence[Item], *, title: str = "Test feed", raw_titles: bool = False) -> bytes:
    """An RSS 2.0 document. ``raw_titles`` puts titles in CDATA, unescaped."""
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<rss version="2.0"><channel>',
        f"<title>{escape(title)}</title><link>https://example.com/</link>",
        "<description>test</description>",
    ]
    for item in items:
        item_title = f"<![CDATA[{item.title}]]>" if raw_titles else escape(item.title)
        parts.append(
            f"<item><title>{item_title}</title><link>{escape(item.link)}</link>"
            f"<pubDate>{item.pub_date}</pubDate>"
            f"<guid>{escape(item.guid or item.link)}</guid>"
            f"<description>{escape(item.description)}</description></item>"
        )
    parts.append("</channel></rss>")
    return "".join(parts).encode()


def serve(
    body: bytes | Callable[[httpx.Request], httpx.Response],
    *,
    content_type: str = "application/rss+xml",
) -> httpx.MockTransport:
    """A transport that answers every request with ``body`` (or a handler's response)."""
    if callable(body):
        return httpx.MockTransport(body)
    payload = body
    return httpx.MockTransport(
        lambda request: httpx.Response(200, content=payload, headers={"content-type": content_type})
    )


def failing(error: type[httpx.TransportError], message: str) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error(message, request=request)

    return httpx.MockTransport(handler)


OFFLINE = "[Errno -3] Temporary failure in name resolution"


@dataclass
class RecordingBrowser:
    """Stands in for the user's browser: records what it was asked to open."""

    console: bool = False
    works: bool = True
    opened: list[str] = field(default_factory=list)

    def open(self, url: str) -> bool:
        self.opened.append(url)
        return self.works


def make_app(
    transport: httpx.BaseTransport | None = None,
    # None, with feeds None: the subscriptions in ``settings`` (as a plain launch reads).
    *,
    feed_url: str | None = "https://blog.rajpoot.dev/tags/backend/index.xml",
    browser: RecordingBrowser | None = None,
    settings: Settings | None = None,
    refresh_on_start: bool = True,
    feeds: Sequence[FeedLike] | None = None,
) -> RajpootApp:
    from tests.conftest import FIXED_NOW

    found = browser if browser is not None else RecordingBrowser()
    services = Services(
        # Auto-read off by default so tests decide when a post becomes read.
        settings=settings or Settings(mark_read_after_seconds=-1, retention=2000),
        store_paths=StorePaths.default(),
        transport=transport or failing(httpx.ConnectError, OFFLINE),
        browser_finder=lambda: found,
        clock=lambda: FIXED_NOW,
    )
    return RajpootApp(feed_url, feeds=feeds, services=services, refresh_on_start=refresh_on_start)
