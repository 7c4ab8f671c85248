"""200 feeds at once: rajpoot-tui beside newsboat, the UI during the refresh, first paint.

200 RSS 2.0 feeds of 50 posts each (``_synthetic`` titles, 1-2.5 kB descriptions) are
served from 40 loopback addresses, ``http://127.0.0.{2..41}:PORT/feedNNN.xml``, five feeds
per address: one ``ThreadingHTTPServer`` bound to each address, all on the same port (Linux
routes all of 127/8 to ``lo``, and a server bound to 127.0.0.1 does not answer 127.0.0.2;
one bound to 0.0.0.0 would, but would also listen on every other interface). Ten feeds send
their headers after 2 s, five answer HTTP 500 (no Retry-After) and five point at port 9 of
their address, which refuses; the other 180 answer at once. The server counts every request
by client (User-Agent) and by kind of feed, and the most requests it had in flight at once,
in all and on one address.

1. **CLI, beside newsboat.** ``python -m tui refresh`` in a fresh temporary home whose
   ``config.toml`` lists the 200 feeds (``max_parallel_fetches = 8``,
   ``fetches_per_host = 2``), and ``newsboat -x reload`` (``reload-threads 8``, its own
   temporary home, urls file and cache), alternately (AB, BA, ...; one discarded warm-up
   each). Wall time, peak RSS and CPU time of the child (through GNU time), the requests
   the server saw, and the posts each one stored (read back from its SQLite file).
2. **UI stalls.** The app headless (``App.run_test``, 120x40) on an empty store with the
   200 feeds (``RajpootApp(feeds=...)``, the real network), ``r`` pressed (the action called,
   as ``refresh_responsiveness.py`` does), and an ``asyncio.sleep(0.02)`` loop recording the
   real gaps between wake-ups until the refresh worker is done; then the same probe for as
   long (at most 15 s) with nothing running (the baseline), and a second ``r`` (every post already
   stored). The refresh phases and garbage collections are timed and the threads' stacks
   sampled while the loop is late (``refresh_responsiveness.py``'s instruments).
3. **First paint with 200 feeds.** ``startup.py``'s tmux measurement: the bare Textual app,
   ``rajpoot-tui --feed URL`` on one feed of 10,000 stored posts, and ``rajpoot-tui`` (no
   ``--feed``) whose ``config.toml`` lists 200 feeds with 50 stored posts each (the served
   documents, parsed and merged), every feed on a refusing port so the start-up refresh
   reaches no server. Until the newest post's title is visible; balanced orders.

The report is printed as Markdown and written to ``benchmarks/results/refresh_many-<UTC
time>.md``, with the raw numbers in a ``.json`` file of the same name.

Run: ``PYTHONPATH=. .venv/bin/python benchmarks/refresh_many.py [--runs 5] [--ui-runs 3]
[--paint-runs 6] [--only cli|ui|paint]``
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import enum
import json
import os
import random
import shutil
import socketserver
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from _synthetic import NEWEST, description_html, machine, median, ms, percentile, title
from bare_app import MARKER
from refresh_responsiveness import (
    SPANS,
    STALL,
    Probe,
    RunResult,
    Span,
    Watchdog,
    instrument,
    probe_loop,
)
from startup import (
    BARE,
    BARE_SCRIPT,
    NEEDLE,
    NEWEST_TITLE,
    REPO,
    RESULTS,
    Home,
    Report,
    Target,
    Tree,
    _empty_home,
    _ratio_row,
    balanced_orders,
    check_launch,
    first_paint,
    make_home,
    tmux,
)
from textual.worker import WorkerState

import tui
from tui.app import RajpootApp
from tui.feedlist import FeedRef
from tui.parse import parse_feed
from tui.services import Services, StorePaths
from tui.settings import Settings
from tui.store import Store

FEEDS = 200
POSTS = 50
HOSTS = 40
PER_ADDRESS = FEEDS // HOSTS
SLOW_SECONDS = 2.0
REFUSING_PORT = 9
PARALLEL = 8
PER_HOST = 2
CHILD_TIMEOUT = 300.0
UI_TIMEOUT = 180.0
TAIL = 0.5  # keep probing this long after the refresh worker finished
BASELINE_MAX = 15.0  # the idle probe runs as long as the refresh did, up to this


# ------------------------------------------------------------------- feeds


class Kind(enum.StrEnum):
    OK = "ok"
    SLOW = "slow"
    ERROR = "500"
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class Feed:
    index: int
    kind: Kind
    address: str

    @property
    def path(self) -> str:
        return f"/feed{self.index:03d}.xml"

    def url(self, port: int) -> str:
        used = REFUSING_PORT if self.kind is Kind.REFUSED else port
        return f"http://{self.address}:{used}{self.path}"


def kind_of(index: int) -> Kind:
    """Ten slow, five 500, five refused, spread over the addresses (feed 0 is fine)."""
    if index % 20 == 7:
        return Kind.SLOW
    if index % 40 == 13:
        return Kind.ERROR
    if index % 40 == 33:
        return Kind.REFUSED
    return Kind.OK


FEED_LIST = [Feed(n, kind_of(n), f"127.0.0.{2 + n // PER_ADDRESS}") for n in range(FEEDS)]
ADDRESSES = list(dict.fromkeys(feed.address for feed in FEED_LIST))
FETCHABLE = [feed for feed in FEED_LIST if feed.kind in (Kind.OK, Kind.SLOW)]


def feed_body(feed: Feed) -> bytes:
    """Feed ``n``: 50 posts an hour apart, ``n`` minutes older than feed 0's, links and guids
    of its own (newsboat keys posts by guid alone). Feed 0's newest title is the needle."""
    rng = random.Random(10_000 + feed.index)
    site = f"https://bench.example/feed{feed.index:03d}/"
    items = []
    for index in range(POSTS):
        link = f"{site}post-{index:02d}/"
        text = NEWEST_TITLE if feed.index == 0 and index == 0 else title(index, rng)
        when = NEWEST - timedelta(minutes=feed.index, hours=index)
        items.append(
            f"<item><title>{escape(text)}</title><link>{link}</link>"
            f'<guid isPermaLink="true">{link}</guid>'
            f"<pubDate>{format_datetime(when)}</pubDate>"
            f"<description>{escape(description_html(index, rng))}</description></item>"
        )
    head = (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>Bench feed {feed.index:03d}</title><link>{site}</link>"
        "<description>synthetic</description>"
    )
    return (head + "".join(items) + "</channel></rss>").encode()


