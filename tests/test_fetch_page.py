"""tui.fetch.fetch_page (a post's web page) against the local server, and the shared client."""

from __future__ import annotations

import gzip
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from tests.httpserver import (
    FeedServer,
    Response,
    dribble,
    gzip_bomb,
    redirect,
    retry_after,
)
from tui import USER_AGENT
from tui.fetch import (
    PAGE_ACCEPT,
    PAGE_POLICY,
    FetchError,
    FetchErrorKind,
    FetchPolicy,
    fetch_feed,
    fetch_page,
    make_client,
)
from tui.refresh import refresh_feed
from tui.store import Store

pytestmark = pytest.mark.usefixtures("no_proxy_env")

HTML = (
    b"<!doctype html><html><head><title>T</title></head><body><article>Hi</article></body></html>"
)
HTML_HEADERS = {"Content-Type": "text/html; charset=utf-8"}
POLICY = FetchPolicy(
    timeout=5.0, retries=2, backoff_base=0.5, backoff_max=30.0, max_bytes=64 * 1024
)


class Sleeper:
    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def page_error(url: str, **kwargs: object) -> FetchError:
    kwargs.setdefault("sleep", Sleeper())
    kwargs.setdefault("policy", POLICY)
    with pytest.raises(FetchError) as info:
        fetch_page(url, **kwargs)  # type: ignore[arg-type]
    return info.value


def test_a_page_is_fetched_as_text_with_html_accept_and_user_agent(
    feed_server: FeedServer,
) -> None:
    url = feed_server.route("/post/", Response(200, HTML_HEADERS, HTML))

    page = fetch_page(url, policy=POLICY, sleep=Sleeper())

    assert page.html == HTML.decode()
    assert page.final_url == url
    assert page.content_type == "text/html; charset=utf-8"
    assert page.charset == "utf-8"
    assert page.size == len(HTML)
    assert page.attempts == 1
    (request,) = feed_server.requests
    assert request.header("accept") == PAGE_ACCEPT
    assert request.header("user-agent") == USER_AGENT
    assert request.header("accept-encoding") == "gzip, deflate"


def test_the_charset_comes_from_the_header_else_a_meta_else_utf8(
    feed_server: FeedServer,
) -> None:
    text = "<html><head><meta charset='windows-1252'></head><body>café</body></html>"
    url = feed_server.route(
        "/meta", Response(200, {"Content-Type": "text/html"}, text.encode("cp1252"))
    )
    assert "café" in fetch_page(url, policy=POLICY).html

    url = feed_server.route(
        "/header",
        Response(200, {"Content-Type": "text/html; charset=iso-8859-1"}, "é".encode("latin-1")),
    )
    assert fetch_page(url, policy=POLICY).html == "é"

    url = feed_server.route(
        "/bad", Response(200, {"Content-Type": "text/html; charset=nope"}, b"\xff ok")
    )
    page = fetch_page(url, policy=POLICY)
    assert page.charset == "utf-8"
    assert page.html == "\ufffd ok"


def test_gzip_pages_are_decoded(feed_server: FeedServer) -> None:
    headers = {**HTML_HEADERS, "Content-Encoding": "gzip"}
    url = feed_server.route("/gz", Response(200, headers, gzip.compress(HTML)))

    assert fetch_page(url, policy=POLICY).html == HTML.decode()


def test_redirects_are_followed_and_the_final_url_reported(feed_server: FeedServer) -> None:
    feed_server.route("/final/", Response(200, HTML_HEADERS, HTML))
    url = feed_server.redirect_chain("/old", 3, "/final/")

    page = fetch_page(url, policy=POLICY)

    assert page.final_url == feed_server.url("/final/")
    assert [r.path for r in feed_server.requests] == ["/old", "/old/1", "/old/2", "/final/"]


# ---------------------------------------------------------------- faults


def test_a_pdf_is_not_an_html_page_and_is_not_downloaded(feed_server: FeedServer) -> None:
    url = feed_server.route(
        "/paper.pdf",
        Response(200, {"Content-Type": "application/pdf"}, b"%PDF-1.7" + b"x" * 50_000),
    )

    err = page_error(url)

    assert err.kind is FetchErrorKind.NOT_HTML
    assert str(err) == "127.0.0.1: not an HTML page (application/pdf)"
    assert not err.transient


def test_html_without_a_content_type_is_sniffed(feed_server: FeedServer) -> None:
    url = feed_server.route(
        "/sniffed", Response(200, {}, b"\n  <!DOCTYPE html>\n<html><body>x</body></html>")
    )
    assert "<body>x</body>" in fetch_page(url, policy=POLICY).html

    url = feed_server.route("/plain", Response(200, {"Content-Type": "text/plain"}, b"just words"))
    err = page_error(url)
    assert err.kind is FetchErrorKind.NOT_HTML
    assert str(err) == "127.0.0.1: not an HTML page (text/plain)"


