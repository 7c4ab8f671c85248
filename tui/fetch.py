"""Fetch one feed URL, or one web page, politely and safely, synchronously.

Runs inside a Textual thread worker and in the headless CLI, so it must not import
Textual (or feedparser): it only turns a URL into bytes plus cache metadata (a feed,
:func:`fetch_feed`) or into HTML text (a post's page, :func:`fetch_page`), or a
:class:`FetchError` whose ``message`` is fit to show a user. Both go through one code
path (``_get``), and both can share one keep-alive client (:func:`make_client`).

Safety properties worth keeping when editing this module:

* the body cap counts *decompressed* bytes, and decompression is bounded per call,
  so a gzip bomb never allocates much more than the cap;
* a server that dribbles bytes cannot hold a worker forever (overall deadline);
* nothing but :class:`FetchError` escapes :func:`fetch_feed` or :func:`fetch_page`.
"""

from __future__ import annotations

import codecs
import enum
import random
import re
import socket
import ssl
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import TypeVar
from urllib.parse import urlsplit

import httpx

from tui import USER_AGENT

__all__ = [
    "ACCEPT",
    "PAGE_ACCEPT",
    "PAGE_MAX_BYTES",
    "PAGE_POLICY",
    "FetchError",
    "FetchErrorKind",
    "FetchPolicy",
    "FetchResult",
    "PageResult",
    "RetryHook",
    "fetch_feed",
    "fetch_page",
    "make_client",
]

ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
PAGE_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"
PAGE_MAX_BYTES = 5 * 1024 * 1024
"""Decompressed bytes of one web page (articles); feeds may be bigger."""
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
# Servers that send HTML under these (or none at all) exist; the body decides.
_SNIFFED_TYPES = frozenset(
    {
        "",
        "text/plain",
        "text/xml",
        "application/xml",
        "application/octet-stream",
        "binary/octet-stream",
    }
)
# An XML prolog and comments may come first (XHTML, generators' banners).
_HTML_START = re.compile(
    rb"\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)[\s>]",
    re.I | re.S,
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)
# Only encodings we decode ourselves: httpx's decoders inflate a whole chunk at once,
# which is exactly what a decompression bomb exploits.
_ACCEPT_ENCODING = "gzip, deflate"
_ALLOWED_SCHEMES = frozenset({"http", "https"})
# A dribbling server passes every per-read timeout; this bounds the whole attempt.
_DEADLINE_FACTOR = 3.0
# Output per decompress() call: a bomb then costs the cap plus this, not a buffer
# that zlib grows (and copies) toward the cap in one go.
_INFLATE_STEP = 256 * 1024
_DNS_MARKERS = (
    "name or service not known",
    "temporary failure in name resolution",
    "nodename nor servname",
    "no address associated with hostname",
    "getaddrinfo failed",
)


class FetchErrorKind(enum.StrEnum):
    BAD_URL = "bad-url"
    DNS = "dns"
    CONNECT = "connect"
    TIMEOUT = "timeout"
    TOO_MANY_REDIRECTS = "redirects"
    CLIENT_ERROR = "http-4xx"
    RATE_LIMITED = "rate-limited"
    SERVER_ERROR = "http-5xx"
    TOO_LARGE = "too-large"
    PROTOCOL = "protocol"
    CANCELLED = "cancelled"
    NOT_HTML = "not-html"
    GONE = "gone"
    NEEDS_LOGIN = "needs-login"


# DNS is deliberately absent: a resolution failure almost always means "offline" or
# "typo", and hammering the resolver again within seconds fixes neither.
_TRANSIENT_KINDS = frozenset(
    {
        FetchErrorKind.TIMEOUT,
        FetchErrorKind.CONNECT,
        FetchErrorKind.SERVER_ERROR,
        FetchErrorKind.RATE_LIMITED,
        FetchErrorKind.PROTOCOL,
    }
)