# ------------------------------------------------------------------ server


@dataclass
class Tally:
    """What the servers saw since the last reset."""

    requests: Counter[str] = field(default_factory=Counter)
    """By ``client kind``: ``rajpoot ok``, ``newsboat 500``..."""
    in_flight: int = 0
    peak: int = 0
    by_address: Counter[str] = field(default_factory=Counter)
    peak_per_address: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self.peak = self.peak_per_address = 0

    def start(self, address: str, what: str) -> None:
        with self.lock:
            self.requests[what] += 1
            self.in_flight += 1
            self.by_address[address] += 1
            self.peak = max(self.peak, self.in_flight)
            self.peak_per_address = max(self.peak_per_address, self.by_address[address])

    def end(self, address: str) -> None:
        with self.lock:
            self.in_flight -= 1
            self.by_address[address] -= 1

    def snapshot(self) -> Seen:
        with self.lock:
            return Seen(dict(self.requests), self.peak, self.peak_per_address)


@dataclass(frozen=True, slots=True)
class Seen:
    requests: dict[str, int]
    peak: int
    peak_per_address: int

    def count(self, client: str, kind: Kind | None = None) -> int:
        return sum(
            n
            for what, n in self.requests.items()
            if what.startswith(f"{client} ") and (kind is None or what.endswith(f" {kind}"))
        )

    def cell(self, client: str) -> str:
        fed = self.count(client, Kind.OK) + self.count(client, Kind.SLOW)
        return f"{self.count(client)} ({fed} feeds + {self.count(client, Kind.ERROR)} × 500)"


@dataclass(frozen=True, slots=True)
class Farm:
    port: int
    tally: Tally
    urls: list[str]


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client closing a keep-alive connection its own way is not news.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    def server_bind(self) -> None:
        # HTTPServer.server_bind asks getfqdn() for the address's name: a DNS lookup.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)


