"""What a person types into ``/``: the FTS5 query built from it, and what it highlights.

The pure functions of tui.store.search first; then the same cases through a real
Store, so the index and the highlighting are shown to agree.
"""

from __future__ import annotations

import itertools
import random
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tui.htmltext import CONVERTER_VERSION
from tui.models import Entry, ParsedFeed
from tui.parse import derive_description
from tui.store import Store
from tui.store.search import (
    MAX_TERMS,
    fold,
    fts_query,
    match_spans,
    scans,
    short_terms,
    terms,
)

URL = "https://blog.example/feed.xml"
T0 = datetime(2026, 1, 1, tzinfo=UTC)

# --- folding and terms -------------------------------------------------------------


def test_fold_ignores_case_accents_compatibility_forms_and_spacing() -> None:
    assert fold("  Crème\tBRÛLÉE \n at  Müller's ") == "creme brulee at muller's"
    assert fold("ﬁle ＡＢＣ ² Straße") == "file abc 2 strasse"
    assert fold("e\u0301") == fold("é") == "e"  # decomposed and precomposed alike
    assert fold("日本語のテキスト") == "日本語のテキスト"
    assert fold("ガ") == "\u30ab\u3099"  # a kana voicing mark is no accent: kept (NFKD)


def test_terms_are_words_and_quoted_phrases() -> None:
    assert terms("  Foo   bar ") == ("foo", "bar")
    assert terms('"exact   Phrase" other') == ("exact phrase", "other")
    assert terms('say "unclosed phr') == ("say", "unclosed phr")
    assert terms('"" x ""') == ("x",)
    assert terms("dup DUP Dup") == ("dup",)
    assert terms("tab\tand\x00nul\x1b[31m") == ("tab", "and", "nul", "[31m")
    assert terms("") == terms("   ") == terms('"') == ()
    assert len(terms(" ".join(f"w{i}" for i in range(100)))) == MAX_TERMS
    assert len("".join(terms("x" * 100_000))) <= 500


# --- fts_query: never FTS5 syntax from the user ---------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("max_pool", '"max_pool"'),
        ("MAX_POOL_SIZE", '"max_pool_size"'),
        ("std::vector", '"std::vector"'),
        ("a*b c#", '"a*b"'),
        ("https://docs.python.org", '"https://docs.python.org"'),
        ("node.js Müller", '"node.js" AND "muller"'),
        ("NEAR(a b) AND OR NOT", '"near(a" AND "and" AND "not"'),
        ('"exact phrase" col:umn', '"exact phrase" AND "col:umn"'),
        ("-minus +plus ^caret (paren)", '"-minus" AND "+plus" AND "^caret" AND "(paren)"'),
        ("ab c", None),
        ("", None),
        ("   ", None),
    ],
)
def test_fts_query(typed: str, expected: str | None) -> None:
    assert fts_query(typed) == expected


def test_short_terms_are_left_for_instr() -> None:
    assert short_terms("C# go python 日本") == ("c#", "go", "日本")
    assert short_terms("python") == ()


def test_a_search_scans_when_no_term_can_use_the_index() -> None:
    assert scans("C#") and scans("go 日本") and scans('"ab"')
    assert not scans("c# node") and not scans("python") and not scans("") and not scans('"')


NASTY = [
    '"',
    '""',
    '"""',
    "'",
    "*",
    "**",
    "a*",
    "*a",
    ":",
    "title:",
    "title:x",
    "-",
    "--",
    "-x",
    "^",
    "^x",
    "+",
    "NEAR",
    "NEAR(",
    "NEAR(a b, 2)",
    "AND",
    "OR",
    "NOT",
    "a AND",
    "OR b",
    "NOT NOT",
    "(",
    ")",
    "()",
    "(a OR b)",
    "{a b}",
    "[x]",
    ".",
    ",",
    ";",
    "\\",
    '\\\\"',
    "%",
    "_",
    "\x00",
    "\x00abc",
    "a\x00b\x00c",
    "\u202e",
    "\ufeff",
    "'; DROP TABLE posts; --",
    "x" * 10_000,
    "a " * 5_000,
    '"' * 999,
    "é" * 300,
    "😀😀😀",
    "🏳️‍🌈 flag",
    "\ud7ff\ue000",
]


