"""Search-as-you-type in the app at 10,000 posts, beside 63: is the list updated within a frame?

The requirement: "Search-as-you-type at 10,000 posts: list updated within one frame of the
keystroke." ``/`` filters through ``Store.search`` (SQLite FTS5, trigram) on the UI thread,
in ``ReaderScreen._show_matching``. This runs the app headless (``App.run_test``, 120x40) on
a temporary store of N synthetic posts (descriptions of 1-2.5 kB of text, some holding
``MAX_POOL_SIZE``, ``std::vector<std::string>`` or a ``https://docs.python.org`` link; see
``_synthetic.description_html``), presses ``/`` and types queries a character at a time,
then ``esc``. A typist thread sends every key the way the terminal driver does
(``driver.send_message``) at a fixed cadence (``--interval``, 120 ms: a fast typist), so a
key that arrives while the UI thread is busy waits, as it would in a terminal.

Measured, per keystroke, by wrapping functions from here (no change to ``tui/``):

* **handler**: time spent in ``ReaderScreen._show_matching`` for that keystroke (``esc``
  calls it once: the ``Changed`` of the emptied box then has nothing to do), split into
  ``Store.search`` (or ``Store.quick_search``) and ``PostList.show_posts``. A query of
  only 1-2 character terms at thousands of posts is searched in a worker (a scan) unless
  the index's text is in memory (``Store.quick_search``, on the UI thread). A worker's
  handler is the call that starts it plus ``ReaderScreen._show_found`` when the result
  comes back, both on the UI thread, and key → frame counts from then; a keystroke whose
  scan was overtaken by the next key is left out (it never shows);
* **key → frame**: from the moment the key was sent until the end of the first screen
  update (``Screen._on_timer_update``: layout, then the compositor rendering the changed
  rows) that starts after the handler. Headless Textual renders the frame and only skips
  writing it out. Textual paints at most 60 times a second, so this includes waiting for
  the next tick of its frame timer (0-16.7 ms) whatever the handler costs;
* the longest **event-loop stall** while typing: an ``asyncio.sleep(0.005)`` loop records
  the real gap between its wake-ups (while the loop is blocked nothing runs, keys and
  frames included). A sampler thread notes what the UI thread runs during long gaps.

Every round runs the same script on a fresh app at each size, alternating which size goes
first. ``j`` in the list (no search) is timed the same way, for scale. One frame is
16.7 ms at 60 fps. The report is printed and written to ``benchmarks/results/`` with the
raw numbers as JSON.

Run: ``.venv/bin/python benchmarks/search_typing.py [--rounds 5] [--interval 0.12]``
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import gc
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _synthetic import description_html, link, machine, median, percentile, published, title
from textual import events
from textual.driver import Driver
from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key

from tui.app import RajpootApp
from tui.htmltext import CONVERTER_VERSION
from tui.models import Entry, ParsedFeed
from tui.parse import derive_description
from tui.screens.reader import ReaderScreen
from tui.services import Services, StorePaths
from tui.settings import Settings
from tui.store import Store
from tui.store.search import fts_query, short_terms
from tui.widgets.post_list import PostList

SIZES = (10_000, 63)
WIDTH, HEIGHT = 120, 40
FRAME = 1 / 60
URL = "http://127.0.0.1:9/search-bench.xml"
RESULTS = Path(__file__).resolve().with_name("results")
PROBE_SLEEP = 0.005
SAMPLE_LATE = 0.02  # the sampler notes the UI thread's stack once the loop is this late
PAUSE_BETWEEN_QUERIES = 0.4
BASELINE_KEYS = 10
BACKSPACE = "backspace"

# (label, keys typed after /). Every query is followed by esc.
SCRIPT: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("grpc", tuple("grpc")),
    ("postgres pool", tuple("postgres pool")),
    ("MAX_POOL_SIZE", tuple("MAX_POOL_SIZE")),
    ("std::vector", tuple("std::vector")),
    ("https://docs.python.org", tuple("https://docs.python.org")),
    ("go", tuple("go")),
    ("zebrafish (no match)", tuple("zebrafish")),
    ("postgres, then ⌫ to empty", (*"postgres", *[BACKSPACE] * len("postgres"))),
)
ESC_LABEL = "esc (search cleared: all posts back)"
BASELINE_LABEL = "j in the list, no search (for scale)"


# ------------------------------------------------------------------ the store


def search_entries(count: int, *, seed: int = 3) -> list[Entry]:
    """``count`` posts as the parser would hand them over: source HTML, Markdown, plain text.

    Deterministic, so the 63 posts are the first 63 of the 10,000."""
    rng = random.Random(seed)
    out: list[Entry] = []
    for index in range(count):
        source = description_html(index, rng)
        derived = derive_description(source, base_url="https://bench.example/")
        out.append(
            Entry(
                key=link(index),
                title=title(index, rng),
                link=link(index),
                published=published(index),
                updated=None,
                summary=derived.markdown,
                author="Bench Writer",
                content_hash=f"h{index}",
                source=source,
                text=derived.text,
                converter_version=CONVERTER_VERSION,
            )
        )
    return out


def fill_store(base: Path, size: int) -> tuple[StorePaths, float]:
    """A store holding ``size`` posts of one feed; also the seconds the first merge took."""
    paths = StorePaths(base / f"n{size}" / "posts.sqlite3", base / f"n{size}" / "state.sqlite3")
    items = search_entries(size)
    feed = ParsedFeed(URL, f"Search bench ({size:,})", "https://bench.example/", "", items)
    with Store.open(paths.cache, paths.state, retention=size) as store:
        start = time.perf_counter()
        store.merge(
            URL,
            feed,
            etag=None,
            last_modified=None,
            not_before=None,
            now=datetime.now(UTC),
            mark_new=False,
        )
        took = time.perf_counter() - start
        assert len(store.posts(URL)) == size
    return paths, took


# ------------------------------------------------------------ instrumentation


@dataclass
class ShowCall:
    """One ``_show_matching`` call."""

    start: float
    query: str
    in_cancel: bool
    cpu_start: float
    end: float = 0.0
    cpu: float = 0.0
    """CPU time of the UI thread in the call: its wall time less what preemption took."""
    search: float = 0.0
    show_posts: float = 0.0
    hits: int = -1
    shown_here: bool = False
    """The list was updated in this call; else a worker searches (a scan) and
    ``_show_found`` shows the result later, on the UI thread again:"""
    delivered: float = float("nan")
    deliver_time: float = 0.0


@dataclass
class Recorder:
    active: bool = False
    current: ShowCall | None = None
    in_cancel: bool = False
    shows: list[ShowCall] = field(default_factory=list)
    frames: list[tuple[float, float]] = field(default_factory=list)
    details: list[tuple[float, float]] = field(default_factory=list)
    cursors: list[tuple[float, float]] = field(default_factory=list)
    gcs: list[tuple[float, float, int]] = field(default_factory=list)
    gc_started: float = 0.0
    gaps: list[tuple[float, float, float]] = field(default_factory=list)
    """Between the probe loop's wake-ups: start, end, CPU time the UI thread used."""

    def reset(self) -> None:
        self.active, self.current, self.in_cancel = False, None, False
        self.shows, self.frames, self.details, self.cursors = [], [], [], []
        self.gcs, self.gaps = [], []


