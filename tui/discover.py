"""Find feeds: from a web page, from what the user typed, and the blog's own feeds.

Core module: stdlib only (no Textual, no httpx), so the CLI, the app and the tests can
all use it without loading the UI or the network stack. Everything here takes text or
bytes and returns plain values; fetching is the caller's job.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from tui.sanitize import clean_line

__all__ = [
    "FoundFeed",
    "blog_suggestions",
    "discover_feeds",
    "looks_like_feed",
    "normalise_location",
]


@dataclass(frozen=True)
class FoundFeed:
    url: str  # absolute http(s)
    title: str  # the link's title attribute, control characters stripped; may be ""
    kind: str  # "rss", "atom", "json", or "" when only the URL's shape suggested a feed


# --- looks_like_feed ---------------------------------------------------------------

_FEED_XML_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/rdf+xml"})
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_XML_TYPES = frozenset({"application/xml", "text/xml"})
_JSON_TYPES = frozenset({"application/json", "text/json"})
# A feed's root element comes within this much text after its prolog (spec'd 2 KB).
_ROOT_WINDOW = 2048
# The prolog itself (XML declaration, stylesheet PIs, generator comments, padding) is
# skipped within this much; Squarespace pads with ~700 spaces, nobody pads with 64 KB.
_PROLOG_LIMIT = 65536
_FEED_ROOT = re.compile(r"<(?:rss|feed|(?:[\w.-]+:)?RDF)[\s>/]", re.IGNORECASE)
_JSONFEED_VERSION = re.compile(r'"version"\s*:\s*"https?://jsonfeed\.org/', re.IGNORECASE)
_JSONFEED_URL = re.compile(r"https?://jsonfeed\.org/", re.IGNORECASE)
# Parsing a whole JSON body to find "version" is fine for feeds; beyond this it is not a
# feed anyone reads, and we don't want a hostile 500 MB body parsed just to say no.
_JSON_PARSE_LIMIT = 4 * 1024 * 1024


def _decode_head(body: bytes, limit: int) -> str:
    """The start of ``body`` as text. Markup is ASCII in UTF-8 and in the single-byte and
    CJK encodings feeds use, so UTF-8 with replacement is enough to find tags; only
    UTF-16/32 (with a BOM, or the tell-tale NUL after '<') need decoding properly."""
    head = body[: limit * 4]
    for bom, codec in (
        (b"\xff\xfe\x00\x00", "utf-32-le"),
        (b"\x00\x00\xfe\xff", "utf-32-be"),
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
        (b"\xef\xbb\xbf", "utf-8"),
    ):
        if head.startswith(bom):
            return head[len(bom) :].decode(codec, errors="replace")[:limit]
    if head.startswith(b"<\x00"):
        return head.decode("utf-16-le", errors="replace")[:limit]
    if head.startswith(b"\x00<"):
        return head.decode("utf-16-be", errors="replace")[:limit]
    return head[:limit].decode("utf-8", errors="replace")


def _skip_prolog(text: str) -> str:
    """Drop whitespace, ``<?...?>``, ``<!--...-->`` and ``<!DOCTYPE ...>`` from the front."""
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if text.startswith("<?", pos):
            end, close = text.find("?>", pos), 2
        elif text.startswith("<!--", pos):
            end, close = text.find("-->", pos), 3
        elif text.startswith("<!", pos):
            end, close = text.find(">", pos), 1
        else:
            return text[pos:]
        if end < 0:
            return ""  # an unterminated prolog is no feed we can read
        pos = end + close


def _xml_feed(body: bytes) -> bool:
    rest = _skip_prolog(_decode_head(body, _PROLOG_LIMIT + _ROOT_WINDOW))
    # The root element must come first: an HTML page that merely mentions "<rss" in a
    # script or a code sample is still a page.
    match = _FEED_ROOT.match(rest[:_ROOT_WINDOW])
    return match is not None


def _json_feed(body: bytes) -> bool:
    text = _decode_head(body, _ROOT_WINDOW).lstrip()
    if not text.startswith("{"):
        return False
    if _JSONFEED_VERSION.search(text):
        return True  # generators write "version" first; this avoids parsing the body
    if len(body) > _JSON_PARSE_LIMIT:
        return False
    try:
        data = json.loads(body.decode("utf-8", errors="replace").lstrip("\ufeff"))
    except ValueError:
        return False
    version = data.get("version") if isinstance(data, dict) else None
    return isinstance(version, str) and bool(_JSONFEED_URL.match(version))


def looks_like_feed(body: bytes, content_type: str) -> bool:
    """Whether a fetched body is a feed (RSS, Atom, RDF or JSON Feed) rather than a page.

    An explicit feed content type is trusted; generic XML or JSON types are sniffed; an
    HTML type never is a feed. A missing or vague type (``file://`` has none, raw hosts
    say ``text/plain``, some servers ``application/octet-stream``) is sniffed both ways,
    so a feed opened from disk or a mislabelled server still counts.
    """
    ctype = content_type.split(";", 1)[0].strip().lower()
    if ctype in _FEED_XML_TYPES or ctype == "application/feed+json":
        return True
    if ctype in _HTML_TYPES:
        return False
    if ctype in _XML_TYPES or ctype.endswith("+xml"):
        return _xml_feed(body)
    if ctype in _JSON_TYPES or ctype.endswith("+json"):
        return _json_feed(body)
    return _xml_feed(body) or _json_feed(body)


# --- discover_feeds ----------------------------------------------------------------

_LINK_KINDS = {
    "application/rss+xml": "rss",
    "application/atom+xml": "atom",
    "application/feed+json": "json",
    "application/json": "json",
}
# Path endings that are feeds on common generators (Hugo, WordPress, Jekyll, Ghost).
_FEEDLIKE_ENDINGS = ("/index.xml", ".rss", ".atom", "/feed", "/feed/", "/rss.xml", "/atom.xml")
_MAX_FEEDS = 20
# Feed links live in <head>; the fallback anchors are early in <body>. Parsing beyond a
# few MB only gives a hostile page more room to make html.parser slow.
_MAX_HTML_CHARS = 4 * 1024 * 1024
_SAFE_SCHEMES = ("http", "https")


def _is_wp_api(href: str, ctype: str) -> bool:
    """WordPress marks its REST API record of a post as ``rel="alternate"
    type="application/json"`` (``/wp-json/wp/v2/posts/997``): JSON, but not a feed."""
    return ctype == "application/json" and "/wp-json/" in href.lower()


class _LinkCollector(HTMLParser):
    """Collects raw feed links, candidate anchors and the first <base href>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base: str | None = None
        self.links: list[tuple[str, str, str]] = []  # (href, title, kind)
        self.anchors: list[tuple[str, str]] = []  # (href, title)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # html.parser lower-cases tag and attribute names, not values; the first of a
        # repeated attribute wins, as in browsers.
        values: dict[str, str] = {}
        for name, value in attrs:
            values.setdefault(name, value or "")
        href = values.get("href", "").strip()
        if not href:
            return
        if tag == "base":
            if self.base is None:
                self.base = href
        elif tag == "link":
            rels = values.get("rel", "").lower().split()
            ctype = values.get("type", "").split(";", 1)[0].strip().lower()
            if "alternate" in rels and ctype in _LINK_KINDS and not _is_wp_api(href, ctype):
                self.links.append((href, values.get("title", ""), _LINK_KINDS[ctype]))
        elif tag == "a":
            self.anchors.append((href, values.get("title", "")))


