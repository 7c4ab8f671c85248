"""The sidebar's rows and the failing-feeds view, from subscriptions and what the store knows.

No Textual here: the sidebar widget only draws these rows, so the rules (order,
folders, counts, which feeds count as failing, why a view is empty) are tested
without a terminal.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from tui.feedstatus import failed_last
from tui.models import FeedInfo
from tui.sanitize import host_of
from tui.timefmt import relative

ALL_FEEDS_LABEL = "All feeds"


class FeedLike(Protocol):
    """A subscription as the sidebar needs it (``tui.subscriptions.Subscription`` is one)."""

    @property
    def url(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def folder(self) -> str: ...


@dataclass(frozen=True)
class FeedRef:
    """One feed to read, for a run that has no subscription list (``--feed URL``)."""

    url: str
    title: str = ""
    folder: str = ""


class RowKind(enum.StrEnum):
    ALL = "all"
    FOLDER = "folder"
    FEED = "feed"


@dataclass(frozen=True)
class SidebarRow:
    kind: RowKind
    label: str
    unread: int
    url: str | None = None
    """The feed's URL; None for "All feeds" and for folders."""
    folder: str = ""
    failed: bool = False
    """The feed's last refresh failed (a folder: one of its feeds did)."""

    @property
    def row_id(self) -> str:
        """A stable option id, so the highlight survives a redraw."""
        if self.kind is RowKind.FEED:
            return f"feed:{self.url}"
        if self.kind is RowKind.FOLDER:
            return f"folder:{self.folder}"
        return "all"


def feed_title(feed: FeedLike, info: FeedInfo | None) -> str:
    """What to call a feed: the user's title, else the feed's own, else its address
    (host and path: several feeds of one host must not look alike)."""
    if feed.title:
        return feed.title
    if info is not None and info.title:
        return info.title
    return short_address(feed.url)


# The post list's feed column, when it lists several feeds: wide enough for most
# names, narrow enough to leave the title the room it needs.
FEED_COLUMN_MAX = 14


@dataclass(frozen=True)
class FeedColumn:
    """Which feed each row of a list of several feeds is from, as a column of one width."""

    names: Mapping[str, str]
    """The feeds' names by URL (the user's title, else the feed's own, else its address)."""
    width: int

    def label(self, url: str) -> str:
        """``url``'s name cut or padded to the column (a feed not listed: its address)."""
        name = self.names.get(url) or short_address(url)
        if len(name) > self.width:
            return name[: self.width - 1] + "…"
        return name.ljust(self.width)


def feed_column(
    feeds: Sequence[FeedLike], infos: Mapping[str, FeedInfo], *, extra: Sequence[str] = ()
) -> FeedColumn:
    """The column for ``feeds`` (and the ``extra`` URLs, such as starred posts of feeds
    no longer followed), as wide as its longest name up to ``FEED_COLUMN_MAX``."""
    names = {feed.url: feed_title(feed, infos.get(feed.url)) for feed in feeds}
    for url in extra:
        if url not in names:
            names[url] = feed_title(FeedRef(url), infos.get(url))
    width = min(FEED_COLUMN_MAX, max((len(name) for name in names.values()), default=1))
    return FeedColumn(names, max(1, width))


def short_address(url: str) -> str:
    """``example.com/blog/feed.xml``: a URL without its scheme, for a feed with no title."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.scheme == "file":
        return parts.path.rsplit("/", 1)[-1] or url
    shown = (parts.netloc + parts.path).rstrip("/")
    return shown or host_of(url) or url


def sidebar_rows(
    feeds: Sequence[FeedLike],
    infos: Mapping[str, FeedInfo],
    unread: Mapping[str, int],
) -> list[SidebarRow]:
    """ "All feeds", then feeds outside folders, then each folder with its feeds.

    Order is the subscription order (folders where their first feed is), which
    is the order of the user's settings file.
    """
    loose: list[SidebarRow] = []
    folders: dict[str, list[SidebarRow]] = {}
    for feed in feeds:
        info = infos.get(feed.url)
        row = SidebarRow(
            RowKind.FEED,
            feed_title(feed, info),
            unread.get(feed.url, 0),
            url=feed.url,
            folder=feed.folder,
            failed=failed_last(info),
        )
        if feed.folder:
            folders.setdefault(feed.folder, []).append(row)
        else:
            loose.append(row)
    rows = [
        SidebarRow(RowKind.ALL, ALL_FEEDS_LABEL, sum(unread.get(f.url, 0) for f in feeds)),
        *loose,
    ]
    for folder, members in folders.items():
        rows.append(
            SidebarRow(
                RowKind.FOLDER,
                folder,
                sum(row.unread for row in members),
                folder=folder,
                failed=any(row.failed for row in members),
            )
        )
        rows.extend(members)
    return rows


@dataclass(frozen=True)
class FailingFeed:
    title: str
    url: str
    error: str
    when: datetime | None


def failing_feeds(feeds: Sequence[FeedLike], infos: Mapping[str, FeedInfo]) -> list[FailingFeed]:
    """Every subscribed feed whose last refresh failed, in subscription order."""
    failing = []
    for feed in feeds:
        info = infos.get(feed.url)
        if info is not None and failed_last(info):
            failing.append(
                FailingFeed(
                    feed_title(feed, info), feed.url, info.last_error or "", info.last_attempt
                )
            )
    return failing


def failing_line(failing: FailingFeed, now: datetime) -> str:
    when = f" ({relative(failing.when, now)})" if failing.when is not None else ""
    return f"{failing.error}{when}"


def empty_feed_text(info: FeedInfo | None, now: datetime) -> str | None:
    """Why one feed shows no posts, when the feed itself is the reason (else None)."""
    if info is None or info.last_attempt is None:
        return "This feed has not been fetched yet."
    if failed_last(info) and info.last_success is None:
        error = (info.last_error or "").rstrip(".")
        return f"This feed could not be fetched: {error}."
    if info.last_success is not None:
        return f"The feed had no posts when it was fetched {relative(info.last_success, now)}."
    return None
