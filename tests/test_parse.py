"""Parsing real and hostile feeds into sanitised posts."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.builders import Item, rss
from tests.conftest import FEEDS
from tui.htmltext import CONVERTER_VERSION, description_to_text
from tui.models import section_of
from tui.parse import MAX_DESCRIPTION_CHARS, FeedParseError, has_full_content, parse_feed

SEED_URL = "https://blog.rajpoot.dev/tags/backend/index.xml"
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(\s[^<>]*)?/?>")


def test_seed_snapshot_gives_63_posts_with_dates_links_and_descriptions(seed_bytes: bytes) -> None:
    feed = parse_feed(seed_bytes, url=SEED_URL, content_type="application/rss+xml")
    assert feed.title == "Backend on Manvendra Rajpoot"
    assert len(feed.entries) == 63
    assert feed.warnings == []
    first = feed.entries[0]
    assert first.title == "JWT vs Session Cookies in 2026 — The Authentication Choice That Matters"
    assert first.link == "https://blog.rajpoot.dev/posts/backend/auth-jwt-vs-session-2026/"
    assert first.key == first.link  # the guid
    assert first.published == datetime(2026, 5, 5, 3, 40, tzinfo=UTC)
    assert first.summary.startswith("JWT vs session cookies in 2026")
    assert all(e.published is not None and e.published.tzinfo is not None for e in feed.entries)
    assert len({e.key for e in feed.entries}) == 63
    sections = [section_of(e.link) for e in feed.entries]
    assert sections.count("backend") == 44
    assert {"django", "go", "rust", "postgresql"} <= set(sections)


def test_relative_links_resolve_against_the_feed_url() -> None:
    body = rss([Item("Relative", "/posts/backend/rel/", "x")])
    feed = parse_feed(body, url="https://blog.example.org/tags/backend/index.xml")
    assert feed.entries[0].link == "https://blog.example.org/posts/backend/rel/"


def test_papermod_entity_escaped_html_summary_becomes_text_not_tags() -> None:
    # PaperMod falls back to an entity-escaped HTML summary when a post has no description.
    summary = (
        "&lt;p&gt;Use &lt;code&gt;SELECT 1&lt;/code&gt; to "
        "&lt;strong&gt;check&lt;/strong&gt;.&lt;/p&gt;"
    )
    body = (
        '<rss version="2.0"><channel><title>t</title><item><title>x</title>'
        "<link>https://e.com/posts/backend/x/</link>"
        f"<description>{summary}</description></item></channel></rss>"
    ).encode()
    text = parse_feed(body, url="https://e.com/index.xml").entries[0].summary
    assert "<" not in text and "&lt;" not in text
    assert "SELECT 1" in text and "check" in text


def test_control_characters_are_stripped_at_parse_time() -> None:
    body = rss(
        [Item("t\x1b]0;owned\x07itle\x1b[2J", "https://e.com/a/", "d\x1b]52;c;QUFB\x07esc\x9b1m")],
        raw_titles=True,
    )
    entry = parse_feed(body, url="https://e.com/f").entries[0]
    assert entry.title == "title"
    assert "\x1b" not in entry.summary and "\x9b" not in entry.summary
    assert "desc" in entry.summary


def test_markup_like_titles_are_kept_verbatim() -> None:
    titles = ["[b]x[/b]", "[@click=app.quit]x[/]", "List[int]", "[/]"]
    body = rss([Item(t, f"https://e.com/{n}/") for n, t in enumerate(titles)], raw_titles=True)
    assert [e.title for e in parse_feed(body, url="https://e.com/f").entries] == titles


def test_missing_titles_and_dates_get_fallbacks() -> None:
    body = (
        b'<rss version="2.0"><channel><title>t</title>'
        b"<item><link>https://e.com/a/</link><description>Only a body here.</description></item>"
        b"</channel></rss>"
    )
    entry = parse_feed(body, url="https://e.com/f").entries[0]
    assert entry.title == "Only a body here."
    assert entry.published is None
    assert entry.key == "https://e.com/a/"


def test_untitled_posts_get_a_title_from_their_plain_text_without_link_targets() -> None:
    # The shape of a real untitled item (a microblog post, as micro.blog and Mastodon send).
    description = html.escape(
        "<p>Finally tuned <code>MAX_POOL_SIZE</code> after reading "
        '<a href="https://docs.example.org/pooling?utm_source=feed&amp;utm_medium=rss">'
        "the pooling docs</a> &amp; <a href='https://a.example/x_y'>this *great* thread</a>. "
        '<img src="https://cdn.example/p.png" alt=""> More soon…</p>'
    )
    body = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        "<item><link>https://micro.example/2026/05/05/123.html</link>"
        f"<description>{description}</description>"
        "<guid>https://micro.example/2026/05/05/123.html</guid></item></channel></rss>"
    ).encode()
    (entry,) = parse_feed(body, url="https://micro.example/feed.xml").entries
    assert entry.title == (
        "Finally tuned MAX_POOL_SIZE after reading the pooling docs & this *great* thread…"
    )
    assert "http" not in entry.title and "](" not in entry.title and "\\" not in entry.title
    assert entry.text.startswith("Finally tuned MAX_POOL_SIZE after reading the pooling docs")
    assert "[the pooling docs](https://docs.example.org/pooling" in entry.summary


def test_entries_keep_their_source_and_what_was_derived_from_it() -> None:
    body = rss([Item("T", "https://e.com/a/", "<p>Use <code>a_b</code> &amp; <b>c*d</b></p>")])
    (entry,) = parse_feed(body, url="https://e.com/f").entries
    assert entry.source == "<p>Use <code>a_b</code> &amp; <b>c*d</b></p>"
    assert entry.summary == "Use `a_b` & **c\\*d**"
    assert entry.text == "Use a_b & c*d"
    assert entry.converter_version == CONVERTER_VERSION
    assert not entry.summary_truncated


def test_a_huge_description_is_cut_and_flagged_without_words_about_keys() -> None:
    huge = "<p>" + "word " * (MAX_DESCRIPTION_CHARS // 4) + "</p>"
    (entry,) = parse_feed(
        rss([Item("Big", "https://e.com/big/", huge)]), url="https://e.com/f"
    ).entries
    assert entry.summary_truncated
    assert len(entry.source) == MAX_DESCRIPTION_CHARS
    # Only the feed's own words, cut where the cap fell: nothing about keys appended.
    assert set(entry.summary.split()[:-1]) == {"word"}


@pytest.mark.parametrize(
    "lead",
    [b"\n", b"\r\n\r\n", b"  \t\n", b"\xef\xbb\xbf\n", b"\n\xef\xbb\xbf  \n"],
    ids=["newline", "blank-lines", "spaces", "bom-newline", "newline-bom-newline"],
)
def test_whitespace_before_the_xml_declaration_is_not_a_broken_feed(lead: bytes) -> None:
    body = (
        lead
        + (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
            "<item><title>Café</title><link>https://e.com/c/</link></item></channel></rss>"
        ).encode()
    )
    feed = parse_feed(body, url="https://e.com/f")
    assert feed.warnings == []
    assert [e.title for e in feed.entries] == ["Café"]


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_feed_with_a_blank_line_after_its_bom_is_read(codec: str) -> None:
    document = (
        '\ufeff\r\n<?xml version="1.0" encoding="utf-16"?><rss version="2.0"><channel>'
        "<title>t</title><item><title>日本語 Müller</title><link>https://e.com/j/</link></item>"
        "</channel></rss>"
    )
    feed = parse_feed(document.encode(codec), url="https://e.com/f")
    assert feed.warnings == []
    assert [e.title for e in feed.entries] == ["日本語 Müller"]


def test_items_without_guid_or_link_get_a_content_hash_key() -> None:
    body = (
        b'<rss version="2.0"><channel><title>t</title>'
        b"<item><title>A</title><description>one</description></item>"
        b"<item><title>B</title><description>two</description></item>"
        b"</channel></rss>"
    )
    keys = [e.key for e in parse_feed(body, url="https://e.com/f").entries]
    assert all(k.startswith("sha256:") for k in keys)
    assert len(set(keys)) == 2


def test_ttl_is_read() -> None:
    body = b'<rss version="2.0"><channel><title>t</title><ttl>90</ttl></channel></rss>'
    assert parse_feed(body, url="https://e.com/f").ttl_minutes == 90


def test_non_http_links_are_kept_only_as_text() -> None:
    body = rss([Item("js", "javascript:alert(1)")])
    assert parse_feed(body, url="https://e.com/f").entries[0].link == "javascript:alert(1)"


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (b"", "empty"),
        (b"   \n ", "empty"),
        (b"<!DOCTYPE html><html><head><title>Sign in</title></head><body>x</body></html>", "html"),
        (b'{"items": []}', "malformed"),
        (b"\x00\x01\x02garbage\xff\xfe", "malformed"),
        (b"<rss><channel><title>x</broken></rss>", "malformed"),
        (b"<?xml version='1.0'?><note><to>you</to></note>", "not-a-feed"),
    ],
)
def test_bodies_that_are_not_feeds_raise_a_clear_error(body: bytes, kind: str) -> None:
    with pytest.raises(FeedParseError) as caught:
        parse_feed(body, url="https://e.com/f")
    assert caught.value.kind == kind
    assert str(caught.value)


def test_truncated_xml_keeps_the_posts_read_so_far_with_a_warning(seed_bytes: bytes) -> None:
    cut = seed_bytes[: len(seed_bytes) // 2]
    feed = parse_feed(cut, url=SEED_URL)
    assert 20 < len(feed.entries) < 63
    assert len(feed.warnings) == 1
    assert "broken" in feed.warnings[0]


def test_declared_charset_is_honoured() -> None:
    body = (
        '<?xml version="1.0" encoding="iso-8859-1"?><rss version="2.0"><channel><title>t</title>'
        "<item><title>Café déjà vu</title><link>https://e.com/c/</link></item></channel></rss>"
    ).encode("iso-8859-1")
    assert parse_feed(body, url="https://e.com/f").entries[0].title == "Café déjà vu"


def _real_feeds() -> list[Path]:
    return sorted(p for p in FEEDS.iterdir() if p.suffix in {".xml", ".rss", ".atom", ".rdf"})


def test_the_vendored_real_feeds_are_all_there() -> None:
    assert len(_real_feeds()) == 30


@pytest.mark.parametrize("path", _real_feeds(), ids=lambda p: p.name)
def test_every_real_feed_parses_to_sane_posts(path: Path) -> None:
    try:
        feed = parse_feed(path.read_bytes(), url=f"https://feeds.example/{path.name}")
    except FeedParseError as error:
        # Only the deliberately broken samples may be refused, and never silently.
        assert "illformed" in path.name, f"{path.name}: {error}"
        assert str(error)
        return
    for entry in feed.entries:
        assert entry.title, f"{path.name}: empty title"
        assert "\n" not in entry.title
        assert not _CONTROL.search(entry.title + entry.summary)
        assert not _TAG.search(entry.title), entry.title
        assert len(entry.key) > 0
        assert (
            entry.link == "" or entry.link.startswith(("http://", "https://")) or ":" in entry.link
        )
    assert not _CONTROL.search(feed.title)


def test_entity_expansion_bombs_and_external_entities_are_not_expanded() -> None:
    lol = "".join(f'<!ENTITY lol{n} "{("&lol" + str(n - 1) + ";") * 10}">' for n in range(1, 10))
    bomb = (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY lol0 "lol">{lol}]>'
        '<rss version="2.0"><channel><title>t</title>'
        "<item><title>&lol9;</title><link>https://e.com/1</link></item></channel></rss>"
    ).encode()
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b'<rss version="2.0"><channel><title>t</title>'
        b"<item><title>&xxe;</title><link>https://e.com/2</link></item></channel></rss>"
    )
    for body in (bomb, xxe):
        feed = parse_feed(body, url="https://e.com/f")
        (entry,) = feed.entries
        assert len(entry.title) < 20
        assert "root:" not in entry.title


def test_absurdly_long_titles_are_cut_to_one_readable_line() -> None:
    body = rss([Item("word " * 100_000, "https://e.com/long/")])
    title = parse_feed(body, url="https://e.com/f").entries[0].title
    assert len(title) == 300
    assert title.endswith("…")


def test_absurdly_long_links_are_dropped_not_cut() -> None:
    body = rss([Item("Long link", "https://e.com/" + "a" * 5000)])
    assert parse_feed(body, url="https://e.com/f").entries[0].link == ""


def test_a_wrong_declared_encoding_is_read_anyway_with_a_warning() -> None:
    body = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        "<item><title>Café</title><link>https://e.com/c/</link></item></channel></rss>"
    ).encode("latin-1")
    feed = parse_feed(body, url="https://e.com/f", content_type="application/rss+xml")
    assert feed.entries[0].title == "Café"
    (warning,) = feed.warnings
    assert "declared text encoding is wrong" in warning
    assert "utf-8" in warning


# --- full content first --------------------------------------------------------------------


def _feed_items(path: Path) -> list[tuple[str, list[str]]]:
    """(summary, [content values]) of each item, straight from feedparser."""
    import feedparser

    parsed = feedparser.parse(path.read_bytes())
    return [
        (e.get("summary") or "", [c.get("value") or "" for c in e.get("content") or []])
        for e in parsed.entries
    ]


def test_russ_cox_posts_show_the_whole_article_not_the_one_line_summary() -> None:
    path = FEEDS / "rsparser__russcox.atom"
    feed = parse_feed(path.read_bytes(), url="https://research.swtch.com/feed.atom")
    items = _feed_items(path)
    assert len(feed.entries) == len(items) == 19
    for entry, (summary, _) in zip(feed.entries, items, strict=True):
        assert len(entry.text) > 10 * len(html.unescape(re.sub(r"<[^>]*>", "", summary)))
        assert has_full_content(entry)
    first = feed.entries[0]
    assert len(first.text) > 30_000
    assert "An Encoded Tree Traversal" in first.text


def test_dcrainmaker_posts_are_the_review_not_read_more_here() -> None:
    path = FEEDS / "rsparser__dcrainmaker.xml"
    feed = parse_feed(path.read_bytes(), url="https://www.dcrainmaker.com/feed")
    for entry in feed.entries:
        assert len(entry.text) > 5_000
        assert not entry.text.rstrip().endswith("Read More Here →")
        assert has_full_content(entry)
        assert not entry.summary_truncated


@pytest.mark.parametrize("path", _real_feeds(), ids=lambda p: p.name)
def test_every_item_keeps_the_fullest_of_its_content_and_summary(path: Path) -> None:
    try:
        feed = parse_feed(path.read_bytes(), url=f"https://feeds.example/{path.name}")
    except FeedParseError:
        return
    items = _feed_items(path)
    if len(items) != len(feed.entries):
        return  # untitled, linkless items were dropped: no one-to-one pairing
    for entry, (summary, contents) in zip(feed.entries, items, strict=True):
        if not contents:
            continue
        lengths = [len(description_to_text(v)) for v in [summary, *contents]]
        # The stored description is the one that says the most (sanitising aside).
        assert len(entry.text) >= 0.98 * max(lengths), (path.name, entry.key, lengths)


def test_content_wins_over_a_summary_only_when_it_says_more() -> None:
    long_text = "word " * 400
    body = rss(
        [
            Item("teaser", "https://example.org/t", "<p>Short teaser. Read more…</p>"),
        ]
    )
    feed = parse_feed(body, url="https://example.org/feed")
    assert feed.entries[0].text == "Short teaser. Read more…"
    atom = (
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>'
        "<entry><title>a</title><id>a</id><summary>A much longer summary than the"
        " content.</summary><content type='html'>&lt;p&gt;Short.&lt;/p&gt;</content></entry>"
        "<entry><title>b</title><id>b</id><summary>Teaser.</summary>"
        f"<content type='html'>&lt;p&gt;{long_text}&lt;/p&gt;</content></entry></feed>"
    ).encode()
    first, second = parse_feed(atom, url="https://example.org/atom").entries
    assert first.text == "A much longer summary than the content."
    assert second.text == long_text.strip()
    assert has_full_content(second)
    assert not has_full_content(first)


def test_has_full_content_heuristic() -> None:
    article = "A sentence of a whole article. " * 60
    assert has_full_content(article)
    assert not has_full_content("A short summary.")
    assert not has_full_content(article + "\n\nContinue reading →")
    assert not has_full_content(article + " […]")
    assert not has_full_content(article + " Read more")


def test_categories_of_a_real_feed_are_kept_cleaned_and_once_each() -> None:
    parsed = parse_feed(
        (Path(__file__).parent / "data/feeds/feedjira__TechCrunch.xml").read_bytes(),
        url="http://feeds.feedburner.com/Techcrunch",
    )
    first = parsed.entries[0]
    assert first.categories[:2] == ("TC", "angie\\'s list")  # the feed's own backslash
    assert all(len(entry.categories) == len(set(entry.categories)) for entry in parsed.entries)


def test_atom_category_terms_are_categories_too() -> None:
    parsed = parse_feed(
        (Path(__file__).parent / "data/feeds/rsparser__expertopinionent.atom").read_bytes(),
        url="https://example.com/atom",
    )
    assert any("Science" in entry.categories for entry in parsed.entries)


def test_hostile_categories_are_cleaned_capped_and_deduplicated() -> None:
    many = "".join(f"<category>tag {n}</category>" for n in range(40))
    body = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        "<item><title>x</title><link>https://example.com/x</link>"
        "<category>Go\x1b[31m</category><category>go</category>"
        f"<category>{'a' * 500}</category>{many}</item></channel></rss>"
    ).encode()
    [entry] = parse_feed(body, url="https://example.com/feed").entries
    assert entry.categories[0] == "Go"  # the escape sequence is gone
    assert "go" not in entry.categories  # the same category in another case
    assert len(entry.categories[1]) == 60
    assert len(entry.categories) == 12
