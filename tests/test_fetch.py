"""tui.fetch against a real local HTTP server (and MockTransport where a server can't)."""

# The fixtures are imported by name (until conftest.py does it), and pytest's
# parameter-name injection then looks like a redefinition to ruff.
# ruff: noqa: F811

from __future__ import annotations

import gzip
import zlib
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from tests.builders import Sleeper
from tests.httpserver import (
    FeedServer,
    RecordedRequest,
    Response,
    closed_port,
    corrupt_gzip_response,
    dribble,
    feed_server,  # noqa: F401 - pytest fixture
    gzip_bomb_response,
    gzip_response,
    lying_length,
    no_proxy_env,  # noqa: F401 - pytest fixture
    redirect,
    retry_after,
    slow,
    truncated,
)
from tui import USER_AGENT
from tui.fetch import FetchError, FetchErrorKind, FetchPolicy, FetchResult, fetch_feed

pytestmark = pytest.mark.usefixtures("no_proxy_env")

RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
RSS_HEADERS = {"Content-Type": "application/rss+xml; charset=utf-8"}
ETAG = '"v1-abc"'
LAST_MODIFIED = "Wed, 26 Nov 2025 10:00:00 GMT"
# Small backoff so a mistaken real sleep would still be quick; tests pass a fake one.
POLICY = FetchPolicy(timeout=5.0, retries=2, backoff_base=0.5, backoff_max=30.0)


@pytest.fixture
def sleeper() -> Sleeper:
    return Sleeper()


def fetch_error(url: str, sleeper: Sleeper, **kwargs: object) -> FetchError:
    with pytest.raises(FetchError) as info:
        fetch_feed(url, sleep=sleeper, **kwargs)  # type: ignore[arg-type]
    return info.value


# ---------------------------------------------------------------- success paths


def test_200_returns_body_headers_validators_and_sends_polite_headers(
    feed_server: FeedServer, sleeper: Sleeper
) -> None:
    headers = {**RSS_HEADERS, "ETag": ETAG, "Last-Modified": LAST_MODIFIED}
    url = feed_server.route("/feed.xml", Response(200, headers, RSS))

    result = fetch_feed(url, policy=POLICY, sleep=sleeper)

    assert result == FetchResult(
        url=url,
        final_url=url,
        status_code=200,
        not_modified=False,
        body=RSS,
        content_type="application/rss+xml; charset=utf-8",
        etag=ETAG,
        last_modified=LAST_MODIFIED,
        fresh_until=None,
        attempts=1,
    )
    [sent] = feed_server.requests
    assert sent.method == "GET"
    assert sent.header("user-agent") == USER_AGENT
    assert (sent.header("user-agent") or "").startswith("rajpoot-tui/")
    assert "application/rss+xml" in (sent.header("accept") or "")
    assert sent.header("accept-encoding") == "gzip, deflate"
    assert sent.header("if-none-match") is None
    assert sent.header("if-modified-since") is None
    assert sleeper.delays == []


def test_fresh_until_from_max_age_minus_age(feed_server: FeedServer) -> None:
    headers = {**RSS_HEADERS, "Cache-Control": "public, max-age=600", "Age": "100"}
    url = feed_server.route("/feed.xml", Response(200, headers, RSS))
    before = datetime.now(UTC)

    result = fetch_feed(url, policy=POLICY)

    after = datetime.now(UTC)
    assert result.fresh_until is not None
    assert result.fresh_until.tzinfo is not None
    assert before + timedelta(seconds=500) <= result.fresh_until <= after + timedelta(seconds=500)


def test_fresh_until_from_expires(feed_server: FeedServer) -> None:
    expires = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
    headers = {**RSS_HEADERS, "Expires": format_datetime(expires, usegmt=True)}
    url = feed_server.route("/feed.xml", Response(200, headers, RSS))

    result = fetch_feed(url, policy=POLICY)

    assert result.fresh_until is not None
    # The server's Date header anchors the lifetime; allow for second rounding.
    assert abs(result.fresh_until - expires) < timedelta(seconds=5)


