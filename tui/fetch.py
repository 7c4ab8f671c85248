"""Fetch one feed URL politely and safely, synchronously.

Runs inside a Textual thread worker and in the headless CLI, so it must not import
Textual (or feedparser): it only turns a URL into bytes plus cache metadata, or a
:class:`FetchError` whose ``message`` is fit to show a user.

Safety properties worth keeping when editing this module:

* the body cap counts *decompressed* bytes, and decompression is bounded per call,
  so a gzip bomb never allocates much more than the cap;
* a server that dribbles bytes cannot hold a worker forever (overall deadline);
* nothing but :class:`FetchError` escapes :func:`fetch_feed`.
"""

from __future__ import annotations

import enum
import random
import socket
import ssl
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from urllib.parse import urlsplit

import httpx

from tui import USER_AGENT

__all__ = [
    "ACCEPT",
    "FetchError",
    "FetchErrorKind",
    "FetchPolicy",
    "FetchResult",
    "fetch_feed",
]

ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
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


def fetch_feed(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    policy: FetchPolicy = FetchPolicy(),  # frozen, so a shared default is safe
    transport: httpx.BaseTransport | None = None,
    sleep: Callable[[float], None] = time.sleep,
    should_cancel: Callable[[], bool] = lambda: False,
) -> FetchResult:
    """GET ``url`` (conditionally, if validators are given), retrying transient faults.

    Raises :class:`FetchError` and nothing else.
    """
    host = _validate_url(url)
    headers = {
        "User-Agent": USER_AGENT,
        "Accept": ACCEPT,
        "Accept-Encoding": _ACCEPT_ENCODING,
    }
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified

    attempt = 0
    while True:
        attempt += 1
        _check_cancel(should_cancel, host)
        try:
            return _attempt(
                url,
                host,
                headers,
                etag=etag,
                last_modified=last_modified,
                policy=policy,
                transport=transport,
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
                    # and letting the caller schedule the next poll from retry_after.
                    raise
                delay = err.retry_after
            else:
                delay = _backoff(policy, attempt)
        _check_cancel(should_cancel, host)
        sleep(delay)


def _attempt(
    url: str,
    host: str,
    headers: dict[str, str],
    *,
    etag: str | None,
    last_modified: str | None,
    policy: FetchPolicy,
    transport: httpx.BaseTransport | None,
    should_cancel: Callable[[], bool],
    attempt: int,
) -> FetchResult:
    deadline = time.monotonic() + _DEADLINE_FACTOR * policy.timeout
    current_host = host
    try:
        with (
            httpx.Client(
                transport=transport,
                timeout=httpx.Timeout(policy.timeout),
                follow_redirects=True,
                max_redirects=policy.max_redirects,
                headers=headers,
                event_hooks={"request": [_refuse_unsafe_scheme]},
            ) as client,
            client.stream("GET", url) as response,
        ):
            current_host = response.url.host or host
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
            _raise_for_status(response, current_host)
            body = _read_body(
                response,
                current_host,
                policy=policy,
                deadline=deadline,
                should_cancel=should_cancel,
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
    except FetchError:
        raise
    except _UnsafeRedirectError as exc:
        raise FetchError(
            FetchErrorKind.BAD_URL,
            f"{current_host}: refused redirect to a {exc.scheme}: URL",
        ) from None
    except httpx.HTTPError as exc:
        raise _map_httpx_error(exc, _error_host(exc, current_host), policy) from exc
    except Exception as exc:  # last line of defence: callers rely on FetchError only
        raise FetchError(
            FetchErrorKind.PROTOCOL,
            f"{current_host}: unexpected error ({type(exc).__name__}: {exc})",
        ) from exc


class _UnsafeRedirectError(Exception):
    def __init__(self, scheme: str) -> None:
        super().__init__(scheme)
        self.scheme = scheme


def _refuse_unsafe_scheme(request: httpx.Request) -> None:
    # Request hooks run for every hop, so this also vets each redirect target; with
    # an injected transport nothing else would stop e.g. a file:// Location.
    if request.url.scheme not in _ALLOWED_SCHEMES:
        raise _UnsafeRedirectError(request.url.scheme)


def _validate_url(url: str) -> str:
    """Return the host of ``url`` or raise BAD_URL, before touching the network."""
    shown = url if len(url) <= 60 else url[:57] + "..."
    if not url:
        raise FetchError(FetchErrorKind.BAD_URL, "empty feed URL")
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
) -> bytes:
    cap = policy.max_bytes
    too_large = FetchError(
        FetchErrorKind.TOO_LARGE, f"{host}: feed is larger than {_human_size(cap)}"
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
