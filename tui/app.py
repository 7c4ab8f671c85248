"""The Textual app: bindings, message handlers and workers. It orchestrates only.

Feed fetching, parsing, sanitising and storage live in modules with no Textual
import (``fetch``, ``parse``, ``sanitize``, ``store``, ``refresh``); the widgets
live in ``tui/widgets`` and the screens in ``tui/screens``.
"""

from __future__ import annotations

import gc
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import events, on, work
from textual.app import App, ComposeResult, SuspendNotSupported
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Footer, Header, Markdown, OptionList
from textual.worker import Worker, WorkerState

from tui import DEFAULT_FEED_URL, paths
from tui.background import run_abandonable
from tui.feedstatus import auto_refresh_due, fetch_label
from tui.models import Post
from tui.opener import Browser, find_browser
from tui.refresh import RefreshOutcome, Status, import_seed_if_empty, refresh_feed
from tui.sanitize import is_openable_link, link_scheme
from tui.search import filter_posts
from tui.settings import Settings, load_settings, save_settings, with_theme
from tui.store import Store
from tui.widgets.post_detail import PostDetail
from tui.widgets.post_list import PostList
from tui.widgets.search_bar import SearchBar
from tui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    import httpx

_PACKAGE = Path(__file__).resolve().parent
# A wheel carries the stylesheets inside the package (hatch force-include);
# an editable install or a checkout has them in the top-level styles/ dir.
STYLES = next(p for p in (_PACKAGE / "styles", _PACKAGE.parent / "styles") if p.is_dir())

# How often the app checks whether an automatic refresh is due. The refresh
# itself happens only as often as the settings and the publisher allow.
AUTO_REFRESH_CHECK_SECONDS = 60.0
# Network problems that mean "you are offline", which deserve a calm notice.
_OFFLINE_KINDS = frozenset({"dns", "connect"})


@dataclass(frozen=True, slots=True)
class StorePaths:
    cache: Path
    state: Path

    @classmethod
    def default(cls) -> StorePaths:
        return cls(paths.cache_db_path(), paths.state_db_path())


