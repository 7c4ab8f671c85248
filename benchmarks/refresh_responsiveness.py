"""Does a refresh that parses a 10,000-item feed leave the UI responsive?

A 10,000-item RSS 2.0 document is served from a ``ThreadingHTTPServer`` on 127.0.0.1.
The app runs headless (``App.run_test``, 120x40) on a store that already holds 100 of the
feed's items, so the refresh adds 9,900 posts. While the refresh runs (from ``r`` until the
list shows all 10,000 posts), two probes run on the app's event loop:

* an ``asyncio.sleep(0.02)`` loop recording the real gap between wake-ups (a blocked loop
  shows as a long gap: nothing else, keys or paints included, can run during it);
* every 100 ms a key press moving the highlight (``j``, or ``k`` at the bottom), timed two
  ways: the key event posted as the terminal driver does, until the highlight moved; and
  ``await pilot.press(...)``, which also waits for the process to go CPU-idle.

The same probes run for the same duration without a refresh as a baseline. While the loop
is stalled (> 50 ms without a wake-up) a watchdog thread samples what the UI thread and the
refresh thread are executing, and the refresh phases are timed, so each long stall can be
attributed. Three runs; medians are printed.

Run: ``.venv/bin/python benchmarks/refresh_responsiveness.py [--runs 3]``
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import gc
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from _synthetic import machine, median, ms, percentile, rss
from textual import events
from textual.pilot import Pilot
from textual.worker import WorkerState

import tui.fetch
import tui.parse
from tui.app import RajpootApp
from tui.models import ParsedFeed
from tui.screens.reader import ReaderScreen
from tui.services import Services, StorePaths
from tui.settings import Settings
from tui.store import Store
from tui.widgets.post_list import PostList

ITEMS = 10_000
PREFILLED = 100
PROBE_SECONDS = 0.02
KEY_EVERY = 0.1
STALL = 0.2  # what counts as a long stall
WATCH = 0.05  # the watchdog samples stacks once the loop is this late
TAIL = 0.5  # keep probing this long after the refresh has been shown

P = ParamSpec("P")
R = TypeVar("R")


# ------------------------------------------------------------- feed server


@contextmanager
def feed_server(body: bytes) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="feed-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/feed.xml"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


# ---------------------------------------------------------- instrumentation


@dataclass
class Span:
    name: str
    thread: str
    start: float
    end: float


SPANS: list[Span] = []


def _timed(name: str, fn: Callable[P, R]) -> Callable[P, R]:
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            thread = threading.current_thread()
            where = "UI" if thread is threading.main_thread() else "worker"
            SPANS.append(Span(name, where, start, time.perf_counter()))

    return wrapper


def instrument() -> None:
    """Time the refresh phases and the UI-thread work they cause (no tui/ edits)."""
    # refresh_feed imports fetch_feed/parse_feed at call time, so patching the modules works.
    tui.fetch.fetch_feed = _timed("fetch_feed (HTTP)", tui.fetch.fetch_feed)
    tui.parse.parse_feed = _timed("parse_feed", tui.parse.parse_feed)
    Store.merge = _timed("Store.merge", Store.merge)  # type: ignore[method-assign]
    Store.posts = _timed("Store.posts", Store.posts)  # type: ignore[method-assign]
    PostList.show_posts = _timed("PostList.show_posts", PostList.show_posts)  # type: ignore[method-assign]
    ReaderScreen.reload_posts = _timed("ReaderScreen.reload_posts", ReaderScreen.reload_posts)  # type: ignore[method-assign]
    gc.callbacks.append(_gc_span)


_gc_started: dict[int, float] = {}


def _gc_span(phase: str, info: dict[str, int]) -> None:
    """Time every garbage collection (it runs in whichever thread allocates, GIL held)."""
    ident = threading.get_ident()
    if phase == "start":
        _gc_started[ident] = time.perf_counter()
        return
    start = _gc_started.pop(ident, None)
    if start is not None:
        where = "UI" if ident == threading.main_thread().ident else "worker"
        SPANS.append(
            Span(f"gc (generation {info['generation']})", where, start, time.perf_counter())
        )


class Watchdog:
    """Samples the UI and worker threads' stacks while the event loop is late."""

    def __init__(self) -> None:
        self.beat = time.perf_counter()
        self.samples: list[tuple[float, str, str]] = []
        self._stop = threading.Event()
        self._main = threading.main_thread().ident
        self._thread = threading.Thread(target=self._run, name="watchdog", daemon=True)

    def __enter__(self) -> Watchdog:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(2)

    def _run(self) -> None:
        while not self._stop.wait(0.005):
            now = time.perf_counter()
            if now - self.beat < WATCH:
                continue
            frames = sys._current_frames()
            ui = _where(frames.get(self._main or 0))
            others = [
                _where(frame)
                for ident, frame in frames.items()
                if ident not in (self._main, threading.get_ident())
            ]
            worker = next((w for w in others if "tui/" in w or "feedparser" in w), "")
            self.samples.append((now, ui, worker))


