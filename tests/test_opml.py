"""OPML import and export: the shapes five readers export, hostile input, and round trips."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tui.opml import OpmlError, OpmlFeed, parse_opml, write_opml

FIXTURES = Path(__file__).parent / "fixtures" / "opml"
BLOG = "https://blog.rajpoot.dev"


def _fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _opml(body: str, *, prolog: str = "") -> bytes:
    return f'{prolog}<opml version="2.0"><head/><body>{body}</body></opml>'.encode()


# --- the shapes readers export -----------------------------------------------------------


def test_newsboat_export_is_flat_and_keeps_an_untitled_feed() -> None:
    assert parse_opml(_fixture("newsboat.opml")) == [
        OpmlFeed(f"{BLOG}/index.xml", "Manvendra Rajpoot", ""),
        OpmlFeed(f"{BLOG}/posts/index.xml", "Posts on Manvendra Rajpoot", ""),
        OpmlFeed(f"{BLOG}/tags/backend/index.xml", "Backend on Manvendra Rajpoot", ""),
        OpmlFeed("https://lwn.net/headlines/rss", "LWN.net", ""),
        OpmlFeed("https://xkcd.com/atom.xml", "xkcd.com", ""),
        OpmlFeed("https://hnrss.org/newest?points=300", "", ""),
    ]


def test_feedly_export_has_one_folder_per_category() -> None:
    assert parse_opml(_fixture("feedly.opml")) == [
        OpmlFeed(f"{BLOG}/tags/backend/index.xml", "Backend on Manvendra Rajpoot", "Backend"),
        OpmlFeed("https://martinfowler.com/feed.atom", "Martin Fowler", "Backend"),
        OpmlFeed(
            "https://feeds.arstechnica.com/arstechnica/index",
            "Ars Technica - All content",
            "Tech News",
        ),
        OpmlFeed("https://lwn.net/headlines/rss", "LWN.net", "Tech News"),
        OpmlFeed("https://xkcd.com/atom.xml", "xkcd.com", "Comics & Fun"),
    ]


def test_inoreader_export_lists_a_feed_in_two_folders_once_in_the_first() -> None:
    assert parse_opml(_fixture("inoreader.opml")) == [
        OpmlFeed("https://blog.rust-lang.org/feed.xml", "Rust Blog", "Programming"),
        OpmlFeed("https://go.dev/blog/feed.atom", "The Go Blog", "Programming"),
        OpmlFeed(f"{BLOG}/posts/index.xml", "Posts on Manvendra Rajpoot", "Programming"),
        OpmlFeed("https://this-week-in-rust.org/atom.xml", "This Week in Rust", "Rust"),
        OpmlFeed("https://hnrss.org/frontpage", "Hacker News: Front Page", "News"),
    ]


def test_netnewswire_export_nests_folders_and_may_omit_type() -> None:
    assert parse_opml(_fixture("netnewswire.opml")) == [
        OpmlFeed("https://daringfireball.net/feeds/main", "Daring Fireball", ""),
        OpmlFeed("https://jvns.ca/atom.xml", "Julia Evans", "Tech"),
        OpmlFeed("https://this-week-in-rust.org/atom.xml", "This Week in Rust", "Tech / Rust"),
        OpmlFeed("https://simonwillison.net/atom/everything/", "Simon Willison's Weblog", "Tech"),
        OpmlFeed(f"{BLOG}/index.xml", "Manvendra Rajpoot", "Blogs"),
    ]


def test_miniflux_export_skips_an_outline_with_only_an_html_url() -> None:
    feeds = parse_opml(_fixture("miniflux.opml"))
    assert feeds == [
        OpmlFeed(f"{BLOG}/index.xml", "Manvendra Rajpoot", "All"),
        OpmlFeed(f"{BLOG}/tags/backend/index.xml", "Backend on Manvendra Rajpoot", "All"),
        OpmlFeed(
            "https://pythoninsider.blogspot.com/feeds/posts/default", "Python Insider", "Python"
        ),
        OpmlFeed("https://planetpython.org/rss20.xml", "Planet Python", "Python"),
    ]
    assert all("python.org/psf" not in feed.url for feed in feeds)


def test_every_fixture_says_it_is_hand_written_on_its_first_line() -> None:
    for path in sorted(FIXTURES.glob("*.opml")):
        first_line = path.read_bytes().splitlines()[0]
        assert b"<!-- Hand-written" in first_line, path.name


# --- attributes and folders --------------------------------------------------------------


def test_xml_url_attribute_is_matched_whatever_its_case() -> None:
    data = _opml(
        '<outline text="a" xmlurl="https://a.example/feed"/>'
        '<outline text="b" XMLURL="https://b.example/feed"/>'
    )
    assert [feed.url for feed in parse_opml(data)] == [
        "https://a.example/feed",
        "https://b.example/feed",
    ]


def test_title_comes_from_text_then_title_and_may_be_empty() -> None:
    data = _opml(
        '<outline text="From text" title="Ignored" xmlUrl="https://a.example/"/>'
        '<outline title="From title" xmlUrl="https://b.example/"/>'
        '<outline text="  " title="Blank text" xmlUrl="https://c.example/"/>'
        '<outline xmlUrl="https://d.example/"/>'
    )
    assert [feed.title for feed in parse_opml(data)] == [
        "From text",
        "From title",
        "Blank text",
        "",
    ]


def test_url_is_stripped() -> None:
    data = _opml('<outline text="a" xmlUrl="  https://a.example/feed.xml&#10;"/>')
    assert parse_opml(data) == [OpmlFeed("https://a.example/feed.xml", "a", "")]


def test_category_attribute_names_the_folder_of_a_top_level_feed() -> None:
    data = _opml(
        '<outline text="a" xmlUrl="https://a.example/" category="/Tech/Rust,/Later"/>'
        '<outline text="b" xmlUrl="https://b.example/" category="Tech"/>'
        '<outline text="c" xmlUrl="https://c.example/" category=" , /News/ "/>'
        '<outline text="d" xmlUrl="https://d.example/" category=""/>'
        '<outline text="Folder">'
        '<outline text="e" xmlUrl="https://e.example/" category="/Elsewhere"/>'
        "</outline>"
    )
    assert [(feed.url, feed.folder) for feed in parse_opml(data)] == [
        ("https://a.example/", "Tech / Rust"),
        ("https://b.example/", "Tech"),
        ("https://c.example/", "News"),
        ("https://d.example/", ""),
        ("https://e.example/", "Folder"),  # the enclosing folder wins over the category
    ]


def test_an_untitled_folder_adds_no_level_and_an_empty_one_adds_nothing() -> None:
    data = _opml(
        '<outline text="Empty"/>'
        '<outline text="Tech"><outline><outline text="a" xmlUrl="https://a.example/"/>'
        "</outline></outline>"
    )
    assert parse_opml(data) == [OpmlFeed("https://a.example/", "a", "Tech")]


def test_the_same_url_in_two_places_is_one_subscription_in_the_first() -> None:
    data = _opml(
        '<outline text="a" xmlUrl="https://a.example/"/>'
        '<outline text="Tech"><outline text="a again" xmlUrl="https://a.example/"/>'
        '<outline text="b" xmlUrl="https://b.example/"/></outline>'
        '<outline text="b again" xmlUrl=" https://b.example/ "/>'
    )
    assert parse_opml(data) == [
        OpmlFeed("https://a.example/", "a", ""),
        OpmlFeed("https://b.example/", "b", "Tech"),
    ]


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/xml,<rss/>",
        "ftp://ftp.example/feed.xml",
        "feed.xml",
        "https://",
        "https://a.example/with space",
        "http://[::1",
        "",
    ],
)
def test_urls_that_are_not_http_or_file_are_dropped(url: str) -> None:
    from xml.sax.saxutils import quoteattr

    data = _opml(f'<outline text="bad" xmlUrl={quoteattr(url)}/>')
    assert parse_opml(data) == []


def test_http_https_and_file_urls_are_kept() -> None:
    data = _opml(
        '<outline text="a" xmlUrl="http://a.example/rss"/>'
        '<outline text="b" xmlUrl="HTTPS://b.example/atom"/>'
        '<outline text="c" xmlUrl="file:///home/me/feed.xml"/>'
    )
    assert [feed.url for feed in parse_opml(data)] == [
        "http://a.example/rss",
        "HTTPS://b.example/atom",
        "file:///home/me/feed.xml",
    ]


def test_control_characters_are_stripped_from_titles_and_folders() -> None:
    # XML 1.0 forbids most C0 characters outright; DEL, C1 and line breaks get through.
    data = _opml(
        '<outline text=" Te&#127;ch&#x9b;[31m ">'
        '<outline text="&#9; Bad&#x85;&#x9f; title&#10;on two lines " xmlUrl="https://a.example/"/>'
        "</outline>"
    )
    assert parse_opml(data) == [
        OpmlFeed("https://a.example/", "Bad title on two lines", "Tech[31m")
    ]


# --- input that is not a subscription list -----------------------------------------------


def test_billion_laughs_is_refused() -> None:
    # (A hang would show as the run's timeout; no wall-clock limit here.)
    with pytest.raises(OpmlError, match="entities"):
        parse_opml(_fixture("billion_laughs.opml"))


def test_a_small_entity_that_would_expand_is_refused_too() -> None:
    prolog = '<!DOCTYPE opml [<!ENTITY name "Innocent">]>'
    data = _opml('<outline text="&name;" xmlUrl="https://a.example/"/>', prolog=prolog)
    with pytest.raises(OpmlError, match="entities"):
        parse_opml(data)


def test_an_external_entity_is_refused_and_never_read() -> None:
    prolog = '<!DOCTYPE opml [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
    data = _opml('<outline text="x" xmlUrl="https://a.example/">&secret;</outline>', prolog=prolog)
    with pytest.raises(OpmlError, match="entities"):
        parse_opml(data)


def test_a_doctype_without_entities_is_fine() -> None:
    data = _opml('<outline text="a" xmlUrl="https://a.example/"/>', prolog="<!DOCTYPE opml>")
    assert parse_opml(data) == [OpmlFeed("https://a.example/", "a", "")]


def test_a_truncated_export_is_not_an_opml_file() -> None:
    with pytest.raises(OpmlError, match=r"^not an OPML file: "):
        parse_opml(_fixture("garbage.opml"))


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"   \n",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe",
        b"https://blog.rajpoot.dev/index.xml\n",
        b"<html><body><p>Not a list</p></body></html>",
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>A feed</title></channel></rss>',
        b'<opml version="2.0"><head><title>No body</title></head></opml>',
        b'<opml version="2.0"><body><outline text="&nbsp;"/></body></opml>',
    ],
)
def test_what_is_not_opml_is_refused_with_a_readable_message(data: bytes) -> None:
    with pytest.raises(OpmlError, match=r"^not an OPML file: ") as raised:
        parse_opml(data)
    assert "\n" not in str(raised.value)
    assert isinstance(raised.value, ValueError)


def test_an_empty_body_is_an_empty_list() -> None:
    assert parse_opml(_opml("")) == []


def test_comments_and_processing_instructions_are_ignored() -> None:
    data = _opml(
        '<!-- a comment --><?pi data?><outline text="Tech"><!-- x -->'
        '<outline text="a" xmlUrl="https://a.example/"/></outline>'
    )
    assert parse_opml(data) == [OpmlFeed("https://a.example/", "a", "Tech")]


def test_deep_nesting_is_refused_or_read_without_crashing() -> None:
    depth = 5000
    body = '<outline text="f">' * depth + '<outline text="a" xmlUrl="https://a.example/"/>'
    data = _opml(body + "</outline>" * depth)
    try:
        feeds = parse_opml(data)
    except OpmlError:
        return
    assert [feed.url for feed in feeds] == ["https://a.example/"]


# --- writing -----------------------------------------------------------------------------

NOW = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)


def test_written_document_is_opml_2_with_a_head() -> None:
    text = write_opml([OpmlFeed(f"{BLOG}/index.xml", "Manvendra Rajpoot", "")], now=NOW)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">')
    assert "<title>rajpoot-tui subscriptions</title>" in text
    assert "<dateCreated>Sat, 14 Mar 2026 09:30:00 +0000</dateCreated>" in text
    assert (
        f'<outline type="rss" text="Manvendra Rajpoot" title="Manvendra Rajpoot" '
        f'xmlUrl="{BLOG}/index.xml"/>'
    ) in text


def test_written_head_takes_a_title_and_a_naive_now_as_utc() -> None:
    text = write_opml([], title="Mine", now=datetime(2026, 1, 2, 3, 4, 5))
    assert "<title>Mine</title>" in text
    assert "<dateCreated>Fri, 02 Jan 2026 03:04:05 +0000</dateCreated>" in text
    assert parse_opml(text.encode()) == []


def test_folders_are_written_as_nested_outlines() -> None:
    from lxml import etree

    feeds = [
        OpmlFeed("https://a.example/", "a", "Tech / Rust"),
        OpmlFeed("https://b.example/", "b", "Tech"),
    ]
    root = etree.fromstring(write_opml(feeds, now=NOW).encode())
    (tech,) = root.find("body")
    assert (tech.get("text"), tech.get("xmlUrl")) == ("Tech", None)
    rust, feed_b = tech
    assert rust.get("text") == "Rust"
    assert [child.get("xmlUrl") for child in rust] == ["https://a.example/"]
    assert feed_b.get("xmlUrl") == "https://b.example/"


@pytest.mark.parametrize(
    "fixture",
    ["newsboat.opml", "feedly.opml", "inoreader.opml", "netnewswire.opml", "miniflux.opml"],
)
def test_round_trip_of_every_export_shape(fixture: str) -> None:
    feeds = parse_opml(_fixture(fixture))
    assert parse_opml(write_opml(feeds, now=NOW).encode()) == feeds


def test_round_trip_keeps_order_when_each_folders_feeds_are_listed_together() -> None:
    feeds = [
        OpmlFeed("https://a.example/", "a", ""),
        OpmlFeed("https://b.example/", "b", "Tech / Rust"),
        OpmlFeed("https://c.example/", "c", "Tech / Rust"),
        OpmlFeed("https://d.example/", "d", "Tech"),
        OpmlFeed("https://e.example/", "e", ""),
        OpmlFeed("https://f.example/", "f", "News"),
        OpmlFeed("https://g.example/", "g", "AC/DC"),
    ]
    assert parse_opml(write_opml(feeds, now=NOW).encode()) == feeds


def test_order_contract_a_folder_is_written_where_its_first_feed_was() -> None:
    # Top-level feeds keep their place; a folder gathers its feeds at its first one's place.
    a, b, c, d = (
        OpmlFeed("https://a.example/", "a", "Tech"),
        OpmlFeed("https://b.example/", "b", ""),
        OpmlFeed("https://c.example/", "c", "Tech"),
        OpmlFeed("https://d.example/", "d", "Tech / Rust"),
    )
    assert parse_opml(write_opml([a, b, c, d], now=NOW).encode()) == [a, c, d, b]


def test_titles_and_folders_are_escaped() -> None:
    feeds = [
        OpmlFeed(
            "https://a.example/?x=1&y=<2>", "Tom & Jerry <3 \"quoted\" 'single'", 'R&D "<lab>"'
        ),
    ]
    text = write_opml(feeds, title='Mine & "yours" <all>', now=NOW)
    assert "text=\"Tom &amp; Jerry &lt;3 &quot;quoted&quot; 'single'\"" in text
    assert 'xmlUrl="https://a.example/?x=1&amp;y=&lt;2&gt;"' in text
    assert 'text="R&amp;D &quot;&lt;lab&gt;&quot;"' in text
    assert '<title>Mine &amp; "yours" &lt;all&gt;</title>' in text
    assert parse_opml(text.encode()) == feeds


def test_writing_drops_what_reading_would_drop_and_cleans_text() -> None:
    feeds = [
        OpmlFeed("https://a.example/", "a\x00\x1b[2J", "Te\x07ch"),
        OpmlFeed("javascript:alert(1)", "evil", ""),
        OpmlFeed("https://a.example/", "duplicate", "Other"),
        OpmlFeed(" https://b.example/ ", "b", " / Tech /  / "),
    ]
    text = write_opml(feeds, now=NOW)
    assert "javascript" not in text
    assert parse_opml(text.encode()) == [
        OpmlFeed("https://a.example/", "a[2J", "Tech"),
        OpmlFeed("https://b.example/", "b", "Tech"),
    ]


def test_non_ascii_titles_survive_a_round_trip() -> None:
    feeds = [OpmlFeed("https://a.example/", "Blog — “quotes” 日本語 🚀", "Café / Ünïcode")]
    assert parse_opml(write_opml(feeds, now=NOW).encode()) == feeds


# --- start-up ----------------------------------------------------------------------------


def test_importing_tui_opml_does_not_import_lxml() -> None:
    probe = (
        "import sys, tui.opml\n"
        "print(' '.join(m for m in ('lxml', 'textual') if m in sys.modules) or 'clean')"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).parent.parent,
    ).stdout
    assert out.split() == ["clean"]