RECORD = Recorder()


def _on_ui_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def instrument() -> None:
    """Wrap what a keystroke runs on the UI thread. Patched on the classes, before any app
    exists, so bound methods taken later (timers) are the wrapped ones too."""
    show_matching = ReaderScreen._show_matching
    cancel = ReaderScreen.action_cancel_search
    on_timer_update = ReaderScreen._on_timer_update
    show_highlighted = ReaderScreen._show_highlighted
    search = Store.search
    quick_search = Store.quick_search
    show_posts = PostList.show_posts
    show_found = ReaderScreen._show_found
    cursor_down = PostList.action_cursor_down

    def _show_matching(self: ReaderScreen, *, keep: str | None = None) -> None:
        if not RECORD.active:
            show_matching(self, keep=keep)
            return
        call = ShowCall(
            time.perf_counter(), self.search_query, RECORD.in_cancel, time.thread_time()
        )
        RECORD.current = call
        try:
            show_matching(self, keep=keep)
        finally:
            RECORD.current = None
            call.end = time.perf_counter()
            call.cpu = time.thread_time() - call.cpu_start
            call.hits = self.post_list.option_count
            RECORD.shows.append(call)

    def _show_found(self: ReaderScreen, found: set[str] | None, *, keep: str | None) -> None:
        if not RECORD.active or RECORD.current is not None:
            if RECORD.current is not None:
                RECORD.current.shown_here = True
            show_found(self, found, keep=keep)
            return
        start = time.perf_counter()
        show_found(self, found, keep=keep)
        end = time.perf_counter()
        # A worker's result (its search was still current): the call that started it.
        for call in reversed(RECORD.shows):
            if call.query == self.search_query and not call.shown_here:
                if call.delivered != call.delivered:  # not delivered yet (nan)
                    call.delivered, call.deliver_time = end, end - start
                    call.hits = self.post_list.option_count
                break

    def _cancel(self: ReaderScreen) -> None:
        RECORD.in_cancel = True
        try:
            cancel(self)
        finally:
            RECORD.in_cancel = False

    def _search(
        self: Store, query: str, feed_url: str | None = None, *, in_worker: bool = False
    ) -> list[str]:
        start = time.perf_counter()
        try:
            return search(self, query, feed_url, in_worker=in_worker)
        finally:
            if RECORD.current is not None and _on_ui_thread():
                RECORD.current.search += time.perf_counter() - start

    def _quick_search(self: Store, query: str, feed_url: str | None = None) -> list[str] | None:
        start = time.perf_counter()
        try:
            return quick_search(self, query, feed_url)
        finally:
            if RECORD.current is not None and _on_ui_thread():
                RECORD.current.search += time.perf_counter() - start

    def _show_posts(self: PostList, posts: Any, *, keep: str | None = None) -> None:
        start = time.perf_counter()
        try:
            show_posts(self, posts, keep=keep)
        finally:
            if RECORD.current is not None:
                RECORD.current.show_posts += time.perf_counter() - start

    def _spanned(fn: Callable[[Any], None], spans: Callable[[], list[tuple[float, float]]]) -> Any:
        def wrapper(self: Any) -> None:
            start = time.perf_counter()
            try:
                fn(self)
            finally:
                if RECORD.active:
                    spans().append((start, time.perf_counter()))

        return wrapper

    ReaderScreen._show_matching = _show_matching  # type: ignore[method-assign]
    ReaderScreen._show_found = _show_found  # type: ignore[method-assign]
    ReaderScreen.action_cancel_search = _cancel  # type: ignore[method-assign]
    ReaderScreen._on_timer_update = _spanned(on_timer_update, lambda: RECORD.frames)  # type: ignore[method-assign]
    ReaderScreen._show_highlighted = _spanned(show_highlighted, lambda: RECORD.details)  # type: ignore[method-assign]
    PostList.action_cursor_down = _spanned(cursor_down, lambda: RECORD.cursors)  # type: ignore[method-assign]
    Store.search = _search  # type: ignore[method-assign]
    Store.quick_search = _quick_search  # type: ignore[method-assign]
    PostList.show_posts = _show_posts  # type: ignore[method-assign]
    gc.callbacks.append(_gc_span)


