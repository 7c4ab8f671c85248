"""First paint with 10,000 stored posts versus 63, side by side in a real terminal.

For each size a temporary home (``XDG_CACHE_HOME``/``XDG_DATA_HOME``/``XDG_CONFIG_HOME``)
gets a store filled with synthetic posts for a feed on 127.0.0.1:9 (the port refuses, so
the app's start-up refresh fails at once and never reaches the internet). Then
``rajpoot-tui --feed URL`` is launched inside tmux (120x40, private socket) and the pane is
captured every ~5 ms until the newest post's title is on screen: that wall time, from just
before ``tmux new-session``, is what a person waits for. Runs alternate between the sizes.

Afterwards the same stores are opened in-process to split the 10,000-post cost into phases
(``Store.open``, ``Store.posts``, ``PostList.show_posts``, a reload plus the next idle).

Run: ``.venv/bin/python benchmarks/startup.py [--runs 7]``
"""

from __future__ import annotations

import argparse
import asyncio
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

from _synthetic import entries, machine, median, ms

from tui import paths
from tui.models import ParsedFeed
from tui.store import Store

SIZES = (63, 10_000)
SOCKET = "rajpoot-bench"
WIDTH, HEIGHT = 120, 40
POLL_SECONDS = 0.005
TIMEOUT_SECONDS = 30.0
NEWEST_TITLE = "Why our ten-thousand-row list paints as fast as a short one, measured"
# What must be visible: the list pane shows ~37 characters of a title at 120 columns.
NEEDLE = NEWEST_TITLE[:30]
EXECUTABLE = Path(sys.executable).with_name("rajpoot-tui")


@dataclass(frozen=True, slots=True)
class Home:
    size: int
    root: Path
    feed_url: str

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


def make_home(base: Path, size: int) -> Home:
    home = Home(size, base / f"n{size}", f"http://127.0.0.1:9/n{size}.xml")
    for sub in ("cache", "data", "config"):
        (home.root / sub).mkdir(parents=True)
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


def first_paint(home: Home, run: int) -> float:
    """Seconds from launching the app in tmux until the newest title is on screen."""
    name = f"n{home.size}-{run}"
    env = " ".join(f"{k}={shlex.quote(v)}" for k, v in home.env.items())
    command = f"exec env {env} {shlex.quote(str(EXECUTABLE))} --feed {shlex.quote(home.feed_url)}"
    start = time.perf_counter()
    tmux("new-session", "-d", "-x", str(WIDTH), "-y", str(HEIGHT), "-s", name, command)
    pid_text = tmux("display-message", "-p", "-t", name, "#{pane_pid}", check=False).stdout
    pid = int(pid_text) if pid_text.strip().isdigit() else None
    try:
        while True:
            pane = tmux("capture-pane", "-p", "-t", name, check=False)
            elapsed = time.perf_counter() - start
            if NEEDLE in pane.stdout:
                return elapsed
            if pane.returncode != 0:
                raise RuntimeError(f"the app exited before painting (N={home.size})")
            if elapsed > TIMEOUT_SECONDS:
                raise RuntimeError(f"no first paint within {TIMEOUT_SECONDS} s:\n{pane.stdout}")
            time.sleep(POLL_SECONDS)
    finally:
        tmux("kill-session", "-t", name, check=False)
        # Let the app exit before the next run, so it does not compete for the CPU.
        deadline = time.monotonic() + 5
        while pid is not None and _pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.01)


def import_time() -> float:
    """Wall time of a bare ``python -c 'import tui.app'`` (interpreter + imports)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import tui.app"], check=True)
    return time.perf_counter() - start


# ------------------------------------------------------------- in-process


def _timed(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return median(times)


async def phases(home: Home, runs: int) -> dict[str, float]:
    from tui.app import RajpootApp
    from tui.services import Services, StorePaths
    from tui.settings import Settings

    cache, state = home.db_paths()

    def open_close() -> None:
        Store.open(cache, state).close()

    result = {"Store.open + close": _timed(open_close, runs)}
    services = Services(
        settings=Settings(mark_read_after_seconds=-1, refresh_minutes=0),
        store_paths=StorePaths(cache, state),
        browser_finder=lambda: None,
    )
    app = RajpootApp(home.feed_url, services=services, refresh_on_start=False)
    start = time.perf_counter()
    async with app.run_test(size=(WIDTH, HEIGHT)) as pilot:
        await pilot.pause()
        result["headless mount until idle"] = time.perf_counter() - start
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


# ------------------------------------------------------------------ main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per size (default 7)")
    args = parser.parse_args()
    runs: int = max(1, args.runs)
    if shutil.which("tmux") is None:
        print("startup.py: tmux is not installed; nothing measured.")
        return 0
    if not EXECUTABLE.exists():
        print(f"startup.py: {EXECUTABLE} not found; run `make run` once first.")
        return 1

    with ExitStack() as stack:
        base = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="rajpoot-bench-")))
        stack.callback(tmux, "kill-server", check=False)
        tmux("kill-server", check=False)  # a leftover from an interrupted run
        homes = {size: make_home(base, size) for size in SIZES}
        # Start the tmux server before timing anything: its start-up is not the app's.
        tmux("new-session", "-d", "-s", "keepalive", "sleep 3600")

        print(machine())
        print(f"tmux {WIDTH}x{HEIGHT}, newest of N stored posts visible; {runs} runs per N")
        for size in SIZES:  # warm-up: bytecode and OS caches, discarded
            first_paint(homes[size], -1)
        results: dict[int, list[float]] = {size: [] for size in SIZES}
        imports: list[float] = []
        for run in range(runs):
            order = SIZES if run % 2 == 0 else tuple(reversed(SIZES))
            for size in order:
                results[size].append(first_paint(homes[size], run))
            imports.append(import_time())

        print()
        print("| stored posts | median | min | max | runs |")
        print("|---:|---:|---:|---:|---:|")
        for size in SIZES:
            values = results[size]
            print(
                f"| {size:,} | {ms(median(values))} | {ms(min(values))} "
                f"| {ms(max(values))} | {len(values)} |"
            )
        small, large = (median(results[size]) for size in SIZES)
        ratio = large / small
        print()
        print(f"ratio of medians (10,000 / 63): {ratio:.2f}x (target <= 1.5x)")
        print(
            f"for scale: `python -c 'import tui.app'` alone takes {ms(median(imports))} "
            f"(median of {runs}, interleaved with the runs)"
        )
        print("raw (ms):")
        for size in SIZES:
            print(f"  N={size}: " + ", ".join(f"{v * 1000:.0f}" for v in results[size]))

        print()
        print(f"In-process phases, {SIZES[-1]:,} posts vs {SIZES[0]} (median of {runs}):")
        print()
        table = {size: asyncio.run(phases(homes[size], runs)) for size in SIZES}
        print(f"| phase | {SIZES[0]} posts | {SIZES[-1]:,} posts |")
        print("|---|---:|---:|")
        for phase in table[SIZES[0]]:
            small_v, large_v = (table[size][phase] for size in SIZES)
            print(f"| {phase} | {small_v * 1000:.1f} ms | {large_v * 1000:.1f} ms |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