def fts_db() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(a, b, tokenize = 'trigram case_sensitive 1')")
    conn.execute("INSERT INTO t VALUES (?, ?)", (fold('some text: a*b (x) NEAR " -'), "b"))
    return conn


@pytest.mark.parametrize("typed", NASTY, ids=range(len(NASTY)))
def test_no_input_breaks_the_match_expression(typed: str) -> None:
    query = fts_query(typed)
    if query is not None:
        with fts_db() as conn:
            conn.execute("SELECT rowid FROM t WHERE t MATCH ?", (query,)).fetchall()
    match_spans('some text: a*b (x) NEAR " -', typed)


def test_random_input_never_breaks_the_match_expression() -> None:
    alphabet = "aZ0 _-*:^\"()+.,;\\/#@!?<>[]{}|~`'\t\n\x00éü日本ß"
    rng = random.Random(20260505)
    with fts_db() as conn:
        for _ in range(3000):
            typed = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24)))
            query = fts_query(typed)
            if query is not None:
                conn.execute("SELECT rowid FROM t WHERE t MATCH ?", (query,)).fetchall()


# --- match_spans -------------------------------------------------------------------


def marked(text: str, typed: str) -> str:
    out, last = [], 0
    for start, end in match_spans(text, typed):
        out += [text[last:start], "[", text[start:end], "]"]
        last = end
    return "".join([*out, text[last:]])


@pytest.mark.parametrize(
    ("text", "typed", "expected"),
    [
        ("Tuning MAX_POOL_SIZE", "max_pool", "Tuning [MAX_POOL]_SIZE"),
        ("Tuning MAX_POOL_SIZE", "MAX_POOL_SIZE", "Tuning [MAX_POOL_SIZE]"),
        ("Tuning MAX_POOL_SIZE", "pool size", "Tuning MAX_[POOL]_[SIZE]"),
        ("std::vector vs a*b", "std::vector a*b", "[std::vector] vs [a*b]"),
        ("Read https://docs.python.org now", "docs.python", "Read https://[docs.python].org now"),
        ("C# and node.js", "c# NODE.JS", "[C#] and [node.js]"),
        ("Café Müller", "cafe muller", "[Café] [Müller]"),
        ("Cafe\u0301 au lait", "café", "[Cafe\u0301] au lait"),
        ("Straße", "strasse", "[Straße]"),
        ("Straße", "ss", "Stra[ß]e"),
        ("東京と日本語の本", "日本語", "東京と[日本語]の本"),
        ("an   exact\tphrase here", '"exact phrase"', "an   [exact\tphrase] here"),
        ("banana", "ana", "b[anana]"),
        ("abc", "b abc", "[abc]"),
        ("nothing", "zzz", "nothing"),
        ("anything", "", "anything"),
    ],
)
def test_match_spans(text: str, typed: str, expected: str) -> None:
    assert marked(text, typed) == expected


def test_match_spans_are_sorted_disjoint_offsets_into_the_text() -> None:
    text = "Müller's café: MAX_POOL_SIZE, a*b and ｆｕｌｌ width"
    spans = match_spans(text, "l a full é")
    assert spans == sorted(spans)
    assert all(0 <= s < e <= len(text) for s, e in spans)
    assert all(e1 < s2 for (_, e1), (s2, _) in itertools.pairwise(spans))
    assert text[spans[-1][0] : spans[-1][1]] == "ｆｕｌｌ"


# --- the same cases through a Store -------------------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "c.sqlite3", tmp_path / "s.sqlite3") as s:
        yield s


def parsed(key: str, title: str, source: str, minutes: int = 0) -> Entry:
    derived = derive_description(source, base_url="https://blog.example/")
    return Entry(
        key=key,
        title=title,
        link=f"https://blog.example/{key}/",
        published=T0 + timedelta(minutes=minutes),
        updated=None,
        summary=derived.markdown,
        author="Jane Müller",
        content_hash=key + title + source,
        source=source,
        text=derived.text,
        converter_version=CONVERTER_VERSION,
    )