def test_xhtml_served_as_xml_is_a_page_but_a_feed_is_not(feed_server: FeedServer) -> None:
    xhtml = (
        b'<?xml version="1.0"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><body>x</body></html>'
    )
    url = feed_server.route("/x", Response(200, {"Content-Type": "application/xml"}, xhtml))
    assert fetch_page(url, policy=POLICY).html == xhtml.decode()

    url = feed_server.route("/rss", Response(200, {"Content-Type": "application/xml"}, b"<rss/>"))
    assert str(page_error(url)) == "127.0.0.1: not an HTML page (application/xml)"


def test_an_oversized_page_is_refused(feed_server: FeedServer) -> None:
    big = b"<html><body>" + b"a" * (POLICY.max_bytes + 1) + b"</body></html>"
    url = feed_server.route("/big", Response(200, HTML_HEADERS, big))
    err = page_error(url)
    assert err.kind is FetchErrorKind.TOO_LARGE
    assert str(err) == "127.0.0.1: page is larger than 64 KB"

    # Without Content-Length too (the body is delimited by the server hanging up).
    url = feed_server.route("/big2", Response(200, HTML_HEADERS, big, content_length=None))
    assert page_error(url).kind is FetchErrorKind.TOO_LARGE


def test_the_default_page_cap_is_5_mb(feed_server: FeedServer) -> None:
    body = b"<html><body>" + b"a" * (5 * 1024 * 1024) + b"</body></html>"
    url = feed_server.route("/huge", Response(200, HTML_HEADERS, body, content_length=None))

    err = page_error(url, policy=replace(PAGE_POLICY, retries=0))

    assert str(err) == "127.0.0.1: page is larger than 5 MB"


def test_a_gzip_bomb_stops_at_the_cap(feed_server: FeedServer) -> None:
    headers = {**HTML_HEADERS, "Content-Encoding": "gzip"}
    url = feed_server.route("/bomb", Response(200, headers, gzip_bomb()))

    err = page_error(url, policy=replace(PAGE_POLICY, retries=0))

    assert err.kind is FetchErrorKind.TOO_LARGE
    assert str(err) == "127.0.0.1: page is larger than 5 MB"


def test_a_dribbling_server_times_out(feed_server: FeedServer) -> None:
    response = dribble(HTML * 4, chunk_delay=0.02)
    url = feed_server.route(
        "/slow", Response(200, HTML_HEADERS, response.body, chunk_size=1, chunk_delay=0.02)
    )

    err = page_error(url, policy=FetchPolicy(timeout=0.2, retries=0))

    assert err.kind is FetchErrorKind.TIMEOUT
    assert str(err) == "127.0.0.1: download took longer than 0.6 s"


def test_404_is_gone_and_403_needs_a_login_neither_retried(feed_server: FeedServer) -> None:
    url = feed_server.route("/gone", Response(404, {"Content-Type": "text/html"}, b"<html>nope"))
    err = page_error(url)
    assert (err.kind, str(err)) == (
        FetchErrorKind.GONE,
        "127.0.0.1: the page is gone (404 Not Found)",
    )

    for status, phrase in ((403, "403 Forbidden"), (401, "401 Unauthorized")):
        url = feed_server.route(f"/login{status}", Response(status, {}, b""))
        err = page_error(url)
        assert err.kind is FetchErrorKind.NEEDS_LOGIN
        assert str(err) == f"127.0.0.1: the page needs a login ({phrase})"
    assert feed_server.hits("/gone") == 1
    assert feed_server.hits("/login403") == 1


def test_500_is_retried_with_backoff(feed_server: FeedServer) -> None:
    url = feed_server.route_sequence(
        "/flaky",
        [Response(500, {}, b"oops"), Response(502, {}, b""), Response(200, HTML_HEADERS, HTML)],
    )
    sleeper = Sleeper()
    retries: list[tuple[float, str]] = []

    page = fetch_page(
        url, policy=POLICY, sleep=sleeper, on_retry=lambda d, e: retries.append((d, e.kind))
    )

    assert page.attempts == 3
    assert len(sleeper.delays) == 2
    assert [kind for _, kind in retries] == ["http-5xx", "http-5xx"]
    assert [d for d, _ in retries] == sleeper.delays


def test_500_every_time_gives_up_after_the_retries(feed_server: FeedServer) -> None:
    url = feed_server.route("/down", Response(500, {}, b""))

    err = page_error(url)

    assert err.kind is FetchErrorKind.SERVER_ERROR
    assert str(err) == "127.0.0.1: server error 500 Internal Server Error (3 tries)"
    assert feed_server.hits("/down") == 3