def _where(frame: Any) -> str:
    """The innermost project frame (and the innermost frame) of a stack, cheaply.

    Walks ``f_back`` by hand: ``traceback.extract_stack`` reads source lines, which
    would hold the GIL long enough to lengthen the very stalls being sampled.
    """
    if frame is None:
        return ""
    inner = f"{Path(frame.f_code.co_filename).name}:{frame.f_code.co_name}"
    while frame is not None:
        path = frame.f_code.co_filename.replace(os.sep, "/")
        for marker in ("/tui/", "/feedparser/"):
            if marker in path:
                where = marker.strip("/") + "/" + path.split(marker)[-1]
                return f"{where}:{frame.f_code.co_name} > {inner}"
        frame = frame.f_back
    return inner


# ------------------------------------------------------------------ probes


@dataclass(frozen=True, slots=True)
class Gap:
    start: float
    end: float
    ui_cpu: float
    """CPU time the UI thread itself used during the gap."""
    process_cpu: float
    """CPU time the whole process (all threads) used during the gap."""


@dataclass
class Probe:
    gaps: list[Gap] = field(default_factory=list)
    direct: list[float] = field(default_factory=list)
    pilot: list[float] = field(default_factory=list)

    @property
    def gap_lengths(self) -> list[float]:
        return [gap.end - gap.start for gap in self.gaps]


async def probe_loop(probe: Probe, watchdog: Watchdog, stop: asyncio.Event) -> None:
    while not stop.is_set():
        start, ui, process = time.perf_counter(), time.thread_time(), time.process_time()
        await asyncio.sleep(PROBE_SECONDS)
        end = time.perf_counter()
        watchdog.beat = end
        probe.gaps.append(Gap(start, end, time.thread_time() - ui, time.process_time() - process))


async def probe_keys(
    app: RajpootApp, pilot: Pilot[int], probe: Probe, stop: asyncio.Event, *, use_pilot: bool
) -> None:
    down = True
    while not stop.is_set():
        await asyncio.sleep(KEY_EVERY)
        posts = app.reader.post_list
        before = posts.highlighted or 0
        if before >= posts.option_count - 1:
            down = False
        elif before == 0:
            down = True
        key = "j" if down else "k"
        start = time.perf_counter()
        if use_pilot:
            await pilot.press(key)
            probe.pilot.append(time.perf_counter() - start)
        else:
            driver = app._driver
            assert driver is not None
            driver.send_message(events.Key(key, key))
            while posts.highlighted == before and time.perf_counter() - start < 10:
                await asyncio.sleep(0.001)
            probe.direct.append(time.perf_counter() - start)


def _refresh_running(app: RajpootApp) -> bool:
    return any(
        w.group == "refresh" and w.state in (WorkerState.PENDING, WorkerState.RUNNING)
        for w in app.workers
    )


