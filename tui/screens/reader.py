"""The reader: the post list, the post pane, search, status and read tracking.

The App owns what is global (services, theme, keymap, help, quit, opening
links); this screen owns the reader's view of the store: one feed, a folder
or all subscribed feeds, chosen in the feeds sidebar. Rules with no UI in them
(dwell timing, wording, next unread) live in ``tui.reading``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Header, Markdown, OptionList
from textual.widgets.option_list import OptionDoesNotExist
from textual.worker import Worker, WorkerState, get_current_worker

from tui import DEFAULT_FEED_URL, keys, reading
from tui.feedlist import FeedLike, FeedRef, RowKind, SidebarRow, feed_column, feed_title
from tui.feedstatus import failed_last, fetch_label
from tui.messages import (
    ArticleFailed,
    ArticleReady,
    PostsChanged,
    PostsLoaded,
    PrefetchProgress,
    RefreshFinished,
    RefreshProgress,
    RefreshRetrying,
)
from tui.models import FeedInfo, Post
from tui.reading import KeyNames, SortOrder, View
from tui.screens.reader_articles import ArticleReading
from tui.screens.reader_refresh import FeedRefresher, rederive
from tui.store.search import SCAN_OFF_THREAD_FROM, scans
from tui.widgets.feed_sidebar import FeedSidebar
from tui.widgets.post_detail import PostDetail
from tui.widgets.post_list import PostList
from tui.widgets.search_bar import SearchBar
from tui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from tui.app import RajpootApp
    from tui.store import Store
    from tui.widgets.article_view import ArticleView

# How often the reader checks whether an automatic refresh is due. The refresh
# itself happens only as often as the settings and the publisher allow.
AUTO_REFRESH_CHECK_SECONDS = 60.0


class ReaderScreen(Screen[None]):
    """Feeds on the left (``b``), then the list, then the post (stacked when narrow)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *keys.app_keys_for_screens(),
        *keys.bindings(keys.READER_KEYS),
    ]
    BINDING_GROUP_TITLE = "Reader"

    list_width: reactive[int] = reactive(45, init=False)
    """Percent of the screen the list takes (of the width side by side, of the height stacked)."""

    def __init__(
        self,
        feed_url: str = DEFAULT_FEED_URL,
        *,
        feeds: Sequence[FeedLike] | None = None,
        refresh_on_start: bool = True,
    ) -> None:
        super().__init__()
        self.feeds: list[FeedLike] = list(feeds) if feeds else [FeedRef(feed_url)]
        """What this run reads and refreshes: the subscriptions, or the one ``--feed``."""
        # One feed: that feed. Several: "All feeds", merged, newest first.
        first = SidebarRow(RowKind.FEED, "", 0, url=self.feeds[0].url)
        self.scope: SidebarRow = (
            first if len(self.feeds) == 1 else SidebarRow(RowKind.ALL, "All feeds", 0)
        )
        self.refresh_on_start = refresh_on_start
        self.view = View.ALL
        self.sort = SortOrder.NEWEST
        self._list_scroll = 0.0
        self._zoomed_from_post = False
        self._sidebar_chosen = False
        """Whether the reader toggled the sidebar (b); until then it follows the width."""
        self.search_query = ""
        # The last bulk mark-read, for ctrl+z.
        self._undo: reading.MarkedRead | None = None
        self._post_before_search: str | None = None
        self._stored_posts: list[Post] = []
        # True from start-up until the first refresh ends, so an empty store
        # reads "Loading" rather than "No posts" while the first fetch runs.
        self._refreshing = True
        self._read_timer: Timer | None = None
        self._read_timer_post: str | None = None
        self._detail_timer: Timer | None = None
        self.articles = ArticleReading(self)
        """The whole article in the post pane: fetching, showing, contents, links, prefetch."""
        self.refresher = FeedRefresher(self)
        """The feeds' refresh: start-up, automatic and ``r``, and its notices."""

    @property
    def reader_app(self) -> RajpootApp:
        from tui.app import RajpootApp

        app = self.app
        assert isinstance(app, RajpootApp)
        return app

    @property
    def store(self) -> Store:
        return self.reader_app.store

    # -- layout -----------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="panes"):
            yield FeedSidebar(id="sidebar")
            yield PostList(id="posts")
            yield PostDetail(id="detail", clock=self.reader_app.services.clock)
        yield SearchBar(id="search")
        yield StatusBar(id="status")
        yield Footer()

    @property
    def post_list(self) -> PostList:
        return self.query_one("#posts", PostList)

    @property
    def sidebar(self) -> FeedSidebar:
        return self.query_one("#sidebar", FeedSidebar)

    @property
    def feed_url(self) -> str | None:
        """The shown feed's URL; None when a folder or "All feeds" is shown."""
        return self.scope.url if self.scope.kind is RowKind.FEED else None

    @property
    def scope_urls(self) -> list[str]:
        """The feeds whose posts are shown now."""
        if self.scope.kind is RowKind.FEED and self.scope.url is not None:
            return [self.scope.url]
        if self.scope.kind is RowKind.FOLDER:
            return [f.url for f in self.feeds if f.folder == self.scope.folder]
        return [f.url for f in self.feeds]

    @property
    def detail(self) -> PostDetail:
        return self.query_one("#detail", PostDetail)

    @property
    def article(self) -> ArticleView:
        """The article view; mounted with the first article (it is not on the first-paint path)."""
        return self.articles.view

    @property
    def stored_posts(self) -> list[Post]:
        """The shown scope's posts in the current sort, before the view and search filter them."""
        return self._stored_posts

    @property
    def post_pane(self) -> PostDetail | ArticleView:
        """What the right (or lower) pane shows now: the post's card, or its article."""
        return self.article if self.has_class("-article") else self.detail

    @property
    def search_bar(self) -> SearchBar:
        return self.query_one("#search", SearchBar)

    @property
    def status(self) -> StatusBar:
        return self.query_one("#status", StatusBar)

    # -- start-up ---------------------------------------------------------------

    def on_mount(self) -> None:
        settings = self.reader_app.settings
        self.sort = SortOrder(settings.sort)
        self.set_reactive(ReaderScreen.list_width, settings.list_width)
        self._apply_split()
        self.post_list.date_format = settings.date_format
        # The sidebar is for many feeds; one feed keeps the whole width for
        # reading, and so does a narrow terminal until b asks for the feeds.
        self.set_class(len(self.feeds) > 1 and self.app.size.width >= 100, "-sidebar")
        # Reading the store is a few milliseconds even at 10,000 posts, so the
        # first frame already shows the cached posts. No XML is parsed here.
        self.reload_posts()
        self.set_focus(self.post_list)
        self.set_interval(AUTO_REFRESH_CHECK_SECONDS, self.maybe_auto_refresh, name="auto-refresh")
        self.set_interval(30, self.update_header, name="header-clock")

    @property
    def refreshing(self) -> bool:
        """From start-up until the first refresh ends, and during each later one."""
        return self._refreshing

    def start(self) -> None:
        """After the first frame: the start-up refresh (or the seed import)."""
        # Only now, so the cached posts paint before the worker thread starts
        # importing httpx and competing for the GIL.
        if self.refresh_on_start or not any(self.store.has_posts(f.url) for f in self.feeds):
            self.run_refresh(user_asked=False, network=self.refresh_on_start)
        else:
            self._refreshing = False
            self.run_worker(
                self._rederive_in_background,
                thread=True,
                group="maintenance",
                exit_on_error=False,
                description="Updating stored posts",
            )

    def _rederive_in_background(self) -> None:
        worker = get_current_worker()
        if rederive(self.store, worker.cancelled_event):
            self.post_message(PostsChanged())

    def watch_list_width(self) -> None:
        self._apply_split()

    def _apply_split(self) -> None:
        styles = self.post_list.styles
        if self.has_class("-narrow"):
            styles.width, styles.height = "1fr", f"{self.list_width}%"
        else:
            styles.width, styles.height = f"{self.list_width}%", "1fr"

    def on_resize(self) -> None:
        self._fit_sidebar()
        self._apply_split()
        self.update_header()
        # Narrow terminals: tighter footer, no palette hint, so ? Help and q Quit fit.
        footer = self.query_one(Footer)
        width = self.app.size.width
        footer.compact = width < 100
        footer.show_command_palette = width >= 60

    # -- showing posts ----------------------------------------------------------

    def reload_posts(self) -> None:
        """Re-read the feed's posts from the store and redraw, keeping the highlight."""
        self._stored_posts = reading.sort_posts(self._scope_posts(), self.sort)
        self._update_feed_column()
        self._show_matching()
        self.update_header()
        self.update_sidebar()

    def _scope_posts(self) -> list[Post]:
        # Stars outlive subscriptions: "All feeds" and the starred view also show
        # the starred posts of feeds no longer followed (sorted in by reload_posts).
        with_stars = self.scope.kind is RowKind.ALL or self.view is View.STARRED
        if self.feed_url is not None:
            posts = self.store.posts(self.feed_url)
            return posts + self._stars_elsewhere() if with_stars else posts
        # Posts of feeds visited once with --feed stay in the cache; only the
        # subscribed ones (of the shown folder) belong here.
        urls = set(self.scope_urls)
        return [post for post in self.store.posts() if post.feed_url in urls] + (
            self._stars_elsewhere() if with_stars else []
        )

    def _stars_elsewhere(self) -> list[Post]:
        """Starred posts of feeds not read here (unsubscribed, or seen once with --feed)."""
        if not self.reader_app.reads_subscriptions:
            return []  # a look at one feed shows that feed
        followed = {feed.url for feed in self.feeds}
        return [
            post for post in self.store.posts(starred_only=True) if post.feed_url not in followed
        ]

    def _update_feed_column(self, infos: Mapping[str, FeedInfo] | None = None) -> None:
        """Posts of several feeds in one list: each row names its feed, in a column."""
        urls = {post.feed_url for post in self._stored_posts}
        if len(urls) < 2:
            self.post_list.feed_column = None
            return
        if infos is None:
            infos = {feed.url: feed for feed in self.store.feeds()}
        listed = [feed for feed in self.feeds if feed.url in urls]
        extra = sorted(urls - {feed.url for feed in listed})
        self.post_list.feed_column = feed_column(listed, infos, extra=extra)

    def feed_name(self, url: str) -> str:
        """The user's title for a feed, else its own, else its address."""
        ref = next((feed for feed in self.feeds if feed.url == url), FeedRef(url))
        return feed_title(ref, self.store.feed(url))

    def update_sidebar(self) -> None:
        if not self.has_class("-sidebar"):
            return
        from tui.feedlist import sidebar_rows

        infos = {feed.url: feed for feed in self.store.feeds()}
        rows = sidebar_rows(self.feeds, infos, self.store.unread_counts())
        self.sidebar.show_rows(rows, current=self.scope.row_id)

    @on(FeedSidebar.Chosen)
    def _feed_chosen(self, event: FeedSidebar.Chosen) -> None:
        self.show_scope(event.row)
        self.set_focus(self.post_list)

    def show_scope(self, row: SidebarRow) -> None:
        """Show one feed's posts, a folder's, or every subscribed feed's."""
        self.scope = row
        self._close_article()
        self.reload_posts()
        if self.post_list.option_count:
            self.post_list.highlighted = 0

    def show_all_feeds(self) -> None:
        """After the feeds followed changed: "All feeds" (or the one feed left)."""
        if len(self.feeds) > 1:
            self.set_class(self.has_class("-sidebar") or self.app.size.width >= 100, "-sidebar")
            self.show_scope(SidebarRow(RowKind.ALL, "All feeds", 0))
        else:
            # One feed reads the whole width, as it does at start-up.
            self.set_class(False, "-sidebar")
            if self.focused is self.sidebar:
                self.set_focus(self.post_list)
            self.show_scope(SidebarRow(RowKind.FEED, "", 0, url=self.feeds[0].url))
        self.update_sidebar()

    def _fit_sidebar(self) -> None:
        """Until ``b`` decides, many feeds show the sidebar when wide, not when narrow:
        stacked at 80x24 it would leave the post four rows."""
        if self._sidebar_chosen or len(self.feeds) < 2:
            return
        wide = self.app.size.width >= 100
        if wide != self.has_class("-sidebar"):
            self.set_class(wide, "-sidebar")
            if wide:
                self.update_sidebar()
            elif self.focused is self.sidebar:
                self.set_focus(self.post_list)

    def action_toggle_sidebar(self) -> None:
        self._sidebar_chosen = True  # the reader decided: resizing keeps it so
        shown = not self.has_class("-sidebar")
        self.set_class(shown, "-sidebar")
        if shown:
            self.update_sidebar()
            self.set_focus(self.sidebar)
        elif self.focused is self.sidebar:
            self.set_focus(self.post_list)

    def action_feed_errors(self) -> None:
        from tui.feedlist import failing_feeds
        from tui.screens.feed_errors import FeedErrorsScreen

        infos = {feed.url: feed for feed in self.store.feeds()}
        failing = failing_feeds(self.feeds, infos)
        if not failing:
            self.notify("Every feed refreshed fine last time.", timeout=3)
            return
        self.app.push_screen(FeedErrorsScreen(failing, now=self.reader_app.services.clock()))

    def _show_matching(self, *, keep: str | None = None) -> None:
        # A search still running in a worker was for what the box held before.
        self.app.workers.cancel_group(self, "search")
        query = self.search_query
        if query and scans(query) and len(self._stored_posts) >= SCAN_OFF_THREAD_FROM:
            # Only 1-2 character terms, which the index can't look up: from memory when
            # the index's text is there and current (a few ms), else a scan of every
            # post (30-70 ms at 10,000). Off the UI thread, so typing never waits; the
            # list shows the result when it comes, unless the search moved on meanwhile.
            quick = self.store.quick_search(query, self.feed_url)
            if quick is not None:
                self._show_found(set(quick), keep=keep)
                return
            self._prepare_quick_search()
            self.run_worker(
                partial(self._search_in_worker, query, self.feed_url, self._stored_posts, keep),
                thread=True,
                group="search",
                exclusive=True,
                exit_on_error=False,
                description="Searching",
            )
            return
        found = None
        if query:
            # The FTS5 index, not a scan: a few ms at 10,000 posts (benchmarks/search.py).
            with self._reading("search"):
                found = set(self.store.search(query, self.feed_url))
        self._show_found(found, keep=keep)

    def _prepare_quick_search(self) -> None:
        """Read the index's text into memory (a worker) for scans from then on."""
        if len(self._stored_posts) >= SCAN_OFF_THREAD_FROM:
            self.run_worker(
                self.store.prepare_quick_search,
                thread=True,
                group="quick-search",
                exit_on_error=False,
                description="Preparing search",
            )

    def _search_in_worker(
        self, query: str, feed_url: str | None, stored: list[Post], keep: str | None
    ) -> None:
        """Runs in a thread: the search, then back to the UI thread to show it."""
        worker = get_current_worker()
        try:
            found = set(self.store.search(query, feed_url, in_worker=True))
        except sqlite3.Error as error:
            message = f"Could not search: {error}"
            self.app.call_from_thread(
                self.notify, message, title="Storage", severity="error", markup=False
            )
            return

        def show() -> None:
            current = query == self.search_query and stored is self._stored_posts
            if current and not worker.is_cancelled:
                self._show_found(found, keep=keep)

        if not worker.is_cancelled:
            self.app.call_from_thread(show)

    def _show_found(self, found: set[str] | None, *, keep: str | None) -> None:
        """Show the posts of the view that are in ``found`` (None: no search)."""
        if found is not None:
            self._after_index_rebuilt()
        posts = reading.select(self._stored_posts, view=self.view, found=found)
        self.post_list.highlight_query = self.search_query
        self.post_list.show_posts(posts, keep=keep)
        self._schedule_detail()
        if not posts:
            self.detail.show_post(None, placeholder=self._nothing_to_show())
        self._update_counts()

    def _after_index_rebuilt(self) -> None:
        if not self.store.search_rebuilt:
            return
        self.store.search_rebuilt = False
        self.notify(
            "The search index was damaged and has been rebuilt. "
            "Descriptions are searchable again in a moment.",
            title="Search",
            severity="warning",
        )
        self.run_worker(
            self._rederive_in_background,
            thread=True,
            group="maintenance",
            exit_on_error=False,
            description="Rebuilding the search index",
        )

    @property
    def key_names(self) -> KeyNames:
        keymap = self.app._keymap
        return KeyNames(
            unread_only=keys.key_for("unread-only", keymap),
            starred_only=keys.key_for("starred-only", keymap),
            cancel_search=keys.key_for("cancel-search", keymap),
            refresh=keys.key_for("refresh", keymap),
            open=keys.key_for("open", keymap),
        )

    def _nothing_to_show(self) -> str:
        if not self._stored_posts and not self._refreshing and self.feed_url is not None:
            from tui.feedlist import empty_feed_text

            # The feed itself is why: never fetched, failing, or empty.
            why = empty_feed_text(self.store.feed(self.feed_url), self.reader_app.services.clock())
            if why is not None:
                refresh = self.key_names.refresh
                return f"{why} Press {refresh} to try again."
        return reading.empty_view_text(
            stored=len(self._stored_posts),
            view=self.view,
            query=self.search_query,
            loading=self._refreshing,
            keys=self.key_names,
        )

    def update_header(self) -> None:
        if self.feed_url is None:
            self._update_scope_header()
            return
        feed = self.store.feed(self.feed_url)
        ref = next((f for f in self.feeds if f.url == self.feed_url), FeedRef(self.feed_url))
        self.app.title = feed_title(ref, feed)
        self.app.sub_title = fetch_label(
            feed,
            self.reader_app.services.clock(),
            from_snapshot=self.feed_url == DEFAULT_FEED_URL,
            compact=self.app.size.width < 100,
        )
        self.status.set_error(
            f"Refresh failed: {feed.last_error}" if feed and failed_last(feed) else ""
        )

    def _update_scope_header(self) -> None:
        """A folder or "All feeds": how many feeds, and how many are failing."""
        urls = self.scope_urls
        infos = {feed.url: feed for feed in self.store.feeds()}
        failing = sum(1 for url in urls if failed_last(infos.get(url)))
        self.app.title = self.scope.label or "All feeds"
        label = reading.plural(len(urls), "feed")
        if failing:
            label += f" · {failing} failing ({keys.key_for('feed-errors', self.app._keymap)})"
        self.app.sub_title = label
        self.status.set_error("")

    def _update_counts(self) -> None:
        self.status.set_summary(
            reading.counts(
                self.post_list.posts,
                view=self.view,
                query=self.search_query,
                sort=self.sort,
                keys=self.key_names,
            )
        )

    @on(OptionList.OptionHighlighted, "#posts")
    def _post_highlighted(self) -> None:
        # Holding j scrolls through dozens of rows a second: render the detail
        # only once the highlight settles; the read timer starts from there.
        self._schedule_detail()

    def _schedule_detail(self) -> None:
        if self._detail_timer is not None:
            self._detail_timer.stop()
        # Timers belong to the list, so they die with it instead of firing
        # into a half-dismantled app during shutdown.
        self._detail_timer = self.post_list.set_timer(0.05, self._show_highlighted)

    def _show_highlighted(self) -> None:
        self.detail.open_key = self.key_names.open
        # Posts of several feeds side by side: say which feed each one is from.
        many = self.feed_url is None or self.view is View.STARRED
        self.detail.feed_name = self.feed_name if many else None
        current = self.post_list.current_post
        opened = self.articles.post_id
        if opened is not None and (current is None or current.id != opened):
            self._close_article()
        self.detail.show_post(self.post_list.current_post, placeholder=self._nothing_to_show())
        self._update_dwell()

    def _update_dwell(self) -> None:
        """Run the read timer for the post in the post pane while the reader looks at it.

        Looking means: this screen is on top and the focus is in the list or the
        post, not in the search box (typing a search reads nothing).
        """
        post = self.detail.post
        delay = self.reader_app.settings.mark_read_after_seconds
        looking = self.app.screen is self and self.focused is not self.search_bar
        if not looking or not reading.dwell_applies(post, delay) or post is None:
            self._stop_dwell()
            return
        if post.id == self._read_timer_post:
            return  # still on the post being timed (a reload kept it): let the dwell finish
        self._stop_dwell()
        post_id = post.id
        self._read_timer_post = post_id
        self._read_timer = self.post_list.set_timer(delay, lambda: self._auto_mark_read(post_id))

    def _stop_dwell(self) -> None:
        if self._read_timer is not None:
            self._read_timer.stop()
        self._read_timer, self._read_timer_post = None, None

    def on_descendant_focus(self) -> None:
        self._update_dwell()

    def _auto_mark_read(self, post_id: str) -> None:
        self._read_timer, self._read_timer_post = None, None
        post = self.detail.post
        if post is not None and post.id == post_id and not post.read:
            self.set_read(post, True)

    def set_read(self, post: Post, read: bool) -> None:
        with self._saving("the read mark"):
            self.store.set_read([post.id], read, now=self.reader_app.services.clock())
        self.refresh_post(post.id)

    @contextmanager
    def _reading(self, what: str) -> Iterator[None]:
        """A failed read (a locked or vanished cache) is told, not a crash."""
        try:
            yield
        except sqlite3.Error as error:
            self.notify(
                f"Could not {what}: {error}", title="Storage", severity="error", markup=False
            )

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
        fresh = self.store.post(post_id)
        if fresh is None:
            return
        self.post_list.update_post(fresh)
        # Keep the unfiltered list in step too, or the next search shows old marks.
        self._stored_posts = [fresh if p.id == post_id else p for p in self._stored_posts]
        if self.detail.post is not None and self.detail.post.id == post_id:
            self.detail.show_post(fresh)
        self._update_counts()
        self.update_sidebar()

    # -- opening and copying links ---------------------------------------------

    @on(PostList.Opened)
    def _post_opened(self, event: PostList.Opened) -> None:
        """enter: the whole post, here. From the store, the feed, or its page."""
        self.read_article(event.post)

    # -- whole articles (tui.screens.reader_articles) ---------------------------------

    def read_article(self, post: Post) -> None:
        self.articles.read(post)

    @on(ArticleReady)
    async def _article_ready(self, event: ArticleReady) -> None:
        await self.articles.ready(event)

    @on(ArticleFailed)
    def _article_failed(self, event: ArticleFailed) -> None:
        self.articles.failed(event)

    def _close_article(self) -> None:
        self.articles.close()

    def on_article_view_link_activated(self, event: ArticleView.LinkActivated) -> None:
        event.stop()
        self.articles.follow_link(event.url)

    def follow_link(self, url: str) -> None:
        self.articles.follow_link(url)

    def action_contents(self) -> None:
        """t: the article's headings; pick one to jump to it."""
        self.articles.show_contents()

    def action_links(self) -> None:
        """f: every link of the article (or the description), numbered; pick one to follow."""
        self.articles.show_links()

    def prefetch_unread(self) -> None:
        self.articles.prefetch_unread()

    def cancel_prefetch(self) -> None:
        self.articles.cancel_prefetch()

    @on(PrefetchProgress)
    def _prefetch_progress(self, event: PrefetchProgress) -> None:
        self.articles.prefetch_progress(event)

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
        post_id = post.id
        self.reader_app.open_link(post.link, on_opened=lambda: self._opened(post_id))

    def _opened(self, post_id: str) -> None:
        """The browser really has the post: it counts as read (not when it failed to start)."""
        post = self.store.post(post_id)
        if post is not None and not post.read:
            self.set_read(post, True)

    @on(Markdown.LinkClicked)
    def _link_clicked(self, event: Markdown.LinkClicked) -> None:
        event.stop()
        self.reader_app.open_link(event.href)

    def action_copy_link(self) -> None:
        post = self.post_list.current_post
        if post is None or not post.link:
            self.notify("No link to copy.", severity="warning")
            return
        self.app.copy_to_clipboard(post.link)
        self.notify(post.link, title="Link copied", timeout=5, markup=False)

    # -- read, star, filter -----------------------------------------------------

    def action_toggle_read(self) -> None:
        post = self.post_list.current_post
        if post is not None:
            self._stop_dwell()  # the reader decided: don't flip it back later
            self.set_read(post, not post.read)

    def action_next_unread(self) -> None:
        """Jump to the next unread post below the cursor, wrapping to the top."""
        self._jump_unread(step=1)

    def action_previous_unread(self) -> None:
        self._jump_unread(step=-1)

    def _jump_unread(self, *, step: int) -> None:
        index = reading.next_unread(self.post_list.posts, self.post_list.highlighted, step=step)
        if index is None:
            self.notify("No other unread posts here.", timeout=2)
            return
        self.post_list.highlighted = index

    def action_mark_all_read(self) -> None:
        """Mark every shown post read at once; ctrl+z (or the palette's Undo) puts them back."""
        unread = tuple(post.id for post in self.post_list.posts if not post.read)
        if not unread:
            self.notify("Nothing unread here.", timeout=2)
            return
        with self._saving("the read marks"):
            self.store.set_read(list(unread), True, now=self.reader_app.services.clock())
            self._undo = reading.MarkedRead(unread)
            undo_key = keys.key_for("undo", self.app._keymap)
            self.notify(f"{self._undo.message} {undo_key} undoes it.", timeout=4)
        self.reload_posts()

    def action_undo(self) -> None:
        if self._undo is None:
            self.notify("Nothing to undo.", timeout=2)
            return
        undo, self._undo = self._undo, None
        with self._saving("the read marks"):
            self.store.set_read(list(undo.post_ids), False, now=self.reader_app.services.clock())
            self.notify(f"Undone: {reading.plural(len(undo.post_ids), 'post')} unread again.")
        self.reload_posts()
        self._keep_as_decided()

    def _keep_as_decided(self) -> None:
        """The reader just set the shown post's state: the dwell must not flip it back."""
        self._stop_dwell()
        if self.detail.post is not None:
            self._read_timer_post = self.detail.post.id  # no timer: this post is settled

    def action_toggle_star(self) -> None:
        post = self.post_list.current_post
        if post is None:
            return
        with self._saving("the star"):
            self.store.set_starred(post.id, not post.starred)
        self.refresh_post(post.id)

    def action_toggle_unread_only(self) -> None:
        self.show_view(View.ALL if self.view is View.UNREAD else View.UNREAD)

    def action_toggle_starred_only(self) -> None:
        self.show_view(View.ALL if self.view is View.STARRED else View.STARRED)

    def show_view(self, view: View) -> None:
        self.view = view
        self.reload_posts()
        wording = {
            View.ALL: "Showing all posts.",
            View.UNREAD: "Showing unread posts only.",
            View.STARRED: "Showing starred posts only.",
        }
        self.notify(wording[view], timeout=2)

    def palette_candidates(self, query: str, *, limit: int) -> list[Post]:
        """Posts of this feed that contain ``query``, for the palette to rank fuzzily.

        The search index narrows first: fuzzy matching every one of 10,000
        titles takes ~0.2 s, and letters scattered across a title ("sort"
        in "SaaS … or Per-Tenant") are noise next to the palette's commands.
        """
        found = set(self.store.search(query, self.feed_url))
        return [p for p in self._stored_posts if p.id in found][:limit]

    def go_to_post(self, post_id: str) -> None:
        """Show one post, clearing a search or view that would hide it."""
        if post_id not in {p.id for p in self.post_list.posts}:
            hidden_by = (
                "search and view"
                if self.search_query and self.view is not View.ALL
                else ("search" if self.search_query else "view")
            )
            self.search_bar.value = ""
            self.search_query = ""
            self.search_bar.display = False
            self.remove_class("-searching")
            self.view = View.ALL
            self._show_matching()
            self.refresh_bindings()
            self.notify(f"Cleared the {hidden_by} to show this post.", timeout=3)
        try:
            self.post_list.highlighted = self.post_list.get_option_index(post_id)
        except OptionDoesNotExist:
            self.notify("That post is gone from the store.", severity="warning")
            return
        self.set_focus(self.post_list)

    def sort_by(self, order: SortOrder) -> None:
        self.sort = order
        self.reload_posts()

    def action_zoom(self) -> None:
        """Give the post pane the whole screen, and back."""
        zoomed = not self.has_class("-zoomed")
        if zoomed:
            self._list_scroll = self.post_list.scroll_y
            self._zoomed_from_post = self.focused is self.post_pane
        self.set_class(zoomed, "-zoomed")
        if zoomed:
            self.set_focus(self.post_pane, scroll_visible=False)
        else:
            # Back to the pane the reader zoomed from: from the post, keep reading it.
            back = self.post_pane if self._zoomed_from_post else self.post_list
            self.set_focus(back, scroll_visible=False)
            # Back where the reader was, not with the highlighted row at the top.
            top = self._list_scroll
            self.call_after_refresh(lambda: self.post_list.scroll_to(y=top, animate=False))

    def action_resize_list(self, step: int) -> None:
        """Make the list pane wider (or narrower) by ``step`` percent of the screen."""
        width = max(20, min(80, self.list_width + step))
        if width == self.list_width:
            edge = (
                ("wide" if step > 0 else "narrow")
                if not self.has_class("-narrow")
                else ("tall" if step > 0 else "short")
            )
            self.notify(f"The list is as {edge} as it goes ({width}%).", timeout=2)
            return
        self.list_width = width
        # list_width is the side-by-side split; stacked, the change lasts this session.
        if not self.has_class("-narrow"):
            self.reader_app.remember("list_width", width)

    def on_screen_suspend(self) -> None:
        # A dialog is on top: its keys, not the reader's, so the footer under
        # it shows none of the reader's; and nobody is reading the post.
        self.refresh_bindings()
        self._stop_dwell()

    def on_screen_resume(self) -> None:
        self.refresh_bindings()
        self._update_dwell()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.app.screen is not self:
            return False
        searching = self.focused is self.search_bar
        if action == "search" and searching:
            return False  # a / typed in the box is just a character
        if action == "confirm_search":
            return searching
        if action == "cancel_search":
            # esc in the list clears a search kept with enter; otherwise it is not ours.
            return searching or bool(self.search_query)
        return True

    def action_search(self) -> None:
        if not self.search_bar.display:
            # Where the reader was, for esc to go back to after the search.
            current = self.post_list.current_post
            self._post_before_search = current.id if current else None
        # display set directly, not through a CSS class: styles from classes
        # apply at the next refresh, and a hidden Input drops the keys typed
        # before then.
        self.search_bar.display = True
        self.add_class("-searching")
        self.set_focus(self.search_bar)
        self._prepare_quick_search()

    @on(SearchBar.Changed, "#search")
    def _search_changed(self, event: SearchBar.Changed) -> None:
        query = event.value.strip()
        if query == self.search_query:
            return  # esc emptied the box and already showed every post: once is enough
        self.search_query = query
        self._show_matching()

    def action_confirm_search(self) -> None:
        """enter in the search box: keep the filter and go back to the list."""
        self._close_search(keep=bool(self.search_bar.value.strip()))

    def action_cancel_search(self) -> None:
        """esc: clear the filter and go back to the list.

        In the search box it cancels, back to the post before the search; in the
        list (a search kept with enter) the reader stays on the post they reached.
        """
        cancelling = self.focused is self.search_bar
        self.search_bar.value = ""
        self.search_query = ""
        self._show_matching(keep=self._post_before_search if cancelling else None)
        self._close_search(keep=False)

    def _close_search(self, *, keep: bool) -> None:
        if not keep:
            self.search_bar.display = False
        self.set_class(self.search_bar.display, "-searching")
        self.set_focus(self.post_list)
        self.refresh_bindings()  # "esc Clear search" comes and goes with the search

    def action_switch_pane(self) -> None:
        if self.has_class("-zoomed"):
            return  # the post pane is all there is
        # set_focus, not widget.focus(), which is deferred.
        # sidebar (when shown) → list → post pane → sidebar ...
        order: list[FeedSidebar | PostList | PostDetail | ArticleView] = [
            self.post_list,
            self.post_pane,
        ]
        if self.has_class("-sidebar"):
            order.insert(0, self.sidebar)
        current = order.index(self.focused) if self.focused in order else -1
        self.set_focus(order[(current + 1) % len(order)], scroll_visible=False)

    # -- refreshing ---------------------------------------------------------------

    def action_refresh(self) -> None:
        if self._refreshing:
            self.notify("Starting the refresh again.", timeout=2)
        self.run_refresh(user_asked=True)

    def maybe_auto_refresh(self) -> None:
        self.refresher.maybe_auto_refresh()

    def run_refresh(
        self, *, user_asked: bool, network: bool = True, only: Sequence[str] | None = None
    ) -> None:
        """Refresh every feed read here (or ``only`` those) in a worker."""
        self.refresher.run(user_asked=user_asked, network=network, only=only)

    @on(PostsChanged)
    def reload_in_background(self) -> None:
        # Read off the UI thread: at 10,000 posts building them takes longer than
        # a frame, and a refresh of many feeds asks again and again.
        self.run_worker(
            self._load_posts,
            thread=True,
            group="reload",
            exclusive=True,
            exit_on_error=False,
            description="Reading the posts",
        )

    def _reload_key(self) -> tuple[str, str, str]:
        return (self.scope.row_id, str(self.view), str(self.sort))

    def _load_posts(self) -> None:
        """Runs in a thread: reads, sorts and counts, touches no widget."""
        worker = get_current_worker()
        key = self._reload_key()
        posts = reading.sort_posts(self._scope_posts(), self.sort)
        unread = infos = None
        if self.has_class("-sidebar"):
            unread = self.store.unread_counts()
            infos = {feed.url: feed for feed in self.store.feeds()}
        if not worker.is_cancelled:
            self.post_message(PostsLoaded(posts, key=key, unread=unread, infos=infos))
        if len(posts) >= SCAN_OFF_THREAD_FROM:
            self.store.prepare_quick_search(only_to_refresh=True)  # the posts may have changed

    @on(PostsLoaded)
    def _posts_loaded(self, event: PostsLoaded) -> None:
        if event.key != self._reload_key():
            self.reload_in_background()  # read for a view the reader has left: again, for this one
            return
        self._stored_posts = event.posts
        self._update_feed_column(event.infos)
        self._show_matching()
        self.update_header()
        if event.unread is not None and event.infos is not None:
            from tui.feedlist import sidebar_rows

            rows = sidebar_rows(self.feeds, event.infos, event.unread)
            self.sidebar.show_rows(rows, current=self.scope.row_id)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group != "refresh":
            self.reader_app.worker_failed(event)
            return
        running = any(w.group == "refresh" and not w.is_finished for w in self.workers)
        self._refreshing = running
        if running:
            self.status.start(
                "Refreshing the feeds" if len(self.feeds) > 1 else f"Refreshing {self.feeds[0].url}"
            )
        else:
            self.status.stop()
        if event.state is WorkerState.ERROR:
            self.notify(
                f"Refresh failed: {worker.error}",
                title="Refresh failed",
                severity="error",
                markup=False,
            )
            self.update_header()
        if not running and not self.post_list.option_count:
            self.detail.show_post(None, placeholder=self._nothing_to_show())

    @on(RefreshRetrying)
    def _refresh_retrying(self, event: RefreshRetrying) -> None:
        if self._refreshing:
            self.status.start(event.text)

    @on(RefreshProgress)
    def _refresh_progress(self, event: RefreshProgress) -> None:
        if self._refreshing:
            self.status.start(f"Refreshing {event.done}/{event.total}")

    @on(RefreshFinished)
    def _refresh_finished(self, event: RefreshFinished) -> None:
        self.refresher.report(event.outcomes, user_asked=event.user_asked)
        if not self._refreshing and not self.post_list.option_count:
            self.detail.show_post(None, placeholder=self._nothing_to_show())