def _absolute(href: str, base: str) -> str | None:
    """``href`` resolved against ``base`` if the result is an http(s) URL with a host."""
    try:
        url = urljoin(base, href)
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return None
    if parts.scheme.lower() not in _SAFE_SCHEMES or not parts.hostname:
        return None
    # A fragment names a place in a document, never a different feed.
    return url.split("#", 1)[0]


def _host(url: str) -> str:
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    # example.com and www.example.com are the same site for "is this link ours?".
    return host.removeprefix("www.")


def discover_feeds(html: bytes | str, base_url: str) -> list[FoundFeed]:
    """Feeds a page points at: ``<link rel="alternate">`` with a feed type, in page order.

    Only when a page has none of those are its same-host ``<a>`` links with a feed-like
    path taken (kind ``""``). At most 20, no duplicates, only http(s). Never raises on
    broken or hostile markup: whatever was found before the damage is returned.
    """
    text = html.decode("utf-8", errors="replace") if isinstance(html, bytes) else html
    collector = _LinkCollector()
    # html.parser is lenient but has raised (AssertionError, ValueError) on odd markup in
    # past releases; a broken page must still give whatever links came before the damage.
    with contextlib.suppress(Exception):
        collector.feed(text[:_MAX_HTML_CHARS])
        collector.close()

    base = base_url
    if collector.base is not None:
        # A <base> that isn't http(s) (javascript:, data:) can't be a base for feeds.
        base = _absolute(collector.base, base_url) or base_url

    found: list[FoundFeed] = []
    seen: set[str] = set()

    def add(href: str, title: str, kind: str) -> None:
        url = _absolute(href, base)
        if url is None or url in seen or len(found) >= _MAX_FEEDS:
            return
        seen.add(url)
        found.append(FoundFeed(url=url, title=clean_line(title), kind=kind))

    for href, title, kind in collector.links:
        add(href, title, kind)
    if found:
        return found

    # Fallback for pages without discovery links (many Hugo themes, hand-written sites):
    # guess from anchors, but only the site's own, so an ad or a blogroll link to another
    # site's feed isn't offered as this page's feed.
    page_host = _host(base_url)
    for href, title in collector.anchors:
        url = _absolute(href, base)
        if url is None or not page_host or _host(url) != page_host:
            continue
        path = urlsplit(url).path.lower()
        if path.endswith(_FEEDLIKE_ENDINGS):
            add(url, title, "")
    return found


