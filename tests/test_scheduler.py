"""refresh_many: many feeds at once, never more than the limits, a slow feed delays no other.

Concurrency is proven with barriers, never with timings: a handler that waits for
N fetches to be in flight together can only get past the barrier if they are.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.builders import numbered_item, rss
from tests.conftest import FIXED_NOW
from tests.httpserver import FeedServer, Response, closed_port
from tui.refresh import Status
from tui.scheduler import Progress, refresh_many
from tui.store import Store

GUARD = 30  # seconds: a hang guard for barriers, never a measure of speed
BODY = rss([numbered_item(n) for n in (1, 2)])


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "cache.sqlite3", tmp_path / "state.sqlite3") as opened:
        yield opened


class InFlight:
    """Counts fetches in flight, per host and in all, and the most seen at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now: Counter[str] = Counter()
        self.most: Counter[str] = Counter()
        self.requests: list[str] = []

    def transport(self, wait: Callable[[httpx.Request], object]) -> httpx.MockTransport:
        def handler(request: httpx.Request) -> httpx.Response:
            host = request.url.host
            with self.lock:
                self.requests.append(str(request.url))
                self.now[host] += 1
                self.now["*"] += 1
                self.most[host] = max(self.most[host], self.now[host])
                self.most["*"] = max(self.most["*"], self.now["*"])
            try:
                wait(request)
            finally:
                with self.lock:
                    self.now[host] -= 1
                    self.now["*"] -= 1
            return httpx.Response(200, content=BODY)

        return httpx.MockTransport(handler)


def urls(hosts: int, per_host: int = 1) -> list[str]:
    return [f"https://h{h}.example/feed{n}.xml" for h in range(hosts) for n in range(per_host)]


def test_eight_feeds_on_eight_hosts_are_fetched_at_once(store: Store) -> None:
    together = threading.Barrier(8, timeout=GUARD)
    seen = InFlight()
    outcomes = refresh_many(
        store, urls(8), transport=seen.transport(lambda _: together.wait()), now=lambda: FIXED_NOW
    )
    assert [o.status for o in outcomes] == [Status.UPDATED] * 8
    assert seen.most["*"] == 8


def test_never_more_than_the_limit_in_all(store: Store) -> None:
    seen = InFlight()
    first_four = threading.Barrier(4, timeout=GUARD)
    calls = Counter[str]()

    def wait(request: httpx.Request) -> None:
        with seen.lock:
            calls["n"] += 1
            number = calls["n"]
        if number <= 4:
            first_four.wait()

    outcomes = refresh_many(
        store, urls(12), parallel=4, transport=seen.transport(wait), now=lambda: FIXED_NOW
    )
    assert all(o.ok for o in outcomes)
    assert seen.most["*"] == 4


def test_two_at_a_time_to_one_host_while_other_hosts_go_on(store: Store) -> None:
    seen = InFlight()
    # The first two fetches to h0 and the three to other hosts must all be in
    # flight together to get past this: two to one host, the others beside them.
    together = threading.Barrier(5, timeout=GUARD)
    busy = urls(1, per_host=6)  # six feeds on h0.example
    others = [f"https://other{n}.example/feed.xml" for n in range(3)]
    h0_calls = Counter[str]()

    def wait(request: httpx.Request) -> None:
        if request.url.host == "h0.example":
            with seen.lock:
                h0_calls["n"] += 1
                first_two = h0_calls["n"] <= 2
            if not first_two:
                return
        together.wait()

    outcomes = refresh_many(
        store, busy + others, per_host=2, transport=seen.transport(wait), now=lambda: FIXED_NOW
    )
    assert all(o.ok for o in outcomes)
    assert seen.most["h0.example"] == 2
    assert seen.most["*"] >= 5


def test_a_slow_feed_delays_none_of_the_others(store: Store) -> None:
    slow = "https://slow.example/feed.xml"
    quick = urls(5)
    release = threading.Event()
    finished: list[str] = []

    def wait(request: httpx.Request) -> None:
        if request.url.host == "slow.example":
            release.wait(GUARD)

    def progress(step: Progress) -> None:
        finished.append(step.outcome.url)
        if step.done == step.total - 1:
            release.set()  # every other feed is done while the slow one still hangs

    outcomes = refresh_many(
        store,
        [slow, *quick],
        transport=InFlight().transport(wait),
        on_progress=progress,
        now=lambda: FIXED_NOW,
    )
    assert finished[-1] == slow
    assert sorted(finished[:-1]) == sorted(quick)
    assert [o.url for o in outcomes] == [slow, *quick]  # in the order asked
    assert all(o.ok for o in outcomes)


def test_progress_counts_up_to_the_number_of_distinct_feeds(store: Store) -> None:
    steps: list[tuple[int, int]] = []
    feeds = urls(3)
    outcomes = refresh_many(
        store,
        [*feeds, feeds[0]],
        transport=InFlight().transport(lambda _: None),
        on_progress=lambda step: steps.append((step.done, step.total)),
        now=lambda: FIXED_NOW,
    )
    assert len(outcomes) == 3
    assert steps == [(1, 3), (2, 3), (3, 3)]


def test_a_cancel_starts_nothing_new(store: Store) -> None:
    cancelled = threading.Event()
    seen = InFlight()

    def progress(step: Progress) -> None:
        cancelled.set()

    outcomes = refresh_many(
        store,
        urls(6),
        parallel=1,
        transport=seen.transport(lambda _: None),
        should_cancel=cancelled.is_set,
        on_progress=progress,
        now=lambda: FIXED_NOW,
    )
    assert len(seen.requests) == 1
    assert [o.status for o in outcomes] == [Status.UPDATED] + [Status.CANCELLED] * 5