@contextmanager
def feed_servers() -> Iterator[Farm]:
    """One server per loopback address, all on one port; the 200 URLs in feed order."""
    bodies = {(feed.address, feed.path): (feed, feed_body(feed)) for feed in FEED_LIST}
    tally = Tally()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real servers do
        timeout = 15  # an idle keep-alive connection is dropped after this

        def do_GET(self) -> None:
            address = str(self.connection.getsockname()[0])
            agent = self.headers.get("User-Agent", "").lower()
            client = next((c for c in ("rajpoot", "newsboat") if c in agent), "other")
            found = bodies.get((address, self.path))
            tally.start(address, f"{client} {found[0].kind if found else 'unknown'}")
            try:
                if found is None:
                    self._send(404, b"no such feed", "text/plain")
                    return
                feed, body = found
                if feed.kind is Kind.SLOW:
                    time.sleep(SLOW_SECONDS)
                if feed.kind is Kind.ERROR:
                    self._send(500, b"internal error", "text/plain")
                else:
                    self._send(200, body, "application/rss+xml; charset=utf-8")
            finally:
                tally.end(address)

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    servers: list[_Server] = []
    for _ in range(20):  # another program may hold the port on one of the addresses
        try:
            servers.append(_Server((ADDRESSES[0], 0), Handler))
            port = servers[0].server_address[1]
            servers += [_Server((address, port), Handler) for address in ADDRESSES[1:]]
            break
        except OSError:
            for server in servers:
                server.server_close()
            servers = []
    else:
        raise RuntimeError("could not bind one port on all 40 loopback addresses")
    threads = [
        threading.Thread(target=server.serve_forever, name=f"feeds-{index}", daemon=True)
        for index, server in enumerate(servers)
    ]
    for thread in threads:
        thread.start()
    try:
        yield Farm(port, tally, [feed.url(port) for feed in FEED_LIST])
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
        for thread in threads:
            thread.join(5)


def base_env() -> dict[str, str]:
    """This process's environment without proxies (everything here is on loopback)."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name.lower() not in ("http_proxy", "https_proxy", "all_proxy")
    }
    local = ",".join(["localhost", "127.0.0.1", *ADDRESSES])
    env["NO_PROXY"] = env["no_proxy"] = local
    return env


# -------------------------------------------------------------- 1. the CLI


@dataclass(frozen=True, slots=True)
class Child:
    wall: float
    max_rss_kb: int
    cpu: float
    """User plus system CPU seconds of the child."""
    returncode: int


GNU_TIME = Path("/usr/bin/time")


def run_child(argv: Sequence[str], env: dict[str, str], cwd: Path, output: Path) -> Child:
    """Run ``argv`` to the end: wall time, and the child's own peak RSS and CPU time.

    Through GNU time when there is one: Linux carries the peak RSS of the process that
    calls exec over into the new program's (``exec_mmap``), and this script, with every feed
    in memory, would be that process (``subprocess`` uses vfork). ``time`` is a small
    process that forks and then execs. Without it, ``os.wait4`` on the direct child: its
    peak then includes this script's."""
    usage_file = output.with_suffix(".rusage")
    timed = GNU_TIME.exists()
    if timed:
        argv = [str(GNU_TIME), "-f", "%M %U %S", "-o", str(usage_file), *argv]
    with output.open("wb") as sink:
        start = time.perf_counter()
        proc = subprocess.Popen(
            argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=sink, stderr=sink
        )
        killer = threading.Timer(CHILD_TIMEOUT, proc.kill)
        killer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode < 0 or (timed and "signal" in usage_file.read_text()):
        raise RuntimeError(f"{argv[0]} was killed (after {CHILD_TIMEOUT:g} s?):\n{output}")
    if timed:
        rss, user, system = usage_file.read_text().split()[-3:]
        return Child(wall, int(rss), float(user) + float(system), proc.returncode)
    return Child(wall, usage.ru_maxrss, usage.ru_utime + usage.ru_stime, proc.returncode)


@dataclass(frozen=True, slots=True)
class CliRun:
    who: str
    child: Child
    seen: Seen
    posts: int
    feeds_with_posts: int


def count_rows(db: Path, table: str, feed_column: str) -> tuple[int, int]:
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        row = conn.execute(
            f"SELECT count(*), count(DISTINCT {feed_column}) FROM {table}"
        ).fetchone()
    return int(row[0]), int(row[1])


def feeds_toml(urls: Sequence[str]) -> str:
    return "".join(f'\n[[feeds]]\nurl = "{url}"\n' for url in urls)


def rajpoot_cli(base: Path, name: str, farm: Farm) -> CliRun:
    home = _empty_home(base, name)
    config = home.root / "config" / "rajpoot-tui" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(
        f"max_parallel_fetches = {PARALLEL}\nfetches_per_host = {PER_HOST}\n"
        + feeds_toml(farm.urls)
    )
    env = {**base_env(), **home.env, "HOME": str(home.root), "PYTHONPATH": str(REPO)}
    farm.tally.reset()
    child = run_child(
        [sys.executable, "-m", "tui", "refresh"], env, home.root, home.root / "output.txt"
    )
    seen = farm.tally.snapshot()
    posts, feeds = count_rows(home.db_paths()[0], "posts", "feed_url")
    return CliRun("rajpoot", child, seen, posts, feeds)


