"""Parsing in worker processes gives exactly what parsing here gives, errors included."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import FEEDS
from tui.parse import FeedParseError, parse_feed
from tui.parse_pool import POOL_FROM_FEEDS, ParsePool, wanted


@pytest.fixture(scope="module")
def pool() -> Iterator[ParsePool]:
    opened = ParsePool(workers=2)
    yield opened
    opened.close()


@pytest.mark.parametrize(
    "name", ["rsparser__russcox.atom", "feedjira__TechCrunch.xml", "rsparser__bio.rdf"]
)
def test_a_real_feed_parses_the_same_in_a_worker(pool: ParsePool, name: str) -> None:
    body = (FEEDS / name).read_bytes()
    url = f"https://example.com/{name}"
    assert pool.parse(body, url=url, content_type="") == parse_feed(body, url=url)


def test_a_parse_error_comes_back_as_the_same_error(pool: ParsePool) -> None:
    body = b"<html><body>not a feed</body></html>"
    with pytest.raises(FeedParseError) as here:
        parse_feed(body, url="https://example.com/", content_type="text/html")
    with pytest.raises(FeedParseError) as there:
        pool.parse(body, url="https://example.com/", content_type="text/html")
    assert (there.value.kind, there.value.message) == (here.value.kind, here.value.message)


def test_a_closed_pool_still_parses_here(tmp_path: Path) -> None:
    closed = ParsePool(workers=1)
    closed.close()
    body = (FEEDS / "rsparser__manton.rss").read_bytes()
    assert closed.parse(body, url="https://manton.example/").title == "Manton Reece"


def test_only_a_refresh_of_many_feeds_on_many_cores_starts_processes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import os

    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert not wanted(1)
    assert not wanted(POOL_FROM_FEEDS - 1)
    assert wanted(POOL_FROM_FEEDS)
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert not wanted(200)  # one core: processes would only add their start-up
