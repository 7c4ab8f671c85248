"""Plain data shared by the fetcher, the parser, the store, the CLI and the UI.

No Textual, httpx or feedparser import here: every layer can use these types
without paying for the heavy libraries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

BLOG_HOST = "blog.rajpoot.dev"
"""The blog this reader was made for: its URL paths carry sections."""
MAX_CATEGORIES = 12


@dataclass(frozen=True, slots=True)
class Entry:
    """One item of a feed as parsed, already sanitised, before it is stored.

    ``key`` identifies the item within its feed: the guid, else the link, else a
    hash of its content (see :func:`entry_key`).
    """

    key: str
    title: str
    link: str
    published: datetime | None
    """Timezone-aware (UTC) publication time, or ``None`` when the feed gives none."""
    updated: datetime | None
    summary: str
    """The description as Markdown: HTML has been converted, never shown as tags."""
    author: str = ""
    content_hash: str = ""
    """Hash of title, link, dates and summary, so a merge can tell a changed post."""
    source: str = ""
    """The description as the feed gave it (HTML or text), sanitised and capped: ``summary``
    and ``text`` are derived from it, and the store keeps it to derive them again when
    the converter changes."""
    text: str = ""
    """The description as plain text (no Markdown, no escapes), for search."""
    summary_truncated: bool = False
    """The feed's description was longer than we keep; the rest is on the web page."""
    categories: tuple[str, ...] = ()
    """The feed's categories (tags) for the item, cleaned, at most :data:`MAX_CATEGORIES`."""
    converter_version: int = 0
    """The :data:`tui.htmltext.CONVERTER_VERSION` that derived ``summary`` and ``text`` from
    ``source``; 0 when they were not derived from it (hand-made entries), which the store
    then keeps as given and never re-derives."""


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A whole feed document as parsed and sanitised."""

    url: str
    title: str
    link: str
    description: str
    entries: list[Entry]
    ttl_minutes: int | None = None
    """RSS ``<ttl>``: the publisher asks readers not to poll more often than this."""
    warnings: list[str] = field(default_factory=list)
    """Problems the parser recovered from (bozo feeds), for the log, not for a crash."""


@dataclass(frozen=True, slots=True)
class Post:
    """A stored post joined with the user's state for it; what the UI and CLI show."""

    id: str
    """Stable across cache rebuilds: derived from the feed URL and the entry key."""
    feed_url: str
    key: str
    title: str
    link: str
    published: datetime | None
    summary: str
    author: str
    first_seen: datetime
    last_seen: datetime
    read: bool = False
    starred: bool = False
    is_new: bool = False
    """Arrived with a refresh (not with the first fill of the store) and not read yet."""
    summary_truncated: bool = False
    """The feed's description was cut (see :data:`tui.parse.MAX_DESCRIPTION_CHARS`): the UI
    can say how to read the whole post, naming whatever key is bound to opening it."""
    categories: tuple[str, ...] = ()
    """The feed's categories (tags) for this post."""

    @property
    def section(self) -> str:
        """The blog section, from the URL path (``/posts/backend/x/`` gives ``backend``);
        only for the blog's own posts: elsewhere a path segment is not a section."""
        if urlsplit(self.link).hostname != BLOG_HOST:
            return ""
        return section_of(self.link)

    @property
    def display_title(self) -> str:
        return self.title or "(untitled)"


@dataclass(frozen=True, slots=True)
class FeedInfo:
    """What the store knows about one feed URL."""

    url: str
    title: str
    link: str = ""
    etag: str | None = None
    last_modified: str | None = None
    last_attempt: datetime | None = None
    last_success: datetime | None = None
    """Last time the network gave a usable answer (a parsed feed or a 304)."""
    last_error: str | None = None
    ttl_minutes: int | None = None
    not_before: datetime | None = None
    """Earliest next automatic fetch the server allows (Cache-Control/Expires/ttl)."""
    retry_until: datetime | None = None
    """Until when the server asked us not to fetch at all (Retry-After on a 429/503):
    no fetch, not even one the user asks for, goes out before then."""


def post_id(feed_url: str, key: str) -> str:
    """A short stable id for a post, the same whichever machine or cache computes it."""
    import hashlib  # here: the first paint hashes nothing, and OpenSSL takes a while to load

    digest = hashlib.sha256(f"{feed_url}\n{key}".encode()).hexdigest()
    return digest[:16]


def section_of(link: str) -> str:
    """The section of a Hugo permalink: the path segment after ``posts``.

    ``https://blog.rajpoot.dev/posts/backend/x/`` gives ``backend``; a link
    with no ``posts/<section>/`` part gives the first path segment, or ``""``.
    """
    try:
        parts = [p for p in urlsplit(link).path.split("/") if p]
    except ValueError:
        return ""
    if len(parts) >= 3 and parts[0] == "posts":
        return parts[1]
    if len(parts) >= 2:
        return parts[0]
    return ""
