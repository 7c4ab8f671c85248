"""Refreshing many feeds at once, politely. No Textual here.

The reader's refresh worker and ``rajpoot-tui refresh`` both call
:func:`refresh_many`: one HTTP client (keep-alive, one connection pool) for the
whole run, at most ``parallel`` fetches in flight and at most ``per_host`` to any
one host, so twenty feeds on one server are fetched two at a time while the
other hosts go on. Each feed still goes through :func:`tui.refresh.refresh_feed`,
with its conditional GET, retries, Retry-After and freshness rules; a slow or dead
feed holds one slot and never delays the others.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from tui.refresh import RefreshOutcome, Status, refresh_feed
from tui.sanitize import host_of

if TYPE_CHECKING:
    import httpx

    from tui.fetch import FetchError, FetchPolicy
    from tui.parse_pool import ParsePool
    from tui.store import Store

DEFAULT_PARALLEL = 8
DEFAULT_PER_HOST = 2


@dataclass(frozen=True, slots=True)
class Progress:
    """One feed finished: its outcome, and how far the whole run is."""

    outcome: RefreshOutcome
    done: int
    total: int


RetryReport = Callable[[str, int, int, float, "FetchError"], None]
"""``(url, attempt, tries, delay, error)``: a feed's fetch is about to be tried again."""


def refresh_many(
    store: Store,
    urls: Sequence[str],
    *,
    policy: FetchPolicy | None = None,
    transport: httpx.BaseTransport | None = None,
    parallel: int = DEFAULT_PARALLEL,
    per_host: int = DEFAULT_PER_HOST,
    sleep: Callable[[float], None] | None = None,
    should_cancel: Callable[[], bool] = lambda: False,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    on_progress: Callable[[Progress], None] | None = None,
    on_retry: RetryReport | None = None,
) -> list[RefreshOutcome]:
    """Refresh every feed of ``urls`` (duplicates once); outcomes in the order of ``urls``.

    ``on_progress`` is called from this thread as each feed finishes, in the order
    they finish. A cancel stops new fetches at once and cuts running ones short;
    feeds never started get a CANCELLED outcome.
    """
    from tui.fetch import FetchPolicy, make_client

    policy = policy or FetchPolicy()
    unique = list(dict.fromkeys(urls))
    parallel = max(1, parallel)
    per_host = max(1, per_host)
    outcomes: dict[str, RefreshOutcome] = {}
    pending = list(unique)
    busy_hosts: Counter[str] = Counter()

    def one(url: str) -> RefreshOutcome:
        tries = policy.retries + 1
        attempt = 1

        def retrying(delay: float, error: FetchError) -> None:
            nonlocal attempt
            attempt += 1
            if on_retry is not None:
                on_retry(url, attempt, tries, delay, error)

        return refresh_feed(
            store,
            url,
            policy=policy,
            client=client,
            sleep=sleep,
            should_cancel=should_cancel,
            now=now,
            on_retry=retrying,
            parse=parse,
        )

    def next_startable() -> str | None:
        for index, url in enumerate(pending):
            if busy_hosts[host_of(url)] < per_host:
                return pending.pop(index)
        return None

    from tui import parse_pool

    # Many feeds: parse in processes, on every core, leaving the GIL to the UI thread.
    processes = parse_pool.ParsePool() if parse_pool.wanted(len(unique)) else None
    parse = processes.parse if processes is not None else None
    # The client's pool holds a connection per running fetch, no more.
    with (
        closing_pool(processes),
        make_client(policy, transport) as client,
        ThreadPoolExecutor(
            max_workers=min(parallel, max(1, len(unique))), thread_name_prefix="rajpoot-fetch"
        ) as pool,
    ):
        running: dict[Future[RefreshOutcome], str] = {}
        while pending or running:
            while pending and len(running) < parallel and not should_cancel():
                # Only this thread starts and finishes fetches: no lock for the counts.
                url = next_startable()
                if url is None:
                    break
                busy_hosts[host_of(url)] += 1
                running[pool.submit(one, url)] = url
            if not running:
                break  # cancelled before the rest could start
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                url = running.pop(future)
                busy_hosts[host_of(url)] -= 1
                outcomes[url] = _outcome_of(future, url)
                if on_progress is not None:
                    on_progress(Progress(outcomes[url], len(outcomes), len(unique)))
    for url in pending:
        outcomes[url] = RefreshOutcome(
            url, Status.CANCELLED, "refresh cancelled", error_kind="cancelled"
        )
    return [outcomes[url] for url in unique]


@contextmanager
def closing_pool(processes: ParsePool | None) -> Iterator[None]:
    try:
        yield
    finally:
        if processes is not None:
            processes.close()


def _outcome_of(future: Future[RefreshOutcome], url: str) -> RefreshOutcome:
    """refresh_feed never raises for the network or the feed; a bug still must not take
    the other feeds down with it."""
    try:
        return future.result()
    except Exception as error:
        return RefreshOutcome(
            url, Status.FAILED, f"{host_of(url)}: {type(error).__name__}: {error}", error_kind="bug"
        )