class FetchError(Exception):
    """A failed fetch; ``str(err)`` is the short user-facing ``message``."""

    def __init__(
        self,
        kind: FetchErrorKind,
        message: str,
        *,
        status_code: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.status_code = status_code
        self.retry_after = retry_after

    @property
    def transient(self) -> bool:
        """Whether retrying soon has a fair chance of succeeding."""
        return self.kind in _TRANSIENT_KINDS

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"FetchError({self.kind.value!r}, {self.message!r})"


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    timeout: float = 10.0
    max_redirects: int = 5
    max_bytes: int = 10 * 1024 * 1024
    retries: int = 2
    backoff_base: float = 1.0
    backoff_max: float = 30.0


PAGE_POLICY = FetchPolicy(max_bytes=PAGE_MAX_BYTES)
"""The default policy of :func:`fetch_page`: the feed's, with the page cap."""

RetryHook = Callable[[float, "FetchError"], None]
"""``on_retry(delay, error)``: called before each wait between tries; ``error.retry_after``
is set when the server asked for the wait (Retry-After)."""


@dataclass(frozen=True, slots=True)
class FetchResult:
    url: str
    final_url: str
    status_code: int
    not_modified: bool
    body: bytes
    content_type: str
    etag: str | None
    last_modified: str | None
    fresh_until: datetime | None
    attempts: int


@dataclass(frozen=True, slots=True)
class PageResult:
    """A web page as fetched by :func:`fetch_page`: HTML decoded to text."""

    url: str
    final_url: str
    """Where the redirects ended: the base for the page's relative links."""
    status_code: int
    html: str
    content_type: str
    charset: str
    """The encoding ``html`` was decoded from (BOM, header, ``<meta>``, else UTF-8)."""
    size: int
    """Decompressed bytes received."""
    attempts: int


def make_client(
    policy: FetchPolicy = FetchPolicy(), transport: httpx.BaseTransport | None = None
) -> httpx.Client:
    """One :class:`httpx.Client` (keep-alive, connection pool) for a whole process.

    Feed and page fetches accept it as ``client=``; each fetch still applies its own
    policy's timeout and redirect limit, checks the scheme of every hop and reads the
    body through the capped decoder, so the client only carries connections and the
    User-Agent. Close it when the process is done with it (it is a context manager).
    """
    return httpx.Client(
        transport=transport,
        timeout=httpx.Timeout(policy.timeout),
        # Redirects are followed by _exchange, hop by hop, under the caller's policy.
        follow_redirects=False,
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": _ACCEPT_ENCODING},
        event_hooks={"request": [_refuse_unsafe_scheme]},
    )


def fetch_feed(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    policy: FetchPolicy = FetchPolicy(),  # frozen, so a shared default is safe
    transport: httpx.BaseTransport | None = None,
    client: httpx.Client | None = None,
    sleep: Callable[[float], None] = time.sleep,
    should_cancel: Callable[[], bool] = lambda: False,
    on_retry: RetryHook | None = None,
    local_files: bool = False,
) -> FetchResult:
    """GET ``url`` (conditionally, if validators are given), retrying transient faults.

    ``local_files=True`` lets a ``file://`` URL the user gave (a subscription,
    ``--feed``) be read from disk; by default it is refused like any other scheme.

    ``client`` (see :func:`make_client`) is used as is and left open; without one, a
    client is made for this call from ``transport``. ``on_retry(delay, error)`` is
    told before each wait, so a caller can say that the server asked for it.

    Raises :class:`FetchError` and nothing else.
    """
    if local_files and url[:7].lower() == "file://":
        return _read_file_feed(url, last_modified=last_modified, policy=policy)
    headers = {"Accept": ACCEPT}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified

    def handle(response: httpx.Response, host: str, deadline: float, attempt: int) -> FetchResult:
        status = response.status_code
        if status == HTTPStatus.NOT_MODIFIED:
            return FetchResult(
                url=url,
                final_url=str(response.url),
                status_code=status,
                not_modified=True,
                body=b"",
                content_type=response.headers.get("content-type", ""),
                etag=response.headers.get("etag") or etag,
                last_modified=response.headers.get("last-modified") or last_modified,
                fresh_until=_fresh_until(response.headers),
                attempts=attempt,
            )
        _raise_for_status(response, host)
        body = _read_body(
            response,
            host,
            policy=policy,
            deadline=deadline,
            should_cancel=should_cancel,
            noun="feed",
        )
        return FetchResult(
            url=url,
            final_url=str(response.url),
            status_code=status,
            not_modified=False,
            body=body,
            content_type=response.headers.get("content-type", ""),
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
            fresh_until=_fresh_until(response.headers),
            attempts=attempt,
        )

    return _get(
        url,
        headers,
        handle,
        policy=policy,
        transport=transport,
        client=client,
        sleep=sleep,
        should_cancel=should_cancel,
        on_retry=on_retry,
        empty_message="empty feed URL",
    )


def fetch_page(
    url: str,
    *,
    policy: FetchPolicy = PAGE_POLICY,
    transport: httpx.BaseTransport | None = None,
    client: httpx.Client | None = None,
    sleep: Callable[[float], None] = time.sleep,
    should_cancel: Callable[[], bool] = lambda: False,
    on_retry: RetryHook | None = None,
) -> PageResult:
    """GET the web page at ``url`` (a post's link) as HTML text, as politely and safely
    as :func:`fetch_feed` (same timeouts, redirect limit, scheme check on every hop,
    capped and bounded decompression, retries of transient faults only, Retry-After),
    with an HTML ``Accept`` header and the page cap of ``policy``.

    Beyond the feed's errors: NOT_HTML (by Content-Type, or by sniffing a body sent
    without a useful one), GONE (404/410) and NEEDS_LOGIN (401/403). Raises
    :class:`FetchError` and nothing else.
    """

    def handle(response: httpx.Response, host: str, deadline: float, attempt: int) -> PageResult:
        _raise_for_page_status(response, host)
        content_type = response.headers.get("content-type", "")
        mime = _mime(content_type)
        if mime not in _HTML_TYPES and mime not in _SNIFFED_TYPES:
            raise FetchError(FetchErrorKind.NOT_HTML, f"{host}: not an HTML page ({mime})")
        body = _read_body(
            response,
            host,
            policy=policy,
            deadline=deadline,
            should_cancel=should_cancel,
            noun="page",
        )
        if mime not in _HTML_TYPES and not _looks_like_html(body):
            shown = mime or "no content type"
            raise FetchError(FetchErrorKind.NOT_HTML, f"{host}: not an HTML page ({shown})")
        charset = _charset(content_type, body)
        return PageResult(
            url=url,
            final_url=str(response.url),
            status_code=response.status_code,
            html=body.decode(charset, errors="replace"),
            content_type=content_type,
            charset=charset,
            size=len(body),
            attempts=attempt,
        )

    return _get(
        url,
        {"Accept": PAGE_ACCEPT},
        handle,
        policy=policy,
        transport=transport,
        client=client,
        sleep=sleep,
        should_cancel=should_cancel,
        on_retry=on_retry,
        empty_message="empty page URL",
    )


_T = TypeVar("_T")
_Handler = Callable[[httpx.Response, str, float, int], _T]
"""Turns the final response (after redirects) into a result: (response, host,
deadline, attempt number) -> result, raising FetchError."""


def _get(
    url: str,
    headers: dict[str, str],
    handle: _Handler[_T],
    *,
    policy: FetchPolicy,
    transport: httpx.BaseTransport | None,
    client: httpx.Client | None,
    sleep: Callable[[float], None],
    should_cancel: Callable[[], bool],
    on_retry: RetryHook | None,
    empty_message: str,
) -> _T:
    """The one code path of every fetch: validate, then attempt and retry."""
    host = _validate_url(url, empty_message)
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": _ACCEPT_ENCODING, **headers}
    with ExitStack() as stack:
        if client is None:
            client = stack.enter_context(make_client(policy, transport))
        attempt = 0
        while True:
            attempt += 1
            _check_cancel(should_cancel, host)
            try:
                return _attempt(
                    client,
                    url,
                    host,
                    headers,
                    handle,
                    policy=policy,
                    should_cancel=should_cancel,
                    attempt=attempt,
                )
            except FetchError as err:
                if not err.transient or attempt > policy.retries:
                    if attempt > 1:
                        # "timed out after 10 s" alone would puzzle someone who waited 30.
                        raise FetchError(
                            err.kind,
                            f"{err.message} ({attempt} tries)",
                            status_code=err.status_code,
                            retry_after=err.retry_after,
                        ) from err
                    raise
                if err.retry_after is not None:
                    if err.retry_after > policy.backoff_max:
                        # The server asked for a long pause: honour it by giving up now
                        # and letting the caller schedule the next try from retry_after.
                        raise
                    delay = err.retry_after
                else:
                    delay = _backoff(policy, attempt)
                if on_retry is not None:
                    on_retry(delay, err)
            _check_cancel(should_cancel, host)
            sleep(delay)


def _attempt(
    client: httpx.Client,
    url: str,
    host: str,
    headers: dict[str, str],
    handle: _Handler[_T],
    *,
    policy: FetchPolicy,
    should_cancel: Callable[[], bool],
    attempt: int,
) -> _T:
    deadline = time.monotonic() + _DEADLINE_FACTOR * policy.timeout
    current_host = host
    try:
        with _exchange(client, url, host, headers, policy, should_cancel) as response:
            current_host = response.url.host or host
            return handle(response, current_host, deadline, attempt)
    except FetchError:
        raise
    except _UnsafeRedirectError as exc:
        raise FetchError(
            FetchErrorKind.BAD_URL,
            f"{current_host}: refused redirect to a {exc.scheme}: URL",
        ) from None
    except httpx.InvalidURL:
        # Not an HTTPError: raised while building a hop from a Location that is no URL
        # (``javascript:alert(1)``); the first URL was validated before any request.
        raise FetchError(
            FetchErrorKind.BAD_URL, f"{current_host}: refused redirect to an invalid URL"
        ) from None
    except httpx.HTTPError as exc:
        raise _map_httpx_error(exc, _error_host(exc, current_host), policy) from exc
    except Exception as exc:  # last line of defence: callers rely on FetchError only
        raise FetchError(
            FetchErrorKind.PROTOCOL,
            f"{current_host}: unexpected error ({type(exc).__name__}: {exc})",
        ) from exc


@contextmanager
def _exchange(
    client: httpx.Client,
    url: str,
    host: str,
    headers: dict[str, str],
    policy: FetchPolicy,
    should_cancel: Callable[[], bool],
) -> Iterator[httpx.Response]:
    """GET ``url``, following up to ``policy.max_redirects`` redirects; yield the final
    response, streaming. Every hop's scheme is checked before it is sent (a shared
    client may come without our request hook), and each hop has the policy's timeout."""
    request = client.build_request(
        "GET", url, headers=headers, timeout=httpx.Timeout(policy.timeout)
    )
    redirects = 0
    while True:
        _refuse_unsafe_scheme(request)
        response = client.send(request, stream=True, follow_redirects=False)
        try:
            following = response.next_request
            if following is None:
                yield response
                return
        finally:
            response.close()
        redirects += 1
        if redirects > policy.max_redirects:
            raise FetchError(
                FetchErrorKind.TOO_MANY_REDIRECTS,
                f"{host}: more than {policy.max_redirects} redirects",
            )
        _check_cancel(should_cancel, host)
        request = following


class _UnsafeRedirectError(Exception):
    def __init__(self, scheme: str) -> None:
        super().__init__(scheme)
        self.scheme = scheme


def _refuse_unsafe_scheme(request: httpx.Request) -> None:
    # Request hooks run for every hop, so this also vets each redirect target; with
    # an injected transport nothing else would stop e.g. a file:// Location.
    if request.url.scheme not in _ALLOWED_SCHEMES:
        raise _UnsafeRedirectError(request.url.scheme)


def _validate_url(url: str, empty_message: str = "empty feed URL") -> str:
    """Return the host of ``url`` or raise BAD_URL, before touching the network."""
    shown = url if len(url) <= 60 else url[:57] + "..."
    if not url:
        raise FetchError(FetchErrorKind.BAD_URL, empty_message)
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        raise FetchError(FetchErrorKind.BAD_URL, f"{shown!r}: URL contains spaces or control chars")
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        hostname = parts.hostname
        _ = parts.port  # raises ValueError for an out-of-range or non-numeric port
        httpx.URL(url)
    except (ValueError, httpx.InvalidURL):
        raise FetchError(FetchErrorKind.BAD_URL, f"{shown!r}: not a valid URL") from None
    if scheme not in _ALLOWED_SCHEMES:
        what = f"{scheme}: URLs" if scheme else "URLs without http(s)://"
        raise FetchError(FetchErrorKind.BAD_URL, f"{shown!r}: {what} are not supported")
    if not hostname:
        raise FetchError(FetchErrorKind.BAD_URL, f"{shown!r}: URL has no host")
    return hostname


def _check_cancel(should_cancel: Callable[[], bool], host: str) -> None:
    if should_cancel():
        raise FetchError(FetchErrorKind.CANCELLED, f"{host}: cancelled")


def _backoff(policy: FetchPolicy, failures: int) -> float:
    ceiling = min(policy.backoff_max, policy.backoff_base * 2.0 ** min(failures - 1, 60))
    # "Equal jitter": never less than half the ceiling, so retries still back off,
    # but many readers that failed together do not retry in lockstep.
    return ceiling / 2 + random.uniform(0, ceiling / 2)


def _reason(response: httpx.Response) -> str:
    if response.reason_phrase:
        return response.reason_phrase
    try:
        return HTTPStatus(response.status_code).phrase
    except ValueError:
        return ""


def _human_wait(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:g} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    return f"{round(seconds / 3600)} h"


def _raise_for_status(response: httpx.Response, host: str) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    label = f"{status} {_reason(response)}".rstrip()
    retry_after = _parse_retry_after(response.headers.get("retry-after"))
    wait = f", asks to retry in {_human_wait(retry_after)}" if retry_after is not None else ""
    if status == HTTPStatus.TOO_MANY_REQUESTS:
        raise FetchError(
            FetchErrorKind.RATE_LIMITED,
            f"{host}: rate limited ({label}){wait}",
            status_code=status,
            retry_after=retry_after,
        )
    if 400 <= status < 500:
        raise FetchError(
            FetchErrorKind.CLIENT_ERROR, f"{host}: HTTP error {label}", status_code=status
        )
    if 500 <= status < 600:
        raise FetchError(
            FetchErrorKind.SERVER_ERROR,
            f"{host}: server error {label}{wait}",
            status_code=status,
            retry_after=retry_after,
        )
    # 1xx/3xx that httpx did not follow (e.g. a 3xx without Location): not a feed.
    raise FetchError(
        FetchErrorKind.PROTOCOL, f"{host}: unexpected HTTP status {label}", status_code=status
    )


def _raise_for_page_status(response: httpx.Response, host: str) -> None:
    """:func:`_raise_for_status`, with the two answers a reader of a page must tell apart."""
    status = response.status_code
    label = f"{status} {_reason(response)}".rstrip()
    if status in (HTTPStatus.NOT_FOUND, HTTPStatus.GONE):
        raise FetchError(
            FetchErrorKind.GONE, f"{host}: the page is gone ({label})", status_code=status
        )
    if status in (HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN):
        raise FetchError(
            FetchErrorKind.NEEDS_LOGIN,
            f"{host}: the page needs a login ({label})",
            status_code=status,
        )
    _raise_for_status(response, host)


def _mime(content_type: str) -> str:
    return content_type.partition(";")[0].strip().lower()


def _looks_like_html(body: bytes) -> bool:
    head = body[:2048]
    for bom in (codecs.BOM_UTF8,):
        head = head.removeprefix(bom)
    return _HTML_START.match(head) is not None


def _charset(content_type: str, body: bytes) -> str:
    """The page's encoding: BOM, else the header's charset, else a <meta>, else UTF-8."""
    if body.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    for bom, name in ((codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if body.startswith(bom):
            return name
    candidates = []
    for param in content_type.split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            candidates.append(value.strip().strip("\"'"))
    found = _META_CHARSET.search(body[:4096])
    if found:
        candidates.append(found.group(1).decode("ascii", "replace"))
    for candidate in candidates:
        try:
            return codecs.lookup(candidate).name
        except LookupError:
            continue
    return "utf-8"


def _parse_http_date(value: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:  # "-0000" parses naive; HTTP dates are always GMT
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _parse_retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    when = _parse_http_date(value)
    if when is None:
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _parse_seconds(value: str) -> int | None:
    value = value.strip().strip('"')
    return int(value) if value.isdigit() else None


# A freshness lifetime beyond this is a misconfiguration (or hostile): obeying
# it would stop automatic refreshes for months. ``r`` always fetches anyway.
MAX_FRESHNESS = timedelta(days=7)


def _fresh_until(headers: httpx.Headers) -> datetime | None:
    now = datetime.now(UTC)
    lifetime = _freshness_lifetime(headers)
    if lifetime is None:
        return None
    return now + min(MAX_FRESHNESS, timedelta(seconds=max(0.0, min(lifetime, 1e9))))


def _freshness_lifetime(headers: httpx.Headers) -> float | None:
    """Seconds the response stays fresh by Cache-Control max-age or Expires, if given."""
    directives: dict[str, str] = {}
    for item in ",".join(headers.get_list("cache-control")).split(","):
        name, _, arg = item.strip().partition("=")
        if name:
            directives[name.lower()] = arg
    if "no-store" in directives or "no-cache" in directives:
        return None
    age = _parse_seconds(headers.get("age", "")) or 0
    if "max-age" in directives:
        max_age = _parse_seconds(directives["max-age"])
        return None if max_age is None else float(max_age - age)
    expires_header = headers.get("expires")
    if expires_header is None:
        return None
    expires = _parse_http_date(expires_header)
    if expires is None:
        return None
    # Measure the lifetime on the server's own clock when it sent Date, so a skewed
    # local clock does not make every feed look stale (or fresh forever).
    date = _parse_http_date(headers.get("date", ""))
    if date is None:
        return (expires - datetime.now(UTC)).total_seconds()
    return (expires - date).total_seconds() - age


def _read_file_feed(url: str, *, last_modified: str | None, policy: FetchPolicy) -> FetchResult:
    """A feed the user keeps on disk (``--feed ./feed.xml``, ``add file:///...``): read only.

    Only a URL the user gave gets here; a server's redirect to ``file:`` is refused
    by the client's hook. The file's mtime stands in for Last-Modified, so an
    unchanged file is "up to date" like a 304.
    """
    import os
    from email.utils import formatdate
    from pathlib import Path
    from urllib.request import url2pathname

    path = url2pathname(urlsplit(url).path)
    try:
        with Path(path).open("rb") as handle:
            stamp = formatdate(os.fstat(handle.fileno()).st_mtime, usegmt=True)
            body = b"" if last_modified == stamp else handle.read(policy.max_bytes + 1)
    except OSError as error:
        reason = error.strerror or str(error)
        raise FetchError(FetchErrorKind.BAD_URL, f"{path}: {reason}") from None
    if len(body) > policy.max_bytes:
        raise FetchError(
            FetchErrorKind.TOO_LARGE, f"{path}: feed is larger than {_human_size(policy.max_bytes)}"
        )
    return FetchResult(
        url=url,
        final_url=url,
        status_code=HTTPStatus.NOT_MODIFIED if last_modified == stamp else HTTPStatus.OK,
        not_modified=last_modified == stamp,
        body=body,
        content_type="",
        etag=None,
        last_modified=stamp,
        fresh_until=None,
        attempts=1,
    )


def _human_size(n: int) -> str:
    mib = 1024 * 1024
    if n >= mib and n % mib == 0:
        return f"{n // mib} MB"
    if n >= 1024 and n % 1024 == 0:
        return f"{n // 1024} KB"
    return f"{n} bytes"


class _BoundedDecoder:
    """Inflate gzip/deflate without ever producing more than ``limit + 1`` bytes."""

    def __init__(self, encoding: str, limit: int) -> None:
        self._encoding = encoding
        self._limit = limit
        self._produced = 0
        self._started = False
        # 16 + MAX_WBITS: gzip wrapper only. HTTP "deflate" is meant to be zlib-wrapped
        # but some servers send raw deflate; the first chunk tells which.
        wbits = 16 + zlib.MAX_WBITS if encoding == "gzip" else zlib.MAX_WBITS
        self._inflater = zlib.decompressobj(wbits)

    @property
    def saw_input(self) -> bool:
        return self._started

    @property
    def finished(self) -> bool:
        return self._inflater.eof

    def feed(self, data: bytes) -> Iterable[bytes]:
        if not self._started and data and self._encoding == "deflate":
            probe = zlib.decompressobj(zlib.MAX_WBITS)
            try:
                probe.decompress(data, 1)  # max_length=1: only the header matters
            except zlib.error:
                self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        self._started = self._started or bool(data)
        while not self._inflater.eof:
            step = min(self._limit - self._produced + 1, _INFLATE_STEP)
            out = self._inflater.decompress(data, step)
            self._produced += len(out)
            if out:
                yield out
            if self._produced > self._limit:
                return  # the caller sees the overflow and raises TOO_LARGE
            data = self._inflater.unconsumed_tail
            # A full step with no input left may still leave output pending inside
            # zlib (e.g. a long back-reference), so only a short step means drained.
            if not data and len(out) < step:
                break
        # Bytes after the end of the compressed stream (trailing junk, or a second
        # gzip member) are ignored, as browsers do.


def _read_body(
    response: httpx.Response,
    host: str,
    *,
    policy: FetchPolicy,
    deadline: float,
    should_cancel: Callable[[], bool],
    noun: str,
) -> bytes:
    cap = policy.max_bytes
    too_large = FetchError(
        FetchErrorKind.TOO_LARGE, f"{host}: {noun} is larger than {_human_size(cap)}"
    )
    declared = response.headers.get("content-length", "").strip()
    if declared.isdigit() and int(declared) > cap:
        raise too_large

    codings = [
        c.strip().lower()
        for c in response.headers.get("content-encoding", "").split(",")
        if c.strip() and c.strip().lower() != "identity"
    ]
    decoder: _BoundedDecoder | None = None
    if codings:
        coding = "gzip" if codings == ["x-gzip"] else codings[0]
        if len(codings) > 1 or coding not in ("gzip", "deflate"):
            raise FetchError(
                FetchErrorKind.PROTOCOL,
                f"{host}: unsupported Content-Encoding {', '.join(codings)}",
            )
        decoder = _BoundedDecoder(coding, cap)

    parts: list[bytes] = []
    total = 0
    # A response built in memory (httpx.MockTransport, other in-process
    # transports) arrives already read; iter_raw() would raise StreamConsumed.
    chunks = (response.content,) if response.is_stream_consumed else response.iter_raw()
    try:
        for raw in chunks:
            _check_cancel(should_cancel, host)
            if time.monotonic() > deadline:
                raise FetchError(
                    FetchErrorKind.TIMEOUT,
                    f"{host}: download took longer than {_DEADLINE_FACTOR * policy.timeout:g} s",
                )
            for piece in decoder.feed(raw) if decoder is not None else (raw,):
                total += len(piece)
                if total > cap:
                    raise too_large
                parts.append(piece)
    except zlib.error:
        raise FetchError(
            FetchErrorKind.PROTOCOL, f"{host}: corrupt compressed body ({codings[0]})"
        ) from None
    if decoder is not None and decoder.saw_input and not decoder.finished:
        raise FetchError(FetchErrorKind.PROTOCOL, f"{host}: compressed body was cut short")
    return b"".join(parts)


def _error_host(exc: httpx.HTTPError, fallback: str) -> str:
    try:
        return exc.request.url.host or fallback
    except RuntimeError:  # .request is unset for errors raised outside a request
        return fallback


def _causes(exc: BaseException) -> Iterable[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _map_httpx_error(exc: httpx.HTTPError, host: str, policy: FetchPolicy) -> FetchError:
    if isinstance(exc, httpx.TimeoutException):
        return FetchError(FetchErrorKind.TIMEOUT, f"{host}: timed out after {policy.timeout:g} s")
    if isinstance(exc, httpx.TooManyRedirects):
        return FetchError(
            FetchErrorKind.TOO_MANY_REDIRECTS, f"{host}: more than {policy.max_redirects} redirects"
        )
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return FetchError(FetchErrorKind.BAD_URL, f"{host}: unsupported or invalid URL ({exc})")
    if isinstance(exc, httpx.ConnectError):
        chain = list(_causes(exc))
        text = " ".join(str(e) for e in chain).lower()
        if any(isinstance(e, socket.gaierror) for e in chain) or any(
            m in text for m in _DNS_MARKERS
        ):
            return FetchError(FetchErrorKind.DNS, f"{host}: could not resolve host (offline?)")
        if (
            any(isinstance(e, ssl.SSLError) for e in chain)
            or "ssl" in text
            or "certificate" in text
        ):
            return FetchError(FetchErrorKind.CONNECT, f"{host}: secure connection (TLS) failed")
        if any(isinstance(e, ConnectionRefusedError) for e in chain) or "refused" in text:
            return FetchError(FetchErrorKind.CONNECT, f"{host}: connection refused")
        return FetchError(FetchErrorKind.CONNECT, f"{host}: could not connect (offline?)")
    if isinstance(exc, httpx.ProxyError):
        return FetchError(FetchErrorKind.CONNECT, f"{host}: proxy error ({exc})")
    if isinstance(exc, httpx.NetworkError):  # read/write/close errors mid-exchange
        return FetchError(FetchErrorKind.CONNECT, f"{host}: connection lost")
    if isinstance(exc, httpx.RemoteProtocolError):
        return FetchError(FetchErrorKind.PROTOCOL, f"{host}: broken HTTP response ({exc})")
    return FetchError(FetchErrorKind.PROTOCOL, f"{host}: {type(exc).__name__}: {exc}")
