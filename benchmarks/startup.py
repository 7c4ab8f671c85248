"""First paint of rajpoot-tui at 63 and 10,000 stored posts, beside a bare Textual app.

Three things are launched the same way in the same kind of terminal (a 120x40 tmux pane on
a private socket) and the pane is captured every ~5 ms until a known string is on screen;
the wall time from just before ``tmux new-session`` is what a person waits for:

* ``bare``: ``benchmarks/bare_app.py`` (Header, Footer, one Static), until its marker shows:
  what the interpreter plus Textual cost on this machine at this moment;
* ``63`` and ``10,000``: ``rajpoot-tui --feed URL`` on a temporary home
  (``XDG_CACHE_HOME``/``XDG_DATA_HOME``/``XDG_CONFIG_HOME``) whose store holds that many
  synthetic posts for a feed on 127.0.0.1:9 (the port refuses, so the start-up refresh
  fails at once and never reaches the internet), until the newest post's title shows.

Every run measures all three, in an order that cycles through the six permutations, so
drift on a noisy machine hits them alike. The ratios to ``bare`` are the figures to
compare across machines and over time; milliseconds are only for scale.

Afterwards the same stores are opened in-process to split the cost into phases
(``Store.open``, ``Store.posts``, ``PostList.show_posts``, a reload plus the next idle) and
the headless mount of each app is timed. The report is a Markdown table, printed and
written to ``benchmarks/results/`` (with the raw numbers as JSON).

Run: ``.venv/bin/python benchmarks/startup.py [--runs 7]``
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _synthetic import entries, machine, median, ms
from bare_app import MARKER, BareApp
from textual.app import App

from tui import paths
from tui.models import ParsedFeed
from tui.store import Store

SIZES = (63, 10_000)
BARE = "bare"
SOCKET = "rajpoot-bench"
WIDTH, HEIGHT = 120, 40
POLL_SECONDS = 0.005
TIMEOUT_SECONDS = 30.0
NEWEST_TITLE = "Why our ten-thousand-row list paints as fast as a short one, measured"
# What must be visible: the list pane shows ~37 characters of a title at 120 columns.
NEEDLE = NEWEST_TITLE[:30]
EXECUTABLE = Path(sys.executable).with_name("rajpoot-tui")
BARE_SCRIPT = Path(__file__).resolve().with_name("bare_app.py")
RESULTS = Path(__file__).resolve().with_name("results")
TARGET_RATIO = 1.5  # 10,000 / 63


@dataclass(frozen=True, slots=True)
class Home:
    name: str
    root: Path
    feed_url: str
    size: int = 0

    @property
    def env(self) -> dict[str, str]:
        return {
            "XDG_CACHE_HOME": str(self.root / "cache"),
            "XDG_DATA_HOME": str(self.root / "data"),
            "XDG_CONFIG_HOME": str(self.root / "config"),
        }

    def db_paths(self) -> tuple[Path, Path]:
        with _environ(self.env):
            return paths.cache_db_path(), paths.state_db_path()


@dataclass(frozen=True, slots=True)
class Target:
    """One thing launched in a tmux pane and polled until ``needle`` is on screen."""

    key: str
    label: str
    argv: tuple[str, ...]
    home: Home
    needle: str

    @property
    def command(self) -> str:
        env = " ".join(f"{k}={shlex.quote(v)}" for k, v in self.home.env.items())
        return f"exec env {env} " + " ".join(shlex.quote(arg) for arg in self.argv)


@contextmanager
def _environ(values: dict[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, old in saved.items():
            if old is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = old


def _empty_home(base: Path, name: str, size: int = 0) -> Home:
    home = Home(name, base / name, f"http://127.0.0.1:9/{name}.xml", size)
    for sub in ("cache", "data", "config"):
        (home.root / sub).mkdir(parents=True)
    return home


def make_home(base: Path, size: int) -> Home:
    home = _empty_home(base, f"n{size}", size)
    # Auto-read off and no timed refresh, so every run starts from the same state.
    config = home.root / "config" / "rajpoot-tui" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("mark_read_after_seconds = -1\nrefresh_minutes = 0\n")
    items = entries(size)
    items[0] = replace(items[0], title=NEWEST_TITLE)
    cache, state = home.db_paths()
    with Store.open(cache, state, retention=size) as store:
        store.merge(
            home.feed_url,
            ParsedFeed(home.feed_url, f"Bench feed ({size})", "https://bench.example/", "", items),
            etag=None,
            last_modified=None,
            not_before=None,
            now=datetime.now(UTC),
            mark_new=False,
        )
        assert len(store.posts(home.feed_url)) == size
    return home


def make_targets(base: Path) -> tuple[list[Target], dict[int, Home]]:
    homes = {size: make_home(base, size) for size in SIZES}
    bare = Target(
        BARE,
        "bare Textual app (Header, Footer, Static)",
        (sys.executable, str(BARE_SCRIPT)),
        _empty_home(base, BARE),
        MARKER,
    )
    readers = [
        Target(
            str(size),
            f"rajpoot-tui, {size:,} stored posts",
            (str(EXECUTABLE), "--feed", home.feed_url),
            home,
            NEEDLE,
        )
        for size, home in homes.items()
    ]
    return [bare, *readers], homes


# --------------------------------------------------------------------- tmux


def tmux(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["tmux", "-L", SOCKET, *args], capture_output=True, text=True, check=check
    )


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def first_paint(target: Target, run: int) -> float:
    """Seconds from launching ``target`` in tmux until its needle is on screen."""
    name = f"{target.key}-{run}"
    start = time.perf_counter()
    tmux("new-session", "-d", "-x", str(WIDTH), "-y", str(HEIGHT), "-s", name, target.command)
    pid_text = tmux("display-message", "-p", "-t", name, "#{pane_pid}", check=False).stdout
    pid = int(pid_text) if pid_text.strip().isdigit() else None
    try:
        while True:
            pane = tmux("capture-pane", "-p", "-t", name, check=False)
            elapsed = time.perf_counter() - start
            if target.needle in pane.stdout:
                return elapsed
            if pane.returncode != 0:
                raise RuntimeError(f"{target.label} exited before painting")
            if elapsed > TIMEOUT_SECONDS:
                raise RuntimeError(
                    f"{target.label}: no first paint within {TIMEOUT_SECONDS} s:\n{pane.stdout}"
                )
            time.sleep(POLL_SECONDS)
    finally:
        tmux("kill-session", "-t", name, check=False)
        # Let the app exit before the next run, so it does not compete for the CPU.
        deadline = time.monotonic() + 5
        while pid is not None and _pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.01)


IMPORTS = {
    "textual": "from textual.widgets import Footer, Header, Static",
    "tui.app": "import tui.app",
}


def import_time(code: str) -> float:
    """Wall time of ``python -c CODE`` (interpreter start plus the imports)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - start