def test_429_with_retry_after_is_honoured_and_said(feed_server: FeedServer) -> None:
    url = feed_server.route_sequence(
        "/busy", [retry_after(429, 7), Response(200, HTML_HEADERS, HTML)]
    )
    sleeper = Sleeper()
    told: list[tuple[float, float | None]] = []

    fetch_page(
        url, policy=POLICY, sleep=sleeper, on_retry=lambda d, e: told.append((d, e.retry_after))
    )

    assert sleeper.delays == [7.0]
    assert told == [(7.0, 7.0)]


def test_a_long_retry_after_gives_up_at_once_saying_so(feed_server: FeedServer) -> None:
    url = feed_server.route("/busy", retry_after(429, 3600))
    sleeper = Sleeper()

    err = page_error(url, sleep=sleeper)

    assert sleeper.delays == []
    assert err.retry_after == 3600
    assert str(err) == "127.0.0.1: rate limited (429 Too Many Requests), asks to retry in 60 min"


def test_a_redirect_to_a_non_http_scheme_is_refused(feed_server: FeedServer) -> None:
    for target in ("file:///etc/passwd", "ftp://example.com/x", "javascript:alert(1)"):
        url = feed_server.route("/r", redirect(target))
        err = page_error(url)
        assert err.kind is FetchErrorKind.BAD_URL
        assert "refused redirect" in str(err)


def test_too_many_redirects(feed_server: FeedServer) -> None:
    url = feed_server.redirect_loop("/loop")

    err = page_error(url)

    assert str(err) == "127.0.0.1: more than 5 redirects"
    assert len(feed_server.requests) == 6


def test_bad_urls_never_reach_the_network() -> None:
    assert str(page_error("")) == "empty page URL"
    assert page_error("file:///etc/passwd").kind is FetchErrorKind.BAD_URL
    assert page_error("mailto:a@b.c").kind is FetchErrorKind.BAD_URL


def test_cancelled_before_the_request() -> None:
    err = page_error("https://example.com/", should_cancel=lambda: True)
    assert err.kind is FetchErrorKind.CANCELLED


# ---------------------------------------------------------------- the shared client


def test_one_client_serves_feeds_and_pages_and_stays_open(feed_server: FeedServer) -> None:
    page_url = feed_server.route("/post/", Response(200, HTML_HEADERS, HTML))
    feed_url = feed_server.route(
        "/feed.xml", Response(200, {"Content-Type": "application/rss+xml"}, b"<rss/>")
    )

    with make_client(POLICY) as client:
        assert fetch_page(page_url, client=client, policy=POLICY).html == HTML.decode()
        assert fetch_feed(feed_url, client=client, policy=POLICY).body == b"<rss/>"
        assert fetch_page(page_url, client=client, policy=POLICY).status_code == 200
        assert not client.is_closed

    accepts = [r.header("accept") for r in feed_server.requests]
    assert accepts[0] == accepts[2] == PAGE_ACCEPT
    assert accepts[1] is not None and accepts[1].startswith("application/rss+xml")
    assert {r.header("user-agent") for r in feed_server.requests} == {USER_AGENT}


def test_a_foreign_client_still_gets_every_hop_checked() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(302, headers={"Location": "file:///etc/passwd"})

    # A plain client: no request hook of ours, redirects on by default.
    with httpx.Client(transport=httpx.MockTransport(handler), follow_redirects=True) as client:
        err = page_error("https://example.com/post", client=client)

    assert err.kind is FetchErrorKind.BAD_URL
    assert seen == ["https://example.com/post"]


def test_the_policy_of_each_call_applies_to_a_shared_client(feed_server: FeedServer) -> None:
    feed_server.route("/end", Response(200, HTML_HEADERS, HTML))
    url = feed_server.redirect_chain("/hop", 3, "/end")

    with make_client(FetchPolicy(max_redirects=10)) as client:
        err = page_error(url, client=client, policy=FetchPolicy(max_redirects=2))

    assert err.kind is FetchErrorKind.TOO_MANY_REDIRECTS
    assert str(err) == "127.0.0.1: more than 2 redirects"


def test_a_mock_transport_page(feed_server: FeedServer) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Type": "application/xhtml+xml"}, content=HTML)

    page = fetch_page("https://example.com/x", transport=httpx.MockTransport(handler))

    assert page.html == HTML.decode()


def test_refresh_feed_can_share_the_client(feed_server: FeedServer, tmp_path: Path) -> None:
    rss = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        b"<item><title>One</title><link>https://example.com/1</link></item></channel></rss>"
    )
    url = feed_server.route(
        "/feed.xml", Response(200, {"Content-Type": "application/rss+xml"}, rss)
    )
    with (
        Store.open(tmp_path / "c.sqlite3", tmp_path / "s.sqlite3") as store,
        make_client() as client,
    ):
        outcome = refresh_feed(store, url, client=client)
        assert outcome.ok, outcome.message
        assert [p.title for p in store.posts(url)] == ["One"]
        assert not client.is_closed