# --- normalise_location ------------------------------------------------------------

_HOST_LABEL = re.compile(r"^[^\W_](?:[\w-]*[^\W_])?$")


def _looks_like_host(text: str) -> bool:
    """``example.com`` or ``blog.rajpoot.dev:8080``: dotted labels before the first '/'."""
    if any(ch.isspace() for ch in text):
        return False
    host = re.split(r"[/?#]", text, maxsplit=1)[0]
    host, _, port = host.partition(":")
    if port and not port.isdigit():
        return False  # "javascript:alert(x.y)", "mailto:a@b.c"
    labels = host.split(".")
    return len(labels) >= 2 and all(_HOST_LABEL.match(label) for label in labels)


def _host_part(text: str) -> str:
    """The host of a schemeless address: ``[::1]`` of ``[::1]:8080/x``, ``a.b`` of ``a.b:80/x``."""
    authority = re.split(r"[/?#]", text, maxsplit=1)[0]
    if authority.startswith("["):
        return authority[1:].partition("]")[0]
    return authority.partition(":")[0]


def _is_local_host(text: str) -> bool:
    """``localhost:8080/feed``, ``127.0.0.1/x``, ``192.168.1.5:8000``, ``[::1]/x``.

    A machine on the user's own network: nearly always plain http, where https
    would only fail with a TLS error that names nothing the user typed.
    """
    import ipaddress

    if any(ch.isspace() for ch in text):
        return False
    authority = re.split(r"[/?#]", text, maxsplit=1)[0]
    port = authority.rpartition("]")[2] if authority.startswith("[") else authority
    _, colon, digits = port.partition(":")
    if colon and not digits.isdigit():
        return False
    host = _host_part(text).lower()
    if host == "localhost" or host.endswith(".localhost"):
        # A bare word "localhost" is no address of a feed (and could be a typo for a file).
        return text.lower() != "localhost"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local


