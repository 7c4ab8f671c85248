"""Search over the cache: what a person typed, as a safe FTS5 query, and where it matched.

What matches
------------
A post matches when **every term** of the query occurs, as a substring, in one of
its title, author, feed title or description (the plain text of
:func:`tui.htmltext.description_to_text`; a ``body`` column waits for article text).
Both sides are *folded* first (:func:`fold`): NFKD, the combining diacritical marks
U+0300–U+036F dropped, casefolded, whitespace runs made one space. So:

* every word is a prefix, and an infix, as you type: ``pyth`` finds Python, ``pool``
  finds ``MAX_POOL_SIZE``, ``script`` finds JavaScript (the ``/`` filter that came
  before was a substring match too);
* identifiers are found as written, punctuation and all: ``MAX_POOL_SIZE``,
  ``max_pool``, ``a*b``, ``std::vector``, ``https://docs.python.org``, ``docs.python``,
  ``C#``, ``node.js``;
* case, accents and compatibility forms don't matter: ``muller`` and ``MÜLLER`` find
  Müller, ``cafe`` finds café and ``café`` finds cafe, ``ﬁle`` finds file; but
  ``mueller`` does not find Müller (that is a spelling, not a fold);
* no word breaks are needed: ``日本語`` is found inside a Japanese sentence;
* ``"exact phrase"`` is one term: those words, in that order, one space apart
  whatever the whitespace in the text; an unclosed quote runs to the end (so a phrase
  being typed already matches);
* terms are separated by whitespace, and nothing else is syntax: quotes only group,
  and ``AND``/``OR``/``NOT``/``NEAR``, ``*``, ``^``, ``:``, ``-``, ``+``, parentheses
  and any other punctuation are just text to find. User text is never spliced into
  FTS5 syntax: each term goes in as one double-quoted string (quotes doubled), so no
  input can raise ``sqlite3.OperationalError``.

Very long input is cut (:data:`MAX_QUERY_CHARS`, :data:`MAX_TERMS`, :data:`MAX_TERM_CHARS`).

The tokenizer: trigram, folded by us
------------------------------------
The index (``posts_fts``, cache migration v4) uses FTS5's ``trigram`` tokenizer with
``case_sensitive 1`` over text we have folded ourselves, so what it matches is exactly
``term in fold(column)``, which :func:`match_spans` repeats in Python for highlighting.
(SQLite 3.40's trigram tokenizer has no ``remove_diacritics``; folding in Python gives
us that, and the same fold for the index, the query and the highlight.)

Against ``unicode61`` (with ``tokenchars '_'`` and ``remove_diacritics 2``), measured
at 10,000 posts averaging 1.8 kB of description text (the vendored real feeds):

* matching: both are fast (trigram 0.1–3 ms a query, unicode61 0.1–5 ms). Through
  :meth:`tui.store.Store.search` (joined with posts, in their order) a selective query
  takes 0.03–3 ms and one that matches all 10,000 posts ~15 ms, against 110–140 ms for
  the Python scan of the old ``/`` filter;
* semantics: unicode61 matches word prefixes only, so ``pool`` misses
  ``MAX_POOL_SIZE``, ``C#`` turns into the prefix ``c*`` (nearly every post), ``a*b``
  and ``std::vector`` become phrases that also match ``a b`` and ``std vector``, CJK
  runs are single tokens, and highlighting would have to re-implement its tokenizer;
* cost: trigram's index is bigger and slower to write. It adds ~82 MB to that cache
  (66 MB → 149 MB; unicode61 would add ~34 MB) and ~0.3 ms to storing each new post
  (unicode61: ~0.07 ms): a 10,000-post first fill takes 3.2 s instead of 0.3 s, a
  60-post merge ~20 ms more, in a worker, beside which reads go on. The cache is
  disposable; we pay that for substring semantics.

Trigram's limit: it cannot look up fewer than 3 characters. A term of 1–2 folded
characters (``C#``, ``Go``, ``日本``) is checked with ``instr`` over the folded columns
instead: on the rows the longer terms matched when there are any (cheap), else on
every row (a scan: 10–35 ms at 10,000 posts; :meth:`tui.store.Store.quick_search`
finds the same from the index's text in memory, see :mod:`tui.store.haystack`).

Store.search returns post ids in :meth:`tui.store.Store.posts` order.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from functools import lru_cache
from typing import Final

__all__ = [
    "MAX_QUERY_CHARS",
    "MAX_TERMS",
    "MAX_TERM_CHARS",
    "MIN_INDEXED_CHARS",
    "SCAN_OFF_THREAD_FROM",
    "fold",
    "fts_query",
    "match_spans",
    "scans",
    "short_terms",
    "terms",
]

MAX_QUERY_CHARS: Final = 500
"""Characters of the user's text that are read; the rest is ignored."""
MAX_TERMS: Final = 16
"""Terms used; more would only narrow a result nobody reads."""
MAX_TERM_CHARS: Final = 200
"""A single term (or phrase) is cut to this many folded characters."""
MIN_INDEXED_CHARS: Final = 3
"""Shorter terms cannot use the trigram index (see the module docstring)."""
SCAN_OFF_THREAD_FROM: Final = 2_000
"""Posts from which a search that :func:`scans` is better run off the UI thread: at
10,000 posts the scan takes 30-70 ms, several frames."""

