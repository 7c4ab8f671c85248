"""Every vendored real-world feed loads in the app and its posts render without error.

The feeds come from other feed parsers' test suites (licences in
tests/data/feeds/SOURCES.tsv): HTML and XHTML content, relative links, missing
titles and dates, podcasts, non-UTF-8 encodings, not-well-formed XML.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Markdown

from tests.builders import make_app, serve
from tests.conftest import FEEDS
from tests.pilot import Reader
from tui.parse import FeedParseError, parse_feed

FEED_FILES = sorted(p for p in FEEDS.iterdir() if p.suffix in {".xml", ".rss", ".atom", ".rdf"})


@pytest.mark.parametrize("path", FEED_FILES, ids=lambda p: p.name)
async def test_real_feed_loads_and_every_visited_post_renders(path: Path) -> None:
    url = f"https://feeds.example/{path.name}"
    body = path.read_bytes()
    try:
        expected, broken = len({e.key for e in parse_feed(body, url=url).entries}), False
    except FeedParseError:
        expected, broken = 0, True  # a deliberately broken sample
    app = make_app(serve(body, content_type="application/xml"), feed_url=url)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        reader = Reader(app, pilot)
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        posts = reader.post_list.posts
        assert len(posts) == expected
        if broken:
            # The app says so and keeps running.
            assert [n for n in reader.notices() if n.title == "Refresh failed"]
        # Walk the first posts and the last one, rendering each in the detail pane.
        for _ in range(min(len(posts), 6)):
            await pilot.pause(0.08)
            shown = reader.detail.post
            assert shown is not None and shown.id == reader.post_list.current_post.id  # type: ignore[union-attr]
            await pilot.press("j")
        if posts:
            await pilot.press("G")
            await pilot.pause(0.1)
            assert reader.detail.post is not None
            assert reader.detail.post.id == posts[-1].id
            source = reader.detail.query_one("#detail-body", Markdown).source
            assert "<script" not in source.lower()
        assert app.is_running
        assert app.title
