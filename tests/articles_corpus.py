"""The article-extraction corpus and its score, shared by the tests and the benchmark.

``data/readability-test-pages.tar.xz`` holds mozilla/readability's test pages
(Apache-2.0, see ``data/READABILITY-LICENSE.md``): ``<case>/source.html`` is the page,
``expected.html`` what Readability.js extracts from it. The score is the one in
``shared/notes/articles.md``: 4-word shingles of the extracted plain text against those
of ``expected.html``'s text (as multisets), precision and recall per page, and the F1 of
the mean precision and the mean recall. ``expected.html`` is Readability.js's own view,
so the score favours extractors that think like it.
"""

from __future__ import annotations

import re
import tarfile
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from tui.htmltext import html_to_text

CORPUS = Path(__file__).parent / "data" / "readability-test-pages.tar.xz"
# The page cases use this as their URL in Readability.js's own tests.
CORPUS_URL = "http://fakehost/test/page.html"

_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    source: str
    expected: str


@cache
def corpus() -> tuple[Case, ...]:
    files: dict[str, dict[str, str]] = {}
    with tarfile.open(CORPUS) as archive:
        for member in archive.getmembers():
            parts = member.name.split("/")
            if len(parts) != 3 or not member.isfile() or not parts[2].endswith(".html"):
                continue
            handle = archive.extractfile(member)
            assert handle is not None
            files.setdefault(parts[1], {})[parts[2]] = handle.read().decode("utf-8", "replace")
    return tuple(
        Case(name, pages["source.html"], pages["expected.html"])
        for name, pages in sorted(files.items())
        if "source.html" in pages and "expected.html" in pages
    )


def shingles(text: str, size: int = 4) -> Counter[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    if len(words) < size:
        return Counter([tuple(words)]) if words else Counter()
    return Counter(tuple(words[i : i + size]) for i in range(len(words) - size + 1))


def page_scores(extracted_text: str, expected_html: str) -> tuple[float, float]:
    """(precision, recall) of one page; an empty extraction scores (0, 0)."""
    got, want = shingles(extracted_text), shingles(html_to_text(expected_html))
    common = sum((got & want).values())
    precision = common / sum(got.values()) if got else 0.0
    recall = common / sum(want.values()) if want else 0.0
    return precision, recall


def f1(scores: list[tuple[float, float]]) -> tuple[float, float, float]:
    """(mean precision, mean recall, F1 of the two) over pages."""
    precision = sum(p for p, _ in scores) / len(scores)
    recall = sum(r for _, r in scores) / len(scores)
    total = precision + recall
    return precision, recall, (2 * precision * recall / total if total else 0.0)