def merge(store: Store, *entries: Entry, url: str = URL, title: str = "Backend Notes") -> None:
    feed = ParsedFeed(url=url, title=title, link="", description="", entries=list(entries))
    store.merge(url, feed, etag=None, last_modified=None, not_before=None, now=T0)


CORPUS = [
    parsed("pool", "Tuning the pool", "<p>Set <code>MAX_POOL_SIZE</code> to 20.</p>", 9),
    parsed("cpp", "C++ notes", "<p>Prefer <code>std::vector</code>; a*b is a product.</p>", 8),
    parsed("docs", "Links", "<p>Read https://docs.python.org/3/ first.</p>", 7),
    parsed("csharp", "Dotnet", "<p>C# and F# and node.js</p>", 6),
    parsed("cafe", "Le café", "<p>Crème brûlée</p>", 5),
    parsed("ja", "日本語の記事", "<p>東京で日本語を勉強する</p>", 4),
    parsed("link", "Hidden target", '<p><a href="https://secret.example/x">a link</a></p>', 3),
    parsed("quote", "Phrases", "<p>an <b>exact</b>\n  phrase, and a phrase exactly</p>", 2),
]


@pytest.mark.parametrize(
    ("typed", "keys"),
    [
        ("MAX_POOL_SIZE", ["pool"]),
        ("max_pool", ["pool"]),
        ("pool", ["pool"]),
        ("a*b", ["cpp"]),
        ("std::vector", ["cpp"]),
        ("vector std", ["cpp"]),
        ("https://docs.python.org", ["docs"]),
        ("docs.python", ["docs"]),
        ("C#", ["csharp"]),
        ("node.js", ["csharp"]),
        ("c# node", ["csharp"]),
        ("Müller", [c.key for c in CORPUS]),  # the author of every post
        ("muller pool", ["pool"]),
        ("cafe", ["cafe"]),
        ("creme brulee", ["cafe"]),
        ("CAFÉ", ["cafe"]),
        ("日本語", ["ja"]),
        ("東京", ["ja"]),
        ("backend notes", [c.key for c in CORPUS]),  # the feed's title
        ('"exact phrase"', ["quote"]),
        ('"phrase an"', []),
        ("secret.example", []),  # a link's target is not what the reader sees
        ("a link", ["docs", "link"]),  # two terms: "a" anywhere, and "link" ("Links")
        ('"a link"', ["link"]),
        ("zzz", []),
        ("NEAR(", []),
        ('"', [c.key for c in CORPUS]),
        ("", [c.key for c in CORPUS]),
    ],
)
def test_store_search(store: Store, typed: str, keys: list[str]) -> None:
    merge(store, *CORPUS)
    by_id = {p.id: p.key for p in store.posts()}
    assert [by_id[i] for i in store.search(typed)] == keys


@pytest.mark.parametrize(
    "typed", ["C#", "a", "go", "日本", "é", "#", "a b", "c# node", "pool", "zz", ""]
)
def test_a_workers_search_finds_the_same(store: Store, typed: str) -> None:
    """``in_worker`` reads through a connection of its own, and finds the same."""
    merge(store, *CORPUS)
    assert store.search(typed, in_worker=True) == store.search(typed)
    assert store.search(typed, URL, in_worker=True) == store.search(typed, URL)


def test_search_results_follow_posts_order_and_the_feed_filter(store: Store) -> None:
    other = "https://other.example/feed.xml"
    merge(store, *CORPUS)
    merge(store, parsed("o", "Pool party", "<p>other feed</p>", 99), url=other, title="X")
    assert [p.key for p in store.posts() if p.id in set(store.search("pool"))] == ["o", "pool"]
    assert store.search("pool") == [p.id for p in store.posts() if p.key in ("o", "pool")]
    assert [p.key for p in store.posts(other) if p.id in store.search("pool", other)] == ["o"]
    assert store.search("pool", URL) == [p.id for p in store.posts(URL) if p.key == "pool"]
    assert store.search("", other) == [p.id for p in store.posts(other)]


