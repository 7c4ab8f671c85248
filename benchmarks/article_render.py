"""ArticleView against Textual's Markdown widget on 10, 50 and 100 KB articles.

Headless ``App.run_test(size=(120, 40))``. For each size and widget:

* first screen: from ``show()`` / ``update()`` until the first screen with text has been
  painted (``call_after_refresh`` after the first lines arrive);
* fully rendered: until the whole article is laid out (``Rendered`` / ``update()`` done),
  after the next refresh;
* the longest event-loop stall while loading, while scrolling to the end (20 x pagedown
  then end) and while switching theme (textual-dark -> nord), measured by a 10 ms interval
  timer on the app (the gap beyond 10 ms is the stall).

Each widget and size is measured in a fresh interpreter, and ``gc.collect()`` runs
before each measurement: without that, the previous Markdown widget's hundreds of
thousands of objects (garbage, or kept by caches) made the next run's full garbage
collections last 0.2-1.2 s, which showed up as "stalls" of the widget measured next.

Articles come from ``tests.articles.synthetic_article`` (## sections, lists, tables,
10-15-line fences with a language). Prints a Markdown table and writes it to
``benchmarks/results/article-render-<UTC time>.md``.

Run: ``PYTHONPATH=. .venv/bin/python benchmarks/article_render.py [--runs 3]``
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Markdown

from tests.articles import synthetic_article
from tui.widgets.article_view import ArticleView

SIZES = (10, 50, 100)


class StallProbe:
    def __init__(self) -> None:
        self.last = time.perf_counter()
        self.worst = 0.0

    def tick(self) -> None:
        now = time.perf_counter()
        self.worst = max(self.worst, now - self.last - 0.01)
        self.last = now

    def reset(self) -> None:
        self.last = time.perf_counter()
        self.worst = 0.0


class BenchApp(App[None]):
    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self.probe = StallProbe()

    def compose(self) -> ComposeResult:
        if self.kind == "article":
            yield ArticleView()
        else:
            with VerticalScroll():
                yield Markdown()

    def on_mount(self) -> None:
        self.set_interval(0.01, self.probe.tick)


async def settle(app: App[None], pilot: Any, seconds: float = 0.3) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause(seconds)


async def measure(kind: str, markdown: str) -> dict[str, float]:
    gc.collect()  # the previous run's widgets must not be collected during this one
    app = BenchApp(kind)
    result: dict[str, float] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.2)
        loop = asyncio.get_running_loop()
        first: asyncio.Future[float] = loop.create_future()
        full: asyncio.Future[float] = loop.create_future()

        def painted(future: asyncio.Future[float]) -> None:
            if not future.done():
                future.set_result(time.perf_counter())

        app.probe.reset()
        start = time.perf_counter()
        if kind == "article":
            view = app.query_one(ArticleView)
            original = view._receive

            def receive(*args: Any) -> None:
                original(*args)
                if view.lines:
                    app.call_after_refresh(painted, first)
                if view.loaded:
                    app.call_after_refresh(painted, full)

            view._receive = receive  # type: ignore[method-assign,assignment]
            view.show(markdown)
        else:
            widget = app.query_one(Markdown)
            await widget.update(markdown)
            app.call_after_refresh(painted, first)
            app.call_after_refresh(painted, full)
        result["first"] = await first - start
        result["full"] = await full - start
        await pilot.pause(0.1)
        result["load_stall"] = app.probe.worst

        app.probe.reset()
        await pilot.press(*["pagedown"] * 20, "end")
        await pilot.pause(0.2)
        result["scroll_stall"] = app.probe.worst

        app.probe.reset()
        app.theme = "nord"
        await pilot.pause(0.5)
        await settle(app, pilot)
        result["theme_stall"] = app.probe.worst
    return result


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


async def child(kind: str, size: int, runs: int) -> None:
    markdown = synthetic_article(size)
    results = [await measure(kind, markdown) for _ in range(runs)]
    print(json.dumps(results))


def measure_apart(kind: str, size: int, runs: int) -> list[dict[str, float]]:
    """``runs`` measurements in a fresh interpreter: one widget's leftovers (the Markdown
    widget's hundreds of thousands of objects, some kept alive by caches) must not make
    the other's garbage collections longer."""
    command = [sys.executable, __file__, "--child", kind, str(size), "--runs", str(runs)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    results: list[dict[str, float]] = json.loads(done.stdout.strip().splitlines()[-1])
    return results


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("KIND", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        await child(args.child[0], int(args.child[1]), args.runs)
        return
    rows = []
    for size in SIZES:
        markdown = synthetic_article(size)
        fences = markdown.count("```") // 2
        for kind, label in (("article", "ArticleView"), ("markdown", "Markdown (Textual)")):
            runs = measure_apart(kind, size, args.runs)
            med = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
            rows.append(
                f"| {len(markdown) // 1024} KB ({fences} fences) | {label} | {ms(med['first'])} "
                f"| {ms(med['full'])} | {ms(med['load_stall'])} | {ms(med['scroll_stall'])} "
                f"| {ms(med['theme_stall'])} |"
            )
            print(rows[-1], flush=True)
    header = (
        "| article | widget | first screen | fully rendered | longest stall loading "
        "| longest stall scrolling to end | longest stall on theme change |\n"
        "|---|---|---|---|---|---|---|"
    )
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    report = (
        f"# ArticleView vs Markdown, 120x40 headless, median of {args.runs} runs ({stamp})\n\n"
        + header
        + "\n"
        + "\n".join(rows)
        + "\n"
    )
    print()
    print(report)
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / f"article-render-{stamp}.md").write_text(report)


if __name__ == "__main__":
    asyncio.run(main())