def _gc_span(phase: str, info: dict[str, int]) -> None:
    if not RECORD.active or not _on_ui_thread():
        return
    if phase == "start":
        RECORD.gc_started = time.perf_counter()
    else:
        RECORD.gcs.append((RECORD.gc_started, time.perf_counter(), info["generation"]))


class Sampler:
    """Notes what the UI thread runs while the event loop is late (for the stall report)."""

    def __init__(self) -> None:
        self.beat = time.perf_counter()
        self.samples: list[tuple[float, str]] = []
        self._stop = threading.Event()
        self._main = threading.main_thread().ident or 0
        self._thread = threading.Thread(target=self._run, name="sampler", daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(2)

    def _run(self) -> None:
        while not self._stop.wait(0.002):
            now = time.perf_counter()
            if now - self.beat >= SAMPLE_LATE:
                self.samples.append((now, _where(sys._current_frames().get(self._main))))


def _where(frame: Any) -> str:
    """The innermost frame in tui/ and the innermost frame, walking f_back by hand (cheap)."""
    if frame is None:
        return ""
    inner = f"{Path(frame.f_code.co_filename).name}:{frame.f_code.co_name}"
    while frame is not None:
        path = frame.f_code.co_filename.replace(os.sep, "/")
        if "/tui/" in path:
            return f"tui/{path.split('/tui/')[-1]}:{frame.f_code.co_name} > {inner}"
        frame = frame.f_back
    return inner


async def probe_loop(
    gaps: list[tuple[float, float, float]], sampler: Sampler, stop: asyncio.Event
) -> None:
    while not stop.is_set():
        start, cpu = time.perf_counter(), time.thread_time()
        await asyncio.sleep(PROBE_SLEEP)
        end = time.perf_counter()
        sampler.beat = end
        gaps.append((start, end, time.thread_time() - cpu))


# --------------------------------------------------------------------- typing


@dataclass
class Keystroke:
    """One key of the script, and what the app should do with it."""

    label: str
    key: str
    kind: str  # "type", "esc", "slash" or "baseline"
    expect: tuple[tuple[bool, str], ...]
    """The _show_matching calls it causes: (inside action_cancel_search, search query)."""
    due: float = 0.0
    """Seconds after the typist starts; then the key counts as pressed."""
    sent_late: float = 0.0


def build_script(interval: float) -> list[Keystroke]:
    script: list[Keystroke] = []
    due = 0.0

    def add(stroke: Keystroke, gap: float) -> None:
        nonlocal due
        stroke.due = due
        script.append(stroke)
        due += gap

    for label, keys in SCRIPT:
        add(Keystroke(label, "/", "slash", ()), 0.15)
        value = ""
        for key in keys:
            before, value = value.strip(), value[:-1] if key == BACKSPACE else value + key
            # A key that leaves the query as it was (a space after a word) searches nothing.
            expect = () if value.strip() == before else ((False, value.strip()),)
            add(Keystroke(label, key, "type", expect), interval)
        # esc shows every post itself (the Changed of the emptied box then shows nothing).
        add(Keystroke(ESC_LABEL, "escape", "esc", ((True, ""),)), PAUSE_BETWEEN_QUERIES)
    for _ in range(BASELINE_KEYS):
        add(Keystroke(BASELINE_LABEL, "j", "baseline", ()), interval)
    return script


def key_event(key: str) -> events.Key:
    """The Key event a terminal sends for ``key``, built as ``Pilot.press`` does."""
    if len(key) == 1 and not key.isalnum():
        key = _character_to_key(key)
    original = REPLACED_KEYS.get(key, key)
    char: str | None
    try:
        char = unicodedata.lookup(_get_unicode_name_from_key(original))
    except KeyError:
        char = key if len(key) == 1 else None
    return events.Key(key, char)


def typist(driver: Driver, app: RajpootApp, script: list[Keystroke], start: float) -> None:
    """Runs in a thread, like the driver's input thread: each key at its time, whatever
    the UI thread is doing."""
    keys = [key_event(stroke.key) for stroke in script]
    for stroke, event in zip(script, keys, strict=True):
        event.set_sender(app)
        delay = start + stroke.due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        stroke.sent_late = max(0.0, time.perf_counter() - (start + stroke.due))
        driver.send_message(event)


# ---------------------------------------------------------------------- a run


@dataclass
class KeyResult:
    size: int
    round: int
    position: int
    """Index in the script: the same keystroke at both sizes."""
    label: str
    key: str
    kind: str
    query: str
    klass: str
    hits: int
    handler: float
    handler_cpu: float
    search: float
    show_posts: float
    key_to_done: float
    key_to_frame: float
    frame_work: float


@dataclass
class RunResult:
    size: int
    round: int
    keys: list[KeyResult]
    gaps_over_frame: int
    longest_gap: float
    longest_gap_cpu: float
    """CPU time the UI thread itself used during the longest gap (the rest: waiting for
    the GIL or for a CPU the OS gave to another process)."""
    longest_gap_during: list[str]
    unmatched: list[str]
    late_keys: float


def classify(query: str, hits: int, kind: str) -> str:
    if kind == "baseline":
        return BASELINE_LABEL
    if kind == "esc":
        return ESC_LABEL
    if not query:
        return "⌫ to an empty box (all posts back)"
    indexed, short = fts_query(query) is not None, bool(short_terms(query))
    if not indexed:
        return "1-2 characters only (instr scan, no index)"
    if short:
        return "indexed term + a 1-2 character term"
    if hits == 0:
        return "indexed, no match"
    if hits < 1000:
        return "indexed, 1-999 matches"
    return "indexed, 1,000+ matches"


def _first_frame_after(t: float, frames: Sequence[tuple[float, float]]) -> tuple[float, float]:
    for start, end in frames:
        if start >= t:
            return start, end
    return float("nan"), float("nan")


def analyse(
    size: int, round_: int, script: list[Keystroke], start: float, sampler: Sampler
) -> RunResult:
    frames, cursors = RECORD.frames, RECORD.cursors
    keys: list[KeyResult] = []
    unmatched: list[str] = []
    # esc and / are priority bindings: the app runs action_cancel_search at once, possibly
    # before the screen has handled the Changed of the key typed just before. So the calls
    # from esc and from Changed are matched in order, each kind on its own.
    calls = {
        cancel: [call for call in RECORD.shows if call.in_cancel == cancel]
        for cancel in (False, True)
    }
    pointer = dict.fromkeys(calls, 0)
    for position, stroke in enumerate(script):
        pressed = start + stroke.due
        matched: list[ShowCall] = []
        for cancel, want in stroke.expect:
            shows, at = calls[cancel], pointer[cancel]
            while at < len(shows) and not (shows[at].query == want and shows[at].start >= pressed):
                at += 1
            if at == len(shows):
                unmatched.append(f"{stroke.label}: {stroke.key!r} (query {want!r})")
                break
            matched.append(shows[at])
            pointer[cancel] = at + 1
        matched.sort(key=lambda call: call.start)
        if stroke.kind == "slash" or (stroke.kind == "type" and not stroke.expect):
            continue
        if stroke.kind == "baseline":
            done = next((end for begin, end in cursors if begin >= pressed), float("nan"))
            handler = cpu = search = show = 0.0
            hits, query = size, ""
        elif len(matched) == len(stroke.expect):
            done = matched[-1].end
            last = matched[-1]
            if not last.shown_here:
                if last.delivered != last.delivered:
                    continue  # superseded: the next key came before the scan finished
                done = last.delivered  # the list was updated when the worker's result came
            handler = sum(c.end - c.start + c.deliver_time for c in matched)
            cpu = sum(c.cpu for c in matched)
            search = sum(c.search for c in matched)
            show = sum(c.show_posts for c in matched)
            hits, query = matched[-1].hits, matched[-1].query
        else:
            continue
        frame_start, frame_end = _first_frame_after(done, frames)
        keys.append(
            KeyResult(
                size,
                round_,
                position,
                stroke.label,
                stroke.key,
                stroke.kind,
                query,
                classify(query, hits, stroke.kind),
                hits,
                handler,
                cpu,
                search,
                show,
                done - pressed,
                frame_end - pressed,
                frame_end - frame_start,
            )
        )
    gaps = list(RECORD.gaps)
    longest = max(gaps, key=lambda g: g[1] - g[0], default=(0.0, 0.0, 0.0))
    return RunResult(
        size,
        round_,
        keys,
        sum(1 for begin, end, _ in gaps if end - begin > FRAME),
        longest[1] - longest[0],
        longest[2],
        _during(longest[:2], sampler),
        unmatched,
        max((s.sent_late for s in script), default=0.0),
    )


def _during(gap: tuple[float, ...], sampler: Sampler) -> list[str]:
    """What overlapped one loop gap: recorded calls, collections, sampled stacks."""
    start, end = gap
    found: list[str] = []
    for call in RECORD.shows:
        if call.start < end and call.end > start:
            found.append(
                f"_show_matching({call.query!r}) {_ms(call.end - call.start)} "
                f"(search {_ms(call.search)}, show_posts {_ms(call.show_posts)})"
            )
    for name, spans in (("frame", RECORD.frames), ("detail pane", RECORD.details)):
        for begin, finish in spans:
            if begin < end and finish > start and finish - begin >= 0.002:
                found.append(f"{name} {_ms(finish - begin)}")
    collections_inside = [
        (finish - begin, generation)
        for begin, finish, generation in RECORD.gcs
        if begin < end and finish > start and finish - begin >= 0.001
    ]
    found += [f"gc of generation {g} {_ms(took)}" for took, g in collections_inside]
    inside = collections.Counter(w for t, w in sampler.samples if start <= t <= end)
    found += [f"sampled {count}x in {where}" for where, count in inside.most_common(2)]
    return found


async def one_run(
    size: int, paths: StorePaths, config: Path, round_: int, interval: float
) -> RunResult:
    RECORD.reset()
    services = Services(
        settings=Settings(mark_read_after_seconds=-1, refresh_minutes=0, retention=max(size, 2000)),
        store_paths=paths,
        config_path=config,
        browser_finder=lambda: None,
    )
    app = RajpootApp(URL, services=services, refresh_on_start=False)
    script = build_script(interval)
    async with app.run_test(size=(WIDTH, HEIGHT)) as pilot:
        await pilot.pause()
        await asyncio.sleep(0.5)  # start-up work (first frame, the maintenance worker) done
        assert app.reader.post_list.option_count == size
        driver = app._driver
        assert driver is not None
        with Sampler() as sampler:
            stop = asyncio.Event()
            probe = asyncio.create_task(probe_loop(RECORD.gaps, sampler, stop))
            RECORD.active = True
            start = time.perf_counter() + 0.05
            thread = threading.Thread(
                target=typist, args=(driver, app, script, start), name="typist", daemon=True
            )
            thread.start()
            while thread.is_alive():
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.5)
            RECORD.active = False
            stop.set()
            await probe
            result = analyse(size, round_, script, start, sampler)
        assert not app.reader.search_query, "the script should end with the search cleared"
    return result


