"""Deterministic, realistic-looking feed content shared by the benchmarks.

Titles are 60-90 characters, summaries a few hundred, every post has a distinct
publication time (newest first: index 0 is the newest).
"""

from __future__ import annotations

import os
import random
import statistics
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape

from tui.models import Entry

NEWEST = datetime(2026, 5, 5, 9, 10, tzinfo=UTC)

_VERBS = (
    "Designing",
    "Debugging",
    "Scaling",
    "Benchmarking",
    "Migrating",
    "Hardening",
    "Profiling",
    "Rethinking",
    "Operating",
    "Testing",
)
_SUBJECTS = (
    "Postgres connection pools",
    "idempotent webhook consumers",
    "rate limiters in Redis",
    "gRPC streaming backpressure",
    "outbox-pattern event publishing",
    "zero-downtime schema migrations",
    "Kafka consumer rebalancing",
    "structured logging pipelines",
    "distributed cron schedulers",
    "HTTP/2 keep-alive tuning",
    "SQLite write-ahead logging",
    "background job retries",
)
_TAILS = (
    "without losing a single request",
    "when traffic grows tenfold overnight",
    "on a two-core virtual machine",
    "with nothing but the standard library",
    "and what the p99 latency taught us",
    "for a service nobody wants to page on",
    "before the next Black Friday",
    "the boring way that keeps working",
)
_SENTENCES = (
    "We measured every step before changing anything, and the numbers surprised us.",
    "The first fix made the median faster and the tail slower, which is the wrong trade.",
    "A single misconfigured timeout was holding connections open for thirty seconds.",
    "Retries with jitter spread the load, but only once the budget was capped.",
    "The database was never the bottleneck; the serializer in front of it was.",
    "Dashboards lied because they averaged over one-minute windows.",
    "We kept the old code path behind a flag until the new one ran for a week.",
    "Most of the work turned out to be deleting code that nobody called anymore.",
)


def title(index: int, rng: random.Random) -> str:
    """A 60-90 character title; ``#index`` makes it unique."""
    while True:
        text = f"{rng.choice(_VERBS)} {rng.choice(_SUBJECTS)} {rng.choice(_TAILS)} (part {index})"
        if 60 <= len(text) <= 90:
            return text


def summary(rng: random.Random, sentences: int = 4) -> str:
    return " ".join(rng.sample(_SENTENCES, sentences))


def link(index: int) -> str:
    return f"https://bench.example/posts/backend/post-{index:05d}/"


def published(index: int) -> datetime:
    """Distinct times, an hour apart, newest first."""
    return NEWEST - timedelta(hours=index)


def entries(count: int, *, seed: int = 1) -> list[Entry]:
    """``count`` entries as the parser would hand them to the store (newest first)."""
    rng = random.Random(seed)
    out: list[Entry] = []
    for index in range(count):
        out.append(
            Entry(
                key=link(index),
                title=title(index, rng),
                link=link(index),
                published=published(index),
                updated=None,
                summary=summary(rng),
                author="Bench Writer",
            )
        )
    return out


def _items(count: int, rng: random.Random) -> Iterator[str]:
    for index in range(count):
        body = summary(rng, 3)
        description = (
            f"<p>{body}</p><p>See <a href='{link(index)}'>the full post</a> and the "
            f"<code>config.toml</code> diff.</p>"
        )
        yield (
            f"<item><title>{escape(title(index, rng))}</title>"
            f"<link>{link(index)}</link>"
            f'<guid isPermaLink="true">{link(index)}</guid>'
            f"<pubDate>{format_datetime(published(index))}</pubDate>"
            f"<description>{escape(description)}</description></item>"
        )


def rss(count: int, *, seed: int = 2) -> bytes:
    """An RSS 2.0 document with ``count`` items, newest first."""
    rng = random.Random(seed)
    head = (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        "<title>Bench feed</title><link>https://bench.example/</link>"
        "<description>synthetic</description>"
    )
    return (head + "".join(_items(count, rng)) + "</channel></rss>").encode()


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[rank]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else 0.0


def machine() -> str:
    import platform
    import sys

    import textual

    return (
        f"Python {sys.version.split()[0]}, Textual {textual.__version__}, "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs"
    )
