"""Feed discovery: links in real and hostile pages, sniffing bodies, what users type.

Real inputs come from the vendored corpora rather than new copies: ``data/articles``
(PaperMod pages, MIT, see ``data/articles/PAPERMOD-LICENSE``), ``data/feeds`` (30 real
feeds, sources and licences in ``data/feeds/SOURCES.tsv``) and mozilla/readability's test
pages (Apache-2.0, ``data/READABILITY-LICENSE.md``) via ``tests.articles_corpus``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.articles_corpus import CORPUS_URL, corpus
from tui.discover import (
    FoundFeed,
    blog_suggestions,
    discover_feeds,
    looks_like_feed,
    normalise_location,
)

DATA = Path(__file__).parent / "data"
FEEDS = sorted((DATA / "feeds").glob("*__*"))
PAPERMOD = sorted((DATA / "articles").glob("posts-*.html"))


def page(name: str) -> str:
    return next(case.source for case in corpus() if case.name == name)


def urls(found: list[FoundFeed]) -> list[str]:
    return [feed.url for feed in found]


# --- discover_feeds on real pages ----------------------------------------------------


@pytest.mark.parametrize("path", PAPERMOD, ids=lambda p: p.name)
def test_papermod_posts_have_only_hreflang_alternates_which_are_not_feeds(path: Path) -> None:
    # These post pages carry <link rel="alternate" hreflang=".." href="<the post>"> (no
    # type) and no feed link or feed-like anchor at all: nothing to offer.
    body = path.read_bytes()
    assert b'rel="alternate" hreflang=' in body
    assert discover_feeds(body, "https://adityatelange.github.io/hugo-PaperMod/posts/") == []


def test_multilingual_papermod_post_still_yields_nothing() -> None:
    body = (DATA / "articles" / "posts-markdown-syntax.html").read_bytes()
    assert body.count(b'rel="alternate" hreflang=') == 3
    assert discover_feeds(body, "https://adityatelange.github.io/") == []


def test_wordpress_page_lists_its_feeds_in_order_with_titles() -> None:
    found = discover_feeds(page("firefox-nightly-blog"), CORPUS_URL)
    assert found == [
        FoundFeed("https://blog.nightly.mozilla.org/feed/", "Firefox Nightly News » Feed", "rss"),
        FoundFeed(
            "https://blog.nightly.mozilla.org/comments/feed/",
            "Firefox Nightly News » Comments Feed",
            "rss",
        ),
        FoundFeed(
            "https://blog.nightly.mozilla.org/2020/12/18/these-weeks-in-firefox-issue-85/feed/",
            "Firefox Nightly News » These Weeks in Firefox: Issue 85 Comments Feed",
            "rss",
        ),
    ]
    # The page's rel="alternate" type="application/json" is WordPress's REST record of
    # the post (/wp-json/wp/v2/posts/997), and the oEmbed types aren't feed types.
    assert 'type="application/json" href="https://blog.nightly.mozilla.org/wp-json/' in page(
        "firefox-nightly-blog"
    )


def test_relative_atom_link_resolves_against_the_page() -> None:
    # daringfireball: <link rel="alternate" type="application/atom+xml" href="/feeds/main"/>
    found = discover_feeds(page("daringfireball-1"), "https://daringfireball.net/2017/01/x")
    assert found == [FoundFeed("https://daringfireball.net/feeds/main", "", "atom")]


def test_attribute_order_and_entities_in_titles() -> None:
    # heise puts type before rel and writes "Mac &amp; i".
    assert discover_feeds(page("heise"), CORPUS_URL) == [
        FoundFeed(
            "http://www.heise.de/mac-and-i/news-atom.xml", "Aktuelle News von Mac & i", "atom"
        ),
        FoundFeed(
            "http://www.heise.de/mac-and-i/news.rdf",
            "Aktuelle News von Mac & i (für ältere RSS-Reader)",
            "rss",
        ),
    ]


def test_the_same_feed_twice_is_listed_once_with_its_first_title() -> None:
    # ebb.org links blog/rss.xml twice under different titles.
    assert discover_feeds(page("ebb-org"), CORPUS_URL) == [
        FoundFeed("http://ebb.org/bkuhn/rss.xml", "Whole Website RSS for Bradley M. Kuhn", "rss"),
        FoundFeed("http://ebb.org/bkuhn/blog/rss.xml", "Blog RSS for Bradley M. Kuhn", "rss"),
    ]


def test_real_page_without_alternates_falls_back_to_its_own_feed_anchor() -> None:
    # aclu has no feed <link>, but an <a href="/taxonomy/channel-term/1/feed">.
    assert discover_feeds(page("aclu"), "https://www.aclu.org/blog/x") == [
        FoundFeed("https://www.aclu.org/taxonomy/channel-term/1/feed", "", "")
    ]


def test_no_page_in_the_corpus_breaks_discovery() -> None:
    for case in corpus():
        for feed in discover_feeds(case.source.encode(), CORPUS_URL):
            assert feed.url.startswith(("http://", "https://"))


# --- discover_feeds on crafted pages ---------------------------------------------------


def test_rss_atom_and_json_alternates_in_document_order() -> None:
    html = """<html><head>
    <link rel="alternate" type="application/atom+xml" title="Atom" href="/atom.xml">
    <link rel="stylesheet" href="/style.css">
    <link rel="alternate" type="application/rss+xml; charset=utf-8" title="RSS" href="rss.xml">
    <link rel="alternate" type="application/feed+json" title="JSON" href="feed.json">
    <link rel="alternate" type="application/json" href="https://example.com/other.json">
    <link rel="alternate" type="text/html" hreflang="fr" href="/fr/">
    </head><body></body></html>"""
    assert discover_feeds(html, "https://example.com/blog/post.html") == [
        FoundFeed("https://example.com/atom.xml", "Atom", "atom"),
        FoundFeed("https://example.com/blog/rss.xml", "RSS", "rss"),
        FoundFeed("https://example.com/blog/feed.json", "JSON", "json"),
        FoundFeed("https://example.com/other.json", "", "json"),
    ]


def test_base_href_beats_the_page_url() -> None:
    html = """<head><base href="https://cdn.example.org/site/">
    <link rel="alternate" type="application/rss+xml" href="index.xml"></head>"""
    assert urls(discover_feeds(html, "https://example.com/a/b")) == [
        "https://cdn.example.org/site/index.xml"
    ]


def test_relative_base_href_and_only_the_first_base_counts() -> None:
    html = """<base href="/root/"><base href="https://evil.example/">
    <link rel="alternate" type="application/atom+xml" href="feed.atom">"""
    assert urls(discover_feeds(html, "https://example.com/a/b")) == [
        "https://example.com/root/feed.atom"
    ]


def test_javascript_base_is_ignored() -> None:
    html = """<base href="javascript:alert(1)//">
    <link rel="alternate" type="application/rss+xml" href="rss.xml">"""
    assert urls(discover_feeds(html, "https://example.com/a/b")) == [
        "https://example.com/a/rss.xml"
    ]


@pytest.mark.parametrize("rel", ["alternate feed", "feed  ALTERNATE", "\talternate\n"])
def test_rel_is_a_case_insensitive_token_list(rel: str) -> None:
    html = f'<link rel="{rel}" type="application/rss+xml" href="/f.xml">'
    assert urls(discover_feeds(html, "https://example.com/")) == ["https://example.com/f.xml"]


@pytest.mark.parametrize("rel", ["alternates", "stylesheet", "alternate-feed", ""])
def test_other_rels_are_not_feeds(rel: str) -> None:
    html = f'<link rel="{rel}" type="application/rss+xml" href="/f.xml">'
    assert discover_feeds(html, "https://example.com/") == []


def test_uppercase_tags_attributes_and_values() -> None:
    html = '<LINK REL="ALTERNATE" TYPE="Application/RSS+XML" TITLE="Loud" HREF="/Feed.XML">'
    assert discover_feeds(html, "https://example.com/") == [
        FoundFeed("https://example.com/Feed.XML", "Loud", "rss")
    ]


def test_unsafe_schemes_and_empty_hrefs_are_dropped() -> None:
    html = """
    <link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
    <link rel="alternate" type="application/rss+xml" href=" JavaScript:alert(1)">
    <link rel="alternate" type="application/rss+xml" href="data:text/xml,<rss/>">
    <link rel="alternate" type="application/rss+xml" href="ftp://example.com/f.xml">
    <link rel="alternate" type="application/rss+xml" href="">
    <link rel="alternate" type="application/rss+xml">
    <link rel="alternate" type="application/rss+xml" href="http://[::1/bad">
    <link rel="alternate" type="application/rss+xml" href="https://example.com:99999/f">
    <link rel="alternate" type="application/rss+xml" href="https://ok.example/f.xml#top">"""
    assert urls(discover_feeds(html, "https://example.com/")) == ["https://ok.example/f.xml"]


def test_titles_lose_control_characters_and_escape_sequences() -> None:
    html = (
        '<link rel="alternate" type="application/rss+xml" href="/f"'
        ' title="Evil\x1b]52;c;Zm9v\x07 \x1b[2J\u202etitle\nline\x00">'
    )
    (feed,) = discover_feeds(html, "https://example.com/")
    assert feed.title == "Evil title line"


def test_duplicates_removed_and_at_most_twenty() -> None:
    links = "".join(
        f'<link rel="alternate" type="application/rss+xml" href="/f{i % 30}.xml">'
        for i in range(60)
    )
    found = discover_feeds(links, "https://example.com/")
    assert urls(found) == [f"https://example.com/f{i}.xml" for i in range(20)]


def test_fallback_anchors_when_there_is_no_alternate() -> None:
    html = """<body>
    <a href="/feed/" title="Subscribe">RSS</a>
    <a href="/about/">About</a>
    <a href="https://www.example.com/index.xml">Hugo</a>
    <a href="/posts.rss">posts</a>
    <a href="/all.atom">all</a>
    <a href="/blog/feed">blog</a>
    <a href="/rss.xml?lang=en">rss</a>
    <a href="/atom.xml#x">atom</a>
    <a href="/feed/">again</a>
    <a href="https://other.example/feed/">someone else's feed</a>
    <a href="https://example.com.evil.test/feed/">lookalike host</a>
    <a href="javascript:void('/feed/')">js</a>
    <a href="/feedback">not a feed</a>
    </body>"""
    assert discover_feeds(html, "https://example.com/post/") == [
        FoundFeed("https://example.com/feed/", "Subscribe", ""),
        FoundFeed("https://www.example.com/index.xml", "", ""),
        FoundFeed("https://example.com/posts.rss", "", ""),
        FoundFeed("https://example.com/all.atom", "", ""),
        FoundFeed("https://example.com/blog/feed", "", ""),
        FoundFeed("https://example.com/rss.xml?lang=en", "", ""),
        FoundFeed("https://example.com/atom.xml", "", ""),
    ]


def test_fallback_only_when_no_alternate_link() -> None:
    html = """<link rel="alternate" type="application/atom+xml" href="/atom">
    <a href="/feed/">RSS</a>"""
    assert urls(discover_feeds(html, "https://example.com/")) == ["https://example.com/atom"]


def test_cross_host_anchor_alone_gives_nothing() -> None:
    html = '<a href="https://feeds.feedburner.com/feed/">Subscribe</a>'
    assert discover_feeds(html, "https://example.com/") == []


@pytest.mark.parametrize(
    "html",
    [
        b"\xff\xfe\x00<link rel=alternate type=application/rss+xml href=/a.xml>\x80\x81",
        '<link rel="alternate" type=\'application/rss+xml\' href="/a.xml"><link rel="alt',
        '<link rel="alternate" type="application/rss+xml" href="/a.xml"><a href="/feed/',
        '<link rel="alternate" type="application/rss+xml" href="/a.xml"><!-- never closed <a',
        '<link rel="alternate" type="application/rss+xml" href="/a.xml"><![CDATA[<<<</>',
        '<link rel="alternate" type="application/rss+xml" href="/a.xml"></ p><!x<? ?><a =x>',
    ],
)
def test_garbled_and_truncated_html_keeps_what_came_first(html: bytes | str) -> None:
    assert urls(discover_feeds(html, "https://example.com/")) == ["https://example.com/a.xml"]


@pytest.mark.parametrize(
    "html",
    [b"", b"\x00" * 1000, bytes(range(256)) * 50, "<" * 10000, "<a href=" * 2000, "<!--" * 500],
)
def test_garbage_never_raises(html: bytes | str) -> None:
    assert discover_feeds(html, "https://example.com/") == []


# --- looks_like_feed ------------------------------------------------------------------


@pytest.mark.parametrize("path", FEEDS, ids=lambda p: p.name)
def test_every_real_feed_is_sniffed_as_a_feed(path: Path) -> None:
    # Includes a UTF-16LE BOM feed, RDF, KOI8-R/Shift_JIS bodies, a blank line before the
    # XML declaration, and Squarespace's comment + stylesheet + 700 spaces before <rss>.
    body = path.read_bytes()
    for content_type in ("application/xml", "text/xml; charset=utf-8", "", "text/plain"):
        assert looks_like_feed(body, content_type), content_type
    assert not looks_like_feed(body, "text/html")


@pytest.mark.parametrize(
    "content_type",
    ["application/rss+xml", "application/atom+xml", "application/rdf+xml; charset=UTF-8"],
)
def test_feed_content_types_are_trusted(content_type: str) -> None:
    assert looks_like_feed(b"whatever the server sent", content_type)


def test_html_pages_are_not_feeds() -> None:
    pages = [p.read_bytes() for p in PAPERMOD] + [c.source.encode() for c in corpus()]
    for body in pages:
        for content_type in ("text/html; charset=utf-8", "application/xml", ""):
            assert not looks_like_feed(body, content_type)


def test_a_page_mentioning_rss_is_still_a_page() -> None:
    body = b'<?xml version="1.0"?><html><body><pre>&lt;rss&gt;</pre><rss></rss><feed/>'
    assert not looks_like_feed(body, "application/xml")


@pytest.mark.parametrize(
    "body",
    [
        b'<?xml version="1.0"?>\n<!-- a -->\n<?xml-stylesheet href="s.xsl"?>\n<rss version="2.0">',
        b"\xef\xbb\xbf<feed xmlns='http://www.w3.org/2005/Atom'>",
        b'<!DOCTYPE rss SYSTEM "x.dtd">\n<rss>',
        b"<?xml version='1.0'?>" + b" " * 3000 + b"<rss>",  # padding is part of the prolog
        b"<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>",
        "<?xml version='1.0' encoding='utf-16'?><rss/>".encode("utf-16-le"),
    ],
)
def test_xml_feed_prologs(body: bytes) -> None:
    assert looks_like_feed(body, "text/xml")


@pytest.mark.parametrize(
    "body",
    [
        # Padding beyond any real prolog: we stop looking rather than scan a huge body.
        b"<?xml version='1.0'?>" + b" " * 70_000 + b"<rss>",
        b"<?xml version='1.0'?><!-- never closed <rss>",
        b"<rssfeed/>",
        b"",
    ],
)
def test_not_xml_feeds(body: bytes) -> None:
    assert not looks_like_feed(body, "application/xml")


JSON_FEED = json.dumps(
    {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "A JSON feed",
        "items": [{"id": "1", "content_text": "hi"}],
    }
).encode()


def test_json_feeds() -> None:
    assert looks_like_feed(JSON_FEED, "application/feed+json")
    assert looks_like_feed(JSON_FEED, "application/json")
    assert looks_like_feed(JSON_FEED, "")
    # "version" needn't come first; then the body is parsed.
    late = json.dumps({"title": "x" * 3000, "version": "https://jsonfeed.org/version/1"})
    assert looks_like_feed(late.encode(), "application/json; charset=utf-8")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"id": 997, "type": "post", "link": "https://blog.nightly.mozilla.org/"}', False),
        (b'{"version": "1.0"}', False),
        (b'["https://jsonfeed.org/version/1"]', False),
        (b"not json", False),
        # Truncated, but it says what it is up front: the parser reports the damage later.
        (b'{"version": "https://jsonfeed.org/version/1", "items": [', True),
    ],
)
def test_other_json_is_not_a_feed(body: bytes, expected: bool) -> None:
    assert looks_like_feed(body, "application/json") is expected


# --- normalise_location ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("https://blog.rajpoot.dev/index.xml", "https://blog.rajpoot.dev/index.xml"),
        ("  http://example.com/feed  ", "http://example.com/feed"),
        ("HTTPS://Example.com/Feed", "https://Example.com/Feed"),
        ("Http://example.com:8080/f?x=1", "http://example.com:8080/f?x=1"),
        ("file:///srv/feeds/a.xml", "file:///srv/feeds/a.xml"),
        ("FILE:///srv/feeds/a.xml", "file:///srv/feeds/a.xml"),
        (
            "blog.rajpoot.dev/tags/backend/index.xml",
            "https://blog.rajpoot.dev/tags/backend/index.xml",
        ),
        ("example.com", "https://example.com"),
        ("\texample.com/feed?x=1\n", "https://example.com/feed?x=1"),
        ("example.com:8443/feed", "https://example.com:8443/feed"),
        ("feed.xml", "https://feed.xml"),  # no such file here: a host
        # This machine or the local network: plain http, as a local server nearly always is.
        ("127.0.0.1:8765/feed.xml", "http://127.0.0.1:8765/feed.xml"),
        ("localhost:8080/index.xml", "http://localhost:8080/index.xml"),
        ("blog.localhost/feed", "http://blog.localhost/feed"),
        ("192.168.1.5/rss", "http://192.168.1.5/rss"),
        ("[::1]:8000/atom.xml", "http://[::1]:8000/atom.xml"),
        ("10.0.0.2", "http://10.0.0.2"),
        # A public address is no different from a host name.
        ("93.184.216.34/feed", "https://93.184.216.34/feed"),
    ],
)
def test_urls_and_hosts(typed: str, expected: str, tmp_path: Path) -> None:
    assert normalise_location(typed, cwd=tmp_path) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "ftp://x",
        "ftp://example.com/feed.xml",
        "javascript:alert(1)",
        "javascript:alert(document.cookie)",
        "mailto:me@example.com",
        "data:text/xml,<rss/>",
        "",
        "   ",
        "not a url",
        "https://",
        "http:example.com",
        "https://exa mple.com/",
        "file://server/share/feed.xml",
        "file:feed.xml",
        "localhost",
        ".example.com",
        "example..com",
        "nul\x00byte.xml/",
    ],
)
def test_not_feed_addresses(typed: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"^not a feed address: .*\(use an http\(s\) URL"):
        normalise_location(typed, cwd=tmp_path)


@pytest.mark.parametrize(
    "typed",
    [
        "./missing.xml",
        "../missing.xml",
        "/no/such/dir/feed.xml",
        "~/definitely-missing-feed.xml",
        "~no-such-user-here/feed.xml",
    ],
)
def test_a_path_that_is_not_there_says_so(typed: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"^no such file: "):
        normalise_location(typed, cwd=tmp_path)


def test_error_message_names_what_was_typed() -> None:
    with pytest.raises(ValueError) as info:
        normalise_location("ftp://x")
    assert str(info.value) == (
        "not a feed address: 'ftp://x' (use an http(s) URL, a file path or file://)"
    )


def test_a_folder_is_not_a_feed(tmp_path: Path) -> None:
    (tmp_path / "feeds").mkdir()
    with pytest.raises(ValueError, match="is a folder"):
        normalise_location("feeds", cwd=tmp_path)


def test_a_file_in_the_cwd_beats_the_host_guess(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "feed.xml").write_bytes(b"<rss/>")
    monkeypatch.chdir(tmp_path)
    expected = (tmp_path / "feed.xml").resolve().as_uri()
    assert normalise_location("feed.xml") == expected
    assert normalise_location("./feed.xml") == expected
    assert normalise_location(" feed.xml \n") == expected


def test_relative_to_an_explicit_cwd_and_absolute_paths(tmp_path: Path) -> None:
    sub = tmp_path / "a b" / "c"
    sub.mkdir(parents=True)
    (sub / "my feed.xml").write_bytes(b"<rss/>")
    expected = (sub / "my feed.xml").resolve().as_uri()
    assert expected.startswith("file:///") and "%20" in expected
    assert normalise_location("c/my feed.xml", cwd=tmp_path / "a b") == expected
    assert normalise_location("../c/my feed.xml", cwd=sub) == expected
    assert normalise_location(str(sub / "my feed.xml")) == expected


def test_home_relative_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "news.atom").write_bytes(b"<feed/>")
    assert normalise_location("~/news.atom") == (tmp_path / "news.atom").resolve().as_uri()


def test_symlinks_resolve(tmp_path: Path) -> None:
    (tmp_path / "real.xml").write_bytes(b"<rss/>")
    (tmp_path / "link.xml").symlink_to(tmp_path / "real.xml")
    expected = (tmp_path / "real.xml").resolve().as_uri()
    assert normalise_location("link.xml", cwd=tmp_path) == expected


# --- blog_suggestions -----------------------------------------------------------------

BLOG = "https://blog.rajpoot.dev"
ALL_BLOG_FEEDS = [
    f"{BLOG}/index.xml",
    f"{BLOG}/posts/index.xml",
    f"{BLOG}/tags/backend/index.xml",
    f"{BLOG}/tags/rust/index.xml",
    f"{BLOG}/tags/go/index.xml",
    f"{BLOG}/tags/django/index.xml",
    f"{BLOG}/tags/postgresql/index.xml",
]


@pytest.mark.parametrize(
    "url",
    [
        "https://blog.rajpoot.dev/tags/backend/index.xml",
        "http://blog.rajpoot.dev/tags/backend/index.xml",
        "https://www.blog.rajpoot.dev/tags/backend/index.xml",
        "https://BLOG.rajpoot.dev/tags/backend/index.xml/",
        "http://www.blog.rajpoot.dev/tags/backend/index.xml#x",
    ],
)
def test_the_backend_feed_suggests_the_others(url: str) -> None:
    assert blog_suggestions(url) == [f for f in ALL_BLOG_FEEDS if "backend" not in f]


def test_any_blog_page_suggests_all_feeds() -> None:
    assert blog_suggestions("https://blog.rajpoot.dev/") == ALL_BLOG_FEEDS
    assert blog_suggestions("http://blog.rajpoot.dev/posts/some-post/") == ALL_BLOG_FEEDS
    assert blog_suggestions("https://blog.rajpoot.dev/index.xml") == ALL_BLOG_FEEDS[1:]


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/index.xml",
        "https://rajpoot.dev/index.xml",
        "https://blog.rajpoot.dev.evil.test/index.xml",
        "https://evilblog.rajpoot.dev/index.xml",
        "file:///blog.rajpoot.dev/index.xml",
        "ftp://blog.rajpoot.dev/index.xml",
        "http://[::1/bad",
        "",
    ],
)
def test_other_sites_get_no_suggestions(url: str) -> None:
    assert blog_suggestions(url) == []


def test_core_module_loads_no_ui_or_network_library() -> None:
    # The CLI normalises --feed before anything else starts; that must stay cheap.
    probe = (
        "import sys, tui.discover\n"
        "print(' '.join(m for m in ('textual', 'httpx', 'feedparser') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
    ).stdout
    assert out.split() == []
