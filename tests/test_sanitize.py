"""Nothing from a feed reaches the terminal raw; only http(s) links are openable."""

from __future__ import annotations

import pytest

from tui.sanitize import (
    clean_line,
    clean_text,
    is_openable_link,
    link_scheme,
    normalize_feed_url,
    page_key,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a\x1b]52;c;ZXZpbA==\x07b", "ab"),  # OSC 52 clipboard write
        ("a\x1b]52;c;ZXZpbA==\x1b\\b", "ab"),  # ... terminated by ST
        ("a\x1b]0;pwned\x07b", "ab"),  # OSC 0 window title
        ("\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\", "click"),  # OSC 8 link
        ("x\x1b[2Jy", "xy"),  # CSI clear screen
        ("x\x1b[31;1mred\x1b[0m", "xred"),
        ("a\x9b31mb", "ab"),  # 8-bit CSI
        ("a\x9d0;t\x9cb", "ab"),  # 8-bit OSC ... ST
        ("a\x1bcb", "ab"),  # RIS: full reset
        ("bell\x07 bs\x08 nul\x00 del\x7f", "bell bs nul del"),
        ("c1\x85\x8d\x9f", "c1"),
        ("bidi \u202eevil\u202c and \u2066iso\u2069", "bidi evil and iso"),
        ("keep\ttabs\nand newlines", "keep\ttabs\nand newlines"),
        ("windows\r\nlines\rmac", "windows\nlines\nmac"),
        ("unterminated \x1b]52;c;AAAA", "unterminated "),
        ("lone escape at end \x1b", "lone escape at end "),
        ("unicode — ok ✓ 日本語", "unicode — ok ✓ 日本語"),
    ],
)
def test_clean_text_strips_escape_sequences_and_controls(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


def test_clean_text_handles_empty_and_none() -> None:
    assert clean_text(None) == ""
    assert clean_text("") == ""


def test_clean_line_folds_whitespace_for_titles() -> None:
    assert clean_line("  A\n title\twith \x1b[1mjunk\x1b[0m  ") == "A title with junk"


@pytest.mark.parametrize(
    "url",
    ["https://blog.rajpoot.dev/posts/backend/x/", "http://example.com", "HTTPS://EXAMPLE.COM/a"],
)
def test_http_links_are_openable(url: str) -> None:
    assert is_openable_link(url)


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "file:///etc/passwd",
        "data:text/html,<script>",
        "ftp://example.com/x",
        "mailto:a@example.com",
        "/relative/path",
        "https://",
        "https://exa mple.com/",
        "https://example.com/\x1b[2J",
        "http://example.com/\nInjected: header",
        "",
        "http://[::1",
    ],
)
def test_other_links_are_not_openable(url: str) -> None:
    assert not is_openable_link(url)


def test_link_scheme_names_the_refused_scheme() -> None:
    assert link_scheme("javascript:alert(1)") == "javascript"
    assert link_scheme("no scheme") == ""


def test_a_port_out_of_range_is_not_openable() -> None:
    assert not is_openable_link("http://127.0.0.1:99999/feed.xml")


@pytest.mark.parametrize(
    ("given", "normal"),
    [
        ("HTTP://Example.COM/Feed.xml#top", "http://example.com/Feed.xml"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com/f?a=B", "https://example.com/f?a=B"),
        ("https://User:Pw@Example.com/f", "https://User:Pw@Example.com/f"),
    ],
)
def test_feed_urls_have_one_spelling(given: str, normal: str) -> None:
    assert normalize_feed_url(given) == normal


def test_the_default_feed_url_is_already_normal() -> None:
    from tui import DEFAULT_FEED_URL

    assert normalize_feed_url(DEFAULT_FEED_URL) == DEFAULT_FEED_URL


def test_host_of_names_the_host_or_falls_back_to_the_url() -> None:
    from tui.sanitize import host_of

    assert host_of("https://blog.rajpoot.dev/posts/x/") == "blog.rajpoot.dev"
    assert host_of("http://[::1") == "http://[::1"  # malformed: the URL itself
    assert host_of("not a url") == "not a url"


def test_shorten_keeps_short_text_and_cuts_long_text_with_an_ellipsis() -> None:
    from tui.sanitize import shorten

    assert shorten("abc", 3) == "abc"
    assert shorten("abcd", 3) == "ab…"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://blog.example/post/#custom-head--footer", "https://blog.example/post/"),
        ("HTTPS://Blog.Example/post", "https://blog.example/post/"),
        ("https://blog.example/post?x=1#top", "https://blog.example/post/?x=1"),
    ],
)
def test_links_to_one_page_share_a_key(a: str, b: str) -> None:
    assert page_key(a) == page_key(b)


def test_other_pages_do_not_share_a_key() -> None:
    assert page_key("https://blog.example/post/") != page_key("https://blog.example/post/2/")
    assert page_key("https://blog.example/Post") != page_key("https://blog.example/post")
    assert page_key("http://[::1") == "http://[::1"  # malformed: itself