class RajpootApp(App[int]):
    """A reader for one RSS/Atom feed: list on the left, the post on the right."""

    TITLE = "rajpoot-tui"
    CSS_PATH = STYLES / "app.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]  # noqa: RUF012
    BINDING_GROUP_TITLE = "Reader"
    # Every reader key is an App *priority* binding. The App runs those before it
    # forwards the next key to the focused widget, so a burst of keys that
    # straddles a focus change (/grpc, tab G, ? q, u/) is handled in order; a
    # binding on a widget would see later keys already sent to the old focus.
    # check_action hands the keys back to the search box and to dialogs.
    # Help and Quit come first: the footer drops bindings from the right when narrow.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help", key_display="?", priority=True),
        Binding("q", "leave", "Quit", priority=True),
        Binding("o", "open_post", "Open", priority=True),
        Binding("y", "copy_link", "Copy link", priority=True),
        Binding("r", "refresh", "Refresh", priority=True),
        Binding("s", "toggle_star", "Star", priority=True),
        Binding("m", "toggle_read", "Read/unread", show=False, priority=True),
        Binding("n", "next_unread", "Next unread", show=False, priority=True),
        Binding("A", "mark_all_read", "Mark all shown read", show=False, priority=True),
        Binding("u", "toggle_unread_only", "Unread only", show=False, priority=True),
        Binding("slash", "search", "Search", key_display="/", priority=True),
        Binding("tab", "switch_pane", "Switch pane", show=False, priority=True),
        # Movement applies to the focused pane: the list, or the post after tab.
        Binding("j,down", "move('down')", "Down", show=False, priority=True),
        Binding("k,up", "move('up')", "Up", show=False, priority=True),
        Binding("g,home", "move('first')", "First / top", show=False, priority=True),
        Binding("G,end", "move('last')", "Last / bottom", show=False, priority=True),
        Binding("pagedown,space", "move('page_down')", "Page down", show=False, priority=True),
        Binding("pageup", "move('page_up')", "Page up", show=False, priority=True),
        Binding("enter", "confirm", "Open", show=False, priority=True),
        Binding("escape", "cancel_search", "Clear search", key_display="esc", priority=True),
    ]

    class PostsChanged(Message):
        """The store has new content for the shown feed (posted from worker threads)."""

    def __init__(
        self,
        feed_url: str = DEFAULT_FEED_URL,
        *,
        store_paths: StorePaths | None = None,
        settings: Settings | None = None,
        transport: httpx.BaseTransport | None = None,
        browser_finder: Callable[[], Browser | None] = find_browser,
        refresh_on_start: bool = True,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__()
        self.feed_url = feed_url
        self.store_paths = store_paths or StorePaths.default()
        self.settings = settings or load_settings()
        self.transport = transport
        self.browser_finder = browser_finder
        self.refresh_on_start = refresh_on_start
        self.now = now
        self.store: Store | None = None
        self.unread_only = False
        self.search_query = ""
        self._post_before_search: str | None = None
        self._stored_posts: list[Post] = []
        # True from start-up until the first refresh ends, so an empty store
        # reads "Loading" rather than "No posts" while the first fetch runs.
        self._refreshing = True
        self._read_timer: Timer | None = None
        self._read_timer_post: str | None = None
        self._detail_timer: Timer | None = None
        if self.settings.theme in self.available_themes:
            self.theme = self.settings.theme

    # -- layout -----------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="panes"):
            yield PostList(id="posts")
            yield PostDetail(id="detail", clock=self.now)
        yield SearchBar(id="search")
        yield StatusBar(id="status")
        yield Footer()

    @property
    def post_list(self) -> PostList:
        return self.query_one("#posts", PostList)

    @property
    def detail(self) -> PostDetail:
        return self.query_one("#detail", PostDetail)

    @property
    def search_bar(self) -> SearchBar:
        return self.query_one("#search", SearchBar)

    @property
    def status(self) -> StatusBar:
        return self.query_one("#status", StatusBar)

    # -- start-up ---------------------------------------------------------------

    def on_mount(self) -> None:
        for notice in self.settings.notices:
            self.notify(notice, title="Settings", severity="warning", timeout=10, markup=False)
        # Reading the store is a few milliseconds even at 10,000 posts, so the
        # first frame already shows the cached posts. No XML is parsed here.
        self.store = Store.open(
            self.store_paths.cache, self.store_paths.state, retention=self.settings.retention
        )
        for notice in self.store.notices:
            self.notify(notice, title="Storage", severity="warning", timeout=15, markup=False)
        self.reload_posts()
        self.set_focus(self.post_list)
        self.set_interval(AUTO_REFRESH_CHECK_SECONDS, self.maybe_auto_refresh, name="auto-refresh")
        self.set_interval(30, self.update_header, name="header-clock")
        self.call_after_refresh(self._after_first_frame)

    def _after_first_frame(self) -> None:
        # Everything alive now (Textual, widgets, modules) lives as long as the
        # app. Freezing it keeps full garbage collections short: a refresh that
        # parses 10,000 items otherwise triggers ~200 ms collections that stall
        # the UI thread (measured in benchmarks/refresh_responsiveness.py).
        gc.freeze()
        assert self.store is not None
        # Only now, so the cached posts paint before the worker thread starts
        # importing httpx and competing for the GIL.
        if self.refresh_on_start or not self.store.has_posts(self.feed_url):
            self.run_refresh(user_asked=False, network=self.refresh_on_start)
        else:
            self._refreshing = False

    def on_resize(self, event: events.Resize) -> None:
        # Narrow terminals: tighter footer, no palette hint, so ? Help and q Quit fit.
        footer = self.query_one(Footer)
        footer.compact = event.size.width < 100
        footer.show_command_palette = event.size.width >= 60

    def on_unmount(self) -> None:
        if self.store is not None:
            self.store.close()

    # -- showing posts ----------------------------------------------------------

    def reload_posts(self) -> None:
        """Re-read the feed's posts from the store and redraw, keeping the highlight."""
        assert self.store is not None
        self._stored_posts = self.store.posts(self.feed_url)
        self._show_matching()
        self.update_header()

    def _show_matching(self, *, keep: str | None = None) -> None:
        posts = filter_posts(self._stored_posts, self.search_query)
        if self.unread_only:
            posts = [post for post in posts if not post.read]
        self.post_list.show_posts(posts, keep=keep)
        self._schedule_detail()
        if not posts:
            self.detail.show_post(None, placeholder=self._nothing_to_show())
        self.status.set_summary(self._counts())

    def _nothing_to_show(self) -> str:
        if self.search_query:
            return "No post matches the search. Press esc in the search box to clear it."
        if self.unread_only and self._stored_posts:
            return "No unread posts. Press u to show all posts."
        if self._refreshing:
            return "Loading the feed…"
        return "No posts yet. Press r to fetch the feed."

    def update_header(self) -> None:
        if self.store is None:
            return
        feed = self.store.feed(self.feed_url)
        self.title = feed.title if feed and feed.title else self.feed_url
        self.sub_title = fetch_label(
            feed, self.now(), from_snapshot=self.feed_url == DEFAULT_FEED_URL
        )

    def _counts(self) -> str:
        posts = self.post_list.posts
        unread = sum(not p.read for p in posts)
        noun = "post" if len(posts) == 1 else "posts"
        if self.unread_only:
            # Rows read meanwhile stay put until the next reload; count what is unread.
            summary = f"{unread} unread (u shows all)"
        else:
            summary = f"{len(posts)} {noun} · {unread} unread"
        if self.search_query:
            summary += f" · matching “{self.search_query}” (esc in the search box clears)"
        return summary

    @on(OptionList.OptionHighlighted, "#posts")
    def _post_highlighted(self) -> None:
        # Holding j scrolls through dozens of rows a second; render the detail
        # only once the highlight settles, and mark read only after a dwell.
        self._schedule_detail()
        # Only the reader's own moves get here: PostList.show_posts (start-up,
        # reloads, searches) sets the highlight without this message.
        post = self.post_list.current_post
        if post is not None and post.id == self._read_timer_post:
            return  # still on the post being timed (a reload kept it): let the dwell finish
        if self._read_timer is not None:
            self._read_timer.stop()
            self._read_timer, self._read_timer_post = None, None
        if post is not None and not post.read and self.settings.mark_read_after_seconds >= 0:
            post_id = post.id
            self._read_timer_post = post_id
            self._read_timer = self.post_list.set_timer(
                self.settings.mark_read_after_seconds, lambda: self._auto_mark_read(post_id)
            )

    def _schedule_detail(self) -> None:
        if self._detail_timer is not None:
            self._detail_timer.stop()
        # Timers belong to the list, so they die with it instead of firing
        # into a half-dismantled app during shutdown.
        self._detail_timer = self.post_list.set_timer(0.05, self._show_highlighted)

    def _show_highlighted(self) -> None:
        self.detail.show_post(self.post_list.current_post, placeholder=self._nothing_to_show())

    def _auto_mark_read(self, post_id: str) -> None:
        self._read_timer, self._read_timer_post = None, None
        post = self.post_list.current_post
        if post is not None and post.id == post_id and not post.read:
            self.set_read(post, True)

    def set_read(self, post: Post, read: bool) -> None:
        assert self.store is not None
        with self._saving("the read mark"):
            self.store.set_read([post.id], read, now=self.now())
        self.refresh_post(post.id)

    @contextmanager
    def _saving(self, what: str) -> Iterator[None]:
        """A failed write (disk full, read-only home) is told, not a crash."""
        try:
            yield
        except sqlite3.Error as error:
            self.notify(
                f"Could not save {what}: {error}",
                title="Storage",
                severity="error",
                timeout=10,
                markup=False,
            )

    def refresh_post(self, post_id: str) -> None:
        assert self.store is not None
        fresh = self.store.post(post_id)
        if fresh is None:
            return
        self.post_list.update_post(fresh)
        # Keep the unfiltered list in step too, or the next search shows old marks.
        self._stored_posts = [fresh if p.id == post_id else p for p in self._stored_posts]
        if self.detail.post is not None and self.detail.post.id == post_id:
            self.detail.show_post(fresh)
        self.status.set_summary(self._counts())

    # -- opening and copying links ---------------------------------------------

    @on(PostList.Opened)
    def _post_opened(self, event: PostList.Opened) -> None:
        self.open_post(event.post)

    def action_open_post(self) -> None:
        post = self.post_list.current_post
        if post is None:
            self.notify("No post to open.", severity="warning")
            return
        self.open_post(post)

    def open_post(self, post: Post) -> None:
        if not post.link:
            self.notify("This post has no link.", severity="warning")
            return
        if self.open_link(post.link) and not post.read:
            self.set_read(post, True)

    @on(Markdown.LinkClicked)
    def _link_clicked(self, event: Markdown.LinkClicked) -> None:
        event.stop()
        self.open_link(event.href)

    def open_link(self, url: str) -> bool:
        """Open an http(s) link in the user's browser; True when it was handed over."""
        if not is_openable_link(url):
            scheme = link_scheme(url)
            if scheme in ("http", "https"):
                what = "a malformed link (spaces, control characters or a bad host/port)"
            else:
                what = f"a {scheme}: link" if scheme else "a link without http(s)"
            self.notify(
                f"Not opening {what}; only http and https links are opened.\n{_shorten(url)}",
                title="Link refused",
                severity="warning",
                markup=False,
            )
            return False
        browser = self.browser_finder()
        if browser is None:
            self._copy_instead(url, "No browser is available here")
            return True
        if browser.console:
            # lynx/w3m need the terminal; give it to them until they exit.
            try:
                with self.suspend():
                    opened = browser.open(url)
            except SuspendNotSupported:
                self._copy_instead(url, "Can't hand the terminal to a console browser here")
                return True
            if not opened:
                self._copy_instead(url, "The browser could not be started")
            return True
        self._open_in_background(browser, url)
        return True

    @work(thread=True, group="open-link", exit_on_error=False, description="Opening link")
    def _open_in_background(self, browser: Browser, url: str) -> None:
        # Starting a GUI browser can take a second; never on the event loop.
        if browser.open(url):
            self.call_from_thread(
                self.notify, url, title="Opened in browser", timeout=3, markup=False
            )
        else:
            self.call_from_thread(self._copy_instead, url, "The browser could not be started")

    def _copy_instead(self, url: str, reason: str) -> None:
        self.copy_to_clipboard(url)
        self.notify(
            f"{reason}; the link is copied to your clipboard (if your terminal allows it):\n{url}",
            title="Link copied",
            timeout=10,
            markup=False,
        )

    def action_copy_link(self) -> None:
        post = self.post_list.current_post
        if post is None or not post.link:
            self.notify("No link to copy.", severity="warning")
            return
        self.copy_to_clipboard(post.link)
        self.notify(post.link, title="Copied link", timeout=5, markup=False)

    # -- read, star, filter -----------------------------------------------------

    def action_toggle_read(self) -> None:
        post = self.post_list.current_post
        if post is not None:
            if self._read_timer is not None:
                self._read_timer.stop()  # the reader decided: don't flip it back later
            self._read_timer, self._read_timer_post = None, None
            self.set_read(post, not post.read)

    def action_next_unread(self) -> None:
        """Jump to the next unread post below the cursor, wrapping to the top."""
        posts = self.post_list.posts
        start = (self.post_list.highlighted or 0) + 1
        for offset in range(len(posts)):
            index = (start + offset) % len(posts)
            if not posts[index].read:
                self.post_list.highlighted = index
                return
        self.notify("No unread posts.", timeout=2)

    def action_mark_all_read(self) -> None:
        assert self.store is not None
        unread = [post.id for post in self.post_list.posts if not post.read]
        if not unread:
            self.notify("Nothing unread here.", timeout=2)
            return
        with self._saving("the read marks"):
            self.store.set_read(unread, True, now=self.now())
        self.reload_posts()
        self.notify(f"Marked {len(unread)} posts read.", timeout=3)

    def action_toggle_star(self) -> None:
        post = self.post_list.current_post
        if post is None:
            return
        assert self.store is not None
        with self._saving("the star"):
            self.store.set_starred(post.id, not post.starred)
        self.refresh_post(post.id)

    def action_toggle_unread_only(self) -> None:
        self.unread_only = not self.unread_only
        self.reload_posts()
        self.notify(
            "Showing unread posts only." if self.unread_only else "Showing all posts.", timeout=2
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action not in _READER_ACTIONS:
            return True
        if len(self.screen_stack) > 1:
            # A dialog (help, palette) is open: its keys, not the reader's. This
            # also keeps them out of the footer under it.
            return False
        if self.screen.focused is self.search_bar:
            # Every other key is typing; these three leave the box, in order.
            return action in ("switch_pane", "confirm", "cancel_search")
        return action != "cancel_search"  # esc elsewhere is not the reader's

    def action_move(self, where: str) -> None:
        """j/k/g/G/pgup/pgdn: move in the list, or scroll the post pane when it has focus."""
        if self.screen.focused is self.detail:
            getattr(self.detail, f"action_{_DETAIL_MOVES[where]}")()
        else:
            getattr(self.post_list, f"action_{_LIST_MOVES[where]}")()

    def action_leave(self) -> None:
        """q. Not Textual's "quit" action (ctrl+q): check_action gives the letter q
        to the search box, while ctrl+q must quit from anywhere."""
        self.exit(0)

    def action_search(self) -> None:
        if not self.search_bar.display:
            # Where the reader was, for esc to go back to after the search.
            current = self.post_list.current_post
            self._post_before_search = current.id if current else None
        # display set directly, not through a CSS class: styles from classes
        # apply at the next refresh, and a hidden Input drops the keys typed
        # before then.
        self.search_bar.display = True
        self.set_focus(self.search_bar)

    @on(SearchBar.Changed, "#search")
    def _search_changed(self, event: SearchBar.Changed) -> None:
        self.search_query = event.value.strip()
        self._show_matching()

    def action_confirm(self) -> None:
        """enter: in the search box, keep the filter and go back to the list; else open."""
        if self.screen.focused is self.search_bar:
            self._close_search(keep=bool(self.search_bar.value.strip()))
        else:
            self.action_open_post()

    def action_cancel_search(self) -> None:
        """esc in the search box: clear the filter and go back to the list."""
        self.search_bar.value = ""
        self.search_query = ""
        self._show_matching(keep=self._post_before_search)
        self._close_search(keep=False)

    def _close_search(self, *, keep: bool) -> None:
        if not keep:
            self.search_bar.display = False
        self.set_focus(self.post_list)

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen, help_rows

        moves = [b for b in self.BINDINGS if isinstance(b, Binding) and b.action.startswith("move")]
        others = [b for b in self.BINDINGS if b not in moves]
        rows = help_rows(
            [
                ("Move (in the list, or in the post after tab)", moves),
                (
                    "Textual's own",
                    [
                        Binding("ctrl+p", "command_palette", "Commands and themes"),
                        Binding("ctrl+q", "quit", "Quit from anywhere"),
                    ],
                ),
                ("Everywhere", others),
            ]
        )
        self.push_screen(HelpScreen(rows))

    def action_switch_pane(self) -> None:
        # set_focus, not widget.focus(), which is deferred.
        target = self.detail if self.screen.focused is self.post_list else self.post_list
        self.set_focus(target, scroll_visible=False)

    def action_quit(self) -> None:  # type: ignore[override]
        self.exit(0)

    def watch_theme(self, theme: str) -> None:
        if theme != self.settings.theme:
            self.settings = with_theme(self.settings, theme)
            try:
                save_settings(self.settings)
            except OSError as error:
                self.notify(f"Could not save the theme: {error}", severity="warning", markup=False)

    # -- refreshing ---------------------------------------------------------------

    def action_refresh(self) -> None:
        if self._refreshing:
            self.notify("Starting the refresh again.", timeout=2)
        self.run_refresh(user_asked=True)

    def maybe_auto_refresh(self) -> None:
        # A slow refresh must be allowed to finish: restarting it on every
        # check would keep a dribbling server "refreshing" forever.
        if self.store is None or self.settings.refresh_minutes <= 0 or self._refreshing:
            return
        feed = self.store.feed(self.feed_url)
        if auto_refresh_due(feed, self.now(), self.settings.refresh_minutes):
            self.run_refresh(user_asked=False)

    @work(exclusive=True, group="refresh", exit_on_error=False, description="Refreshing the feed")
    async def run_refresh(
        self, *, user_asked: bool, network: bool = True
    ) -> tuple[RefreshOutcome | None, bool]:
        outcome = await run_abandonable(
            lambda cancelled: self._refresh_blocking(cancelled, network=network),
            name="rajpoot-refresh",
        )
        return outcome, user_asked

    def _refresh_blocking(
        self, cancelled: threading.Event, *, network: bool
    ) -> RefreshOutcome | None:
        """Runs in a daemon thread: never touches widgets, only posts messages."""
        # The app's one Store serialises its methods with a lock, so the thread
        # shares it. One connection per file per process also keeps SQLite's
        # POSIX locks simple: a second Store opened and closed here used to let
        # another process delete the WAL under the first (see test_store).
        store = self.store
        assert store is not None
        if import_seed_if_empty(store, self.feed_url, now=self.now()):
            self.post_message(self.PostsChanged())
        if not network or cancelled.is_set():
            return None
        from tui.fetch import FetchPolicy

        def backoff(seconds: float) -> None:
            cancelled.wait(seconds)  # a cancel cuts a retry wait short

        return refresh_feed(
            store,
            self.feed_url,
            policy=FetchPolicy(timeout=self.settings.timeout_seconds),
            transport=self.transport,
            sleep=backoff,
            should_cancel=cancelled.is_set,
            now=self.now,
        )

    @on(PostsChanged)
    def _posts_changed(self) -> None:
        self.reload_posts()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group != "refresh":
            if event.state is WorkerState.ERROR:
                self.notify(
                    str(worker.error), title="Something went wrong", severity="error", markup=False
                )
            return
        running = any(w.group == "refresh" and not w.is_finished for w in self.workers)
        self._refreshing = running
        if running:
            self.status.start(f"Refreshing {self.feed_url}")
        else:
            self.status.stop()
        if event.state is WorkerState.SUCCESS and isinstance(worker.result, tuple):
            outcome, user_asked = worker.result
            if outcome is not None:
                self.report_refresh(outcome, user_asked=user_asked)
        elif event.state is WorkerState.ERROR:
            self.notify(
                f"Refresh failed: {worker.error}",
                title="Refresh failed",
                severity="error",
                markup=False,
            )
            self.update_header()
        if not running and not self.post_list.option_count:
            self.detail.show_post(None, placeholder=self._nothing_to_show())

    def report_refresh(self, outcome: RefreshOutcome, *, user_asked: bool) -> None:
        if outcome.status is Status.UPDATED:
            self.reload_posts()
            merge = outcome.merge
            if user_asked or (merge is not None and merge.new):
                self.notify(outcome.message.capitalize() + ".", title="Feed refreshed", timeout=4)
        elif outcome.status is Status.NOT_MODIFIED:
            self.update_header()
            if user_asked:
                self.notify("Up to date.", title="Feed refreshed", timeout=3)
        elif outcome.status is Status.FAILED:
            self.update_header()
            offline = outcome.error_kind in _OFFLINE_KINDS
            self.notify(
                f"{outcome.message}\nShowing the saved posts."
                if self._stored_posts
                else outcome.message,
                title="Feed unreachable" if offline else "Refresh failed",
                severity="information" if offline else "warning",
                timeout=8,
                markup=False,
            )
        for warning in outcome.warnings:
            self.notify(warning, title="Feed problem", severity="warning", timeout=8, markup=False)


def _shorten(text: str, limit: int = 300) -> str:
    """Keep notifications readable when a feed hands us an absurd string."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


# The actions of the reader's own keys, without parameters (see check_action).
# ctrl+q is Textual's own "quit" binding and stays on everywhere.
_READER_ACTIONS = frozenset(
    binding.action.split("(")[0] for binding in RajpootApp.BINDINGS if isinstance(binding, Binding)
)
_LIST_MOVES = {
    "down": "cursor_down",
    "up": "cursor_up",
    "first": "first",
    "last": "last",
    "page_down": "page_down",
    "page_up": "page_up",
}
_DETAIL_MOVES = {
    "down": "scroll_down",
    "up": "scroll_up",
    "first": "scroll_home",
    "last": "scroll_end",
    "page_down": "page_down",
    "page_up": "page_up",
}
