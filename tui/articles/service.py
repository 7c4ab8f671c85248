"""Read the whole post: fetch its page, extract the article, keep it; one or many at once.

No Textual here, and no httpx at import time: the app runs these in thread workers, the
``article`` CLI subcommand calls them directly, and both get the same outcomes.

* :func:`load_article` gives a stored post's article, from the store when it is kept,
  else fetched (:func:`tui.fetch.fetch_page`), extracted and stored;
* :func:`fetch_article` does the fetch and the extraction for a bare URL, storing nothing;
* :func:`prefetch` loads the articles of many posts, at most ``max_parallel`` at once
  and ``per_host`` per host, skipping those already kept, cancellable, with progress.

None of them raises for a network, page or extraction problem: each becomes an
:class:`ArticleOutcome` with ``ok=False``, a ``kind`` and one short ``message`` naming
the problem, so the UI can show the description instead, one notice and the link.

The extractor is injectable (any :class:`Extractor`); the default,
:func:`default_extractor`, imports :mod:`tui.articles.extract` when first called.
"""

from __future__ import annotations

import importlib
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from tui.models import Post
from tui.store import ArticleRefused, Store, StoredArticle

if TYPE_CHECKING:
    import httpx

    from tui.fetch import FetchPolicy, RetryHook

__all__ = [
    "ArticleOutcome",
    "ExtractedArticle",
    "Extractor",
    "PrefetchReport",
    "default_extractor",
    "fetch_article",
    "load_article",
    "prefetch",
]


