"""Regenerate screenshots/*.svg from the real app on the shipped snapshot feed.

Run with ``make screenshots``. Uses a throwaway home so your own read state
never shows up, a fixed clock so relative dates are stable, and no network.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "screenshots"
NOW = datetime(2026, 5, 8, 12, 0, tzinfo=UTC)

SHOTS: list[tuple[str, tuple[int, int], tuple[str, ...]]] = [
    # Two posts read, one starred, the cursor on the fourth: a reader mid-morning.
    ("reader-120x40.svg", (120, 40), ("m", "j", "m", "j", "j", "s", "j")),
    ("reader-80x24.svg", (80, 24), ("j",)),
    ("help-120x40.svg", (120, 40), ("question_mark",)),
    # A search kept with enter: the matched words highlighted in the list.
    ("search-120x40.svg", (120, 40), ("slash", *"grpc", "enter")),
    ("palette-100x30.svg", (100, 30), ("ctrl+p", *"sort")),
    ("zoom-80x24.svg", (80, 24), ("j", "z")),
]

# Many feeds: the backend feed and three real blogs (copies in tests/data/feeds), one
# in a folder, and one feed whose server is down.
FEED_FILES = {
    "https://research.swtch.com/feed.atom": "rsparser__russcox.atom",
    "https://daringfireball.net/feeds/main": "rsparser__DaringFireball.atom",
    "https://www.manton.org/feed.xml": "rsparser__manton.rss",
}
DOWN = "https://down.example/feed.xml"
FEED_SHOTS: list[tuple[str, tuple[int, int], tuple[str, ...]]] = [
    ("feeds-120x40.svg", (120, 40), ("j", "j")),
    ("feed-errors-100x30.svg", (100, 30), ("E",)),
]


async def shoot(name: str, size: tuple[int, int], keys: tuple[str, ...]) -> None:
    import httpx

    from tui.app import RajpootApp
    from tui.services import Services
    from tui.settings import Settings

    def offline(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("offline", request=request)

    services = Services(
        settings=Settings(mark_read_after_seconds=-1),
        transport=httpx.MockTransport(offline),
        browser_finder=lambda: None,
        clock=lambda: NOW,
    )
    await save(RajpootApp(services=services, refresh_on_start=False), name, size, keys)


async def save(app: Any, name: str, size: tuple[int, int], keys: tuple[str, ...]) -> None:
    """Run ``app`` headless, let it settle, press ``keys``, settle again, save the SVG."""
    async with app.run_test(size=size) as pilot:
        await pilot.pause(0.3)  # the start-up refresh begins after the first frame
        await app.workers.wait_for_complete()
        await pilot.pause(0.3)
        await pilot.press(*keys)
        await app.workers.wait_for_complete()
        await pilot.pause(0.3)
        app.save_screenshot(filename=name, path=str(OUT))
    print(f"wrote {OUT / name}")


async def shoot_feeds(name: str, size: tuple[int, int], keys: tuple[str, ...]) -> None:
    import httpx

    from tui import DEFAULT_FEED_URL
    from tui.app import RajpootApp
    from tui.feedlist import FeedRef
    from tui.services import Services
    from tui.settings import Settings

    data = ROOT / "tests" / "data" / "feeds"
    bodies = {url: (data / file).read_bytes() for url, file in FEED_FILES.items()}
    bodies[DEFAULT_FEED_URL] = (ROOT / "tui" / "seed" / "backend-index.xml").read_bytes()

    def serve(request: httpx.Request) -> httpx.Response:
        body = bodies.get(str(request.url))
        if body is None:
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        return httpx.Response(200, content=body)

    feeds = [
        FeedRef(DEFAULT_FEED_URL),
        FeedRef("https://research.swtch.com/feed.atom", folder="Go"),
        FeedRef("https://daringfireball.net/feeds/main", folder="Apple"),
        FeedRef("https://www.manton.org/feed.xml", folder="Apple"),
        FeedRef(DOWN, title="A blog that is down", folder="Go"),
    ]
    services = Services(
        settings=Settings(mark_read_after_seconds=-1),
        transport=httpx.MockTransport(serve),
        browser_finder=lambda: None,
        clock=lambda: NOW,
    )
    await save(RajpootApp(feeds=feeds, services=services), name, size, keys)


def main() -> int:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as home:
        for var in ("XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME"):
            os.environ[var] = str(Path(home) / var.lower())
        os.environ["TZ"] = "UTC"
        time.tzset()
        for name, size, keys in SHOTS:
            asyncio.run(shoot(name, size, keys))
        for name, size, keys in FEED_SHOTS:
            for store in Path(home).glob("xdg_*_home/rajpoot-tui/*.sqlite3*"):
                store.unlink()  # each shot starts from an empty store, as on a first run
            asyncio.run(shoot_feeds(name, size, keys))
    return 0


if __name__ == "__main__":
    sys.exit(main())