@pytest.mark.parametrize("typed", NASTY, ids=range(len(NASTY)))
def test_store_search_never_raises(store: Store, typed: str) -> None:
    merge(store, *CORPUS)
    assert isinstance(store.search(typed), list)
    assert isinstance(store.search(typed, URL), list)


def test_highlights_agree_with_what_the_search_found(store: Store) -> None:
    merge(store, *CORPUS)
    for typed in ("pool", "MAX_POOL_SIZE", "café", "c++", "日本", "tuning the", "no"):
        found = set(store.search(typed))
        for post in store.posts():
            # A match in the title is highlighted; a highlight means the title matched.
            whole_title = all(match_spans(post.title, term) for term in terms(typed))
            if whole_title:
                assert post.id in found, (typed, post.title)


def test_folding_a_character_is_stable_under_lower_for_all_of_unicode() -> None:
    # fold() lowers the whole text after folding each non-ASCII character; that is
    # only the same as folding character by character if no fold result changes.
    from tui.store.search import _fold_char

    for code in range(0x80, 0x110000):
        if 0xD800 <= code < 0xE000:
            continue
        folded = _fold_char(chr(code))
        assert folded.lower() == folded, hex(code)
    _fold_char.cache_clear()


def test_fold_and_its_offsets_agree() -> None:
    from tui.store.search import _fold_with_origin

    rng = random.Random(7)
    alphabet = "aZé\u0301 \t\nß日ﬁ²Ａ_*:ΣσςİᏸᏰ"
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        folded, origin = _fold_with_origin(text)
        assert folded == fold(text)
        assert len(origin) == len(folded) and origin == sorted(origin)


def test_the_index_finds_exactly_the_folded_substrings(store: Store) -> None:
    """Against a plain Python reading of the same rule, on real feeds' posts."""
    from tests.conftest import FEEDS
    from tui.parse import parse_feed

    entries: list[Entry] = []
    for name in ("rsparser__russcox.atom", "rsparser__macworld.rss"):
        entries += parse_feed((FEEDS / name).read_bytes(), url=URL).entries
    assert len(entries) > 10 and len({e.key for e in entries}) == len(entries)
    merge(store, *entries, title="Feed")
    posts = {p.id: p for p in store.posts()}
    texts = {e.key: e.text for e in entries}
    haystacks = {
        pid: [fold(p.title), fold(p.author), fold("Feed"), fold(texts[p.key])]
        for pid, p in posts.items()
    }
    rng = random.Random(11)
    for _ in range(150):
        words = []
        for _ in range(rng.randint(1, 2)):
            source = fold(rng.choice(list(texts.values())) or "x")
            start = rng.randrange(len(source))
            words.append(source[start : start + rng.randint(1, 8)].strip() or "x")
        typed = " ".join(f'"{w}"' if " " in w else w for w in words)
        expected = {
            pid
            for pid, columns in haystacks.items()
            if all(any(term in column for column in columns) for term in terms(typed))
        }
        assert set(store.search(typed)) == expected, typed


# --- short terms from memory (Store.quick_search) ------------------------------------

SHORT_QUERIES = [
    "a", "E", "e", "#", "c#", "C#", "f#", "é", "É", "ß", "ss", "ü", "日", "日本", "本語",
    "1", "42", "0", "9x", "Go", "go", "GO", "zz", "q", "++", "::", "a b", "# 1", "é e",
    "Ab", "x", ".", "/", "_", "*", '"a', '"é"', "日 a", "zq xj",
]  # fmt: skip


def test_a_quick_search_finds_what_the_sql_finds(store: Store) -> None:
    """The haystack in memory against SQLite's instr, on the fixtures above, per feed too."""
    other = "https://other.example/feed.xml"
    merge(store, *CORPUS)
    merge(store, parsed("o", "Go #1 für C#", "<p>ÉTÉ 42, straße</p>", 99), url=other, title="Ü")
    assert store.quick_search("a") is None  # nothing read into memory yet
    assert store.prepare_quick_search()
    assert all(scans(typed) for typed in SHORT_QUERIES)
    for typed in SHORT_QUERIES:
        for feed in (None, URL, other):
            assert store.quick_search(typed, feed) == store.search(typed, feed), (typed, feed)
    for typed in ("", "pool", "c# node", "日本語"):  # not scans: the index is better
        assert store.quick_search(typed) is None


