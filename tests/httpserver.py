"""A small, scriptable HTTP server on 127.0.0.1 for tests (no internet needed).

Usage::

    from tests.httpserver import FeedServer, Response, feed_server  # noqa: F401

    def test_something(feed_server: FeedServer) -> None:
        url = feed_server.route("/feed.xml", Response(200, {"ETag": '"v1"'}, b"<rss/>"))
        ...
        assert feed_server.requests[0].header("user-agent").startswith("rajpoot-tui/")

A route is a :class:`Response`, a ``(status, headers, body)`` tuple, or a callable
that receives the :class:`RecordedRequest` (method, path, headers) and returns one of
those, which is how conditional GET is scripted. :meth:`FeedServer.route_sequence`
serves a list of responses in order (the last one repeats) for retry tests.

Misbehaving servers are described by :class:`Response` fields (``headers_delay``,
``chunk_delay``, ``content_length`` lies, ``close_after``) and ready-made builders
below (:func:`slow`, :func:`dribble`, :func:`gzip_bomb_response`, ...).

Every wait in a handler goes through the server's stop event and every loop is
bounded, so fixture teardown never hangs on a handler that is mid-dribble.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import socket
import threading
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal

import pytest

__all__ = [
    "FeedServer",
    "RecordedRequest",
    "Response",
    "Route",
    "closed_port",
    "corrupt_gzip_response",
    "dribble",
    "feed_server",
    "gzip_bomb",
    "gzip_bomb_response",
    "gzip_response",
    "lying_length",
    "no_proxy_env",
    "redirect",
    "retry_after",
    "running_feed_server",
    "slow",
    "truncated",
]

HeaderItems = Mapping[str, str] | Sequence[tuple[str, str]]

# Caps every per-socket read/write in the server so a stuck client cannot pin a thread.
_SOCKET_TIMEOUT = 5.0
_PROXY_VARS = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """What the server received. Header names are lower-cased."""

    method: str
    path: str  # including any query string
    headers: Mapping[str, str]

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass(frozen=True, slots=True)
class Response:
    """A scripted response, including ways for it to misbehave.

    content_length: ``"auto"`` sends the real length, ``None`` omits the header (the
    body is then delimited by closing the connection), an int sends that (lying)
    value. ``close_after`` stops writing after that many body bytes and hangs up.
    """

    status: int = 200
    headers: HeaderItems = ()
    body: bytes = b""
    content_length: int | Literal["auto"] | None = "auto"
    headers_delay: float = 0.0  # before the status line
    chunk_size: int = 64 * 1024
    chunk_delay: float = 0.0  # between body chunks
    close_after: int | None = None


RouteResult = Response | tuple[int, HeaderItems, bytes]
Route = RouteResult | Callable[[RecordedRequest], RouteResult]


def _as_response(result: RouteResult) -> Response:
    if isinstance(result, Response):
        return result
    status, headers, body = result
    return Response(status, headers, body)


def _header_pairs(headers: HeaderItems) -> list[tuple[str, str]]:
    if isinstance(headers, Mapping):
        return list(headers.items())
    return list(headers)


# ---------------------------------------------------------------- response builders


def slow(delay: float, body: bytes = b"<rss/>") -> Response:
    """Send nothing at all for ``delay`` seconds, then a normal response."""
    return Response(200, {"Content-Type": "application/rss+xml"}, body, headers_delay=delay)


def dribble(body: bytes, *, chunk_delay: float, chunk_size: int = 1) -> Response:
    """Send ``body`` ``chunk_size`` bytes at a time, pausing ``chunk_delay`` between."""
    return Response(
        200,
        {"Content-Type": "application/rss+xml"},
        body,
        chunk_size=chunk_size,
        chunk_delay=chunk_delay,
    )


def redirect(location: str, status: int = 302) -> Response:
    return Response(status, {"Location": location})


def retry_after(status: int, value: str | float) -> Response:
    """A 429/503 carrying ``Retry-After`` (seconds, or an HTTP-date string)."""
    shown = f"{value:g}" if isinstance(value, float | int) else value
    return Response(status, {"Retry-After": shown}, b"slow down")


def gzip_response(body: bytes, content_type: str = "application/rss+xml") -> Response:
    return Response(
        200,
        {"Content-Type": content_type, "Content-Encoding": "gzip"},
        gzip.compress(body),
    )


def corrupt_gzip_response() -> Response:
    good = gzip.compress(b"<rss>" + b"x" * 4096 + b"</rss>")
    # Keep the valid gzip header so the failure happens inside the deflate stream.
    bad = good[:12] + bytes(b ^ 0x5A for b in good[12:40]) + good[40:]
    return Response(200, {"Content-Encoding": "gzip"}, bad)


BOMB_SIZE = 50 * 1024 * 1024


@functools.cache
def gzip_bomb() -> bytes:
    """50 MB of zeros, gzipped to about 50 KB; built once, without a 50 MB buffer."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1024 * 1024)
    parts = [compressor.compress(block) for _ in range(BOMB_SIZE // len(block))]
    parts.append(compressor.flush())
    return b"".join(parts)


def gzip_bomb_response() -> Response:
    return Response(
        200,
        {"Content-Type": "application/rss+xml", "Content-Encoding": "gzip"},
        gzip_bomb(),
    )


def lying_length(body: bytes, claimed: int) -> Response:
    """Announce ``claimed`` bytes in Content-Length but send ``body``, then hang up."""
    return Response(200, {"Content-Type": "application/rss+xml"}, body, content_length=claimed)


def truncated(body: bytes, after: int) -> Response:
    """Announce the full length, send only ``after`` bytes, then close the connection."""
    return Response(200, {"Content-Type": "application/rss+xml"}, body, close_after=after)


def closed_port() -> int:
    """A local port that (almost certainly) refuses connections right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# ---------------------------------------------------------------- the server


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    timeout = _SOCKET_TIMEOUT

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def do_POST(self) -> None:
        self._serve(send_body=True)

    def log_message(self, format: str, *args: object) -> None:
        pass  # requests are recorded; stderr noise would only clutter test output

    def _serve(self, *, send_body: bool) -> None:
        owner = self.server.owner
        request = RecordedRequest(
            method=self.command,
            path=self.path,
            headers={k.lower(): v for k, v in self.headers.items()},
        )
        response = owner._respond(request)
        # One request per connection keeps the server trivially correct for bodies
        # delimited by close and for deliberately broken lengths.
        self.close_connection = True
        if response.headers_delay and owner.stopping.wait(response.headers_delay):
            return

        body = response.body if send_body else b""
        self.send_response(response.status)
        for name, value in _header_pairs(response.headers):
            self.send_header(name, value)
        if response.content_length == "auto":
            self.send_header("Content-Length", str(len(response.body)))
        elif response.content_length is not None:
            self.send_header("Content-Length", str(response.content_length))
        self.send_header("Connection", "close")
        self.end_headers()

        if response.close_after is not None:
            body = body[: response.close_after]
        step = max(1, response.chunk_size)
        for start in range(0, len(body), step):  # bounded by len(body)
            if start and response.chunk_delay and owner.stopping.wait(response.chunk_delay):
                return
            self.wfile.write(body[start : start + step])
            self.wfile.flush()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: FeedServer

    def handle_error(self, request: object, client_address: object) -> None:
        # Clients hanging up on slow or oversized responses is the point of many tests.
        pass


@dataclass
class FeedServer:
    """A running local server. Register routes, build URLs, inspect requests."""

    _routes: dict[str, list[Route]] = field(default_factory=dict)
    _hits: dict[str, int] = field(default_factory=dict)
    requests: list[RecordedRequest] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _httpd: _Server | None = None
    _thread: threading.Thread | None = None

    # -- lifecycle

    def start(self) -> FeedServer:
        httpd = _Server(("127.0.0.1", 0), _Handler)
        httpd.owner = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()  # wakes handlers sleeping in a delay or dribble
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()  # joins handler threads; all are bounded
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        port: int = self._httpd.server_address[1]
        return port

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    # -- routes

    def route(self, path: str, handler: Route) -> str:
        """Serve ``handler`` for every request to ``path``; return its URL."""
        return self.route_sequence(path, [handler])

    def route_sequence(self, path: str, handlers: Sequence[Route]) -> str:
        """Serve ``handlers`` in order, one per request; the last one repeats."""
        if not handlers:
            raise ValueError("route_sequence needs at least one handler")
        with self._lock:
            self._routes[path] = list(handlers)
            self._hits[path] = 0
        return self.url(path)

    def redirect_chain(self, path: str, hops: int, target: str) -> str:
        """``path`` -> ``path/1`` -> ... -> ``target``: exactly ``hops`` redirects."""
        stops = [path] + [f"{path}/{i}" for i in range(1, hops)]
        for here, there in zip(stops, [*stops[1:], target], strict=True):
            self.route(here, redirect(there))
        return self.url(path)

    def redirect_loop(self, path: str) -> str:
        """``path`` -> ``path/b`` -> ``path`` -> ... forever."""
        self.route(path, redirect(f"{path}/b"))
        self.route(f"{path}/b", redirect(path, status=301))
        return self.url(path)

    # -- inspection

    def requests_for(self, path: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path.split("?", 1)[0] == path]

    def hits(self, path: str) -> int:
        return len(self.requests_for(path))

    def _respond(self, request: RecordedRequest) -> Response:
        bare_path = request.path.split("?", 1)[0]
        with self._lock:
            self.requests.append(request)
            handlers = self._routes.get(bare_path)
            if handlers is None:
                return Response(404, {"Content-Type": "text/plain"}, b"no such route")
            index = min(self._hits[bare_path], len(handlers) - 1)
            self._hits[bare_path] += 1
        handler = handlers[index]
        result = handler(request) if callable(handler) else handler
        return _as_response(result)


@contextlib.contextmanager
def running_feed_server() -> Iterator[FeedServer]:
    """The server as a context manager, for use outside pytest fixtures."""
    server = FeedServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make sure httpx (trust_env) talks to 127.0.0.1 directly, never via a proxy."""
    for name in _PROXY_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def feed_server(no_proxy_env: None) -> Iterator[FeedServer]:
    """A fresh :class:`FeedServer` on 127.0.0.1, stopped after the test."""
    with running_feed_server() as server:
        yield server