@pytest.mark.parametrize(
    "headers",
    [
        {"Cache-Control": "max-age=99999999999999"},
        {"Expires": "Fri, 31 Dec 9999 23:59:59 GMT", "Date": "Thu, 01 Jan 1970 00:00:00 GMT"},
    ],
    ids=["huge-max-age", "expires-year-9999"],
)
def test_absurd_freshness_is_capped_at_a_week_not_a_crash(
    feed_server: FeedServer, headers: dict[str, str]
) -> None:
    url = feed_server.route("/feed.xml", Response(200, {**RSS_HEADERS, **headers}, RSS))

    result = fetch_feed(url, policy=POLICY)

    assert result.body == RSS
    assert result.fresh_until is not None
    assert result.fresh_until <= datetime.now(UTC) + timedelta(days=7)
    assert result.fresh_until > datetime.now(UTC) + timedelta(days=6)


@pytest.mark.parametrize(
    "headers",
    [
        {"Cache-Control": "no-store, max-age=600"},
        {"Cache-Control": "no-cache"},
        {"Cache-Control": "max-age=soon"},
        {"Expires": "0"},
    ],
)
def test_fresh_until_none_when_uncacheable_or_invalid(
    feed_server: FeedServer, headers: dict[str, str]
) -> None:
    url = feed_server.route("/feed.xml", Response(200, headers, RSS))
    assert fetch_feed(url, policy=POLICY).fresh_until is None


def test_304_with_etag_sends_if_none_match_and_echoes_validator(
    feed_server: FeedServer,
) -> None:
    def conditional(request: RecordedRequest) -> Response:
        if request.header("if-none-match") == ETAG:
            return Response(304, {}, b"", content_length=None)
        return Response(200, {**RSS_HEADERS, "ETag": ETAG}, RSS)

    url = feed_server.route("/feed.xml", conditional)

    result = fetch_feed(url, etag=ETAG, policy=POLICY)

    assert result.not_modified is True
    assert result.status_code == 304
    assert result.body == b""
    assert result.etag == ETAG  # server omitted it, so ours is echoed
    [sent] = feed_server.requests
    assert sent.header("if-none-match") == ETAG
    assert sent.header("if-modified-since") is None


def test_304_with_last_modified_sends_if_modified_since(feed_server: FeedServer) -> None:
    def conditional(request: RecordedRequest) -> Response:
        if request.header("if-modified-since") == LAST_MODIFIED:
            return Response(304, {"Last-Modified": LAST_MODIFIED, "ETag": '"new"'})
        return Response(200, RSS_HEADERS, RSS)

    url = feed_server.route("/feed.xml", conditional)

    result = fetch_feed(url, last_modified=LAST_MODIFIED, policy=POLICY)

    assert result.not_modified is True
    assert result.last_modified == LAST_MODIFIED
    assert result.etag == '"new"'  # new validators from the 304 win
    [sent] = feed_server.requests
    assert sent.header("if-modified-since") == LAST_MODIFIED
    assert sent.header("if-none-match") is None


def test_redirect_chain_of_three_reports_final_url(feed_server: FeedServer) -> None:
    final = feed_server.route("/final.xml", Response(200, RSS_HEADERS, RSS))
    url = feed_server.redirect_chain("/start", 3, "/final.xml")

    result = fetch_feed(url, policy=POLICY)

    assert result.body == RSS
    assert result.url == url
    assert result.final_url == final
    assert feed_server.hits("/final.xml") == 1
    assert len(feed_server.requests) == 4


def test_gzip_body_under_cap_is_decoded(feed_server: FeedServer) -> None:
    big = RSS + b"<!--" + b"ab" * 20_000 + b"-->"
    url = feed_server.route("/feed.xml", gzip_response(big))

    result = fetch_feed(url, policy=POLICY)

    assert result.body == big


def test_highly_compressed_body_under_cap_is_decoded_completely(feed_server: FeedServer) -> None:
    # ~3 MB from a few KB: inflated over many bounded steps, none of it may be lost.
    big = RSS + bytes(3 * 1024 * 1024 + 17) + RSS
    url = feed_server.route("/feed.xml", gzip_response(big))

    assert fetch_feed(url, policy=POLICY).body == big


def test_raw_deflate_body_is_decoded(feed_server: FeedServer) -> None:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    raw = compressor.compress(RSS) + compressor.flush()
    url = feed_server.route("/feed.xml", Response(200, {"Content-Encoding": "deflate"}, raw))

    assert fetch_feed(url, policy=POLICY).body == RSS


# ---------------------------------------------------------------- HTTP errors and retries


