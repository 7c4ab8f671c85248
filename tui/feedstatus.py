"""What the header says about a feed, and when it may be fetched again. No Textual here."""

from __future__ import annotations

from datetime import datetime, timedelta

from tui.models import FeedInfo
from tui.timefmt import relative


def fetch_label(
    feed: FeedInfo | None, now: datetime, *, from_snapshot: bool, compact: bool = False
) -> str:
    """``fetched 5 minutes ago``, ``built-in snapshot · fetch failed just now``, ...

    ``compact`` is for narrow terminals: the same facts in fewer words, so the
    header keeps the feed title and its state readable at 80 columns.
    """
    if feed is not None and feed.last_success is not None:
        label = f"fetched {relative(feed.last_success, now)}"
    elif from_snapshot:
        label = "snapshot" if compact else "built-in snapshot"
    else:
        label = "not fetched yet"
    if feed is not None and failed_last(feed) and feed.last_attempt is not None:
        failed = "failed" if compact else "fetch failed"
        label += f" · {failed} {relative(feed.last_attempt, now)}"
    return label


def failed_last(feed: FeedInfo | None) -> bool:
    """The feed's last attempt failed and nothing has succeeded since."""
    return (
        feed is not None
        and feed.last_error is not None
        and feed.last_attempt is not None
        and (feed.last_success is None or feed.last_attempt > feed.last_success)
    )


def auto_refresh_due(feed: FeedInfo | None, now: datetime, interval_minutes: float) -> bool:
    """Whether an automatic refresh may run: the interval has passed since the last
    attempt, and the publisher's Cache-Control/Expires/``<ttl>``/Retry-After allow it."""
    if feed is None or feed.last_attempt is None:
        return True
    if feed.not_before is not None and now < feed.not_before:
        return False
    return now - feed.last_attempt >= timedelta(minutes=interval_minutes)