# --------------------------------------------------------------------- report


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def _stats(values: Sequence[float]) -> str:
    if not values:
        return "-"
    return f"{_ms(median(values))} / {_ms(percentile(values, 0.95))} / {_ms(max(values))}"


class Report:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def __call__(self, line: str = "") -> None:
        print(line, flush=True)
        self.lines.append(line)


def _grouped(
    keys: Sequence[KeyResult], by: Callable[[KeyResult], str]
) -> dict[str, list[KeyResult]]:
    groups: dict[str, list[KeyResult]] = {}
    for key in keys:
        groups.setdefault(by(key), []).append(key)
    return groups


def report(say: Report, runs: list[RunResult], rounds: int, interval: float) -> None:
    big, small = SIZES
    keys = {size: [k for r in runs if r.size == size for k in r.keys] for size in SIZES}
    say(
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {machine()}: headless 120x40, {rounds} "
        f"rounds at each size (a fresh app each, sizes alternating), a key every "
        f"{interval * 1000:.0f} ms. Milliseconds, median / p95 / max over every keystroke of "
        f"the rounds. One frame = {FRAME * 1000:.1f} ms."
    )
    say()
    say(
        f"| typed after `/` | keys | matches at {big:,} | handler, {big:,} posts "
        f"| handler, {small} posts | key → frame, {big:,} | key → frame, {small} |"
    )
    say("|---|---:|---:|---:|---:|---:|---:|")
    labels = [label for label, _ in SCRIPT] + [ESC_LABEL, BASELINE_LABEL]
    for label in labels:
        by_size = {size: [k for k in keys[size] if k.label == label] for size in SIZES}
        if not by_size[big]:
            continue
        typed = by_size[big][: len(by_size[big]) // rounds]
        final = typed[-1].hits if typed else 0
        cells = [
            label.replace("|", "\\|"),
            str(len(typed)),
            "-" if label in (ESC_LABEL, BASELINE_LABEL) else f"{final:,}",
            _stats([k.handler for k in by_size[big]]) if label != BASELINE_LABEL else "-",
            _stats([k.handler for k in by_size[small]]) if label != BASELINE_LABEL else "-",
            _stats([k.key_to_frame for k in by_size[big]]),
            _stats([k.key_to_frame for k in by_size[small]]),
        ]
        say("| " + " | ".join(cells) + " |")
    say()
    say(
        f"By kind of keystroke (the kind its query has at {big:,} posts; the same keystrokes "
        f"at {small} posts beside). Handler split into `Store.search` and "
        "`PostList.show_posts` (medians); CPU = the UI thread's CPU time in the handler "
        "(median; wall time less preemption on a busy machine); frame = the work of the "
        "screen update after it (median):"
    )
    say()
    say(
        f"| keystroke | count | handler, {big:,} | CPU | search | show_posts | frame "
        f"| key → frame, {big:,} | handler, {small} | key → frame, {small} |"
    )
    say("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    # The kind of each script position, from the big store's first round.
    kinds = {k.position: k.klass for k in reversed(keys[big])}
    for klass, group in _grouped(keys[big], lambda k: kinds[k.position]).items():
        other = [k for k in keys[small] if kinds.get(k.position) == klass]
        baseline = klass == BASELINE_LABEL
        say(
            f"| {klass} | {len(group)} "
            f"| {'-' if baseline else _stats([k.handler for k in group])} "
            f"| {'-' if baseline else _ms(median([k.handler_cpu for k in group]))} "
            f"| {'-' if baseline else _ms(median([k.search for k in group]))} "
            f"| {'-' if baseline else _ms(median([k.show_posts for k in group]))} "
            f"| {_ms(median([k.frame_work for k in group]))} "
            f"| {_stats([k.key_to_frame for k in group])} "
            f"| {'-' if baseline else _stats([k.handler for k in other])} "
            f"| {_stats([k.key_to_frame for k in other])} |"
        )
    say()
    say("| while typing | " + " | ".join(f"{size:,} posts" for size in SIZES) + " |")
    say("|---|---:|---:|")
    rows: list[tuple[str, Callable[[int], str]]] = [
        (
            "longest event-loop stall (median of the rounds' longest)",
            lambda s: _ms(median([r.longest_gap for r in runs if r.size == s])),
        ),
        (
            "longest event-loop stall (all rounds)",
            lambda s: _ms(max(r.longest_gap for r in runs if r.size == s)),
        ),
        (
            f"loop gaps > one frame ({FRAME * 1000:.1f} ms)",
            lambda s: str(sum(r.gaps_over_frame for r in runs if r.size == s)),
        ),
        (
            "keystrokes whose handler took > one frame",
            lambda s: f"{sum(1 for k in keys[s] if k.handler > FRAME)} of {len(keys[s])}",
        ),
        (
            "keystrokes whose frame came > 2 frames after the key",
            lambda s: f"{sum(1 for k in keys[s] if k.key_to_frame > 2 * FRAME)} of {len(keys[s])}",
        ),
    ]
    for name, cell in rows:
        say(f"| {name} | " + " | ".join(cell(size) for size in SIZES) + " |")
    say()
    say("Slowest handlers (all rounds):")
    say()
    for size in SIZES:
        slow = sorted(keys[size], key=lambda k: -k.handler)[:6]
        for k in slow:
            say(
                f"- {size:,} posts, round {k.round + 1}, {k.label}: key {k.key!r} → query "
                f"{k.query!r} ({k.hits:,} matches): handler {_ms(k.handler)} ms (search "
                f"{_ms(k.search)}, show_posts {_ms(k.show_posts)}), key → frame "
                f"{_ms(k.key_to_frame)} ms"
            )
    say()
    say("Longest event-loop stall of each round, and what overlapped it:")
    say()
    for run in runs:
        during = "; ".join(run.longest_gap_during) or "nothing recorded"
        say(
            f"- {run.size:,} posts, round {run.round + 1}: {_ms(run.longest_gap)} ms "
            f"(UI thread CPU {_ms(run.longest_gap_cpu)} ms): {during}"
        )
    late = max(r.late_keys for r in runs)
    unmatched = [u for r in runs for u in r.unmatched]
    say()
    say(
        f"Typist thread: keys sent at most {_ms(late)} ms after their time. "
        + (f"Unmatched keystrokes: {unmatched}" if unmatched else "Every keystroke matched.")
    )


def child(argv: list[str], interval: float) -> int:
    """One app, in a process of its own: a fresh heap and interpreter as a person's session
    has (apps run one after another in one process slow each other's collections)."""
    size, round_ = int(argv[0]), int(argv[1])
    paths, out = StorePaths(Path(argv[2]), Path(argv[3])), Path(argv[4])
    instrument()
    run = asyncio.run(one_run(size, paths, out.with_suffix(".toml"), round_, interval))
    out.write_text(json.dumps(asdict(run)))
    return 0


def run_child(base: Path, size: int, paths: StorePaths, round_: int, interval: float) -> RunResult:
    out = base / f"run-{size}-{round_}.json"
    argv = [str(size), str(round_), str(paths.cache), str(paths.state), str(out)]
    subprocess.run(
        [sys.executable, __file__, "--interval", str(interval), "--child", *argv],
        check=True,
        cwd=base,
    )
    data = json.loads(out.read_text())
    data["keys"] = [KeyResult(**key) for key in data["keys"]]
    return RunResult(**data)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds at each size (default 5)")
    parser.add_argument(
        "--interval", type=float, default=0.12, help="seconds between keys (default 0.12)"
    )
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    rounds: int = max(1, args.rounds)
    interval: float = max(0.01, args.interval)
    if args.child:
        return child(args.child, interval)
    say = Report()
    started = datetime.now(UTC)
    runs: list[RunResult] = []
    with tempfile.TemporaryDirectory(prefix="rajpoot-bench-") as tmp:
        base = Path(tmp)
        stores: dict[int, StorePaths] = {}
        for size in SIZES:
            stores[size], took = fill_store(base, size)
            print(f"store of {size:,} posts filled (first merge {took:.1f} s)", flush=True)
        for round_ in range(rounds):
            for size in SIZES if round_ % 2 == 0 else SIZES[::-1]:
                run = run_child(base, size, stores[size], round_, interval)
                runs.append(run)
                slowest = max((k.handler for k in run.keys), default=0.0)
                print(
                    f"round {round_ + 1}, {size:,} posts: {len(run.keys)} keystrokes, slowest "
                    f"handler {_ms(slowest)} ms, longest stall {_ms(run.longest_gap)} ms",
                    flush=True,
                )
    print()
    report(say, runs, rounds, interval)
    RESULTS.mkdir(exist_ok=True)
    stem = RESULTS / f"search_typing-{started:%Y%m%dT%H%M%SZ}"
    stem.with_suffix(".md").write_text("\n".join(say.lines) + "\n")
    raw = {
        "started": started.isoformat(),
        "machine": machine(),
        "rounds": rounds,
        "interval": interval,
        "keys": [asdict(k) for r in runs for k in r.keys],
        "longest_gaps": [
            {
                "size": r.size,
                "round": r.round,
                "seconds": r.longest_gap,
                "during": r.longest_gap_during,
            }
            for r in runs
        ],
    }
    stem.with_suffix(".json").write_text(json.dumps(raw, indent=2) + "\n")
    print()
    print(f"written: {stem.with_suffix('.md')} and .json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
