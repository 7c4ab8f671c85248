"""One refresh of one feed: fetch, parse, merge, record. No Textual here.

The UI runs :func:`refresh_feed` in a thread worker and the ``refresh`` CLI
subcommand calls it directly, so both see the same outcomes and messages.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from tui import DEFAULT_FEED_URL
from tui.sanitize import host_of
from tui.store import MergeResult, Store

if TYPE_CHECKING:
    import httpx

    from tui.fetch import FetchPolicy, RetryHook
    from tui.models import ParsedFeed


# Longest wait a server may impose through Retry-After (the same bound as RSS <ttl>).
_MAX_SERVER_WAIT_SECONDS = 7 * 24 * 3600


class Status(enum.StrEnum):
    UPDATED = "updated"
    NOT_MODIFIED = "not-modified"
    FAILED = "failed"
    CANCELLED = "cancelled"
    WAITING = "waiting"
    """Not fetched: the server's Retry-After has not passed yet."""


@dataclass(frozen=True, slots=True)
class RefreshOutcome:
    url: str
    status: Status
    message: str
    """One short line for a notification or the CLI summary."""
    merge: MergeResult | None = None
    error_kind: str = ""
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status in (Status.UPDATED, Status.NOT_MODIFIED)


def import_seed_if_empty(store: Store, url: str, *, now: datetime | None = None) -> bool:
    """Fill an empty store from the snapshot shipped in the package (default feed only).

    Returns True when posts were imported. The snapshot is imported only into a
    store with no posts for the feed, so it never overwrites anything newer.
    """
    if url != DEFAULT_FEED_URL or store.has_posts(url):
        return False
    from importlib import resources

    from tui.parse import parse_feed

    body = resources.files("tui").joinpath("seed/backend-index.xml").read_bytes()
    parsed = parse_feed(body, url=url, content_type="application/rss+xml")
    # The seed is not a fetch: keep the feed "never fetched" so the header says so,
    # and leave validators empty so the first real fetch gets a full body.
    store.merge(
        url,
        parsed,
        etag=None,
        last_modified=None,
        not_before=None,
        now=now or datetime.now(UTC),
        mark_new=False,
        record_success=False,
    )
    return True


def refresh_feed(
    store: Store,
    url: str,
    *,
    policy: FetchPolicy | None = None,
    transport: httpx.BaseTransport | None = None,
    client: httpx.Client | None = None,
    sleep: Callable[[float], None] | None = None,
    should_cancel: Callable[[], bool] = lambda: False,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    on_retry: RetryHook | None = None,
    parse: Callable[..., ParsedFeed] | None = None,
) -> RefreshOutcome:
    """Fetch ``url`` (conditionally), merge what changed, and record the result.

    Never raises for network or feed problems: each becomes a FAILED outcome with
    a short message, recorded on the feed row, with every stored post kept.
    ``client`` (see :func:`tui.fetch.make_client`) is a shared keep-alive client,
    left open; without one, a client is made for the call from ``transport``.
    """
    import time

    from tui.fetch import FetchError, FetchErrorKind, FetchPolicy, fetch_feed
    from tui.parse import FeedParseError, parse_feed

    known = store.feed(url)
    if known is not None and known.retry_until is not None and known.retry_until > now():
        # Every fetch honours it, even one the user asked for: asking again sooner
        # is what gets a reader's address blocked.
        return RefreshOutcome(
            url,
            Status.WAITING,
            f"{host_of(url)}: the server asked to wait until "
            f"{wait_until_text(known.retry_until, now())}; not fetched",
            error_kind="retry-after",
        )
    has_posts = store.has_posts(url)
    # Without stored posts a 304 would leave the user with nothing to read.
    etag = known.etag if known and has_posts else None
    last_modified = known.last_modified if known and has_posts else None
    try:
        result = fetch_feed(
            url,
            etag=etag,
            last_modified=last_modified,
            policy=policy or FetchPolicy(),
            transport=transport,
            client=client,
            sleep=sleep or time.sleep,
            should_cancel=should_cancel,
            on_retry=on_retry,
            # Feed URLs are the user's own (subscriptions, --feed); an OPML import
            # drops file: ones, and a server's redirect to file: is still refused.
            local_files=True,
        )
    except FetchError as error:
        if error.kind is FetchErrorKind.CANCELLED:
            return RefreshOutcome(
                url, Status.CANCELLED, "refresh cancelled", error_kind="cancelled"
            )
        retry_at = (
            # Capped: a huge Retry-After would overflow datetime (and is a typo anyway).
            now() + timedelta(seconds=min(error.retry_after, _MAX_SERVER_WAIT_SECONDS))
            if error.retry_after
            else None
        )
        message = error.message
        if retry_at is not None:
            # "until 14:05" is what a person can act on; "in 7200 s" is not.
            message = message.partition(", asks to retry in ")[0]
            message += f"; the server asked to wait until {wait_until_text(retry_at, now())}"
        store.record_failure(url, message, now=now(), not_before=retry_at)
        return RefreshOutcome(url, Status.FAILED, message, error_kind=str(error.kind))

    ttl = known.ttl_minutes if known else None
    if result.not_modified and not (etag or last_modified):
        # Nothing was asked conditionally, so "not modified" means nothing: a
        # broken server or proxy. Calling it "up to date" would hide it.
        message = f"{host_of(url)}: answered 304 Not Modified to a plain request; no feed to read"
        store.record_failure(url, message, now=now())
        return RefreshOutcome(url, Status.FAILED, message, error_kind="http-304")
    if result.not_modified:
        store.record_not_modified(
            url, not_before=_not_before(result.fresh_until, ttl, now()), now=now()
        )
        return RefreshOutcome(url, Status.NOT_MODIFIED, "up to date")

    try:
        parsed = (parse or parse_feed)(
            result.body, url=result.final_url, content_type=result.content_type
        )
    except FeedParseError as error:
        message = f"{host_of(url)}: {error.message}"
        store.record_failure(url, message, now=now())
        return RefreshOutcome(url, Status.FAILED, message, error_kind=error.kind)
    if should_cancel():
        return RefreshOutcome(url, Status.CANCELLED, "refresh cancelled", error_kind="cancelled")

    merge = store.merge(
        url,
        parsed,
        etag=result.etag,
        last_modified=result.last_modified,
        not_before=_not_before(result.fresh_until, parsed.ttl_minutes, now()),
        now=now(),
        # The first real fetch into an empty store would flag every post "new":
        # noise, not news.
        mark_new=has_posts,
    )
    return RefreshOutcome(
        url, Status.UPDATED, _summary(merge), merge=merge, warnings=list(parsed.warnings)
    )


def wait_until_text(until: datetime, now: datetime) -> str:
    """``14:05`` in the user's time zone; with the day when it is not today."""
    local, today = until.astimezone(), now.astimezone()
    if local.date() == today.date():
        return local.strftime("%H:%M")
    return local.strftime("%a %d %b %H:%M")


def _not_before(
    fresh_until: datetime | None, ttl_minutes: int | None, now: datetime
) -> datetime | None:
    """The earliest automatic re-fetch the publisher allows (max of HTTP freshness and ttl)."""
    candidates = [t for t in (fresh_until,) if t is not None]
    if ttl_minutes:
        candidates.append(now + timedelta(minutes=ttl_minutes))
    return max(candidates) if candidates else None


def _summary(merge: MergeResult) -> str:
    parts = []
    if merge.new:
        parts.append(f"{merge.new} new")
    if merge.updated:
        parts.append(f"{merge.updated} updated")
    return ", ".join(parts) if parts else "no new posts"