@dataclass
class RunResult:
    duration: float
    refresh: Probe
    baseline: Probe
    spans: list[Span]
    samples: list[tuple[float, str, str]]
    started: float


async def one_run(
    url: str, prefill: ParsedFeed, home: Path, *, use_pilot: bool, freeze: bool = False
) -> RunResult:
    cache, state = home / "cache" / "posts.sqlite3", home / "data" / "state.sqlite3"
    with Store.open(cache, state) as store:
        store.merge(
            url,
            prefill,
            etag=None,
            last_modified=None,
            not_before=None,
            now=datetime.now(UTC),
            mark_new=False,
        )
    services = Services(
        settings=Settings(mark_read_after_seconds=-1, refresh_minutes=0),
        store_paths=StorePaths(cache, state),
        browser_finder=lambda: None,
    )
    app = RajpootApp(url, services=services, refresh_on_start=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.reader.post_list.option_count == PREFILLED
        if freeze:
            gc.freeze()
        with Watchdog() as watchdog:
            SPANS.clear()
            probe, stop = Probe(), asyncio.Event()
            tasks = [
                asyncio.create_task(probe_loop(probe, watchdog, stop)),
                asyncio.create_task(probe_keys(app, pilot, probe, stop, use_pilot=use_pilot)),
            ]
            started = time.perf_counter()
            app.reader.action_refresh()
            while _refresh_running(app) or app.reader.post_list.option_count < ITEMS:
                await asyncio.sleep(0.01)
                if time.perf_counter() - started > 120:
                    raise RuntimeError("the refresh did not finish within 120 s")
            duration = time.perf_counter() - started
            await asyncio.sleep(TAIL)
            stop.set()
            await asyncio.gather(*tasks)
            spans = list(SPANS)
            samples = list(watchdog.samples)

            # Baseline: the same probes for the same time, nothing else running.
            baseline, stop = Probe(), asyncio.Event()
            tasks = [
                asyncio.create_task(probe_loop(baseline, watchdog, stop)),
                asyncio.create_task(probe_keys(app, pilot, baseline, stop, use_pilot=use_pilot)),
            ]
            await asyncio.sleep(duration + TAIL)
            stop.set()
            await asyncio.gather(*tasks)
    if freeze:
        gc.unfreeze()
    return RunResult(duration, probe, baseline, spans, samples, started)


# ------------------------------------------------------------------ report


def _stats(values: list[float]) -> tuple[float, float, float]:
    return median(values), percentile(values, 0.95), max(values, default=0.0)


def _row(label: str, runs: list[list[float]]) -> str:
    med, p95, top = (median([_stats(v)[i] for v in runs]) for i in range(3))
    count = median([float(len(v)) for v in runs])
    return f"| {label} | {count:.0f} | {ms(med)} | {ms(p95)} | {ms(top)} |"


def stall_report(result: RunResult) -> list[str]:
    lines = []
    stalls = sorted(
        (gap for gap in result.refresh.gaps if gap.end - gap.start > STALL),
        key=lambda gap: gap.start - gap.end,
    )
    for gap in stalls[:5]:
        start, end = gap.start, gap.end
        overlapping = [
            f"{span.thread}:{span.name} ({ms(span.end - span.start)})"
            for span in result.spans
            if span.start < end and span.end > start and span.end - span.start >= 0.005
        ]
        inside = [(ui, worker) for t, ui, worker in result.samples if start <= t <= end]
        ui_top = collections.Counter(ui for ui, _ in inside).most_common(2)
        worker_top = collections.Counter(w for _, w in inside if w).most_common(2)
        lines.append(
            f"- stall of {ms(end - start)} at +{ms(start - result.started)}: "
            f"during {', '.join(overlapping) or 'no timed phase'}"
        )
        lines.append(
            f"    CPU used meanwhile: UI thread {ms(gap.ui_cpu)}, whole process "
            f"{ms(gap.process_cpu)}"
            + (" (the OS ran other processes)" if gap.process_cpu < 0.5 * (end - start) else "")
        )
        for label, top in (("UI thread", ui_top), ("refresh thread", worker_top)):
            for where, count in top:
                lines.append(f"    {label}: {count}/{len(inside)} samples in {where}")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs (default 3)")
    parser.add_argument(
        "--gc-freeze",
        action="store_true",
        help="experiment: gc.freeze() once the app is mounted, before the refresh",
    )
    args = parser.parse_args()
    runs: int = max(1, args.runs)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        os.environ.pop(name, None)
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"

    body = rss(ITEMS)
    results: list[RunResult] = []
    pilots: list[RunResult] = []
    with ExitStack() as stack:
        base = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="rajpoot-bench-")))
        url = stack.enter_context(feed_server(body))
        start = time.perf_counter()
        parsed = tui.parse.parse_feed(body, url=url, content_type="application/rss+xml")
        parse_alone = time.perf_counter() - start
        assert len(parsed.entries) == ITEMS
        prefill = ParsedFeed(url, parsed.title, parsed.link, "", parsed.entries[-PREFILLED:])
        del parsed  # 10,000 live entries would make every collection below slower
        gc.collect()
        instrument()
        print(machine())
        print(
            f"feed: {ITEMS:,} items, {len(body) / 1e6:.1f} MB; "
            f"parse_feed alone (main thread, nothing else running): {ms(parse_alone)}"
        )
        for run in range(runs):
            results.append(
                asyncio.run(
                    one_run(url, prefill, base / f"d{run}", use_pilot=False, freeze=args.gc_freeze)
                )
            )
            # pilot.press waits for the whole process to go CPU-idle, so it gets its own pass.
            pilots.append(
                asyncio.run(
                    one_run(url, prefill, base / f"p{run}", use_pilot=True, freeze=args.gc_freeze)
                )
            )
            print(
                f"run {run + 1}: refresh shown after {ms(results[-1].duration)} "
                f"(pilot pass: {ms(pilots[-1].duration)})"
            )

    print()
    print(f"Median of {runs} runs; refresh = from `r` until the list shows all {ITEMS:,} posts.")
    print(f"refresh duration: {ms(median([r.duration for r in results]))}")
    print()
    print("| probe | count | median | p95 | max |")
    print("|---|---:|---:|---:|---:|")
    print(_row("loop wake-up gap (20 ms sleep), refresh", [r.refresh.gap_lengths for r in results]))
    print(_row("loop wake-up gap (20 ms sleep), idle", [r.baseline.gap_lengths for r in results]))
    print(_row("key → highlight moved, refresh", [r.refresh.direct for r in results]))
    print(_row("key → highlight moved, idle", [r.baseline.direct for r in results]))
    print(_row("`await pilot.press()`, refresh", [r.refresh.pilot for r in pilots]))
    print(_row("`await pilot.press()`, idle", [r.baseline.pilot for r in pilots]))
    longest = [max(r.refresh.gap_lengths, default=0.0) for r in results]
    print()
    print(
        "longest single stall during the refresh: "
        + ", ".join(ms(v) for v in longest)
        + f" (median {ms(median(longest))})"
    )
    print()
    print("Refresh phases (median over runs):")
    names = dict.fromkeys((s.thread, s.name) for r in results for s in r.spans)
    for thread, name in names:
        per_run = [
            sum(s.end - s.start for s in r.spans if (s.thread, s.name) == (thread, name))
            for r in results
        ]
        calls = median(
            [sum(1 for s in r.spans if (s.thread, s.name) == (thread, name)) for r in results]
        )
        print(f"  {thread:6} {name:26} {ms(median(per_run)):>8}  ({calls:.0f} calls)")
    for index, result in enumerate(results):
        lines = stall_report(result)
        if lines:
            print()
            print(f"Stalls > {ms(STALL)} in run {index + 1}:")
            print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
