"""Article extraction over the test corpus: time per page and the shingle F1.

The corpus is mozilla/readability's 130 test pages (tests/data/readability-test-pages.tar.xz)
plus our PaperMod pages (tests/data/articles). For each page: ``extract_article`` (what
the app runs), and for comparison the whole ``<body>`` through htmltext (no extractor).
Times are per page, after one warm-up pass (imports and caches); the F1 is the one the
tests use (tests/articles_corpus.py). Offline. Prints Markdown tables.

    .venv/bin/python benchmarks/extract.py [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.articles_corpus import CORPUS_URL, corpus, f1, page_scores
from tui.articles.extract import ExtractionError, extract_article
from tui.htmltext import html_to_text

ARTICLES = Path(__file__).resolve().parents[1] / "tests" / "data" / "articles"


def _extract(page: str) -> str:
    try:
        return extract_article(page, url=CORPUS_URL).text
    except ExtractionError:
        return ""


def _whole_body(page: str) -> str:
    lower = page.lower()
    start = lower.find("<body")
    return html_to_text(page[start:] if start >= 0 else page)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _time(fn: Callable[[str], str], pages: list[str], runs: int) -> list[float]:
    """Per page, the median over *runs* of one call, in milliseconds."""
    for page in pages:
        fn(page)  # warm-up
    per_page: list[list[float]] = [[] for _ in pages]
    for _ in range(runs):
        for index, page in enumerate(pages):
            start = time.perf_counter()
            fn(page)
            per_page[index].append((time.perf_counter() - start) * 1000)
    return [statistics.median(times) for times in per_page]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    cases = corpus()
    pages = [case.source for case in cases]
    papermod = [p.read_text(encoding="utf-8") for p in sorted(ARTICLES.glob("*.html"))]
    rows = []
    extractors = (("extract_article", _extract), ("whole `<body>` through htmltext", _whole_body))
    for label, fn in extractors:
        times = _time(fn, pages, args.runs)
        precision, recall, score = f1([page_scores(fn(c.source), c.expected) for c in cases])
        rows.append((label, score, precision, recall, times))
    papermod_times = _time(_extract, papermod, args.runs)

    print(f"## Article extraction, {len(pages)} readability test pages, {args.runs} runs\n")
    print("| extractor | F1 | precision | recall | median ms/page | p95 ms/page | max ms |")
    print("|---|---|---|---|---|---|---|")
    for label, score, precision, recall, times in rows:
        print(
            f"| {label} | {score:.3f} | {precision:.3f} | {recall:.3f} "
            f"| {statistics.median(times):.1f} | {_percentile(times, 0.95):.1f} "
            f"| {max(times):.1f} |"
        )
    sizes = sorted(len(page) for page in pages)
    print(f"\nPage sizes: median {sizes[len(sizes) // 2] // 1000} kB, max {sizes[-1] // 1000} kB.")
    print(f"\n## PaperMod site rule, {len(papermod)} pages\n")
    print("| median ms/page | p95 ms/page | max ms |")
    print("|---|---|---|")
    print(
        f"| {statistics.median(papermod_times):.1f} | {_percentile(papermod_times, 0.95):.1f} "
        f"| {max(papermod_times):.1f} |"
    )


if __name__ == "__main__":
    main()
