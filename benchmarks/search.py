"""Store.search at 10,000 posts: FTS5 (trigram) against the Python scan the / filter used before.

The descriptions are the vendored real feeds' (tests/data/feeds, ~1.8 kB of plain text
each), cycled to 10,000 posts in one feed. Prints the first-fill merge time, the cache
size, and per query the median of seven runs. Offline; the temp files are removed.

    .venv/bin/python benchmarks/search.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.test_htmltext import FEED_FILES, feed_descriptions
from tui.htmltext import CONVERTER_VERSION
from tui.models import Entry, ParsedFeed, Post
from tui.parse import derive_description
from tui.store import Store

N = 10_000
URL = "https://bench.example/feed.xml"
QUERIES = [
    "max_pool_size3",
    "pool",
    "the",
    "cloud google",
    "std::vector",
    "https://",
    "café",
    "muller",
    '"exact phrase"',
    "C#",
    "go",
    "x",
    "zzzz",
]


# The / filter before FTS5, kept here as the reference the index is measured against.
def filter_posts(posts: Iterable[Post], query: str) -> list[Post]:
    """Posts whose title, section, author or description contain every word of ``query``.

    Case-insensitive; an empty query matches everything.
    """
    words = query.casefold().split()
    if not words:
        return list(posts)
    found = []
    for post in posts:
        haystack = f"{post.title}\n{post.section}\n{post.author}\n{post.summary}".casefold()
        if all(word in haystack for word in words):
            found.append(post)
    return found


def median_ms(run: object, repeat: int = 7) -> float:
    assert callable(run)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    sources = [d for path in FEED_FILES for d in feed_descriptions(path) if d.strip()]
    derived = [derive_description(s, base_url="https://bench.example/") for s in sources]
    base = datetime(2026, 1, 1, tzinfo=UTC)
    entries = [
        Entry(
            key=f"k{i}",
            title=f"Post {i} on MAX_POOL_SIZE{i % 13} and café",
            link=f"https://bench.example/{i}",
            published=base + timedelta(minutes=i),
            updated=None,
            summary=derived[i % len(sources)].markdown,
            author="Jane Müller",
            content_hash=f"h{i}",
            source=sources[i % len(sources)],
            text=derived[i % len(sources)].text,
            converter_version=CONVERTER_VERSION,
        )
        for i in range(N)
    ]
    feed = ParsedFeed(url=URL, title="Bench", link="", description="", entries=entries)
    with tempfile.TemporaryDirectory(prefix="rajpoot-bench-") as tmp:
        cache, state = Path(tmp) / "c.sqlite3", Path(tmp) / "s.sqlite3"
        with Store.open(cache, state, retention=N) as store:
            started = time.perf_counter()
            store.merge(URL, feed, etag=None, last_modified=None, not_before=None, now=base)
            print(f"first fill, {N} posts: {time.perf_counter() - started:.2f} s")
        print(f"cache file: {cache.stat().st_size / 1e6:.0f} MB")
        with Store.open(cache, state, retention=N) as store:
            posts = store.posts()
            print(f"{'query':22} {'hits':>6} {'Store.search':>13} {'filter_posts':>13}")
            for query in QUERIES:
                hits = len(store.search(query))
                fts = median_ms(lambda q=query: store.search(q))
                scan = median_ms(lambda q=query: filter_posts(posts, q), repeat=3)
                print(f"{query!r:22} {hits:6} {fts:10.2f} ms {scan:10.1f} ms")


if __name__ == "__main__":
    main()
