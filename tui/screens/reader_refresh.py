"""The reader's refreshing: when to fetch, the fetch in a worker, and what it says after.

The reader screen owns the widgets; this part of it owns the feeds' refresh:
the start-up and automatic refreshes, ``r``, the progress and retry lines, and
the notices that report how it went. The fetching itself is ``tui.scheduler``
(shared with ``rajpoot-tui refresh``); nothing here touches a widget from the
worker thread, it only posts messages to the screen.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from tui import DEFAULT_FEED_URL, keys, reading
from tui.background import run_abandonable
from tui.feedstatus import auto_refresh_due
from tui.messages import PostsChanged, RefreshFinished, RefreshProgress, RefreshRetrying
from tui.refresh import RefreshOutcome, Status, import_seed_if_empty

if TYPE_CHECKING:
    from tui.fetch import FetchError
    from tui.screens.reader import ReaderScreen
    from tui.store import Store

# While many feeds refresh, the list takes in their new posts this often at most.
RELOAD_EVERY_SECONDS = 1.5
# Network problems that mean "you are offline", which deserve a calm notice.
_OFFLINE_KINDS = frozenset({"dns", "connect"})


class FeedRefresher:
    """Refreshes the feeds the reader shows, in the background, and reports how it went."""

    def __init__(self, reader: ReaderScreen) -> None:
        self.reader = reader

    def maybe_auto_refresh(self) -> None:
        """Every minute: refresh the feeds whose time has come, if any."""
        reader = self.reader
        # A slow refresh must be allowed to finish: restarting it on every
        # check would keep a dribbling server "refreshing" forever.
        settings = reader.reader_app.settings
        if settings.refresh_minutes <= 0 or reader.refreshing:
            return
        now = reader.reader_app.services.clock()
        due = [
            feed.url
            for feed in reader.feeds
            if auto_refresh_due(reader.store.feed(feed.url), now, settings.refresh_minutes)
        ]
        if due:
            # Only those: the others' publishers (Cache-Control, <ttl>) asked for later.
            self.run(user_asked=False, only=due)

    def run(
        self, *, user_asked: bool, network: bool = True, only: Sequence[str] | None = None
    ) -> None:
        """Refresh every feed read here (or ``only`` those) in a worker."""
        self.reader.run_worker(
            self._refresh(user_asked=user_asked, network=network, only=only),
            group="refresh",
            exclusive=True,
            exit_on_error=False,
            description=(
                "Refreshing the feeds" if len(self.reader.feeds) > 1 else "Refreshing the feed"
            ),
        )

    async def _refresh(
        self, *, user_asked: bool, network: bool, only: Sequence[str] | None = None
    ) -> None:
        outcomes = await run_abandonable(
            lambda cancelled: self._refresh_blocking(
                cancelled, network=network, user_asked=user_asked, only=only
            ),
            name="rajpoot-refresh",
        )
        self.reader.post_message(RefreshFinished(outcomes, user_asked=user_asked))

    def _refresh_blocking(
        self,
        cancelled: threading.Event,
        *,
        network: bool,
        user_asked: bool,
        only: Sequence[str] | None = None,
    ) -> list[RefreshOutcome]:
        """Runs in a daemon thread: never touches widgets, only posts messages."""
        reader = self.reader
        # The app's one Store is thread-safe (a lock per connection; reads have
        # their own), so the thread shares it. One Store per process also keeps
        # SQLite's POSIX locks simple: a second Store opened and closed here used
        # to let another process delete the WAL under the first (see test_store).
        store = reader.store
        services = reader.reader_app.services
        urls = [feed.url for feed in reader.feeds]
        if DEFAULT_FEED_URL in urls and import_seed_if_empty(
            store, DEFAULT_FEED_URL, now=services.clock()
        ):
            reader.post_message(PostsChanged())
        if rederive(store, cancelled):
            reader.post_message(PostsChanged())
        if not network or cancelled.is_set():
            return []
        from tui.fetch import FetchPolicy
        from tui.scheduler import Progress, refresh_many

        def backoff(seconds: float) -> None:
            cancelled.wait(seconds)  # a cancel cuts a retry wait short

        last_reload = 0.0

        def progress(step: Progress) -> None:
            nonlocal last_reload
            if step.total <= 1:
                return
            reader.post_message(RefreshProgress(step.done, step.total))
            merge = step.outcome.merge
            changed = merge is not None and (merge.new or merge.updated)
            # New posts show as they come, but at most every RELOAD_EVERY seconds:
            # the end of the refresh reloads once more for the rest.
            if changed and time.monotonic() - last_reload >= RELOAD_EVERY_SECONDS:
                last_reload = time.monotonic()
                reader.post_message(PostsChanged())

        def retrying(url: str, attempt: int, tries: int, delay: float, error: FetchError) -> None:
            name = reader.feed_name(url)
            reader.post_message(
                RefreshRetrying(
                    f"{name}: {error.message}; try {attempt} of {tries} in {delay:.0f} s"
                )
            )

        settings = reader.reader_app.settings
        if only is not None:
            urls = [url for url in urls if url in set(only)]
        if len(urls) > 1:
            reader.post_message(RefreshProgress(0, len(urls)))
        return refresh_many(
            store,
            urls,
            policy=FetchPolicy(timeout=settings.timeout_seconds),
            transport=services.transport,
            parallel=settings.max_parallel_fetches,
            per_host=settings.fetches_per_host,
            sleep=backoff,
            should_cancel=cancelled.is_set,
            now=services.clock,
            on_progress=progress,
            on_retry=retrying,
        )

    def report(self, outcomes: Sequence[RefreshOutcome], *, user_asked: bool) -> None:
        """The refresh ended: one feed's outcome in its own words, many feeds' in one notice."""
        if len(outcomes) == 1:
            self.report_one(outcomes[0], user_asked=user_asked)
        elif outcomes:
            self.report_many(outcomes, user_asked=user_asked)

    def report_one(self, outcome: RefreshOutcome, *, user_asked: bool) -> None:
        reader = self.reader
        if outcome.status is Status.UPDATED:
            reader.reload_posts()
            merge = outcome.merge
            if user_asked or (merge is not None and merge.new):
                reader.notify(outcome.message.capitalize() + ".", title="Feed refreshed", timeout=4)
        elif outcome.status is Status.NOT_MODIFIED:
            reader.update_header()
            if user_asked:
                reader.notify("Up to date.", title="Feed refreshed", timeout=3)
        elif outcome.status is Status.WAITING:
            reader.update_header()
            reader.notify(outcome.message + ".", title="Not refreshed", timeout=6, markup=False)
        elif outcome.status is Status.FAILED:
            reader.update_header()
            offline = outcome.error_kind in _OFFLINE_KINDS
            reader.notify(
                f"{outcome.message}\nShowing the saved posts."
                # The store, not the list: a reload of the list may still be on its way.
                if reader.store.has_posts(outcome.url)
                else outcome.message,
                title="Feed unreachable" if offline else "Refresh failed",
                severity="information" if offline else "warning",
                timeout=8,
                markup=False,
            )
        for warning in outcome.warnings:
            reader.notify(
                warning, title="Feed problem", severity="warning", timeout=8, markup=False
            )

    def report_many(self, outcomes: Sequence[RefreshOutcome], *, user_asked: bool) -> None:
        """Many feeds: one notice for the whole refresh, failures listed by ``E``."""
        reader = self.reader
        reader.reload_in_background()  # the posts of every feed, read off the UI thread
        new = sum(o.merge.new for o in outcomes if o.merge is not None)
        failed = sum(1 for o in outcomes if o.status is Status.FAILED)
        waiting = sum(1 for o in outcomes if o.status is Status.WAITING)
        fetched = sum(1 for o in outcomes if o.status not in (Status.WAITING, Status.CANCELLED))
        if not (user_asked or new or failed):
            return
        ok = sum(1 for o in outcomes if o.ok)
        parts = [
            f"{ok} of {reading.plural(fetched, 'feed')} refreshed"
            if failed
            else f"{reading.plural(fetched, 'feed')} refreshed"
        ]
        if new:
            parts.append(f"{reading.plural(new, 'new post')}")
        if waiting:
            parts.append(f"{waiting} asked to wait (Retry-After), not fetched")
        if failed:
            errors_key = keys.key_for("feed-errors", reader.app._keymap)
            parts.append(f"{failed} failed ({errors_key} lists them)")
        reader.notify(
            ", ".join(parts) + ".",
            title="Feeds refreshed" if ok or not failed else "Refresh failed",
            severity="warning" if failed else "information",
            timeout=6,
            markup=False,
        )


def rederive(store: Store, cancelled: threading.Event) -> bool:
    """Bring posts stored by an older converter up to date, a batch at a time.

    Their Markdown and search text come from the stored source again, so a
    converter fix reaches posts the feed no longer carries. Off the UI thread.
    """
    changed = False
    while not cancelled.is_set() and store.rederive_stale(limit=200):
        changed = True
    return changed
