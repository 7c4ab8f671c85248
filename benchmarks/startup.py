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

Every run measures all of them, in orders that put each in every position equally often
(for three, the six permutations), so drift on a noisy machine hits them alike. The ratios
to ``bare`` are the figures to compare across machines and over time; milliseconds are
only for scale.

With ``--before REV`` the app as of git revision REV is launched too, at both sizes,
interleaved in the same runs: a throwaway ``git worktree`` of REV under the temp dir, run by
the same interpreter and venv as ``python -m tui --feed URL`` with ``PYTHONPATH`` set to that
worktree (the current code is then launched the same way, ``PYTHONPATH`` = this checkout), so
only the project code differs. Each revision gets its own homes, whose stores are filled by
that revision's own code (``_fill_home.py`` in a subprocess; the schema changes between
revisions). The worktree is removed at the end.

Afterwards the same stores are opened in-process to split the cost into phases
(``Store.open``, ``Store.posts``, ``PostList.show_posts``, a reload plus the next idle) and
the headless mount of each app is timed (current code only). The report is a Markdown
table, printed and written to ``benchmarks/results/`` (with the raw numbers as JSON).

Run: ``.venv/bin/python benchmarks/startup.py [--runs 7] [--before 0e500e0]``
"""

from __future__ import annotations

import argparse
import asyncio
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
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _synthetic import machine, median, ms
from bare_app import MARKER, BareApp
from textual.app import App

from tui import paths
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
FILL_SCRIPT = Path(__file__).resolve().with_name("_fill_home.py")
RESULTS = Path(__file__).resolve().with_name("results")
REPO = Path(__file__).resolve().parents[1]
TARGET_RATIO = 1.5  # 10,000 / 63
BEFORE = "before-"  # key prefix of the --before revision's targets


@dataclass(frozen=True, slots=True)
class Tree:
    """Whose project code a reader target runs."""

    prefix: str
    """Of its targets' keys: "" for the current code, BEFORE for --before."""
    name: str
    """"now", or the revision given to --before."""
    root: Path
    module: bool
    """Launched as ``python -m tui`` with PYTHONPATH=root (else the venv's rajpoot-tui)."""

    @property
    def label(self) -> str:
        return f"{self.name} (before)" if self.prefix else self.name

    @property
    def env(self) -> dict[str, str]:
        return {"PYTHONPATH": str(self.root)} if self.module else {}

    def argv(self, feed_url: str) -> tuple[str, ...]:
        if self.module:
            return (sys.executable, "-m", "tui", "--feed", feed_url)
        return (str(EXECUTABLE), "--feed", feed_url)


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
    extra_env: tuple[tuple[str, str], ...] = ()

    @property
    def env(self) -> dict[str, str]:
        return {**self.home.env, **dict(self.extra_env)}

    @property
    def command(self) -> str:
        env = " ".join(f"{k}={shlex.quote(v)}" for k, v in self.env.items())
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


def make_home(base: Path, size: int, tree: Tree, *, long: bool = False) -> Home:
    """A home whose store holds ``size`` posts, written by ``tree``'s own code."""
    home = _empty_home(base, f"{tree.prefix}n{size}", size)
    # Auto-read off and no timed refresh, so every run starts from the same state.
    config = home.root / "config" / "rajpoot-tui" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("mark_read_after_seconds = -1\nrefresh_minutes = 0\n")
    filled = subprocess.run(
        [
            sys.executable,
            str(FILL_SCRIPT),
            str(size),
            home.feed_url,
            NEWEST_TITLE,
            *(["--long"] if long else []),
        ],
        env={**os.environ, **home.env, "PYTHONPATH": str(tree.root)},
        cwd=home.root,
        capture_output=True,
        text=True,
        check=False,
    )
    if filled.returncode != 0:
        raise RuntimeError(f"filling {home.name} failed:\n{filled.stderr}")
    _check_source(filled.stdout.strip(), tree, f"filling {home.name}")
    return home


def _check_source(tui_init: str, tree: Tree, what: str) -> None:
    if not Path(tui_init).resolve().is_relative_to(tree.root.resolve()):
        raise RuntimeError(f"{what} imported tui from {tui_init}, not from {tree.root}")


def check_launch(target: Target, tree: Tree) -> None:
    """The interpreter, environment and directory a target runs with import ``tree``'s tui."""
    probe = subprocess.run(
        [sys.executable, "-c", "import tui; print(tui.__file__)"],
        env={**os.environ, **target.env},
        cwd=target.home.root,
        capture_output=True,
        text=True,
        check=True,
    )
    _check_source(probe.stdout.strip(), tree, target.label)