def test_one_client_serves_the_whole_run(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    import tui.fetch

    made: list[httpx.Client] = []
    real = tui.fetch.make_client

    def counting(*args: object, **kwargs: object) -> httpx.Client:
        client = real(*args, **kwargs)  # type: ignore[arg-type]
        made.append(client)
        return client

    monkeypatch.setattr(tui.fetch, "make_client", counting)
    outcomes = refresh_many(
        store, urls(10), transport=InFlight().transport(lambda _: None), now=lambda: FIXED_NOW
    )
    assert all(o.ok for o in outcomes)
    assert len(made) == 1


def test_a_dead_feed_is_reported_and_the_others_still_refresh(store: Store) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "dead.example":
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        return httpx.Response(200, content=BODY)

    feeds = ["https://dead.example/feed.xml", *urls(3)]
    outcomes = refresh_many(
        store,
        feeds,
        transport=httpx.MockTransport(handler),
        sleep=lambda _: None,
        now=lambda: FIXED_NOW,
    )
    assert outcomes[0].status is Status.FAILED
    assert "refused" in outcomes[0].message.lower()
    assert [o.status for o in outcomes[1:]] == [Status.UPDATED] * 3


def test_retries_are_reported_with_their_number(store: Store) -> None:
    answers = iter([httpx.Response(503), httpx.Response(200, content=BODY)])

    def handler(request: httpx.Request) -> httpx.Response:
        return next(answers)

    said: list[tuple[str, int, int]] = []
    outcomes = refresh_many(
        store,
        ["https://flaky.example/feed.xml"],
        transport=httpx.MockTransport(handler),
        sleep=lambda _: None,
        on_retry=lambda url, attempt, tries, delay, error: said.append((url, attempt, tries)),
        now=lambda: FIXED_NOW,
    )
    assert outcomes[0].ok
    assert said == [("https://flaky.example/feed.xml", 2, 3)]


def test_the_thirty_real_feeds_and_misbehaving_servers_in_one_refresh(
    store: Store, feed_server: FeedServer
) -> None:
    from tests.conftest import FEEDS
    from tests.httpserver import redirect, retry_after, slow

    real = sorted(path for path in FEEDS.iterdir() if path.name != "SOURCES.tsv")
    assert len(real) == 30
    good = [
        feed_server.route(f"/real/{path.name}", Response(200, {}, path.read_bytes()))
        for path in real
    ]
    slow_url = feed_server.route("/slow.xml", slow(0.3, BODY))
    failing = feed_server.route("/failing.xml", Response(500, {}, b"down"))
    limited = feed_server.route("/limited.xml", retry_after(429, 3600))
    target = feed_server.route("/moved/feed.xml", Response(200, {}, BODY))
    moved = feed_server.route("/old.xml", redirect(target, status=301))
    dead = f"http://127.0.0.1:{closed_port()}/feed.xml"

    every = [*good, slow_url, failing, limited, moved, dead]
    outcomes = refresh_many(store, every, sleep=lambda _: None, now=lambda: FIXED_NOW)
    by_url = {outcome.url: outcome for outcome in outcomes}

    # One of the thirty is broken XML on purpose (feedparser's own test case): it
    # fails with a message, and only it.
    broken = [url for url in good if not by_url[url].ok]
    assert [url.rsplit("/", 1)[1] for url in broken] == [
        "feedparser__illformed__rss_incomplete_cdata.xml"
    ]
    assert "not valid XML" in by_url[broken[0]].message
    good = [url for url in good if url not in broken]
    assert all(by_url[url].status is Status.UPDATED for url in good)
    assert by_url[slow_url].ok and by_url[moved].ok
    assert by_url[failing].status is Status.FAILED
    assert by_url[dead].status is Status.FAILED
    assert "the server asked to wait until" in by_url[limited].message
    # Each real feed's posts are stored under its own URL: guids never cross feeds.
    # (feedparser's utf-16 test feed holds no item at all.)
    empty = [url for url in good if not store.posts(url)]
    assert [url.rsplit("/", 1)[1] for url in empty] == ["feedparser__encoding__utf-16le-bom.xml"]
    # A Retry-After holds for the next run too.
    again = refresh_many(store, [limited], now=lambda: FIXED_NOW)
    assert again[0].status is Status.WAITING
    assert feed_server.hits("/limited.xml") == 1


def test_a_refresh_of_many_feeds_parses_in_worker_processes(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from tui import parse_pool

    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    parsed_there: list[str] = []
    real = parse_pool.ParsePool.parse

    def counting(
        self: parse_pool.ParsePool, body: bytes, *, url: str, content_type: str = ""
    ) -> object:
        parsed_there.append(url)
        return real(self, body, url=url, content_type=content_type)

    monkeypatch.setattr(parse_pool.ParsePool, "parse", counting)
    feeds = urls(parse_pool.POOL_FROM_FEEDS)
    outcomes = refresh_many(
        store, feeds, transport=InFlight().transport(lambda _: None), now=lambda: FIXED_NOW
    )
    assert all(o.status is Status.UPDATED for o in outcomes)
    assert sorted(parsed_there) == sorted(feeds)
    assert [p.title for p in store.posts(feeds[0])] == ["Post 2", "Post 1"]
