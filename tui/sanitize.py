"""Make hostile feed text safe to keep and to show.

Every string that comes from a feed or a web page passes through :func:`clean_text`
once, at parse time. Textual strips only BEL, BS, VT, FF and CR before writing to
the terminal, so an ESC or C1 byte left here would reach the user's terminal raw
(clipboard writes via OSC 52, retitled windows, cleared screens, forged links).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

# Whole escape sequences first, so their parameters don't survive as visible junk:
# CSI (ESC [ ... final), OSC (ESC ] ... BEL or ST), DCS/SOS/PM/APC (ESC P/X/^/_ ... ST),
# and the 8-bit forms introduced by C1 CSI (0x9b) and OSC (0x9d).
_ESCAPE_SEQUENCE = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]?            # CSI
  | \x9b[0-?]*[ -/]*[@-~]?              # 8-bit CSI
  | (?:\x1b[\]PX^_]|[\x9d\x90\x98\x9e\x9f])  # OSC / DCS / SOS / PM / APC introducer
    [^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?   # ... up to BEL or ST, or the end
  | \x1b[ -/]*[0-~]?                    # any other ESC sequence (ESC c, ESC ( B, ...)
    """,
    re.VERBOSE,
)
# C0 except tab and newline, DEL, C1, and the bidi overrides that can make a
# title read differently from what it is (Trojan Source style).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean_text(text: str | None) -> str:
    """Strip escape sequences and control characters; keep tabs and newlines."""
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _ESCAPE_SEQUENCE.sub("", text)
    return _CONTROL.sub("", text)


def clean_line(text: str | None) -> str:
    """Like :func:`clean_text`, then fold all whitespace to single spaces (titles)."""
    return " ".join(clean_text(text).split())


SAFE_LINK_SCHEMES = frozenset({"http", "https"})


def is_openable_link(url: str) -> bool:
    """True for absolute http(s) URLs with a host: the only links we hand to a browser."""
    if not url or any(ch.isspace() for ch in url) or _CONTROL.search(url):
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        return False
    return parts.scheme.lower() in SAFE_LINK_SCHEMES and bool(parts.hostname)


def link_scheme(url: str) -> str:
    """The scheme of ``url`` for a user message (``"javascript"``, ``"file"``), or ``""``."""
    try:
        return urlsplit(url).scheme.lower()
    except ValueError:
        return ""


def normalize_feed_url(url: str) -> str:
    """One spelling per feed, so ``HTTP://Example.com/f#top`` shares posts and state
    with ``http://example.com/f``: scheme and host lower-cased, fragment dropped."""
    parts = urlsplit(url.strip())
    # User info in the netloc is case-sensitive; leave such URLs as given.
    netloc = parts.netloc if "@" in parts.netloc else parts.netloc.lower()
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))


def page_key(url: str) -> str:
    """What two links to one page share: ``https://Blog.example/post/#intro`` and
    ``https://blog.example/post`` both give ``https://blog.example/post``."""
    try:
        parts = urlsplit(normalize_feed_url(url))
    except ValueError:
        return url.strip().rstrip("/")
    return urlunsplit(parts._replace(path=parts.path.rstrip("/")))


def host_of(url: str) -> str:
    """The host a message names for ``url`` (``blog.rajpoot.dev``), or the URL itself."""
    try:
        return urlsplit(url).hostname or url
    except ValueError:
        return url


def shorten(text: str, limit: int) -> str:
    """Keep a notice readable when a feed or page hands us an absurd string."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