class ExtractedArticle(Protocol):
    """What an extractor returns (``tui.articles.extract.Article`` has these and more)."""

    @property
    def title(self) -> str: ...
    @property
    def markdown(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def method(self) -> str: ...


class Extractor(Protocol):
    """``extract(html, url=page_url)``: the article in a page, or raise.

    An exception with a ``kind`` (``"empty"``, ``"login-wall"``, ``"not-html"``...) and a
    ``message``, as ``tui.articles.extract.ExtractionError`` has, becomes an outcome of
    that kind; any other exception too, as kind ``"extract-failed"``."""

    def __call__(self, html: str, *, url: str) -> ExtractedArticle: ...


def default_extractor(html: str, *, url: str) -> ExtractedArticle:
    """:func:`tui.articles.extract.extract_article`, imported on first use."""
    module = importlib.import_module("tui.articles.extract")
    article: ExtractedArticle = module.extract_article(html, url=url)
    return article


@dataclass(frozen=True, slots=True)
class ArticleOutcome:
    ok: bool
    article: StoredArticle | None
    """The article (``post_id`` is ``""`` for a bare URL); None when ``ok`` is False."""
    kind: str = ""
    """Why not, when not ``ok``: a :class:`tui.fetch.FetchErrorKind` value (``"not-html"``,
    ``"gone"``, ``"needs-login"``, ``"timeout"``...), an extraction kind (``"empty"``,
    ``"login-wall"``...), ``"extract-failed"``, ``"no-link"`` or ``"cancelled"``."""
    message: str = ""
    """One short line for a notice: the problem when not ``ok``; when ``ok`` but not
    ``stored``, why the article was not kept (it is still shown)."""
    link: str = ""
    """The page's address, for "open it in the browser"."""
    from_store: bool = False
    stored: bool = False
    """Kept in the store by this call."""


# Extraction kinds with the wording a reader sees (the extractor's own message is
# used for kinds not listed).
_EXTRACTION_MESSAGES = {
    "empty": "extraction found no article text",
    "login-wall": "the page needs a login",
    "not-html": "not an HTML page",
}


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _failed(kind: str, message: str, link: str) -> ArticleOutcome:
    return ArticleOutcome(ok=False, article=None, kind=kind, message=message, link=link)


def fetch_article(
    url: str,
    *,
    client: httpx.Client | None = None,
    transport: httpx.BaseTransport | None = None,
    policy: FetchPolicy | None = None,
    extract: Extractor | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    sleep: Callable[[float], None] = time.sleep,
    should_cancel: Callable[[], bool] = lambda: False,
    on_retry: RetryHook | None = None,
) -> ArticleOutcome:
    """Fetch the page at ``url`` and extract its article; store nothing.

    ``client`` (see :func:`tui.fetch.make_client`) is shared and left open; without
    one, ``transport`` serves a client made for this call. ``policy`` defaults to
    :data:`tui.fetch.PAGE_POLICY`. ``on_retry(delay, error)`` is told before each wait
    (``error.retry_after`` set when the server asked for it).
    """
    from tui.fetch import PAGE_POLICY, FetchError, FetchErrorKind, fetch_page

    try:
        page = fetch_page(
            url,
            policy=policy or PAGE_POLICY,
            client=client,
            transport=transport,
            sleep=sleep,
            should_cancel=should_cancel,
            on_retry=on_retry,
        )
    except FetchError as error:
        if error.kind is FetchErrorKind.CANCELLED:
            return _failed("cancelled", "cancelled", url)
        return _failed(str(error.kind), error.message, url)
    if should_cancel():
        return _failed("cancelled", "cancelled", url)

    host = _host(page.final_url) or _host(url)
    extractor = extract if extract is not None else default_extractor
    try:
        found = extractor(page.html, url=page.final_url)
    except ModuleNotFoundError as error:
        if error.name != "tui.articles.extract":
            raise
        return _failed("no-extractor", "this build has no article extractor", url)
    except Exception as error:  # hostile HTML must not take a worker down
        kind = getattr(error, "kind", None)
        if isinstance(kind, str) and kind:
            said = getattr(error, "message", "") or str(error)
            message = _EXTRACTION_MESSAGES.get(kind) or said or f"could not extract ({kind})"
            return _failed(kind, f"{host}: {message}", url)
        return _failed(
            "extract-failed",
            f"{host}: could not extract the article ({type(error).__name__})",
            url,
        )
    if not found.markdown.strip():
        return _failed("empty", f"{host}: {_EXTRACTION_MESSAGES['empty']}", url)
    article = StoredArticle(
        post_id="",
        url=page.final_url,
        title=found.title,
        markdown=found.markdown,
        text=found.text,
        method=found.method,
        fetched_at=now(),
        size=0,
    )
    return ArticleOutcome(ok=True, article=article, link=url)


def load_article(
    store: Store,
    post: Post,
    *,
    client: httpx.Client | None = None,
    transport: httpx.BaseTransport | None = None,
    policy: FetchPolicy | None = None,
    extract: Extractor | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    sleep: Callable[[float], None] = time.sleep,
    should_cancel: Callable[[], bool] = lambda: False,
    on_retry: RetryHook | None = None,
) -> ArticleOutcome:
    """The whole article of ``post``: from the store when kept, else fetched from
    ``post.link``, extracted and stored (see :func:`fetch_article` for the arguments).

    An article the store refuses (over its size cap, or the post gone from the cache
    meanwhile) is still returned, ``ok`` but not ``stored``, with ``message`` saying why.
    """
    kept = store.article(post.id)
    if kept is not None:
        return ArticleOutcome(ok=True, article=kept, link=post.link, from_store=True)
    if not post.link:
        return _failed("no-link", "the post has no link to fetch", "")
    outcome = fetch_article(
        post.link,
        client=client,
        transport=transport,
        policy=policy,
        extract=extract,
        now=now,
        sleep=sleep,
        should_cancel=should_cancel,
        on_retry=on_retry,
    )
    if not outcome.ok or outcome.article is None:
        return outcome
    got = outcome.article
    try:
        saved = store.save_article(
            post.id,
            url=got.url,
            title=got.title,
            markdown=got.markdown,
            text=got.text,
            method=got.method,
            now=got.fetched_at,
        )
    except ArticleRefused as refused:
        return ArticleOutcome(
            ok=True,
            article=StoredArticle(
                post.id, got.url, got.title, got.markdown, got.text, got.method, got.fetched_at, 0
            ),
            message=refused.message,
            link=post.link,
        )
    return ArticleOutcome(ok=True, article=saved.article, link=post.link, stored=True)


@dataclass(frozen=True, slots=True)
class PrefetchReport:
    total: int
    """Posts that needed fetching (not kept yet, with a link): the N of "articles 12/N"."""
    fetched: int
    """Fetched and stored (or fetched but refused by the store: see ``refused``)."""
    skipped: int
    """Already kept, or without a link, or the same post twice."""
    failed: dict[str, ArticleOutcome] = field(default_factory=dict)
    """Post id -> the outcome, for those that could not be loaded."""
    refused: dict[str, str] = field(default_factory=dict)
    """Post id -> why the store did not keep an article it was given."""
    cancelled: bool = False


def prefetch(
    store: Store,
    posts: Iterable[Post],
    *,
    client: httpx.Client | None = None,
    transport: httpx.BaseTransport | None = None,
    policy: FetchPolicy | None = None,
    extract: Extractor | None = None,
    max_parallel: int = 4,
    per_host: int = 2,
    on_progress: Callable[[int, int], None] | None = None,
    should_cancel: Callable[[], bool] = lambda: False,
    sleep: Callable[[float], None] | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> PrefetchReport:
    """Load the articles of ``posts`` in the order given, in threads.

    At most ``max_parallel`` fetches run at once and at most ``per_host`` to one host
    (a post of a busy host waits while others go ahead). Posts whose article is kept
    are skipped without a request. ``on_progress(done, total)`` is called in the
    calling thread with ``(0, total)`` first and after each post (for "articles
    12/40"). Once ``should_cancel()`` is true no fetch starts, the running ones stop
    at their next check (retry waits are cut short), and the report says
    ``cancelled``. Blocks until every started fetch has ended; run it in a worker.
    """
    if max_parallel < 1 or per_host < 1:
        raise ValueError("max_parallel and per_host must be at least 1")
    unique: dict[str, Post] = {}
    given = 0
    for post in posts:
        given += 1
        unique.setdefault(post.id, post)
    kept = store.article_ids(unique)
    wanted = [p for p in unique.values() if p.id not in kept and p.link]
    total = len(wanted)
    skipped = given - total
    wait_between = sleep if sleep is not None else _cancellable_sleep(should_cancel)
    progress = on_progress or (lambda done, total: None)

    fetched = 0
    failed: dict[str, ArticleOutcome] = {}
    refused: dict[str, str] = {}
    cancelled = False
    done = 0
    progress(0, total)
    todo = list(wanted)
    busy: Counter[str] = Counter()
    running: dict[Future[ArticleOutcome], tuple[Post, str]] = {}

    def load(post: Post) -> ArticleOutcome:
        return load_article(
            store,
            post,
            client=client,
            transport=transport,
            policy=policy,
            extract=extract,
            now=now,
            sleep=wait_between,
            should_cancel=should_cancel,
        )

    with ThreadPoolExecutor(max_workers=max_parallel, thread_name_prefix="prefetch") as pool:
        while todo or running:
            cancelled = cancelled or should_cancel()
            if not cancelled:
                index = 0
                while index < len(todo) and len(running) < max_parallel:
                    host = _host(todo[index].link)
                    if busy[host] >= per_host:
                        index += 1
                        continue
                    post = todo.pop(index)
                    busy[host] += 1
                    running[pool.submit(load, post)] = (post, host)
            if not running:
                break  # cancelled with nothing in flight
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                post, host = running.pop(future)
                busy[host] -= 1
                try:
                    outcome = future.result()
                except Exception as error:  # a store error, say: report it, go on
                    outcome = _failed("error", f"{type(error).__name__}: {error}", post.link)
                if outcome.kind == "cancelled":
                    cancelled = True
                elif not outcome.ok:
                    failed[post.id] = outcome
                else:
                    fetched += 1
                    if not outcome.stored and outcome.message:
                        refused[post.id] = outcome.message
                if outcome.kind != "cancelled":
                    done += 1
                    progress(done, total)
    return PrefetchReport(
        total=total,
        fetched=fetched,
        skipped=skipped,
        failed=failed,
        refused=refused,
        cancelled=cancelled,
    )


def _cancellable_sleep(should_cancel: Callable[[], bool]) -> Callable[[float], None]:
    """A sleep that a cancel cuts short (checked every 0.1 s)."""

    def sleep(seconds: float) -> None:
        deadline = time.monotonic() + seconds
        pause = threading.Event()
        while not should_cancel():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            pause.wait(min(left, 0.1))

    return sleep
