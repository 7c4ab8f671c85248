"""tui.refresh against the real local HTTP server, with a real Store on disk.

Each test is one thing a reader would notice: posts arriving, a polite
conditional GET, a clear one-line message when something breaks, and nothing
they already had going missing.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.builders import Item, Sleeper, numbered_item, rss
from tests.conftest import FIXED_NOW
from tests.httpserver import (
    FeedServer,
    Response,
    dribble,
    gzip_bomb_response,
    redirect,
    retry_after,
    slow,
)
from tui import DEFAULT_FEED_URL
from tui.fetch import FetchErrorKind, FetchPolicy
from tui.models import Entry, ParsedFeed, Post
from tui.refresh import RefreshOutcome, Status, import_seed_if_empty, refresh_feed
from tui.store import Store

FEED_HEADERS = {"Content-Type": "application/rss+xml; charset=utf-8"}
ETAG = '"v1-5f3a"'
LAST_MODIFIED = "Wed, 06 May 2026 10:00:00 GMT"
T1 = FIXED_NOW
T2 = FIXED_NOW + timedelta(hours=1)
T3 = FIXED_NOW + timedelta(hours=2)
# C0 (tab and newline allowed only in bodies, never in a title), DEL and C1.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
SEED_POSTS = 63


V1 = [numbered_item(1), numbered_item(2), numbered_item(3)]
V1_BODY = rss(V1)


def ok(body: bytes = V1_BODY, /, **headers: str) -> Response:
    return Response(200, {**FEED_HEADERS, **headers}, body)


def with_ttl(body: bytes, minutes: int) -> bytes:
    return body.replace(b"<description>test</description>", f"<ttl>{minutes}</ttl>".encode(), 1)


def at(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


def titles(posts: list[Post]) -> list[str]:
    return [p.title for p in posts]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "cache" / "posts.sqlite3", tmp_path / "data" / "state.sqlite3") as s:
        yield s


@pytest.fixture
def sleeper() -> Sleeper:
    return Sleeper()


# ------------------------------------------------------------------ first fetch


def test_first_fetch_stores_posts_and_validators_without_flagging_them_new(
    feed_server: FeedServer, store: Store
) -> None:
    url = feed_server.route("/feed.xml", ok(ETag=ETAG, **{"Last-Modified": LAST_MODIFIED}))

    outcome = refresh_feed(store, url, now=at(T1))

    assert outcome.status is Status.UPDATED
    assert outcome.ok
    assert outcome.message == "3 new"
    assert outcome.merge is not None and outcome.merge.new == 3
    posts = store.posts(url)
    assert titles(posts) == ["Post 3", "Post 2", "Post 1"]
    assert [p.link for p in posts] == [f"https://example.com/posts/{n}/" for n in (3, 2, 1)]
    # The first fill of an empty store is not news: nothing carries the "new" marker.
    assert not any(p.is_new for p in posts)
    assert not any(p.read for p in posts)
    feed = store.feed(url)
    assert feed is not None
    assert feed.title == "Test feed"
    assert feed.etag == ETAG
    assert feed.last_modified == LAST_MODIFIED
    assert feed.last_success == T1
    assert feed.last_error is None
    first = feed_server.requests_for("/feed.xml")
    assert len(first) == 1
    assert first[0].header("if-none-match") is None
    assert first[0].header("if-modified-since") is None
    assert (first[0].header("user-agent") or "").startswith("rajpoot-tui/")


# ------------------------------------------------------------------ conditional GET


@pytest.mark.parametrize(
    "validators",
    [
        pytest.param({"ETag": ETAG, "Last-Modified": LAST_MODIFIED}, id="etag-and-last-modified"),
        pytest.param({"ETag": ETAG}, id="etag-only"),
        pytest.param({"Last-Modified": LAST_MODIFIED}, id="last-modified-only"),
    ],
)
def test_second_fetch_is_conditional_and_a_304_changes_nothing(
    feed_server: FeedServer,
    store: Store,
    monkeypatch: pytest.MonkeyPatch,
    validators: dict[str, str],
) -> None:
    url = feed_server.route_sequence(
        "/feed.xml", [ok(**validators), Response(304, validators, b"")]
    )
    assert refresh_feed(store, url, now=at(T1)).status is Status.UPDATED
    store.record_failure(url, "127.0.0.1: an earlier failure", now=T2)
    before = store.posts(url)

    def must_not_parse(*args: object, **kwargs: object) -> ParsedFeed:
        raise AssertionError("a 304 has no body to parse")

    monkeypatch.setattr("tui.parse.parse_feed", must_not_parse)
    outcome = refresh_feed(store, url, now=at(T3))

    assert outcome.status is Status.NOT_MODIFIED
    assert outcome.ok
    assert outcome.message == "up to date"
    assert outcome.merge is None
    assert outcome.warnings == []
    assert store.posts(url) == before
    feed = store.feed(url)
    assert feed is not None
    assert feed.last_success == T3
    assert feed.last_attempt == T3
    assert feed.last_error is None
    # The validators are kept for the next conditional request.
    assert feed.etag == validators.get("ETag")
    assert feed.last_modified == validators.get("Last-Modified")

    second = feed_server.requests_for("/feed.xml")[1]
    assert second.header("if-none-match") == validators.get("ETag")
    assert second.header("if-modified-since") == validators.get("Last-Modified")


def test_a_feed_without_posts_asks_for_the_full_body_again(
    feed_server: FeedServer, store: Store
) -> None:
    # A 304 would leave the reader with nothing to read, so no validators are sent.
    empty = rss([])
    url = feed_server.route_sequence("/feed.xml", [ok(empty, ETag=ETAG), ok(V1_BODY, ETag='"v2"')])
    assert refresh_feed(store, url, now=at(T1)).status is Status.UPDATED
    assert store.posts(url) == []

    outcome = refresh_feed(store, url, now=at(T2))

    assert outcome.status is Status.UPDATED
    assert feed_server.requests_for("/feed.xml")[1].header("if-none-match") is None
    assert len(store.posts(url)) == 3


def test_304_without_a_stored_etag_sends_no_if_none_match(
    feed_server: FeedServer, store: Store
) -> None:
    url = feed_server.route_sequence(
        "/feed.xml", [ok(), Response(304, {}, b"")]
    )  # no validators at all: nothing to send, so an unconditional GET
    refresh_feed(store, url, now=at(T1))
    refresh_feed(store, url, now=at(T2))
    second = feed_server.requests_for("/feed.xml")[1]
    assert second.header("if-none-match") is None
    assert second.header("if-modified-since") is None


# ------------------------------------------------------------------ merging changes


def test_a_changed_feed_adds_new_updates_in_place_and_keeps_read_state_and_dropped_posts(
    feed_server: FeedServer, store: Store
) -> None:
    v2 = [
        numbered_item(4),
        numbered_item(2, "Rewritten body of post 2."),
        numbered_item(3),
    ]  # 1 dropped, 2 edited
    url = feed_server.route_sequence("/feed.xml", [ok(V1_BODY), ok(rss(v2))])
    refresh_feed(store, url, now=at(T1))
    by_title = {p.title: p for p in store.posts(url)}
    store.set_read([by_title["Post 2"].id], now=T1)
    store.set_starred(by_title["Post 1"].id, True, now=T1)

    outcome = refresh_feed(store, url, now=at(T2))

    assert outcome.status is Status.UPDATED
    assert outcome.message == "1 new, 1 updated"
    assert outcome.merge is not None
    posts = store.posts(url)
    assert titles(posts) == ["Post 4", "Post 3", "Post 2", "Post 1"]
    after = {p.title: p for p in posts}
    assert after["Post 4"].is_new
    assert outcome.merge.new_ids == [after["Post 4"].id]
    assert not after["Post 3"].is_new
    # Edited in place: same post, same id, new text, still read.
    assert after["Post 2"].id == by_title["Post 2"].id
    assert "Rewritten body of post 2." in after["Post 2"].summary
    assert after["Post 2"].read
    assert not after["Post 2"].is_new
    # Gone from the feed, still here, still starred.
    assert after["Post 1"].starred
    assert store.posts(url, unread_only=True) == [after["Post 4"], after["Post 3"], after["Post 1"]]


def test_the_same_feed_again_reports_no_new_posts(feed_server: FeedServer, store: Store) -> None:
    url = feed_server.route("/feed.xml", ok())
    refresh_feed(store, url, now=at(T1))
    outcome = refresh_feed(store, url, now=at(T2))
    assert outcome.status is Status.UPDATED
    assert outcome.message == "no new posts"
    assert not any(p.is_new for p in store.posts(url))


# ------------------------------------------------------------------ polling politeness


@pytest.mark.parametrize(
    ("max_age", "ttl_minutes", "expected"),
    [
        pytest.param(3600, 120, timedelta(minutes=120), id="ttl-longer"),
        pytest.param(36000, 60, timedelta(seconds=36000), id="max-age-longer"),
        pytest.param(900, None, timedelta(seconds=900), id="max-age-only"),
        pytest.param(None, 45, timedelta(minutes=45), id="ttl-only"),
    ],
)
def test_cache_control_and_ttl_set_not_before_to_the_later_of_the_two(
    feed_server: FeedServer,
    store: Store,
    max_age: int | None,
    ttl_minutes: int | None,
    expected: timedelta,
) -> None:
    body = with_ttl(V1_BODY, ttl_minutes) if ttl_minutes else V1_BODY
    headers = {"Cache-Control": f"public, max-age={max_age}"} if max_age else {}
    url = feed_server.route("/feed.xml", ok(body, **headers))

    # HTTP freshness is measured on the real clock, so bound it from both sides.
    earliest = datetime.now(UTC) + expected
    outcome = refresh_feed(store, url)
    latest = datetime.now(UTC) + expected

    assert outcome.status is Status.UPDATED
    feed = store.feed(url)
    assert feed is not None
    assert feed.ttl_minutes == ttl_minutes
    assert feed.not_before is not None
    assert earliest - timedelta(seconds=1) <= feed.not_before <= latest + timedelta(seconds=1)


def test_a_304_keeps_honouring_the_stored_ttl(feed_server: FeedServer, store: Store) -> None:
    url = feed_server.route_sequence(
        "/feed.xml", [ok(with_ttl(V1_BODY, 30), ETag=ETAG), Response(304, {"ETag": ETAG}, b"")]
    )
    refresh_feed(store, url, now=at(T1))
    outcome = refresh_feed(store, url, now=at(T2))
    assert outcome.status is Status.NOT_MODIFIED
    feed = store.feed(url)
    assert feed is not None
    assert feed.not_before == T2 + timedelta(minutes=30)


def test_no_freshness_information_means_no_not_before(
    feed_server: FeedServer, store: Store
) -> None:
    url = feed_server.route("/feed.xml", ok(**{"Cache-Control": "no-cache"}))
    refresh_feed(store, url, now=at(T1))
    feed = store.feed(url)
    assert feed is not None
    assert feed.not_before is None


def test_429_with_a_long_retry_after_fails_at_once_and_records_when_to_come_back(
    feed_server: FeedServer, store: Store, sleeper: Sleeper
) -> None:
    url = feed_server.route_sequence("/feed.xml", [ok(), retry_after(429, 120)])
    refresh_feed(store, url, now=at(T1))
    before = store.posts(url)

    outcome = refresh_feed(store, url, policy=FetchPolicy(retries=2), sleep=sleeper, now=at(T2))

    assert outcome.status is Status.FAILED
    assert not outcome.ok
    assert outcome.error_kind == FetchErrorKind.RATE_LIMITED
    assert "rate limited" in outcome.message
    assert "429" in outcome.message
    # The server asked for two minutes: no retry now, no sleeping in the worker.
    assert feed_server.hits("/feed.xml") == 2
    assert sleeper.delays == []
    feed = store.feed(url)
    assert feed is not None
    assert feed.not_before == T2 + timedelta(seconds=120)
    assert feed.last_error == outcome.message
    assert feed.last_success == T1
    assert store.posts(url) == before


def test_no_fetch_goes_out_before_a_retry_after_has_passed_not_even_a_forced_one(
    feed_server: FeedServer, store: Store, sleeper: Sleeper
) -> None:
    url = feed_server.route_sequence("/feed.xml", [ok(), retry_after(429, 3600), ok()])
    refresh_feed(store, url, now=at(T1))
    failed = refresh_feed(store, url, sleep=sleeper, now=at(T2))
    until = T2 + timedelta(hours=1)
    hhmm = until.astimezone().strftime("%H:%M")  # the user's own time zone
    assert failed.status is Status.FAILED
    assert failed.message.endswith(f"the server asked to wait until {hhmm}")

    # `r`, the CLI and start-up all come through here: none of them asks early.
    waiting = refresh_feed(store, url, sleep=sleeper, now=at(until - timedelta(minutes=1)))
    assert waiting.status is Status.WAITING
    assert waiting.message == (f"127.0.0.1: the server asked to wait until {hhmm}; not fetched")
    assert feed_server.hits("/feed.xml") == 2
    assert not waiting.ok

    after = refresh_feed(store, url, sleep=sleeper, now=at(until + timedelta(seconds=1)))
    assert after.ok
    assert feed_server.hits("/feed.xml") == 3
    feed = store.feed(url)
    assert feed is not None and feed.retry_until is None  # a success clears it


def test_freshness_alone_never_blocks_a_refresh_the_user_asks_for(
    feed_server: FeedServer, store: Store, sleeper: Sleeper
) -> None:
    url = feed_server.route_sequence(
        "/feed.xml", [ok(**{"Cache-Control": "max-age=86400"}), Response(500, {}, b"oops"), ok()]
    )
    refresh_feed(store, url, now=at(T1))
    feed = store.feed(url)
    assert feed is not None and feed.not_before is not None and feed.retry_until is None
    failed = refresh_feed(store, url, policy=FetchPolicy(retries=0), sleep=sleeper, now=at(T2))
    assert failed.status is Status.FAILED
    assert refresh_feed(store, url, sleep=sleeper, now=at(T3)).status is not Status.WAITING
    assert feed_server.hits("/feed.xml") == 3


def test_each_retry_is_reported_as_it_happens(
    feed_server: FeedServer, store: Store, sleeper: Sleeper
) -> None:
    url = feed_server.route_sequence(
        "/feed.xml", [Response(503, {}, b""), Response(503, {}, b""), ok()]
    )
    said: list[tuple[float, str]] = []
    outcome = refresh_feed(
        store,
        url,
        policy=FetchPolicy(retries=2),
        sleep=sleeper,
        now=at(T1),
        on_retry=lambda delay, error: said.append((delay, error.message)),
    )
    assert outcome.ok
    assert len(said) == 2
    assert all("503" in message for _, message in said)
    assert [delay for delay, _ in said] == sleeper.delays


def test_429_with_a_short_retry_after_waits_that_long_then_gives_up(
    feed_server: FeedServer, store: Store, sleeper: Sleeper
) -> None:
    url = feed_server.route("/feed.xml", retry_after(429, 5))
    outcome = refresh_feed(store, url, policy=FetchPolicy(retries=1), sleep=sleeper, now=at(T1))
    assert outcome.status is Status.FAILED
    assert "rate limited" in outcome.message
    assert sleeper.delays == [5.0]
    assert feed_server.hits("/feed.xml") == 2
    feed = store.feed(url)
    assert feed is not None
    assert feed.not_before == T1 + timedelta(seconds=5)


def test_an_absurd_retry_after_is_a_failure_not_a_crash(
    feed_server: FeedServer, store: Store, sleeper: Sleeper
) -> None:
    # Thousands of millennia: more than a datetime can hold. Capped at a week, like <ttl>.
    url = feed_server.route("/feed.xml", retry_after(429, "99999999999999"))
    outcome = refresh_feed(store, url, sleep=sleeper, now=at(T1))
    assert outcome.status is Status.FAILED
    assert "rate limited" in outcome.message
    _assert_one_short_line(outcome.message)
    feed = store.feed(url)
    assert feed is not None
    assert feed.last_error == outcome.message
    assert feed.not_before == T1 + timedelta(days=7)


# ------------------------------------------------------------------ faults


RETRY_ONCE = FetchPolicy(retries=1)


@dataclass(frozen=True)
class Fault:
    name: str
    response: Callable[[FeedServer], Response]
    kind: str
    says: str
    """A fragment the message must contain, so it names the problem."""
    policy: FetchPolicy = RETRY_ONCE


def _loop(server: FeedServer) -> Response:
    server.route("/feed.xml/b", redirect("/feed.xml", status=301))
    return redirect("/feed.xml/b")


LOGIN_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>Sign in</title></head>"
    b'<body><form action="/login"><input name="user"></form></body></html>'
)
GARBAGE = random.Random(20260508).randbytes(4096)
BIG = rss([numbered_item(n, "x" * 200) for n in range(1, 20)])

FAULTS = [
    Fault("404", lambda s: Response(404, {"Content-Type": "text/plain"}, b"no"), "http-4xx", "404"),
    Fault("500", lambda s: Response(500, {}, b"oops"), "http-5xx", "500"),
    Fault(
        "timeout",
        lambda s: slow(10.0, V1_BODY),
        "timeout",
        "timed out",
        FetchPolicy(timeout=0.3, retries=0),
    ),
    Fault("redirect-loop", _loop, "redirects", "redirects"),
    Fault(
        "html-login-page",
        lambda s: Response(200, {"Content-Type": "text/html; charset=utf-8"}, LOGIN_PAGE),
        "html",
        "web page",
    ),
    Fault("empty-body", lambda s: ok(b""), "empty", "empty"),
    Fault("garbage", lambda s: ok(GARBAGE), "malformed", "not valid XML"),
    Fault("gzip-bomb", lambda s: gzip_bomb_response(), "too-large", "10 MB"),
    Fault(
        "over-cap",
        # No Content-Length: the cap has to hold while streaming, not just up front.
        lambda s: Response(200, FEED_HEADERS, BIG, content_length=None),
        "too-large",
        "4 KB",
        FetchPolicy(max_bytes=4096, retries=1),
    ),
]


def _run_fault(
    server: FeedServer, store: Store, fault: Fault, sleeper: Sleeper
) -> tuple[RefreshOutcome, list[Post]]:
    """Fill the store from a good response, then refresh into ``fault``."""
    url = server.route_sequence("/feed.xml", [ok(), fault.response(server)])
    assert refresh_feed(store, url, now=at(T1)).status is Status.UPDATED
    before = store.posts(url)
    outcome = refresh_feed(store, url, policy=fault.policy, sleep=sleeper, now=at(T2))
    # Whatever went wrong, everything the reader had is still there, unchanged.
    assert store.posts(url) == before
    return outcome, before


def _assert_one_short_line(message: str) -> None:
    assert message
    assert "\n" not in message
    assert "\r" not in message
    assert len(message) <= 120, message
    assert not CONTROL.search(message)


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
def test_each_fault_fails_with_a_short_message_recorded_on_the_feed(
    feed_server: FeedServer, store: Store, sleeper: Sleeper, fault: Fault
) -> None:
    outcome, before = _run_fault(feed_server, store, fault, sleeper)

    assert outcome.status is Status.FAILED
    assert not outcome.ok
    assert outcome.error_kind == fault.kind
    assert fault.says in outcome.message
    assert outcome.merge is None
    _assert_one_short_line(outcome.message)
    feed = store.feed(feed_server.url("/feed.xml"))
    assert feed is not None
    assert feed.last_error == outcome.message
    assert feed.last_attempt == T2
    assert feed.last_success == T1
    assert feed.title == "Test feed"
    assert len(before) == 3


def test_fault_messages_differ_from_one_another(
    feed_server: FeedServer, tmp_path: Path, sleeper: Sleeper
) -> None:
    messages: dict[str, str] = {}
    for fault in FAULTS:
        home = tmp_path / fault.name
        with Store.open(home / "posts.sqlite3", home / "state.sqlite3") as store:
            outcome, _ = _run_fault(feed_server, store, fault, sleeper)
        messages[fault.name] = outcome.message
    assert len(set(messages.values())) == len(messages), messages


def test_a_500_is_retried_before_it_is_reported(
    feed_server: FeedServer, store: Store, sleeper: Sleeper
) -> None:
    url = feed_server.route("/feed.xml", Response(500, {}, b"oops"))
    outcome = refresh_feed(
        store, url, policy=FetchPolicy(retries=1, backoff_base=2.0), sleep=sleeper, now=at(T1)
    )
    assert outcome.status is Status.FAILED
    assert feed_server.hits("/feed.xml") == 2
    assert len(sleeper.delays) == 1
    assert 1.0 <= sleeper.delays[0] <= 2.0


def test_a_404_is_not_retried(feed_server: FeedServer, store: Store, sleeper: Sleeper) -> None:
    url = feed_server.route("/feed.xml", Response(404, {}, b"no"))
    refresh_feed(store, url, policy=FetchPolicy(retries=3), sleep=sleeper, now=at(T1))
    assert feed_server.hits("/feed.xml") == 1
    assert sleeper.delays == []


def test_a_success_after_a_failure_clears_the_error(
    feed_server: FeedServer, store: Store, sleeper: Sleeper
) -> None:
    url = feed_server.route_sequence("/feed.xml", [Response(404, {}, b"no"), ok()])
    assert refresh_feed(store, url, sleep=sleeper, now=at(T1)).status is Status.FAILED
    assert refresh_feed(store, url, sleep=sleeper, now=at(T2)).status is Status.UPDATED
    feed = store.feed(url)
    assert feed is not None
    assert feed.last_error is None
    assert feed.last_success == T2


def test_truncated_xml_keeps_the_posts_that_could_be_read_with_a_warning(
    feed_server: FeedServer, store: Store
) -> None:
    later = rss([numbered_item(4), numbered_item(5), numbered_item(6)])
    cut = later[: later.index(b"<title>Post 6")]  # mid-document: the third item is cut off
    url = feed_server.route_sequence("/feed.xml", [ok(), ok(cut)])
    refresh_feed(store, url, now=at(T1))

    outcome = refresh_feed(store, url, now=at(T2))

    assert outcome.status is Status.UPDATED
    assert outcome.message == "2 new"
    assert len(outcome.warnings) == 1
    assert "broken" in outcome.warnings[0]
    assert "2 posts" in outcome.warnings[0]
    _assert_one_short_line(outcome.warnings[0])
    assert titles(store.posts(url)) == ["Post 5", "Post 4", "Post 3", "Post 2", "Post 1"]


def test_a_wrong_declared_encoding_does_not_crash_or_leak_control_characters(
    feed_server: FeedServer, store: Store
) -> None:
    # The header and the XML declaration both say UTF-8; the bytes are Latin-1,
    # including 0x85 and 0x9b, which are C1 controls when read as Latin-1.
    text = rss([Item("Café \x85 crème \x9b2J brûlée", "https://example.com/c/")]).decode()
    url = feed_server.route("/feed.xml", ok(text.encode("latin-1")))

    outcome = refresh_feed(store, url, now=at(T1))

    assert outcome.status is Status.UPDATED
    [post] = store.posts(url)
    assert post.title.startswith("Café")
    assert "crème" in post.title
    assert not CONTROL.search(post.title)
    assert post.link == "https://example.com/c/"


@pytest.mark.parametrize("content_type", ["application/rss+xml", "text/xml", "application/xml"])
def test_utf8_without_any_encoding_declaration_reads_correctly(
    feed_server: FeedServer, store: Store, content_type: str
) -> None:
    body = rss([Item("Café naïve — 日本語の記事", "https://example.com/j/")], title="Ünïcode")
    body = body.replace(b' encoding="utf-8"', b"")
    assert b"encoding" not in body
    url = feed_server.route("/feed.xml", Response(200, {"Content-Type": content_type}, body))

    outcome = refresh_feed(store, url, now=at(T1))

    assert outcome.status is Status.UPDATED
    assert titles(store.posts(url)) == ["Café naïve — 日本語の記事"]
    feed = store.feed(url)
    assert feed is not None
    assert feed.title == "Ünïcode"


def test_escape_sequences_in_a_feed_never_reach_the_store(
    feed_server: FeedServer, store: Store
) -> None:
    hostile = [Item("Evil \x1b]0;pwned\x07 \x1b[2J title", "https://example.com/e/")]
    url = feed_server.route("/feed.xml", ok(rss(hostile, raw_titles=True)))
    outcome = refresh_feed(store, url, now=at(T1))
    assert outcome.ok
    [post] = store.posts(url)
    assert "\x1b" not in post.title
    assert not CONTROL.search(post.title)


# ------------------------------------------------------------------ the shipped snapshot


def _one_entry_feed(url: str) -> ParsedFeed:
    entry = Entry(
        key="k1",
        title="Fetched earlier",
        link="https://blog.rajpoot.dev/posts/backend/x/",
        published=T1,
        updated=None,
        summary="",
    )
    return ParsedFeed(url=url, title="t", link="", description="", entries=[entry])


def test_seed_fills_an_empty_store_for_the_default_feed_without_calling_it_a_fetch(
    store: Store,
) -> None:
    assert import_seed_if_empty(store, DEFAULT_FEED_URL, now=T1) is True

    posts = store.posts(DEFAULT_FEED_URL)
    assert len(posts) == SEED_POSTS
    assert len({p.id for p in posts}) == SEED_POSTS
    assert all(p.link.startswith("https://blog.rajpoot.dev/") for p in posts)
    assert not any(p.is_new or p.read or p.starred for p in posts)
    feed = store.feed(DEFAULT_FEED_URL)
    assert feed is not None
    assert feed.title
    assert feed.last_success is None
    assert feed.last_error is None
    # No validators: the first real fetch must get the full feed, not a 304.
    assert feed.etag is None
    assert feed.last_modified is None


def test_seed_is_imported_only_once(store: Store) -> None:
    assert import_seed_if_empty(store, DEFAULT_FEED_URL, now=T1) is True
    first = store.posts(DEFAULT_FEED_URL)
    store.set_read([first[0].id], now=T1)
    assert import_seed_if_empty(store, DEFAULT_FEED_URL, now=T2) is False
    after = store.posts(DEFAULT_FEED_URL)
    assert len(after) == SEED_POSTS
    assert after[0].read


def test_seed_never_overwrites_posts_that_exist(store: Store) -> None:
    store.merge(
        DEFAULT_FEED_URL,
        _one_entry_feed(DEFAULT_FEED_URL),
        etag=ETAG,
        last_modified=None,
        not_before=None,
        now=T1,
    )
    assert import_seed_if_empty(store, DEFAULT_FEED_URL, now=T2) is False
    assert titles(store.posts(DEFAULT_FEED_URL)) == ["Fetched earlier"]
    feed = store.feed(DEFAULT_FEED_URL)
    assert feed is not None
    assert feed.etag == ETAG


def test_seed_is_only_for_the_default_feed(store: Store) -> None:
    other = "https://example.com/index.xml"
    assert import_seed_if_empty(store, other, now=T1) is False
    assert store.posts(other) == []
    assert store.posts() == []
    assert store.feed(other) is None


# ------------------------------------------------------------------ cancellation


def test_cancelled_before_starting_sends_nothing_and_records_nothing(
    feed_server: FeedServer, store: Store
) -> None:
    url = feed_server.route("/feed.xml", ok())
    outcome = refresh_feed(store, url, should_cancel=lambda: True, now=at(T1))
    assert outcome.status is Status.CANCELLED
    assert not outcome.ok
    assert feed_server.requests == []
    assert store.feed(url) is None
    assert store.posts(url) == []


def test_cancelled_mid_download_keeps_posts_and_records_no_error(
    feed_server: FeedServer, store: Store
) -> None:
    url = feed_server.route_sequence(
        "/feed.xml",
        [
            ok(),
            dribble(rss([numbered_item(n) for n in range(4, 9)]), chunk_delay=0.01, chunk_size=64),
        ],
    )
    refresh_feed(store, url, now=at(T1))
    before = store.posts(url)

    outcome = refresh_feed(
        store, url, should_cancel=lambda: feed_server.hits("/feed.xml") >= 2, now=at(T2)
    )

    assert outcome.status is Status.CANCELLED
    assert outcome.message == "refresh cancelled"
    assert feed_server.hits("/feed.xml") == 2
    assert store.posts(url) == before
    feed = store.feed(url)
    assert feed is not None
    assert feed.last_error is None
    assert feed.last_success == T1
    assert feed.last_attempt == T1


def test_a_304_to_a_plain_request_is_a_failure_not_up_to_date(
    feed_server: FeedServer, store: Store
) -> None:
    url = feed_server.route("/feed.xml", Response(304, {}, b""))

    outcome = refresh_feed(store, url, now=at(T1))

    assert outcome.status is Status.FAILED
    assert "304 Not Modified to a plain request" in outcome.message
    assert feed_server.requests[0].header("if-none-match") is None
    feed = store.feed(url)
    assert feed is not None and feed.last_error == outcome.message
    assert feed.last_success is None


def test_a_huge_description_is_cut_and_the_post_says_so(
    feed_server: FeedServer, store: Store
) -> None:
    huge = "<p>" + "lorem ipsum " * 100_000 + "</p>"
    url = feed_server.route("/feed.xml", ok(rss([numbered_item(1, huge)])))

    assert refresh_feed(store, url, now=at(T1)).status is Status.UPDATED

    (post,) = store.posts(url)
    assert len(post.summary) < 510_000
    assert post.summary_truncated
    # The stored text is the feed's own; the UI names the key that opens the post.
    assert post.summary.endswith("lorem ipsum lorem")
    assert "press" not in post.summary


def test_a_short_description_is_not_marked_cut(feed_server: FeedServer, store: Store) -> None:
    url = feed_server.route("/feed.xml", ok(rss([numbered_item(1, "<p>short</p>")])))
    assert refresh_feed(store, url, now=at(T1)).status is Status.UPDATED
    (post,) = store.posts(url)
    assert post.summary == "short" and not post.summary_truncated