def test_404_is_not_retried(feed_server: FeedServer, sleeper: Sleeper) -> None:
    url = feed_server.route("/feed.xml", Response(404, {}, b"nope"))

    err = fetch_error(url, sleeper, policy=POLICY)

    assert err.kind is FetchErrorKind.CLIENT_ERROR
    assert err.status_code == 404
    assert not err.transient
    assert "127.0.0.1" in str(err) and "404" in str(err)
    assert feed_server.hits("/feed.xml") == 1
    assert sleeper.delays == []


def test_500_then_200_retry_succeeds(feed_server: FeedServer, sleeper: Sleeper) -> None:
    url = feed_server.route_sequence(
        "/feed.xml", [Response(500, {}, b"oops"), Response(200, RSS_HEADERS, RSS)]
    )

    result = fetch_feed(url, policy=POLICY, sleep=sleeper)

    assert result.body == RSS
    assert result.attempts == 2
    [delay] = sleeper.delays
    assert POLICY.backoff_base / 2 <= delay <= POLICY.backoff_base
    assert feed_server.hits("/feed.xml") == 2


def test_500_forever_raises_server_error_after_all_retries(
    feed_server: FeedServer, sleeper: Sleeper
) -> None:
    url = feed_server.route("/feed.xml", Response(503, {}, b"down"))

    err = fetch_error(url, sleeper, policy=POLICY)

    assert err.kind is FetchErrorKind.SERVER_ERROR
    assert err.status_code == 503
    assert err.transient
    tries = POLICY.retries + 1
    assert str(err) == f"127.0.0.1: server error 503 Service Unavailable ({tries} tries)"
    assert feed_server.hits("/feed.xml") == tries
    assert len(sleeper.delays) == POLICY.retries
    # Exponential: the second wait's ceiling is twice the first's.
    assert POLICY.backoff_base / 2 <= sleeper.delays[0] <= POLICY.backoff_base
    assert POLICY.backoff_base <= sleeper.delays[1] <= 2 * POLICY.backoff_base


def test_429_retry_after_short_is_waited_for(feed_server: FeedServer, sleeper: Sleeper) -> None:
    url = feed_server.route_sequence(
        "/feed.xml", [retry_after(429, 2), Response(200, RSS_HEADERS, RSS)]
    )

    result = fetch_feed(url, policy=POLICY, sleep=sleeper)

    assert result.body == RSS
    assert result.attempts == 2
    assert sleeper.delays == [2.0]


def test_429_retry_after_long_is_not_waited_for(feed_server: FeedServer, sleeper: Sleeper) -> None:
    url = feed_server.route("/feed.xml", retry_after(429, 3600))

    err = fetch_error(url, sleeper, policy=POLICY)

    assert err.kind is FetchErrorKind.RATE_LIMITED
    assert err.retry_after == 3600
    assert err.status_code == 429
    assert sleeper.delays == []
    assert feed_server.hits("/feed.xml") == 1


def test_503_retry_after_http_date(feed_server: FeedServer, sleeper: Sleeper) -> None:
    when = datetime.now(UTC) + timedelta(hours=2)
    url = feed_server.route("/feed.xml", retry_after(503, format_datetime(when, usegmt=True)))

    err = fetch_error(url, sleeper, policy=POLICY)

    assert err.kind is FetchErrorKind.SERVER_ERROR
    assert err.retry_after is not None
    assert 7000 < err.retry_after <= 7200
    assert sleeper.delays == []


# ---------------------------------------------------------------- timeouts


def test_slow_headers_time_out(feed_server: FeedServer, sleeper: Sleeper) -> None:
    url = feed_server.route("/feed.xml", slow(5.0))

    err = fetch_error(url, sleeper, policy=FetchPolicy(timeout=0.3, retries=0))

    assert err.kind is FetchErrorKind.TIMEOUT
    assert err.transient
    assert str(err) == "127.0.0.1: timed out after 0.3 s"


def test_dribbling_body_hits_overall_deadline(feed_server: FeedServer, sleeper: Sleeper) -> None:
    # Each byte arrives well inside the read timeout, but the whole body never would.
    url = feed_server.route("/feed.xml", dribble(RSS * 10, chunk_delay=0.05))

    err = fetch_error(url, sleeper, policy=FetchPolicy(timeout=0.3, retries=0))

    assert err.kind is FetchErrorKind.TIMEOUT


# ---------------------------------------------------------------- redirects


def test_redirect_loop(feed_server: FeedServer, sleeper: Sleeper) -> None:
    url = feed_server.redirect_loop("/loop")

    err = fetch_error(url, sleeper, policy=POLICY)

    assert err.kind is FetchErrorKind.TOO_MANY_REDIRECTS
    assert str(err) == "127.0.0.1: more than 5 redirects"
    assert not err.transient
    assert len(feed_server.requests) == POLICY.max_redirects + 1