# ------------------------------------------------------------- in-process


def _timed(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return median(times)


async def mount_until_idle(make: Callable[[], App[Any]], runs: int) -> float:
    """Median time from ``run_test`` until the first idle, a fresh app each time."""
    times = []
    for _ in range(runs):
        app = make()
        start = time.perf_counter()
        async with app.run_test(size=(WIDTH, HEIGHT)) as pilot:
            await pilot.pause()
            times.append(time.perf_counter() - start)
    return median(times)


async def bare_phases(runs: int) -> dict[str, float]:
    return {"headless mount until idle": await mount_until_idle(BareApp, runs)}


async def phases(home: Home, runs: int) -> dict[str, float]:
    from tui.app import RajpootApp
    from tui.services import Services, StorePaths
    from tui.settings import Settings

    cache, state = home.db_paths()

    def open_close() -> None:
        Store.open(cache, state).close()

    services = Services(
        settings=Settings(mark_read_after_seconds=-1, refresh_minutes=0),
        store_paths=StorePaths(cache, state),
        browser_finder=lambda: None,
    )

    def make() -> RajpootApp:
        return RajpootApp(home.feed_url, services=services, refresh_on_start=False)

    result = {
        "headless mount until idle": await mount_until_idle(make, runs),
        "Store.open + close": _timed(open_close, runs),
    }
    app = make()
    async with app.run_test(size=(WIDTH, HEIGHT)) as pilot:
        await pilot.pause()
        assert app.store is not None
        store = app.store
        posts = store.posts(home.feed_url)
        assert len(posts) == home.size
        result["Store.posts()"] = _timed(lambda: store.posts(home.feed_url), runs)
        result["PostList.show_posts()"] = _timed(
            lambda: app.reader.post_list.show_posts(posts), runs
        )
        result["reader.reload_posts()"] = _timed(app.reader.reload_posts, runs)
        settle = []
        for _ in range(runs):
            start = time.perf_counter()
            app.reader.reload_posts()
            await pilot.pause()
            settle.append(time.perf_counter() - start)
        result["reload_posts() + next idle"] = median(settle)
    return result


# ------------------------------------------------------------------ report


class Report:
    """Lines printed as they come and kept for the results file."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def __call__(self, line: str = "") -> None:
        print(line, flush=True)
        self.lines.append(line)


def _ratio_row(label: str, top: list[float], bottom: list[float], note: str = "") -> str:
    paired = [a / b for a, b in zip(top, bottom, strict=True)]
    return (
        f"| {label} | {median(top) / median(bottom):.2f}x | {median(paired):.2f}x "
        f"| {min(paired):.2f}x - {max(paired):.2f}x |{note}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs of each app (default 7)")
    parser.add_argument(
        "--no-phases", action="store_true", help="skip the in-process phase timings"
    )
    args = parser.parse_args()
    runs: int = max(1, args.runs)
    if shutil.which("tmux") is None:
        print("startup.py: tmux is not installed; nothing measured.")
        return 0
    if not EXECUTABLE.exists():
        print(f"startup.py: {EXECUTABLE} not found; run `make run` once first.")
        return 1

    say = Report()
    started = datetime.now(UTC)
    with ExitStack() as stack:
        base = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="rajpoot-bench-")))
        stack.callback(tmux, "kill-server", check=False)
        tmux("kill-server", check=False)  # a leftover from an interrupted run
        targets, homes = make_targets(base)
        # Start the tmux server before timing anything: its start-up is not the apps'.
        tmux("new-session", "-d", "-s", "keepalive", "sleep 3600")

        for target in targets:  # warm-up: bytecode and OS caches, discarded
            first_paint(target, -1)
        orders = list(itertools.permutations(targets))
        results: dict[str, list[float]] = {target.key: [] for target in targets}
        imports: dict[str, list[float]] = {name: [] for name in IMPORTS}
        for run in range(runs):
            for target in orders[run % len(orders)]:
                results[target.key].append(first_paint(target, run))
            for name, code in IMPORTS.items():
                imports[name].append(import_time(code))

        bare, small, large = (results[target.key] for target in targets)
        say(
            f"Measured {started:%Y-%m-%d} on {machine()}: tmux {WIDTH}x{HEIGHT}, from "
            f"`tmux new-session` until the text is visible, {runs} runs of each, "
            "interleaved (after one discarded warm-up each)."
        )
        say()
        say("| first paint | median | min | max |")
        say("|---|---:|---:|---:|")
        for target in targets:
            values = results[target.key]
            say(
                f"| {target.label} | {ms(median(values))} | {ms(min(values))} | {ms(max(values))} |"
            )
        say()
        say("| ratio | of the medians | median of per-run ratios | per-run range |")
        say("|---|---:|---:|---:|")
        say(_ratio_row("63 / bare", small, bare))
        say(_ratio_row("10,000 / bare", large, bare))
        say(_ratio_row("10,000 / 63", large, small))
        say()
        say(
            f"For scale (median of {runs}, interleaved): `python -c` importing what "
            f"bare_app.py imports takes {ms(median(imports['textual']))}; "
            f"`import tui.app`, {ms(median(imports['tui.app']))}. "
            f"Target for 10,000 / 63: <= {TARGET_RATIO}x."
        )
        say()
        say("Raw first paints (ms, in run order):")
        say()
        for target in targets:
            say(f"- {target.key}: " + ", ".join(f"{v * 1000:.0f}" for v in results[target.key]))

        table: dict[str, dict[str, float]] = {}
        if not args.no_phases:
            table[BARE] = asyncio.run(bare_phases(runs))
            for size in SIZES:
                table[str(size)] = asyncio.run(phases(homes[size], runs))
            say()
            say(f"In-process phases (median of {runs}):")
            say()
            say(f"| phase | bare | {SIZES[0]} posts | {SIZES[-1]:,} posts |")
            say("|---|---:|---:|---:|")
            for phase in table[str(SIZES[0])]:
                cells = [
                    f"{table[key][phase] * 1000:.1f} ms" if phase in table[key] else "-"
                    for key in (BARE, *map(str, SIZES))
                ]
                say(f"| {phase} | " + " | ".join(cells) + " |")

    RESULTS.mkdir(exist_ok=True)
    stem = RESULTS / f"startup-{started:%Y%m%dT%H%M%SZ}"
    stem.with_suffix(".md").write_text("\n".join(say.lines) + "\n")
    raw = {
        "started": started.isoformat(),
        "machine": machine(),
        "runs": runs,
        "terminal": f"tmux {WIDTH}x{HEIGHT}",
        "first_paint_seconds": results,
        "import_seconds": imports,
        "phases_seconds": table,
    }
    stem.with_suffix(".json").write_text(json.dumps(raw, indent=2) + "\n")
    print()
    print(f"written: {stem.with_suffix('.md')} and .json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
