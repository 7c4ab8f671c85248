"""Deterministic, realistic-looking feed content shared by the benchmarks.

Titles are 60-90 characters, summaries a few hundred, every post has a distinct
publication time (newest first: index 0 is the newest). :func:`description_html` is a
longer description (1-2.5 kB of text, like the real feeds') for what searches it.

Only :class:`tui.models.Entry` is imported from the project, so that ``startup.py`` can
fill a store with an older revision's code too.
"""

from __future__ import annotations

import html
import os
import random
import re
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


# For description_html: sentences any backend post may hold, and a few per topic, so a
# topic's words (postgres, grpc, kafka...) are in some posts, not in nearly all of them.
_GENERAL = (
    *_SENTENCES,
    "The p99 latency doubled at exactly the moment the garbage collector ran.",
    "Backpressure means saying no early, before the queue says it for you.",
    "A circuit breaker with a half-open state let the service recover on its own.",
    "The benchmark ran on a laptop, and production ran on two noisy virtual cores.",
    "Load tests with realistic payloads found what the synthetic ones never did.",
    "Feature flags made the rollback a config change instead of a redeploy.",
    "Alert on symptoms users feel, not on every cause you can imagine.",
    "The team wrote the runbook during the incident, which is the wrong time.",
    "Timeouts, retries and idempotency are one design, not three separate settings.",
    "Capacity planning started with a spreadsheet and ended with a load test.",
    "The on-call rotation got quieter once every alert had an owner and a runbook.",
    "We wrote the postmortem without names, and people finally told us what happened.",
    "Canary deploys caught the regression on one percent of the traffic.",
    "The cache hit rate looked great because it was caching the errors as well.",
)
_TOPICS = (
    (
        "Connection pools in Postgres are cheap to get wrong and expensive to debug at 3 a.m.",
        "PgBouncer in transaction mode broke our prepared statements until we turned them off.",
        "A SELECT ... FOR UPDATE SKIP LOCKED query turned the jobs table into a decent queue.",
        "Reading the Postgres query plan beat adding yet another index.",
    ),
    (
        "The gRPC deadline was shorter than the retry budget, so every retry was already late.",
        "Streaming responses over gRPC kept memory flat where the batch endpoint had spiked.",
        "Protobuf field numbers are forever; we reserved the ones we removed.",
    ),
    (
        "The Go rewrite of the worker used one buffered channel per partition.",
        "Goroutines are cheap, but forty thousand of them waiting on one mutex are not.",
        "pprof showed the Go service spending a third of its time encoding JSON.",
    ),
    (
        "Redis answered in under a millisecond; the network round trip was the other nine.",
        "A Lua script made the Redis rate limiter atomic, and the double counting stopped.",
    ),
    (
        "Kafka rebalances paused every consumer in the group for up to forty seconds.",
        "Static group membership stopped Kafka from rebalancing on every deploy.",
    ),
    (
        "SQLite in WAL mode handled the writes fine; the fsync on every commit did not.",
        "A busy timeout of five seconds ended the 'database is locked' errors.",
    ),
    (
        "HTTP/2 multiplexing hid head-of-line blocking until one slow stream held the others.",
        "Keep-alive timeouts on the load balancer must be longer than the application's.",
    ),
    (
        "Idempotency keys made webhook retries harmless, once they were stored with the result.",
        "The outbox table grew by a million rows a day until the relay caught up.",
    ),
    (
        "We moved the schema change into three deploys: add the column, backfill, then switch.",
        "The migration took a lock for four minutes on a table we thought was small.",
    ),
    (
        "Structured logs with a request id turned a day of grepping into one query.",
        "We stopped logging request bodies and cut the logging bill by two thirds.",
    ),
    (
        "Every cron job got a lock and a deadline, and the overlapping runs stopped.",
        "Two schedulers fired the same job at midnight until leader election settled it.",
    ),
)
# Identifiers a search must find as written, each in a known subset of the posts.
_IDENTIFIERS = (
    (
        29,
        3,
        "We capped <code>MAX_POOL_SIZE</code> at 20 per worker and set "
        "<code>POOL_TIMEOUT</code> to two seconds.",
    ),
    (
        41,
        7,
        "The hot loop copied a <code>std::vector&lt;std::string&gt;</code> on every call; "
        "a const reference fixed it.",
    ),
    (
        17,
        11,
        "The asyncio documentation at <a href='https://docs.python.org/3/library/asyncio-task.html'>"
        "https://docs.python.org/3/library/asyncio-task.html</a> explains the cancellation rules.",
    ),
)


def description_html(index: int, rng: random.Random) -> str:
    """A description as a feed gives it: 5-7 paragraphs of HTML, 1-2.5 kB of text, on
    one topic (two of its sentences) among general ones.

    Some posts also hold an identifier (every 29th from post 3 ``MAX_POOL_SIZE``, every
    41st from post 7 ``std::vector<std::string>``, every 17th from post 11 a
    ``https://docs.python.org/...`` link), so searches for them find a known few."""
    topic = rng.choice(_TOPICS)
    paragraphs = [rng.sample(_GENERAL, rng.randint(3, 5)) for _ in range(rng.randint(4, 6))]
    for sentence in rng.sample(topic, 2):
        paragraphs[rng.randrange(len(paragraphs))].insert(0, sentence)
    texts = [" ".join(sentences) for sentences in paragraphs]
    for every, first, sentence in _IDENTIFIERS:
        if index % every == first:
            texts.insert(rng.randrange(len(texts) + 1), sentence)
    texts.append(
        f"See <a href='{link(index)}'>the full post</a> and the <code>config.toml</code> diff."
    )
    return "".join(f"<p>{text}</p>" for text in texts)


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


def description_text(index: int, rng: random.Random) -> str:
    """:func:`description_html` as plain text, paragraphs one blank line apart (also
    valid Markdown, so any revision's store can hold it as a summary)."""
    paragraphs = _PARAGRAPH.findall(description_html(index, rng))
    return "\n\n".join(html.unescape(_TAG.sub("", text)) for text in paragraphs)


_PARAGRAPH = re.compile(r"<p>(.*?)</p>")
_TAG = re.compile(r"<[^>]+>")


def entries(count: int, *, seed: int = 1, long: bool = False) -> list[Entry]:
    """``count`` entries as the parser would hand them to the store (newest first).

    Summaries are a few hundred characters; with ``long``, 1-2.5 kB
    (:func:`description_text`), the size of real feeds' descriptions."""
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
                summary=description_text(index, rng) if long else summary(rng),
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