def test_redirect_to_file_scheme_is_refused(feed_server: FeedServer, sleeper: Sleeper) -> None:
    url = feed_server.route("/feed.xml", redirect("file:///etc/passwd"))

    err = fetch_error(url, sleeper, policy=POLICY)

    assert err.kind is FetchErrorKind.BAD_URL


def test_redirect_to_file_scheme_is_refused_with_custom_transport(sleeper: Sleeper) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(302, headers={"Location": "file:///etc/passwd"})

    err = fetch_error(
        "https://example.com/feed",
        sleeper,
        policy=POLICY,
        transport=httpx.MockTransport(handler),
    )

    assert err.kind is FetchErrorKind.BAD_URL
    assert seen == ["https://example.com/feed"]


# ---------------------------------------------------------------- size and encoding


def test_gzip_bomb_is_too_large(feed_server: FeedServer, sleeper: Sleeper) -> None:
    url = feed_server.route("/feed.xml", gzip_bomb_response())

    err = fetch_error(url, sleeper, policy=POLICY)

    assert err.kind is FetchErrorKind.TOO_LARGE
    assert str(err) == "127.0.0.1: feed is larger than 10 MB"
    assert not err.transient
    assert feed_server.hits("/feed.xml") == 1


def test_plain_body_over_small_cap_is_too_large(feed_server: FeedServer, sleeper: Sleeper) -> None:
    # No Content-Length, so the cap must be enforced while streaming.
    url = feed_server.route(
        "/feed.xml", Response(200, RSS_HEADERS, b"x" * 5000, content_length=None)
    )

    err = fetch_error(url, sleeper, policy=FetchPolicy(max_bytes=1000))

    assert err.kind is FetchErrorKind.TOO_LARGE
    assert str(err) == "127.0.0.1: feed is larger than 1000 bytes"


def test_content_length_over_cap_is_rejected_early(
    feed_server: FeedServer, sleeper: Sleeper
) -> None:
    url = feed_server.route("/feed.xml", lying_length(RSS, 50 * 1024 * 1024))

    err = fetch_error(url, sleeper, policy=POLICY)

    assert err.kind is FetchErrorKind.TOO_LARGE


def test_content_length_longer_than_body_is_protocol_error(
    feed_server: FeedServer, sleeper: Sleeper
) -> None:
    url = feed_server.route("/feed.xml", lying_length(RSS, len(RSS) + 500))

    err = fetch_error(url, sleeper, policy=FetchPolicy(retries=0))

    assert err.kind is FetchErrorKind.PROTOCOL


def test_connection_closed_mid_body_is_protocol_error_and_retried(
    feed_server: FeedServer, sleeper: Sleeper
) -> None:
    url = feed_server.route_sequence(
        "/feed.xml", [truncated(RSS, after=10), Response(200, RSS_HEADERS, RSS)]
    )

    result = fetch_feed(url, policy=POLICY, sleep=sleeper)

    assert result.body == RSS
    assert result.attempts == 2


def test_corrupt_gzip_is_protocol_error(feed_server: FeedServer, sleeper: Sleeper) -> None:
    url = feed_server.route("/feed.xml", corrupt_gzip_response())

    err = fetch_error(url, sleeper, policy=FetchPolicy(retries=0))

    assert err.kind is FetchErrorKind.PROTOCOL


def test_truncated_gzip_is_protocol_error(feed_server: FeedServer, sleeper: Sleeper) -> None:
    cut = gzip.compress(RSS * 50)[:-20]
    url = feed_server.route("/feed.xml", Response(200, {"Content-Encoding": "gzip"}, cut))

    err = fetch_error(url, sleeper, policy=FetchPolicy(retries=0))

    assert err.kind is FetchErrorKind.PROTOCOL


def test_unknown_content_encoding_is_protocol_error(
    feed_server: FeedServer, sleeper: Sleeper
) -> None:
    url = feed_server.route("/feed.xml", Response(200, {"Content-Encoding": "br"}, b"\x00\x01"))

    err = fetch_error(url, sleeper, policy=FetchPolicy(retries=0))

    assert err.kind is FetchErrorKind.PROTOCOL
    assert "br" in str(err)


# ---------------------------------------------------------------- network failures


