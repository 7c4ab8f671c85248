"""Markdown articles for the article view's tests, snapshots and benchmark."""

from __future__ import annotations

import random

_TEXT = (
    "the reader keeps every post offline and renders code blocks with their own colours "
    "while long paragraphs wrap to the width of the pane and links are numbered in order"
)
_WORDS = tuple(_TEXT.split())

CODE_SAMPLES = (
    (
        "python",
        "def fetch(url: str, *, timeout: float = 5.0) -> bytes:\n"
        '    """Fetch one URL."""\n'
        "    with httpx.Client(timeout=timeout) as client:\n"
        "        response = client.get(url)\n"
        "        response.raise_for_status()\n"
        "    return response.content  # {n}\n",
    ),
    (
        "go",
        'func main() {{\n\tfor i := 0; i < {n}; i++ {{\n\t\tfmt.Println("hello", i)\n\t}}\n}}\n',
    ),
    (
        "rust",
        "fn add(a: i64, b: i64) -> i64 {{\n    // adds {n}\n    a + b\n}}\n",
    ),
)


def synthetic_article(kilobytes: int, *, seed: int = 7) -> str:
    """About ``kilobytes`` KB of Markdown: ## sections, lists, tables, 10-15-line fences."""
    rng = random.Random(seed)
    parts = [
        "# A synthetic article\n",
        "An introduction with a [first link](https://example.com/0).\n",
    ]
    section = 0
    while sum(len(part) for part in parts) < kilobytes * 1024:
        section += 1
        words = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(60, 120)))
        parts.append(f"## Section {section}\n")
        parts.append(
            f"{words} with *emphasis*, **strong**, `inline code` and a "
            f"[link to {section}](https://example.com/{section}).\n"
        )
        parts.append("- a point\n- another point\n  - a nested point\n1. first\n2. second\n")
        parts.append(
            "| name | value | note |\n|---|---:|---|\n"
            f"| alpha | {section} | short |\n| beta | {section * 2} | {words[:60]} |\n"
        )
        language, body = CODE_SAMPLES[section % len(CODE_SAMPLES)]
        lines = body.format(n=section).splitlines()
        count = rng.randint(10, 15)
        fence = [lines[i % len(lines)] for i in range(count)]
        parts.append(f"```{language}\n" + "\n".join(fence) + "\n```\n")
    return "\n".join(parts)


SAMPLE = """\
# Reading [b]offline[/b]

A paragraph with *emphasis*, **strong text**, `inline code` and a
[link to the docs](https://docs.example/start). An image: ![a chart](/img/chart.png).
The [same docs](https://docs.example/start) again, then [a relative one](next/page).

## Lists

- apples
- pears
  - conference pears
- plums
1. first step
2. second step

> A quoted remark
> that spans two lines.

### A table

| tool | speed | notes |
|------|------:|-------|
| grep | 10 | fast |
| awk | 7 | [manual](https://awk.example) |

---

```python
def greet(name):
\treturn f"hello {name}"  # a comment
```

```text
plain [b]text[/b] block
```
"""