_DIACRITICS: Final = dict.fromkeys(range(0x0300, 0x0370))
_NON_ASCII: Final = re.compile(r"[^\x00-\x7f]")
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@lru_cache(maxsize=16384)
def _fold_char(char: str) -> str:
    # .lower() after .casefold(): casefold gives Cherokee in upper case, and the
    # result must be stable under the str.lower() that fold() applies to the whole.
    return unicodedata.normalize("NFKD", char).translate(_DIACRITICS).casefold().lower()


def _fold_one(char: str) -> str:
    return char.lower() if char.isascii() else _fold_char(char)


def fold(text: str) -> str:
    """``text`` as the index holds it: NFKD, no combining diacritics, casefolded, one
    space for each run of whitespace, none at the ends. Character by character, so that
    :func:`match_spans` can map every folded character back to where it came from."""
    if not text.isascii():
        text = _NON_ASCII.sub(lambda m: _fold_char(m.group()), text)
    # Equal to folding character by character: no _fold_char result changes under
    # lower() (checked over all of Unicode by a test), so only ASCII is lowered here.
    return " ".join(text.lower().split())


def _fold_with_origin(text: str) -> tuple[str, list[int]]:
    """:func:`fold`, and for each folded character the index in ``text`` it came from."""
    out: list[str] = []
    origin: list[int] = []
    space_at: int | None = None
    for index, char in enumerate(text):
        for folded in _fold_one(char):
            if folded.isspace():
                if out and space_at is None:
                    space_at = index
                continue
            if space_at is not None:
                out.append(" ")
                origin.append(space_at)
                space_at = None
            out.append(folded)
            origin.append(index)
    return "".join(out), origin


def terms(user_text: str) -> tuple[str, ...]:
    """The folded terms of what a person typed: words, and ``"quoted phrases"``.

    Control characters count as spaces; duplicates and empty phrases are dropped."""
    text = _CONTROL.sub(" ", user_text[:MAX_QUERY_CHARS])
    raw: list[str] = []
    for number, part in enumerate(text.split('"')):
        if number % 2:
            raw.append(part)  # inside quotes (an unclosed one runs to the end)
        else:
            raw.extend(part.split())
    found: list[str] = []
    for piece in raw:
        term = fold(piece)[:MAX_TERM_CHARS].strip()
        if term and term not in found:
            found.append(term)
    return tuple(found[:MAX_TERMS])


def fts_query(user_text: str) -> str | None:
    """An FTS5 MATCH expression for the terms the trigram index can look up, ANDed;
    None when there are none (empty input, or only 1–2 character terms: see
    :func:`short_terms`)."""
    indexed = [term for term in terms(user_text) if len(term) >= MIN_INDEXED_CHARS]
    if not indexed:
        return None
    return " AND ".join('"' + term.replace('"', '""') + '"' for term in indexed)