def bytecode_env(base: Path) -> dict[str, str]:
    """What every launched interpreter gets: bytecode caches written and reused, as an
    installed app has them (pip compiles on install; a checkout writes them on its first
    run), kept under the temp dir so no checkout gets ``__pycache__``. The warm-up runs
    fill them. Without this a ``PYTHONDONTWRITEBYTECODE`` inherited from the environment
    makes every start compile the tree's own sources again (site-packages keep their
    caches), which charges the revisions for their source size, not their start-up."""
    return {"PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": str(base / "pycache")}


def make_targets(
    base: Path, trees: list[Tree], *, long: bool = False
) -> tuple[list[Target], dict[str, Home]]:
    """The bare app, then every tree's reader at every size; the homes by target key."""
    python_env = tuple(bytecode_env(base).items())
    bare = Target(
        BARE,
        "bare Textual app (Header, Footer, Static)",
        (sys.executable, str(BARE_SCRIPT)),
        _empty_home(base, BARE),
        MARKER,
        python_env,
    )
    targets, homes = [bare], {}
    for tree in trees:
        for size in SIZES:
            home = make_home(base, size, tree, long=long)
            target = Target(
                f"{tree.prefix}{size}",
                f"rajpoot-tui {tree.label}, {size:,} stored posts",
                tree.argv(home.feed_url),
                home,
                NEEDLE,
                (*python_env, *tree.env.items()),
            )
            check_launch(target, tree)
            targets.append(target)
            homes[target.key] = home
    return targets, homes


def balanced_orders(items: list[Target]) -> list[list[Target]]:
    """Run orders in which every target takes every position equally often and follows
    every other target equally often over a full cycle (a Williams design: n orders for
    an even n, 2n for an odd one; for three targets, all six permutations)."""
    n = len(items)
    first = [0]
    low, high = 1, n - 1
    while len(first) < n:
        first.append(low)
        low += 1
        if len(first) < n:
            first.append(high)
            high -= 1
    rows = [[(index + shift) % n for index in first] for shift in range(n)]
    if n % 2:
        rows += [row[::-1] for row in rows]
    return [[items[index] for index in row] for row in rows]


# ---------------------------------------------------------- git worktree