def test_a_quick_search_is_not_used_once_the_cache_changes(store: Store, tmp_path: Path) -> None:
    from contextlib import closing

    merge(store, *CORPUS)
    assert store.prepare_quick_search()
    assert store.quick_search("zq") == []
    merge(store, parsed("new", "zq here", "<p>x</p>", 50))
    assert store.quick_search("zq") is None  # a merge: stale until read again
    assert store.prepare_quick_search()
    assert store.quick_search("zq") == store.search("zq") != []
    pool = next(p.id for p in store.posts() if p.key == "pool")
    store.save_article(
        pool, url="https://blog.example/pool/", title="T", markdown="m", text="xj", method="t"
    )
    assert store.quick_search("xj") is None  # an article's text went into the index
    assert store.prepare_quick_search(only_to_refresh=True)
    assert store.quick_search("xj") == [pool]
    # Another process's commit too (the CLI refreshing beside the app).
    with closing(sqlite3.connect(tmp_path / "c.sqlite3")) as other:
        other.execute("UPDATE posts_fts SET title = 'qk' WHERE rowid = 1")
        other.commit()
    assert store.quick_search("qk") is None
    assert store.prepare_quick_search()
    assert store.quick_search("qk") == store.search("qk") != []


def test_a_quick_search_keeps_starred_posts_the_cache_dropped(tmp_path: Path) -> None:
    with Store.open(tmp_path / "c.sqlite3", tmp_path / "s.sqlite3", retention=1) as store:
        merge(store, parsed("old", "Old zq", "<p>x</p>", 1))
        old = store.posts()[0].id
        store.set_starred(old, True)
        merge(store, parsed("new", "New zq", "<p>x</p>", 2))  # old: out of the feed
        merge(store, parsed("newer", "Newer", "<p>x</p>", 3))
        assert store.prepare_quick_search()
        assert old in store.search("zq")
        assert store.quick_search("zq") == store.search("zq")


def _synthetic_entries(count: int, seed: int) -> list[Entry]:
    rng = random.Random(seed)
    words = [
        "go", "Go", "C#", "f#", "#tag", "café", "ÉTÉ", "straße", "STRASSE", "日本語", "東京",
        "Müller", "node.js", "std::vector", "a*b", "x86_64", "v2", "2026", "42", "ﬁle",
        "Ωmega", "naïve", "résumé", "ǅemal", "İstanbul", "lorem", "ipsum", "dolor", "sit",
        "amet", "pool", "MAX_POOL_SIZE", "https://docs.python.org", "Zz", "q", "j",
    ]  # fmt: skip
    entries = []
    for index in range(count):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(0, 60)))
        entries.append(
            Entry(
                key=f"k{index}",
                title=" ".join(rng.choice(words) for _ in range(rng.randint(1, 6))),
                link=f"https://blog.example/{index}/",
                published=T0 + timedelta(minutes=rng.randint(0, 5000)) if index % 7 else None,
                updated=None,
                summary=text,
                author=rng.choice(["", "Jane Müller", "李雷", "BOB"]),
                content_hash=f"h{index}",
                source=text,
                text=text,
                converter_version=CONVERTER_VERSION,
            )
        )
    return entries


def test_a_quick_search_finds_what_the_sql_finds_at_10_000_posts(tmp_path: Path) -> None:
    entries = _synthetic_entries(10_000, seed=5)
    other = "https://other.example/feed.xml"
    paths = (tmp_path / "c.sqlite3", tmp_path / "s.sqlite3")
    with Store.open(*paths, retention=10_000) as store:
        for feed_url, part in ((URL, entries[:7000]), (other, entries[7000:])):
            feed = ParsedFeed(feed_url, feed_url[8:12], "", "", part)
            store.merge(feed_url, feed, etag=None, last_modified=None, not_before=None, now=T0)
        assert len(store.posts()) == 10_000
        assert store.prepare_quick_search()
        for typed in SHORT_QUERIES:
            for url in (None, URL, other):
                assert store.quick_search(typed, url) == store.search(typed, url), (typed, url)