def newsboat_cli(base: Path, name: str, farm: Farm, newsboat: str) -> CliRun:
    root = base / name
    root.mkdir()
    (root / "urls").write_text("".join(f"{url}\n" for url in farm.urls))
    # -x reload needs no terminal. Defaults otherwise: download-timeout 30 s,
    # download-retries 1 (no retry).
    (root / "config").write_text(f"reload-threads {PARALLEL}\n")
    env = {
        **base_env(),
        "HOME": str(root),
        "XDG_CONFIG_HOME": str(root / "config.d"),
        "XDG_DATA_HOME": str(root / "data.d"),
    }
    cache = root / "cache.db"
    argv = [newsboat, "-u", str(root / "urls"), "-c", str(cache), "-C", str(root / "config")]
    farm.tally.reset()
    child = run_child([*argv, "-x", "reload"], env, root, root / "output.txt")
    seen = farm.tally.snapshot()
    posts, feeds = count_rows(cache, "rss_item", "feedurl")
    return CliRun("newsboat", child, seen, posts, feeds)


def check_tui_source(env: dict[str, str], cwd: Path) -> None:
    """``python -m tui`` with this environment imports this checkout's ``tui``."""
    probe = subprocess.run(
        [sys.executable, "-c", "import tui; print(tui.__file__)"],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    if not Path(probe.stdout.strip()).resolve().is_relative_to(REPO.resolve()):
        raise RuntimeError(f"the CLI would import tui from {probe.stdout.strip()}, not {REPO}")


def serial_costs(base: Path) -> dict[str, float]:
    """The CLI refresh's CPU work done on one thread, nothing else running: seconds per
    phase for the 190 documents that parse."""
    import feedparser

    work = [(feed, feed.url(80), feed_body(feed)) for feed in FETCHABLE]
    costs: dict[str, float] = {}
    start = time.perf_counter()
    for _, url, body in work:
        headers = {"content-location": url, "content-type": "application/rss+xml"}
        feedparser.parse(body, response_headers=headers, resolve_relative_uris=True)
    costs["feedparser.parse alone"] = time.perf_counter() - start
    start = time.perf_counter()
    parsed = [
        parse_feed(body, url=url, content_type="application/rss+xml") for _, url, body in work
    ]
    costs["parse_feed (feedparser, then derive_description per post)"] = time.perf_counter() - start
    home = base / "serial"
    with Store.open(home / "posts.sqlite3", home / "state.sqlite3") as store:
        for label, mark_new in (("empty store", False), ("every post already stored", True)):
            start = time.perf_counter()
            for (_, url, _), feed in zip(work, parsed, strict=True):
                store.merge(
                    url,
                    feed,
                    etag=None,
                    last_modified=None,
                    not_before=None,
                    now=datetime.now(UTC),
                    mark_new=mark_new,
                )
            costs[f"Store.merge, {label}"] = time.perf_counter() - start
        start = time.perf_counter()
        listed = len(store.posts())
        costs[f"Store.posts() of all feeds ({listed:,} posts), once"] = time.perf_counter() - start
    return costs


def cli_part(say: Report, base: Path, farm: Farm, runs: int) -> dict[str, Any]:
    newsboat = shutil.which("newsboat")
    check_tui_source({**base_env(), "PYTHONPATH": str(REPO)}, base)
    makers: dict[str, Callable[[str], CliRun]] = {
        "rajpoot": lambda name: rajpoot_cli(base, name, farm)
    }
    if newsboat is not None:
        makers["newsboat"] = lambda name: newsboat_cli(base, name, farm, newsboat)
    for who, make in makers.items():  # warm-up: bytecode, OS caches; discarded
        make(f"warm-{who}")
    results: dict[str, list[CliRun]] = {who: [] for who in makers}
    order = list(makers)
    for run in range(runs):
        for who in order if run % 2 == 0 else order[::-1]:
            one = makers[who](f"cli-{who}-{run}")
            results[who].append(one)
            print(
                f"  cli run {run + 1} {who}: {ms(one.child.wall)}, "
                f"{one.child.max_rss_kb / 1024:.0f} MB, {one.posts} posts",
                flush=True,
            )

    say("### 1. One refresh of 200 feeds: `rajpoot-tui refresh` beside `newsboat -x reload`")
    say()
    say(
        f"{runs} runs of each, alternating (one discarded warm-up each), a fresh home every "
        f"time. 200 feeds of {POSTS} posts: 180 answer at once, 10 after {SLOW_SECONDS:g} s, "
        f"5 with HTTP 500, 5 refuse the connection. Both with {PARALLEL} fetches at once; "
        f"rajpoot-tui also at most {PER_HOST} per address. Peak RSS and CPU (user + system) "
        "of the child from "
        + (
            "GNU time (`%M`, `%U + %S`)."
            if GNU_TIME.exists()
            else "`os.wait4`: without GNU time, the peak includes this script's own."
        )
    )
    if newsboat is None:
        say()
        say("newsboat is not installed: only rajpoot-tui was measured.")
    say()
    say(
        "| 200 feeds, one refresh | wall median | min | max | peak RSS median (min-max) "
        "| CPU median | requests the server saw | most in flight (per address) "
        "| posts stored (feeds) |"
    )
    say("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    labels = {
        "rajpoot": f"rajpoot-tui refresh ({PARALLEL} at once, {PER_HOST} per address)",
        "newsboat": f"newsboat -x reload (reload-threads {PARALLEL})",
    }
    for who, done in results.items():
        walls = [r.child.wall for r in done]
        rss = [r.child.max_rss_kb / 1024 for r in done]
        seen = done[-1].seen
        say(
            f"| {labels[who]} | {ms(median(walls))} | {ms(min(walls))} | {ms(max(walls))} "
            f"| {median(rss):.0f} MB ({min(rss):.0f}-{max(rss):.0f}) "
            f"| {median([r.child.cpu for r in done]):.2f} s | {seen.cell(who)} "
            f"| {seen.peak} ({seen.peak_per_address}) "
            f"| {median([float(r.posts) for r in done]):,.0f} "
            f"({median([float(r.feeds_with_posts) for r in done]):.0f}) |"
        )
    if "newsboat" in results:
        a, b = results["rajpoot"], results["newsboat"]
        walls = [x.child.wall / y.child.wall for x, y in zip(a, b, strict=True)]
        rss = [x.child.max_rss_kb / y.child.max_rss_kb for x, y in zip(a, b, strict=True)]
        cpu = [x.child.cpu / max(y.child.cpu, 1e-3) for x, y in zip(a, b, strict=True)]
        say(
            f"| rajpoot-tui / newsboat (median of per-run ratios, range) "
            f"| {median(walls):.2f}x ({min(walls):.2f}-{max(walls):.2f}x) | | "
            f"| {median(rss):.2f}x ({min(rss):.2f}-{max(rss):.2f}x) | {median(cpu):.2f}x | | | |"
        )
    costs = serial_costs(base)
    say()
    say(
        f"Where rajpoot-tui's CPU time goes: the same work in this process, on one thread, "
        f"nothing else running, for the {len(FETCHABLE)} documents that parse "
        f"({sum(len(feed_body(f)) for f in FETCHABLE) / len(FETCHABLE) / 1024:.0f} KB each):"
    )
    say()
    say("| phase, one thread | total | per feed |")
    say("|---|---:|---:|")
    for label, seconds in costs.items():
        per = f"{seconds / len(FETCHABLE) * 1000:.1f} ms" if "once" not in label else "-"
        say(f"| {label} | {ms(seconds)} | {per} |")
    say()
    say(
        "Exit codes seen: "
        + ", ".join(
            f"{who} {sorted({r.child.returncode for r in done})}" for who, done in results.items()
        )
        + f" (rajpoot-tui exits 1 when a feed failed). Expected posts: {len(FETCHABLE)} feeds "
        f"x {POSTS} = {len(FETCHABLE) * POSTS:,}."
    )
    say()
    return {
        "serial_seconds": costs,
    } | {
        who: [
            {
                **asdict(r.child),
                "requests": r.seen.requests,
                "peak_in_flight": r.seen.peak,
                "peak_per_address": r.seen.peak_per_address,
                "posts": r.posts,
                "feeds_with_posts": r.feeds_with_posts,
            }
            for r in done
        ]
        for who, done in results.items()
    }


# ------------------------------------------------------------- 2. UI stalls


@dataclass
class UiRun:
    first: RunResult
    first_cpu: float
    first_posts: int
    first_seen: Seen
    second: RunResult
    second_cpu: float
    second_posts: int


def _refresh_running(app: RajpootApp) -> bool:
    return any(
        w.group == "refresh" and w.state in (WorkerState.PENDING, WorkerState.RUNNING)
        for w in app.workers
    )


async def _probe_refresh(app: RajpootApp) -> tuple[RunResult, float]:
    """From ``r`` until the refresh worker is done (plus TAIL): the loop's gaps, the
    phases, the stacks while it was late; and the process's CPU seconds meanwhile."""
    with Watchdog() as watchdog:
        SPANS.clear()
        probe, stop = Probe(), asyncio.Event()
        task = asyncio.create_task(probe_loop(probe, watchdog, stop))
        started, cpu = time.perf_counter(), time.process_time()
        app.reader.action_refresh()
        while not _refresh_running(app) and time.perf_counter() - started < 2:
            await asyncio.sleep(0.001)
        while _refresh_running(app):
            await asyncio.sleep(0.01)
            if time.perf_counter() - started > UI_TIMEOUT:
                raise RuntimeError(f"the refresh did not finish within {UI_TIMEOUT:g} s")
        duration = time.perf_counter() - started
        cpu = time.process_time() - cpu
        await asyncio.sleep(TAIL)
        stop.set()
        await task
        result = RunResult(duration, probe, Probe(), list(SPANS), list(watchdog.samples), started)
    return result, cpu


async def ui_run(farm: Farm, home: Path) -> UiRun:
    cache, state = home / "cache" / "posts.sqlite3", home / "data" / "state.sqlite3"
    services = Services(
        settings=Settings(
            mark_read_after_seconds=-1,
            refresh_minutes=0,
            max_parallel_fetches=PARALLEL,
            fetches_per_host=PER_HOST,
        ),
        store_paths=StorePaths(cache, state),
        config_path=home / "config" / "config.toml",
        browser_finder=lambda: None,
    )
    app = RajpootApp(
        feeds=[FeedRef(url) for url in farm.urls], services=services, refresh_on_start=False
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        farm.tally.reset()
        first, first_cpu = await _probe_refresh(app)
        await pilot.pause()
        first_seen = farm.tally.snapshot()
        first_posts = app.reader.post_list.option_count
        # Baseline: the same probe for the same time, nothing running, all posts listed.
        with Watchdog() as watchdog:
            stop = asyncio.Event()
            task = asyncio.create_task(probe_loop(first.baseline, watchdog, stop))
            await asyncio.sleep(min(first.duration, BASELINE_MAX) + TAIL)
            stop.set()
            await task
        second, second_cpu = await _probe_refresh(app)
        await pilot.pause()
        second_posts = app.reader.post_list.option_count
    return UiRun(first, first_cpu, first_posts, first_seen, second, second_cpu, second_posts)


def _gap_stats(gaps: list[float]) -> tuple[float, float, float]:
    return max(gaps, default=0.0), percentile(gaps, 0.99), median(gaps)


def _phase_lines(spans: list[list[Span]]) -> list[str]:
    names = dict.fromkeys((s.thread, s.name) for run in spans for s in run)
    lines = []
    for thread, name in names:
        per_run = [
            sum(s.end - s.start for s in run if (s.thread, s.name) == (thread, name))
            for run in spans
        ]
        calls = median(
            [sum(1 for s in run if (s.thread, s.name) == (thread, name)) for run in spans]
        )
        lines.append(f"| {thread} | {name} | {ms(median(per_run))} | {calls:.0f} |")
    return lines


def stall_summary(result: RunResult, top: int = 2) -> list[str]:
    """The ``top`` longest gaps over STALL: what ran on each thread meanwhile (totals per
    phase, not every call: a refresh-long stall overlaps hundreds), and where the
    watchdog found the UI thread."""
    stalls = sorted(
        (gap for gap in result.refresh.gaps if gap.end - gap.start > STALL),
        key=lambda gap: gap.start - gap.end,
    )[:top]
    lines = []
    for gap in stalls:
        inside: dict[tuple[str, str], float] = collections.defaultdict(float)
        calls: Counter[tuple[str, str]] = Counter()
        for span in result.spans:
            if span.start < gap.end and span.end > gap.start:
                key = (span.thread, span.name)
                inside[key] += min(span.end, gap.end) - max(span.start, gap.start)
                calls[key] += 1
        phases = ", ".join(
            f"{thread} {name} {ms(total)} ({calls[(thread, name)]}x)"
            for (thread, name), total in sorted(inside.items(), key=lambda kv: -kv[1])[:5]
        )
        ui = Counter(ui for t, ui, _ in result.samples if gap.start <= t <= gap.end)
        lines.append(
            f"- {ms(gap.end - gap.start)} from +{ms(gap.start - result.started)}; UI-thread "
            f"CPU {ms(gap.ui_cpu)}, process {ms(gap.process_cpu)}; overlapping: {phases}"
        )
        for where, count in ui.most_common(2):
            lines.append(f"  - UI thread sampled in {where}: {count}/{ui.total()} samples")
    return lines


def ui_part(say: Report, base: Path, farm: Farm, runs: int) -> dict[str, Any]:
    instrument()
    done: list[UiRun] = []
    for run in range(runs):
        done.append(asyncio.run(ui_run(farm, base / f"ui-{run}")))
        print(
            f"  ui run {run + 1}: refresh {ms(done[-1].first.duration)}, "
            f"longest gap {ms(max(done[-1].first.refresh.gap_lengths))}",
            flush=True,
        )
    say("### 2. The UI during a 200-feed refresh")
    say()
    say(
        f"Headless app (120x40), {runs} runs, each on an empty store: `r`, then an "
        "`asyncio.sleep(0.02)` loop's real wake-up gaps until the refresh worker finished "
        f"(+{ms(TAIL)}); the same probe for as long (at most {BASELINE_MAX:g} s) with nothing "
        "running; then `r` "
        "again, every post already stored (the server has no ETag: full bodies again). "
        "Medians over runs of each run's figure; the longest gap also as a range."
    )
    say()
    say(
        "| probe | refresh took | process CPU | posts listed | wake-ups | longest gap "
        "(range) | p99 gap | median gap |"
    )
    say("|---|---:|---:|---:|---:|---:|---:|---:|")
    rows: list[tuple[str, list[RunResult], list[float], list[int], bool]] = [
        (
            "first refresh (empty store)",
            [r.first for r in done],
            [r.first_cpu for r in done],
            [r.first_posts for r in done],
            False,
        ),
        (
            "second refresh (all stored)",
            [r.second for r in done],
            [r.second_cpu for r in done],
            [r.second_posts for r in done],
            False,
        ),
        ("no refresh (baseline)", [r.first for r in done], [], [], True),
    ]
    for label, results, cpus, posts, baseline in rows:
        gaps = [(r.baseline if baseline else r.refresh).gap_lengths for r in results]
        stats = [_gap_stats(g) for g in gaps]
        longest = [s[0] for s in stats]
        took = "-" if baseline else ms(median([r.duration for r in results]))
        say(
            f"| {label} | {took} | "
            + (f"{median(cpus):.1f} s" if cpus else "-")
            + " | "
            + (f"{median([float(p) for p in posts]):,.0f}" if posts else "-")
            + f" | {median([float(len(g)) for g in gaps]):.0f} "
            f"| {ms(median(longest))} ({ms(min(longest))}-{ms(max(longest))}) "
            f"| {ms(median([s[1] for s in stats]))} | {ms(median([s[2] for s in stats]))} |"
        )
    seen = done[-1].first_seen
    say()
    say(
        f"Requests the server saw in the last first refresh: {seen.cell('rajpoot')}; at most "
        f"{seen.peak} in flight, {seen.peak_per_address} on one address."
    )
    say()
    say("Phases of the first refresh (sum over calls, median over runs; worker threads overlap):")
    say()
    say("| thread | phase | total | calls |")
    say("|---|---|---:|---:|")
    for line in _phase_lines([r.first.spans for r in done]):
        say(line)
    for index, ui in enumerate(done):
        for label, result in (("first", ui.first), ("second", ui.second)):
            lines = stall_summary(result)
            if lines:
                say()
                say(f"Longest stalls (> {ms(STALL)}) of the {label} refresh, run {index + 1}:")
                say()
                for line in lines:
                    say(line)
    say()
    return {
        "runs": [
            {
                "first_seconds": r.first.duration,
                "first_cpu": r.first_cpu,
                "first_posts": r.first_posts,
                "first_gaps": r.first.refresh.gap_lengths,
                "baseline_gaps": r.first.baseline.gap_lengths,
                "second_seconds": r.second.duration,
                "second_cpu": r.second_cpu,
                "second_gaps": r.second.refresh.gap_lengths,
                "requests": r.first_seen.requests,
            }
            for r in done
        ]
    }


# ---------------------------------------------------------- 3. first paint


def many_feeds_home(base: Path) -> Home:
    """200 followed feeds (config.toml), each on a refusing port, 50 stored posts each."""
    urls = [f"http://{feed.address}:{REFUSING_PORT}{feed.path}" for feed in FEED_LIST]
    home = _empty_home(base, "feeds200", FEEDS * POSTS)
    config = home.root / "config" / "rajpoot-tui" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("mark_read_after_seconds = -1\nrefresh_minutes = 0\n" + feeds_toml(urls))
    cache, state = home.db_paths()
    now = datetime.now(UTC)
    with Store.open(cache, state) as store:
        for feed, url in zip(FEED_LIST, urls, strict=True):
            parsed = parse_feed(feed_body(feed), url=url, content_type="application/rss+xml")
            store.merge(
                url, parsed, etag=None, last_modified=None, not_before=None, now=now, mark_new=False
            )
        while store.rederive_stale(limit=1000):
            pass
        stored = len(store.posts())
    if stored != FEEDS * POSTS:
        raise RuntimeError(f"the 200-feed store holds {stored} posts, not {FEEDS * POSTS}")
    return home


def paint_part(say: Report, base: Path, runs: int) -> dict[str, Any]:
    if shutil.which("tmux") is None:
        say("### 3. First paint: tmux is not installed; nothing measured.")
        say()
        return {}
    tree = Tree("", "now", REPO, module=True)
    env = tuple(tree.env.items())
    one = make_home(base, 10_000, tree, long=True)
    many = many_feeds_home(base)
    targets = [
        Target(
            BARE,
            "bare Textual app (Header, Footer, Static)",
            (sys.executable, str(BARE_SCRIPT)),
            _empty_home(base, BARE),
            MARKER,
        ),
        Target(
            "one",
            "rajpoot-tui --feed URL: 1 feed, 10,000 posts",
            tree.argv(one.feed_url),
            one,
            NEEDLE,
            env,
        ),
        Target(
            "many",
            "rajpoot-tui: 200 feeds in config.toml, 50 posts each",
            (sys.executable, "-m", "tui"),
            many,
            NEEDLE,
            env,
        ),
    ]
    for target in targets[1:]:
        check_launch(target, tree)
    results: dict[str, list[float]] = {target.key: [] for target in targets}
    with ExitStack() as stack:
        stack.callback(tmux, "kill-server", check=False)
        tmux("kill-server", check=False)  # a leftover from an interrupted run
        tmux("new-session", "-d", "-s", "keepalive", "sleep 3600")
        for target in targets:
            first_paint(target, -1)  # warm-up, discarded
        orders = balanced_orders(targets)
        for run in range(runs):
            for target in orders[run % len(orders)]:
                results[target.key].append(first_paint(target, run))
            print(
                f"  paint run {run + 1}: "
                + ", ".join(f"{key} {ms(values[-1])}" for key, values in results.items()),
                flush=True,
            )
    bare, single, many_runs = results[BARE], results["one"], results["many"]
    say("### 3. First paint with 200 feeds and 10,000 stored posts")
    say()
    say(
        f"tmux 120x40, from `tmux new-session` until the newest post's title is visible, "
        f"{runs} runs of each in balanced orders (one discarded warm-up each). Both stores "
        "hold 10,000 posts with 1-2.5 kB descriptions; every feed refuses, so the start-up "
        "refresh reaches no server (it fails and retries in the background)."
    )
    say()
    say("| first paint | median | min | max |")
    say("|---|---:|---:|---:|")
    for target in targets:
        values = results[target.key]
        say(f"| {target.label} | {ms(median(values))} | {ms(min(values))} | {ms(max(values))} |")
    say()
    say("| ratio | of the medians | median of per-run ratios | per-run range |")
    say("|---|---:|---:|---:|")
    say(_ratio_row("200 feeds / bare", many_runs, bare))
    say(_ratio_row("1 feed / bare", single, bare))
    say(_ratio_row("200 feeds / 1 feed", many_runs, single))
    say()
    return {"first_paint_seconds": results}


# ------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="CLI runs of each (default 5)")
    parser.add_argument("--ui-runs", type=int, default=3, help="headless UI runs (default 3)")
    parser.add_argument(
        "--paint-runs", type=int, default=6, help="first-paint runs of each (default 6)"
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=("cli", "ui", "paint"),
        help="run only this part (may be repeated)",
    )
    args = parser.parse_args()
    parts = set(args.only or ("cli", "ui", "paint"))
    if not Path(tui.__file__).resolve().is_relative_to(REPO.resolve()):
        print(f"refresh_many.py: tui is imported from {tui.__file__}; run with PYTHONPATH={REPO}")
        return 2
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        os.environ.pop(name, None)
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = base_env()["NO_PROXY"]

    say = Report()
    started = datetime.now(UTC)
    raw: dict[str, Any] = {"started": started.isoformat(), "machine": machine()}
    with ExitStack() as stack:
        base = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="rajpoot-bench-")))
        farm = stack.enter_context(feed_servers())
        head = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        say(
            f"Measured {started:%Y-%m-%d} on {machine()}; rajpoot-tui at {head or '?'}, "
            f"{len(farm.urls)} feeds on {len(ADDRESSES)} loopback addresses, port {farm.port}."
        )
        say()
        if "cli" in parts:
            raw["cli"] = cli_part(say, base, farm, max(1, args.runs))
        if "ui" in parts:
            raw["ui"] = ui_part(say, base, farm, max(1, args.ui_runs))
        if "paint" in parts:
            raw["paint"] = paint_part(say, base, max(1, args.paint_runs))

    RESULTS.mkdir(exist_ok=True)
    stem = RESULTS / f"refresh_many-{started:%Y%m%dT%H%M%SZ}"
    stem.with_suffix(".md").write_text("\n".join(say.lines) + "\n")
    stem.with_suffix(".json").write_text(json.dumps(raw, indent=2) + "\n")
    print(f"written: {stem.with_suffix('.md')} and .json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