def git(*args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(REPO), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


def add_worktree(stack: ExitStack, base: Path, rev: str) -> Tree:
    """A throwaway detached worktree of ``rev`` under ``base``, removed when ``stack`` closes."""
    sha = git("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    path = base / f"rev-{sha[:12]}"
    git("worktree", "add", "--detach", str(path), sha)

    def remove() -> None:
        done = subprocess.run(
            ["git", "-C", str(REPO), "worktree", "remove", "--force", str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            print(f"startup.py: could not remove the worktree {path}: {done.stderr.strip()}")

    stack.callback(remove)
    return Tree(BEFORE, rev, path, module=True)


def describe_current() -> str:
    """HEAD of this checkout, and whether the project code has uncommitted changes."""
    head = git("rev-parse", "--short", "HEAD")
    changed = git("status", "--porcelain", "--", "tui", "styles").splitlines()
    return f"{head} + {len(changed)} uncommitted file(s) in tui/ or styles/" if changed else head


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
    tmux(
        "new-session",
        "-d",
        "-x",
        str(WIDTH),
        "-y",
        str(HEIGHT),
        "-s",
        name,
        # A directory with no tui/ in it: python -m puts the working directory first on
        # sys.path, ahead of PYTHONPATH.
        "-c",
        str(target.home.root),
        target.command,
    )
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


IMPORT_TEXTUAL = "from textual.widgets import Footer, Header, Static"
IMPORT_APP = "import tui.app"


def import_time(code: str, base: Path, pythonpath: Path | None = None) -> float:
    """Wall time of ``python -c CODE`` (interpreter start plus the imports), run in ``base``
    with the targets' bytecode caches."""
    env = {**os.environ, **bytecode_env(base)}
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=base)
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
        # The home's, not the real one: the app writes a config template on first run.
        config_path=home.root / "config" / "rajpoot-tui" / "config.toml",
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


def _cell(values: list[float], bare: list[float]) -> str:
    return f"{ms(median(values))} ({median(values) / median(bare):.2f}x bare)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs of each app (default 7)")
    parser.add_argument(
        "--no-phases", action="store_true", help="skip the in-process phase timings"
    )
    parser.add_argument(
        "--before",
        metavar="REV",
        help="also launch the app as of git revision REV (a temporary worktree), interleaved",
    )
    parser.add_argument(
        "--long-descriptions",
        action="store_true",
        help="posts with descriptions of 1-2.5 kB (as real feeds have), not a few hundred chars",
    )
    args = parser.parse_args()
    runs: int = max(1, args.runs)
    before: str | None = args.before
    if shutil.which("tmux") is None:
        print("startup.py: tmux is not installed; nothing measured.")
        return 0
    if before is None and not EXECUTABLE.exists():
        print(f"startup.py: {EXECUTABLE} not found; run `make run` once first.")
        return 1
    if before is not None:
        known = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--verify", "--quiet", f"{before}^{{commit}}"],
            capture_output=True,
            check=False,
        )
        if known.returncode != 0:
            print(f"startup.py: --before {before}: not a commit of {REPO}")
            return 2

    say = Report()
    started = datetime.now(UTC)
    current = Tree("", "now", REPO, module=before is not None)
    with ExitStack() as stack:
        base = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="rajpoot-bench-")))
        trees = [current]
        if before is not None:
            trees.append(add_worktree(stack, base, before))
        stack.callback(tmux, "kill-server", check=False)
        tmux("kill-server", check=False)  # a leftover from an interrupted run
        targets, homes = make_targets(base, trees, long=args.long_descriptions)
        # Start the tmux server before timing anything: its start-up is not the apps'.
        tmux("new-session", "-d", "-s", "keepalive", "sleep 3600")

        for target in targets:  # warm-up: bytecode and OS caches, discarded
            first_paint(target, -1)
        orders = balanced_orders(targets)
        results: dict[str, list[float]] = {target.key: [] for target in targets}
        imports: dict[str, list[float]] = {"textual": []}
        imports |= {f"{tree.prefix}tui.app": [] for tree in trees}
        for run in range(runs):
            for target in orders[run % len(orders)]:
                results[target.key].append(first_paint(target, run))
            imports["textual"].append(import_time(IMPORT_TEXTUAL, base))
            for tree in trees:
                imports[f"{tree.prefix}tui.app"].append(
                    import_time(IMPORT_APP, base, tree.root if tree.module else None)
                )

        bare = results[BARE]
        small, large = (results[str(size)] for size in SIZES)
        how = (
            "`python -m tui` with PYTHONPATH set to each tree"
            if before is not None
            else "`rajpoot-tui`"
        )
        say(
            f"Measured {started:%Y-%m-%d} on {machine()}: tmux {WIDTH}x{HEIGHT}, from "
            f"`tmux new-session` until the text is visible, {runs} runs of each, "
            f"interleaved (after one discarded warm-up each, which writes the bytecode caches "
            f"they all use); the reader launched as {how}; "
            + (
                "descriptions of 1-2.5 kB (--long-descriptions)."
                if args.long_descriptions
                else "summaries of a few hundred characters."
            )
        )
        if before is not None:
            say(
                f'"now" is this checkout ({describe_current()}); "{before}" a worktree of '
                f"{git('rev-parse', '--short', f'{before}^{{commit}}')}, each on a store its "
                "own code filled."
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
        if before is not None:
            old_small, old_large = (results[f"{BEFORE}{size}"] for size in SIZES)
            say(_ratio_row(f"{before}: 63 / bare", old_small, bare))
            say(_ratio_row(f"{before}: 10,000 / bare", old_large, bare))
            say(_ratio_row(f"{before}: 10,000 / 63", old_large, old_small))
            say(_ratio_row(f"now / {before}, 63 posts", small, old_small))
            say(_ratio_row(f"now / {before}, 10,000 posts", large, old_large))
            say()
            say(f"Before and after (medians of {runs}; ratios > 1.00x: slower now):")
            say()
            say("| first paint | 63 posts | 10,000 posts | 10,000 / 63 |")
            say("|---|---:|---:|---:|")
            say(f"| bare Textual app | {ms(median(bare))} | | |")
            for label, lo, hi in (
                (f"{before} (before)", old_small, old_large),
                ("now (after)", small, large),
            ):
                say(
                    f"| {label} | {_cell(lo, bare)} | {_cell(hi, bare)} "
                    f"| {median(hi) / median(lo):.2f}x |"
                )
            say(
                f"| now / {before} | {median(small) / median(old_small):.2f}x "
                f"| {median(large) / median(old_large):.2f}x | |"
            )
        say()
        app_imports = "; ".join(
            f"`import tui.app` ({tree.name}), {ms(median(imports[f'{tree.prefix}tui.app']))}"
            for tree in trees
        )
        say(
            f"For scale (median of {runs}, interleaved): `python -c` importing what "
            f"bare_app.py imports takes {ms(median(imports['textual']))}; {app_imports}. "
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
                table[str(size)] = asyncio.run(phases(homes[str(size)], runs))
            say()
            say(f"In-process phases, current code (median of {runs}):")
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
        "before": before,
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