def short_terms(user_text: str) -> tuple[str, ...]:
    """The terms too short for the index, which a search checks with ``instr``."""
    return tuple(term for term in terms(user_text) if len(term) < MIN_INDEXED_CHARS)


def scans(user_text: str) -> bool:
    """Whether a search for ``user_text`` reads every post: it has short terms
    (:func:`short_terms`) and none the index can look up to narrow them first."""
    return fts_query(user_text) is None and bool(short_terms(user_text))


def match_spans(text: str, user_text: str) -> list[tuple[int, int]]:
    """Where in ``text`` (say, a title) the query's terms occur, as sorted, merged
    ``(start, end)`` offsets into ``text`` itself, for highlighting.

    The same semantics as the search (a folded substring), so ``cafe`` marks ``café``
    and ``max_pool`` marks the start of ``MAX_POOL_SIZE``. Every occurrence of every
    term is marked, even when the post matched through another column. A span never
    ends inside a character or before the combining marks that belong to it.
    """
    wanted = terms(user_text)
    if not wanted or not text:
        return []
    folded, origin = _fold_with_origin(text)
    spans: list[tuple[int, int]] = []
    for term in wanted:
        start = folded.find(term)
        while start != -1:
            begin = origin[start]
            end = origin[start + len(term) - 1] + 1
            while end < len(text) and not _fold_one(text[end]):
                end += 1  # a combining mark folded away belongs to the matched letter
            spans.append((begin, end))
            start = folded.find(term, start + 1)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for begin, end in spans:
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((begin, end))
    return merged


# --- the index -------------------------------------------------------------------

_COLUMNS: Final = ("title", "author", "feed_title", "description", "body")


def index_row(title: str, author: str, feed_title: str, description: str) -> tuple[str, ...]:
    """The folded (title, author, feed_title, description) of one ``posts_fts`` row."""
    return fold(title), fold(author), fold(feed_title), fold(description)


def unescaped(markdown: str) -> str:
    """Searchable text of a summary kept without its source (before cache v3): our
    Markdown with its backslash escapes removed. Close enough for substring search
    (link targets are searchable too) until the feed brings the post again."""
    return markdown.replace("\\", "")


def set_row(c: sqlite3.Connection, rowid: int, row: tuple[str, ...]) -> None:
    """Make ``posts_fts`` row ``rowid`` say ``row`` (see :func:`index_row`), keeping its body."""
    cur = c.execute(
        "UPDATE posts_fts SET title = ?, author = ?, feed_title = ?, description = ? "
        "WHERE rowid = ?",
        (*row, rowid),
    )
    if cur.rowcount == 0:
        c.execute(
            "INSERT INTO posts_fts (rowid, title, author, feed_title, description, body) "
            "VALUES (?, ?, ?, ?, ?, '')",
            (rowid, *row),
        )


def search_ids(
    cache: sqlite3.Connection, user_text: str, feed_url: str | None, order: str
) -> list[str]:
    """Ids of the posts matching ``user_text`` (of ``feed_url``, or all), in ``order``."""
    match = fts_query(user_text)
    short = short_terms(user_text)
    where: list[str] = []
    params: list[str] = []
    if match is not None:
        where.append("posts_fts MATCH ?")
        params.append(match)
    if feed_url is not None:
        where.append("p.feed_url = ?")
        params.append(feed_url)
    for term in short:
        where.append("(" + " OR ".join(f"instr(posts_fts.{c}, ?) > 0" for c in _COLUMNS) + ")")
        params.extend([term] * len(_COLUMNS))
    if match is None and not short:
        # Nothing to look for: everything matches, as in the filter before.
        sql = "SELECT p.id FROM posts AS p"
        if feed_url is not None:
            sql += " WHERE p.feed_url = ?"
        return [row[0] for row in cache.execute(sql + order, params)]
    # Built from constants only; every piece of user text is a bound parameter.
    sql = (
        "SELECT p.id FROM posts_fts JOIN posts AS p ON p.rowid = posts_fts.rowid WHERE "  # noqa: S608
        + " AND ".join(where)
        + order
    )
    return [row[0] for row in cache.execute(sql, params)]