def test_connection_refused_is_connect_error(sleeper: Sleeper) -> None:
    url = f"http://127.0.0.1:{closed_port()}/feed.xml"

    err = fetch_error(url, sleeper, policy=POLICY)

    assert err.kind is FetchErrorKind.CONNECT
    assert err.transient
    assert len(sleeper.delays) == POLICY.retries


def test_dns_failure_is_not_transient(sleeper: Sleeper) -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise httpx.ConnectError("[Errno -2] Name or service not known", request=request)

    err = fetch_error(
        "https://example.com/feed.xml",
        sleeper,
        policy=POLICY,
        transport=httpx.MockTransport(handler),
    )

    assert err.kind is FetchErrorKind.DNS
    assert str(err) == "example.com: could not resolve host (offline?)"
    assert not err.transient
    assert len(calls) == 1
    assert sleeper.delays == []


def test_unexpected_exception_from_transport_becomes_fetch_error(sleeper: Sleeper) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise RuntimeError("boom")

    err = fetch_error(
        "https://example.com/",
        sleeper,
        policy=FetchPolicy(retries=0),
        transport=httpx.MockTransport(handler),
    )

    assert err.kind is FetchErrorKind.PROTOCOL


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "javascript:alert(1)",
        "ftp://x",
        "http://",
        "https:///nohost",
        "http://exa mple.com/",
        "http://example.com/\nfeed",
        "example.com/feed.xml",
        "http://example.com:99999/",
        "",
    ],
)
def test_bad_urls_fail_without_network(url: str, sleeper: Sleeper) -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200)

    err = fetch_error(url, sleeper, transport=httpx.MockTransport(handler))

    assert err.kind is FetchErrorKind.BAD_URL
    assert not err.transient
    assert calls == []


# ---------------------------------------------------------------- cancellation


def test_cancel_before_first_attempt(feed_server: FeedServer, sleeper: Sleeper) -> None:
    url = feed_server.route("/feed.xml", Response(200, RSS_HEADERS, RSS))

    err = fetch_error(url, sleeper, should_cancel=lambda: True)

    assert err.kind is FetchErrorKind.CANCELLED
    assert not err.transient
    assert feed_server.requests == []


def test_cancel_while_streaming(feed_server: FeedServer, sleeper: Sleeper) -> None:
    url = feed_server.route("/feed.xml", dribble(RSS, chunk_delay=0.01, chunk_size=8))
    polls = 0

    def cancel_after_first_chunk() -> bool:
        nonlocal polls
        polls += 1
        return polls > 1  # the pre-attempt check passes, the first chunk check trips

    err = fetch_error(url, sleeper, should_cancel=cancel_after_first_chunk)

    assert err.kind is FetchErrorKind.CANCELLED
    assert feed_server.hits("/feed.xml") == 1


def test_cancel_between_retries(feed_server: FeedServer, sleeper: Sleeper) -> None:
    url = feed_server.route("/feed.xml", Response(500, {}, b"oops"))
    cancelled = False

    def sleep_then_cancel(seconds: float) -> None:
        nonlocal cancelled
        sleeper(seconds)
        cancelled = True

    with pytest.raises(FetchError) as info:
        fetch_feed(url, policy=POLICY, sleep=sleep_then_cancel, should_cancel=lambda: cancelled)

    assert info.value.kind is FetchErrorKind.CANCELLED
    assert feed_server.hits("/feed.xml") == 1
    assert len(sleeper.delays) == 1


def test_a_response_built_in_memory_by_a_mock_transport_is_read() -> None:
    body = b"<rss version='2.0'><channel><title>t</title></channel></rss>"
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=body))
    result = fetch_feed("https://example.com/feed.xml", transport=transport)
    assert result.body == body


def test_an_in_memory_response_still_respects_the_size_cap() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=b"x" * 2000))
    with pytest.raises(FetchError) as caught:
        fetch_feed(
            "https://example.com/feed.xml", transport=transport, policy=FetchPolicy(max_bytes=1000)
        )
    assert caught.value.kind is FetchErrorKind.TOO_LARGE


def test_a_long_retry_after_is_named_in_the_message(feed_server: FeedServer) -> None:
    url = feed_server.route("/feed.xml", retry_after(503, 7200))

    err = fetch_error(url, Sleeper(), policy=POLICY)

    assert str(err) == "127.0.0.1: server error 503 Service Unavailable, asks to retry in 2 h"
    assert err.retry_after == 7200
