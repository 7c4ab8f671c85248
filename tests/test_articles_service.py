"""tui.articles.service: one article from the store or the network, and prefetching many.

Every test injects a small fake extractor (the text of the page's ``<article>``), so
these tests are about fetching, storing and reporting, not about extraction.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from tests.httpserver import FeedServer, RecordedRequest, Response, retry_after
from tui.articles import service
from tui.articles.service import ArticleOutcome, fetch_article, load_article, prefetch
from tui.fetch import FetchPolicy, make_client
from tui.models import Entry, ParsedFeed, Post
from tui.store import Store

pytestmark = pytest.mark.usefixtures("no_proxy_env")

NOW = datetime(2026, 5, 8, 12, 0, tzinfo=UTC)
FEED = "https://blog.example/index.xml"
HTML_HEADERS = {"Content-Type": "text/html; charset=utf-8"}
POLICY = FetchPolicy(timeout=5.0, retries=1, backoff_base=0.01, max_bytes=1024 * 1024)


# ---------------------------------------------------------------- a fake extractor


@dataclass(frozen=True)
class FakeArticle:
    title: str
    markdown: str
    text: str
    method: str = "fake-article-tag"


class FakeExtractionError(Exception):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def fake_extract(html: str, *, url: str) -> FakeArticle:
    """The text inside ``<article>``, tags dropped; the ``<title>`` as title."""
    if 'id="login"' in html:
        raise FakeExtractionError("login-wall", "a login form")
    found = re.search(r"<article>(.*?)</article>", html, re.S)
    if not found or not found.group(1).strip():
        raise FakeExtractionError("empty", "no article element")
    text = re.sub(r"<[^>]+>", "", found.group(1)).strip()
    title_match = re.search(r"<title>(.*?)</title>", html)
    title = title_match.group(1) if title_match else ""
    return FakeArticle(title=title, markdown=f"# {title}\n\n{text}", text=text)


def page(title: str, body: str) -> bytes:
    return (
        f"<!doctype html><html><head><title>{title}</title></head>"
        f"<body><nav>menu</nav><article><p>{body}</p></article></body></html>"
    ).encode()


# ---------------------------------------------------------------- posts in a store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "cache.sqlite3", tmp_path / "state.sqlite3") as s:
        yield s


def add_posts(store: Store, links: list[str]) -> list[Post]:
    entries = [
        Entry(
            key=f"k{i}",
            title=f"Post {i}",
            link=link,
            published=None,
            updated=None,
            summary=f"Description {i}",
        )
        for i, link in enumerate(links)
    ]
    parsed = ParsedFeed(url=FEED, title="Blog", link="", description="", entries=entries)
    store.merge(FEED, parsed, etag=None, last_modified=None, not_before=None, now=NOW)
    by_key = {p.key: p for p in store.posts(FEED)}
    return [by_key[f"k{i}"] for i in range(len(links))]


def load(store: Store, post: Post, **kwargs: object) -> ArticleOutcome:
    kwargs.setdefault("policy", POLICY)
    kwargs.setdefault("extract", fake_extract)
    kwargs.setdefault("sleep", lambda s: None)
    return load_article(store, post, now=lambda: NOW, **kwargs)  # type: ignore[arg-type]


# ---------------------------------------------------------------- one article


def test_an_article_is_fetched_extracted_stored_then_served_from_the_store(
    store: Store, feed_server: FeedServer
) -> None:
    url = feed_server.route("/posts/one/", Response(200, HTML_HEADERS, page("One", "Wombat facts")))
    [post] = add_posts(store, [url])

    first = load(store, post)

    assert first.ok and first.stored and not first.from_store
    assert first.article is not None
    assert first.article.markdown == "# One\n\nWombat facts"
    assert (first.article.post_id, first.article.url, first.article.method) == (
        post.id,
        url,
        "fake-article-tag",
    )
    assert first.article.fetched_at == NOW
    assert store.article(post.id) == first.article
    assert store.search("wombat") == [post.id]

    second = load(store, post, extract=lambda html, *, url: pytest.fail("not extracted again"))

    assert second.ok and second.from_store and not second.stored
    assert second.article == first.article
    assert feed_server.hits("/posts/one/") == 1


def test_a_shared_client_is_used_and_left_open(store: Store, feed_server: FeedServer) -> None:
    urls = [
        feed_server.route(f"/p{i}", Response(200, HTML_HEADERS, page("T", "x"))) for i in range(2)
    ]
    posts = add_posts(store, urls)
    with make_client(POLICY) as client:
        assert all(load(store, p, client=client).stored for p in posts)
        assert not client.is_closed


@pytest.mark.parametrize(
    ("response", "kind", "message"),
    [
        (
            Response(200, {"Content-Type": "application/pdf"}, b"%PDF"),
            "not-html",
            "127.0.0.1: not an HTML page (application/pdf)",
        ),
        (Response(404, {}, b""), "gone", "127.0.0.1: the page is gone (404 Not Found)"),
        (
            Response(403, {}, b""),
            "needs-login",
            "127.0.0.1: the page needs a login (403 Forbidden)",
        ),
        (
            Response(200, HTML_HEADERS, b"<html><body><p>no article</p></body></html>"),
            "empty",
            "127.0.0.1: extraction found no article text",
        ),
        (
            Response(200, HTML_HEADERS, b'<html><body><form id="login"></form></body></html>'),
            "login-wall",
            "127.0.0.1: the page needs a login",
        ),
    ],
)
def test_failures_are_outcomes_with_a_kind_and_one_line(
    store: Store, feed_server: FeedServer, response: Response, kind: str, message: str
) -> None:
    url = feed_server.route("/post", response)
    [post] = add_posts(store, [url])

    outcome = load(store, post)

    assert (outcome.ok, outcome.kind, outcome.message) == (False, kind, message)
    assert outcome.article is None and outcome.link == url
    assert "\n" not in outcome.message
    assert store.article(post.id) is None


def test_an_extractor_that_crashes_or_finds_nothing_is_an_outcome(
    store: Store, feed_server: FeedServer
) -> None:
    url = feed_server.route("/post", Response(200, HTML_HEADERS, page("T", "x")))
    [post] = add_posts(store, [url])

    def crash(html: str, *, url: str) -> FakeArticle:
        raise RuntimeError("bug")

    outcome = load(store, post, extract=crash)
    assert (outcome.kind, outcome.message) == (
        "extract-failed",
        "127.0.0.1: could not extract the article (RuntimeError)",
    )
    blank = load(store, post, extract=lambda html, *, url: FakeArticle("t", "  \n", ""))
    assert (blank.kind, blank.message) == ("empty", "127.0.0.1: extraction found no article text")


def test_no_link_and_cancel(store: Store, feed_server: FeedServer) -> None:
    url = feed_server.route("/post", Response(200, HTML_HEADERS, page("T", "x")))
    no_link, post = add_posts(store, ["", url])

    assert load(store, no_link).kind == "no-link"
    cancelled = load(store, post, should_cancel=lambda: True)
    assert (cancelled.ok, cancelled.kind) == (False, "cancelled")
    assert feed_server.hits("/post") == 0


def test_retry_after_is_honoured_and_reported(store: Store, feed_server: FeedServer) -> None:
    url = feed_server.route_sequence(
        "/post", [retry_after(503, 3), Response(200, HTML_HEADERS, page("T", "after a wait"))]
    )
    [post] = add_posts(store, [url])
    slept: list[float] = []
    told: list[float | None] = []

    outcome = load(
        store, post, sleep=slept.append, on_retry=lambda delay, err: told.append(err.retry_after)
    )

    assert outcome.ok and slept == [3.0] and told == [3.0]


def test_an_article_the_store_refuses_is_still_shown_not_kept(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    url = feed_server.route("/post", Response(200, HTML_HEADERS, page("T", "y" * 500)))
    with Store.open(tmp_path / "c", tmp_path / "s", max_article_bytes=100) as store:
        [post] = add_posts(store, [url])

        outcome = load(store, post)

        assert outcome.ok and not outcome.stored
        assert outcome.article is not None and outcome.article.text == "y" * 500
        assert outcome.message.startswith("the article is too large to keep")
        assert store.article(post.id) is None


def test_fetch_article_for_a_bare_url_stores_nothing(store: Store, feed_server: FeedServer) -> None:
    url = feed_server.route("/x", Response(200, HTML_HEADERS, page("Bare", "no post")))

    outcome = fetch_article(url, policy=POLICY, extract=fake_extract, now=lambda: NOW)

    assert outcome.ok and outcome.article is not None
    assert (outcome.article.post_id, outcome.article.title) == ("", "Bare")
    assert store.articles_size() == 0


def test_the_default_extractor_is_looked_up_when_called(
    store: Store, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = feed_server.route("/x", Response(200, HTML_HEADERS, page("T", "patched")))
    monkeypatch.setattr(service, "default_extractor", fake_extract)

    outcome = fetch_article(url, policy=POLICY)

    assert outcome.ok and outcome.article is not None and outcome.article.text == "patched"


# ---------------------------------------------------------------- prefetch


class ToLocal(httpx.BaseTransport):
    """Sends every request to the local server, keeping its Host header (a.example...),
    so one server can stand for many hosts."""

    def __init__(self, port: int) -> None:
        self._inner = httpx.HTTPTransport()
        self._port = port

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(scheme="http", host="127.0.0.1", port=self._port)
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


class Concurrency:
    """A route that holds each request a moment and records how many overlap."""

    def __init__(self, server: FeedServer, hold: float = 0.15) -> None:
        self._server = server
        self._hold = hold
        self._lock = threading.Lock()
        self._active: Counter[str] = Counter()
        self.peak_per_host: Counter[str] = Counter()
        self.peak_total = 0
        self.served: list[str] = []

    def __call__(self, request: RecordedRequest) -> Response:
        host = request.header("host") or ""
        with self._lock:
            self._active[host] += 1
            self.peak_per_host[host] = max(self.peak_per_host[host], self._active[host])
            self.peak_total = max(self.peak_total, sum(self._active.values()))
        self._server.stopping.wait(self._hold)
        with self._lock:
            self._active[host] -= 1
            self.served.append(f"{host}{request.path}")
        return Response(200, HTML_HEADERS, page("T", f"text of {request.path}"))


def test_prefetch_keeps_to_4_at_once_and_2_per_host(store: Store, feed_server: FeedServer) -> None:
    recorder = Concurrency(feed_server)
    links = []
    for i in range(12):
        path = f"/p/{i}"
        feed_server.route(path, recorder)
        links.append(f"https://{'abc'[i % 3]}.example{path}")
    # Most posts of one host first: a host at its limit must not hold up the others.
    links.sort(key=lambda link: not link.startswith("https://a."))
    posts = add_posts(store, links)
    progress: list[tuple[int, int]] = []

    with make_client(POLICY, transport=ToLocal(feed_server.port)) as client:
        report = prefetch(
            store,
            posts,
            client=client,
            policy=POLICY,
            extract=fake_extract,
            on_progress=lambda done, total: progress.append((done, total)),
        )

    assert (report.total, report.fetched, report.skipped, report.cancelled) == (12, 12, 0, False)
    assert report.failed == {}
    assert max(recorder.peak_per_host.values()) <= 2
    assert set(recorder.peak_per_host) == {"a.example", "b.example", "c.example"}
    assert 2 < recorder.peak_total <= 4  # in parallel, but never more than 4
    assert progress == [(done, 12) for done in range(13)]
    assert store.article_ids(p.id for p in posts) == {p.id for p in posts}
    by_link = {p.link: p.id for p in posts}
    assert store.search('"text of /p/7"') == [by_link["https://b.example/p/7"]]


def test_prefetch_with_other_limits(store: Store, feed_server: FeedServer) -> None:
    recorder = Concurrency(feed_server, hold=0.05)
    links = []
    for i in range(6):
        feed_server.route(f"/q/{i}", recorder)
        links.append(f"https://{'ab'[i % 2]}.example/q/{i}")
    posts = add_posts(store, links)

    with make_client(POLICY, transport=ToLocal(feed_server.port)) as client:
        report = prefetch(
            store, posts, client=client, policy=POLICY, extract=fake_extract, max_parallel=3,
            per_host=1,
        )  # fmt: skip

    assert report.fetched == 6
    assert max(recorder.peak_per_host.values()) == 1
    assert recorder.peak_total <= 2


def test_prefetch_skips_kept_articles_and_duplicates_and_reports_failures(
    store: Store, feed_server: FeedServer
) -> None:
    good = feed_server.route("/good", Response(200, HTML_HEADERS, page("T", "fine")))
    kept = feed_server.route("/kept", Response(200, HTML_HEADERS, page("T", "kept")))
    bad = feed_server.route("/bad", Response(404, {}, b""))
    posts = add_posts(store, [good, kept, bad, ""])
    assert load(store, posts[1]).stored
    before = len(feed_server.requests)

    report = prefetch(
        store, [*posts, posts[0]], policy=POLICY, extract=fake_extract, sleep=lambda s: None
    )

    assert (report.total, report.fetched, report.skipped) == (2, 1, 3)
    assert list(report.failed) == [posts[2].id]
    assert report.failed[posts[2].id].kind == "gone"
    assert sorted(r.path for r in feed_server.requests[before:]) == ["/bad", "/good"]


def test_prefetch_can_be_cancelled_between_posts(store: Store, feed_server: FeedServer) -> None:
    urls = [
        feed_server.route(f"/c/{i}", Response(200, HTML_HEADERS, page("T", str(i))))
        for i in range(6)
    ]
    posts = add_posts(store, urls)
    cancel = threading.Event()

    def on_progress(done: int, total: int) -> None:
        if done == 2:
            cancel.set()

    report = prefetch(
        store,
        posts,
        policy=POLICY,
        extract=fake_extract,
        max_parallel=1,
        on_progress=on_progress,
        should_cancel=cancel.is_set,
    )

    assert report.cancelled
    assert (report.total, report.fetched) == (6, 2)
    assert len(feed_server.requests) == 2
    assert len(store.article_ids(p.id for p in posts)) == 2


def test_cancel_cuts_a_retry_wait_short(store: Store, feed_server: FeedServer) -> None:
    url = feed_server.route("/slow", retry_after(503, 20))
    [post] = add_posts(store, [url])
    cancel = threading.Event()
    timer = threading.Timer(0.2, cancel.set)
    timer.start()
    try:
        report = prefetch(
            store,
            [post],
            policy=FetchPolicy(retries=3, backoff_max=30),
            extract=fake_extract,
            should_cancel=cancel.is_set,
        )
    finally:
        timer.cancel()

    assert report.cancelled and report.fetched == 0
    assert feed_server.hits("/slow") == 1


def test_prefetch_rejects_nonsense_limits(store: Store) -> None:
    with pytest.raises(ValueError):
        prefetch(store, [], max_parallel=0)