def _bad_location(text: str) -> ValueError:
    shown = text if len(text) <= 80 else text[:79] + "…"
    return ValueError(f"not a feed address: {shown!r} (use an http(s) URL, a file path or file://)")


def normalise_location(text: str, *, cwd: Path | None = None) -> str:
    """Turn what the user typed for ``--feed`` or ``add`` into a URL we can fetch.

    http(s) and ``file:///`` URLs are kept (scheme lower-cased); an existing file becomes
    a ``file://`` URL; a bare host-like address gets ``https://``, or ``http://`` when it is
    this machine or one on the local network (``localhost:8080``, ``192.168.1.5/feed``,
    where https would fail with nothing but a TLS error). Anything else raises
    :class:`ValueError` with a message meant for the user.
    """
    typed = text.strip()
    if not typed:
        raise _bad_location(typed)
    scheme, sep, rest = typed.partition(":")
    lowered = scheme.lower()
    if sep and lowered in _SAFE_SCHEMES:
        try:
            netloc = urlsplit(typed).netloc
        except ValueError:
            netloc = ""
        if not rest.startswith("//") or not netloc or any(ch.isspace() for ch in netloc):
            raise _bad_location(typed)
        return f"{lowered}:{rest}"
    if sep and lowered == "file":
        # Only local absolute file URLs: file:///path (or file://localhost/path).
        if rest.startswith("///") or rest.lower().startswith("//localhost/"):
            return f"file:{rest}"
        raise _bad_location(typed)

    # A file on disk wins over the host guess: "feed.xml" in the current folder is the
    # file the user means, not https://feed.xml.
    try:
        path = Path(typed).expanduser()  # RuntimeError for "~nosuchuser/..."
        if not path.is_absolute():
            path = (cwd if cwd is not None else Path.cwd()) / path
        if path.is_file():
            return path.resolve().as_uri()
        is_dir = path.is_dir()
    except (OSError, ValueError, RuntimeError):  # too long, a NUL, an unknown ~user
        is_dir = False

    if typed.startswith(("/", "./", "../", "~")):
        # Meant as a path, not an address: say what is wrong with the path.
        raise ValueError(f"no such file: {typed!r}")
    if _is_local_host(typed):
        return f"http://{typed}"
    if _looks_like_host(typed):
        return f"https://{typed}"
    if is_dir:
        raise ValueError(f"{typed!r} is a folder, not a feed file")
    raise _bad_location(typed)


# --- blog_suggestions --------------------------------------------------------------

BLOG_HOST = "blog.rajpoot.dev"
BLOG_FEEDS = (
    "https://blog.rajpoot.dev/index.xml",
    "https://blog.rajpoot.dev/posts/index.xml",
    "https://blog.rajpoot.dev/tags/backend/index.xml",
    "https://blog.rajpoot.dev/tags/rust/index.xml",
    "https://blog.rajpoot.dev/tags/go/index.xml",
    "https://blog.rajpoot.dev/tags/django/index.xml",
    "https://blog.rajpoot.dev/tags/postgresql/index.xml",
)


def _blog_key(url: str) -> str | None:
    """``url``'s path and query if it is on the blog (http or https, www. or not)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in _SAFE_SCHEMES:
        return None
    if (parts.hostname or "").removeprefix("www.") != BLOG_HOST:
        return None
    # "/tags/go/index.xml/" and "/tags/go/index.xml" are the same feed to a reader.
    path = parts.path.rstrip("/") or "/"
    return f"{path}?{parts.query}" if parts.query else path


def blog_suggestions(url: str) -> list[str]:
    """The blog's other feeds, for a URL on blog.rajpoot.dev; ``[]`` for any other site."""
    key = _blog_key(url)
    if key is None:
        return []
    return [feed for feed in BLOG_FEEDS if _blog_key(feed) != key]
