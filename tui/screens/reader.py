"""The reader: the post list, the post pane, search, status and read tracking.

The App owns what is global (services, theme, keymap, help, quit, opening
links); this screen owns the reader's view of the store: one feed, a folder
or all subscribed feeds, chosen in the feeds sidebar. Rules with no UI in them
(dwell timing, wording, next unread) live in ``tui.reading``.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Header, Markdown, OptionList
from textual.widgets.option_list import OptionDoesNotExist
from textual.worker import Worker, WorkerState, get_current_worker

from tui import DEFAULT_FEED_URL, keys, reading
from tui.background import run_abandonable
from tui.feedlist import FeedLike, FeedRef, RowKind, SidebarRow, feed_title
from tui.feedstatus import auto_refresh_due, failed_last, fetch_label
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
from tui.models import Post
from tui.reading import KeyNames, SortOrder, View
from tui.refresh import RefreshOutcome, Status, import_seed_if_empty
from tui.sanitize import host_of, shorten
from tui.widgets.feed_sidebar import FeedSidebar
from tui.widgets.post_detail import PostDetail
from tui.widgets.post_list import PostList
from tui.widgets.search_bar import SearchBar
from tui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from tui.app import RajpootApp
    from tui.fetch import FetchError
    from tui.store import Store
    from tui.widgets.article_view import ArticleView

# How often the reader checks whether an automatic refresh is due. The refresh
# itself happens only as often as the settings and the publisher allow.
AUTO_REFRESH_CHECK_SECONDS = 60.0
# While many feeds refresh, the list takes in their new posts this often at most.
RELOAD_EVERY_SECONDS = 1.5
# Network problems that mean "you are offline", which deserve a calm notice.
_OFFLINE_KINDS = frozenset({"dns", "connect"})


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
        # The post whose whole article the post pane shows (or is fetching).
        self._article_post: str | None = None
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
        from tui.widgets.article_view import ArticleView

        return self.query_one("#article", ArticleView)

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
        if self._rederive(self.store, worker.cancelled_event):
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

    def action_toggle_sidebar(self) -> None:
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
        matches = None
        if self.search_query:
            # The FTS5 index, not a scan: a few ms at 10,000 posts (benchmarks/search.py).
            with self._reading("search"):
                found = set(self.store.search(self.search_query, self.feed_url))
                matches = found.__contains__
            self._after_index_rebuilt()
        posts = reading.select(
            self._stored_posts,
            view=self.view,
            matches=None if matches is None else (lambda post: matches(post.id)),
        )
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
        if self._article_post is not None and (current is None or current.id != self._article_post):
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

    # -- whole articles -------------------------------------------------------------

    def read_article(self, post: Post) -> None:
        self._article_post = post.id
        from tui.parse import has_full_content

        if has_full_content(post):
            # The feed carried the whole article: nothing to fetch.
            self.post_message(ArticleReady(post.id, _article_markdown(post), base_url=post.link))
            return
        if not post.link:
            self.notify("This post has no link to fetch it from.", severity="warning")
            return
        self.status.start(f"Fetching the article · {host_of(post.link)}")
        self.run_worker(
            lambda: self._load_article(post),
            thread=True,
            group="article",
            exclusive=True,
            exit_on_error=False,
            description="Fetching the article",
        )

    def _load_article(self, post: Post) -> None:
        """In a thread: the stored article, or fetched, extracted and stored."""
        from tui.articles.service import load_article

        services = self.reader_app.services
        worker = get_current_worker()
        outcome = load_article(
            self.store,
            post,
            client=services.http_client(),
            now=services.clock,
            should_cancel=lambda: worker.is_cancelled,
            sleep=_cancellable_sleep(worker.cancelled_event),
        )
        if outcome.ok and outcome.article is not None:
            body = _article_markdown(post, outcome.article.markdown)
            note = "" if outcome.stored or outcome.from_store else outcome.message
            self.post_message(ArticleReady(post.id, body, base_url=outcome.article.url, note=note))
        else:
            self.post_message(ArticleFailed(post.id, outcome.message, link=post.link))

    @on(ArticleReady)
    async def _article_ready(self, event: ArticleReady) -> None:
        self.status.stop()
        if event.post_id != self._article_post:
            return  # the reader moved on meanwhile
        if not self.query("#article"):
            # Imported and mounted only now: its modules (and Pygments) stay off
            # the first-paint path.
            from tui.widgets.article_view import ArticleView

            await self.query_one("#panes").mount(ArticleView(id="article"))
        self.add_class("-article")
        self.article.show(event.markdown, base_url=event.base_url)
        self.set_focus(self.article, scroll_visible=False)
        if event.note:
            self.notify(event.note, title="Article", severity="warning", markup=False)

    @on(ArticleFailed)
    def _article_failed(self, event: ArticleFailed) -> None:
        self.status.stop()
        if event.post_id == self._article_post:
            self._article_post = None
        open_key, link = self.key_names.open, shorten(event.link, 120)
        self.notify(
            f"{event.message}\nShowing the description; {open_key} opens {link}",
            title="Article not available",
            severity="warning",
            timeout=8,
            markup=False,
        )

    def _close_article(self) -> None:
        self._article_post = None
        if self.has_class("-article"):
            had_focus = self.focused is self.post_pane
            self.remove_class("-article")
            if had_focus:
                self.set_focus(self.post_list, scroll_visible=False)

    def on_article_view_link_activated(self, event: ArticleView.LinkActivated) -> None:
        event.stop()
        self.follow_link(event.url)

    def follow_link(self, url: str) -> None:
        """A link in an article: another stored post opens here, anything else in the browser."""
        if self.has_class("-article") and self.article.follow_anchor(url):
            return  # an in-page #id link: the article scrolled to that heading
        for post in self._stored_posts:
            if post.link and post.link.rstrip("/") == url.rstrip("/"):
                self.go_to_post(post.id)
                return
        self.reader_app.open_link(url)

    def action_contents(self) -> None:
        """t: the article's headings; pick one to jump to it."""
        if not self.has_class("-article"):
            enter = keys.key_for("select", self.app._keymap)
            self.notify(f"Press {enter} to read the whole post first.", timeout=3)
            return
        headings = self.article.headings
        if not headings:
            self.notify("This article has no headings.", timeout=2)
            return
        from tui.screens.picker import PickerScreen

        items = [Content("  " * (level - 1) + text) for level, text, _ in headings]

        def jump(index: int | None) -> None:
            if index is not None:
                self.article.scroll_to_heading(index)
                self.set_focus(self.article, scroll_visible=False)

        self.app.push_screen(PickerScreen("Contents", items), jump)

    def action_links(self) -> None:
        """f: every link of the article (or the description), numbered; pick one to follow."""
        links = self.article.links if self.has_class("-article") else []
        if not links:
            self.notify("No links here.", timeout=2)
            return
        from tui.screens.picker import PickerScreen

        items = [Content(f"[{n}] {shorten(url, 200)}") for n, url in enumerate(links, 1)]

        def follow(index: int | None) -> None:
            if index is not None:
                self.follow_link(links[index])

        self.app.push_screen(PickerScreen("Links", items), follow)

    def prefetch_unread(self) -> None:
        """Fetch and keep the article of every unread post, for reading offline."""
        from tui.parse import has_full_content

        posts = [p for p in self._stored_posts if not p.read and not has_full_content(p)]
        if not posts:
            self.notify("Every unread post is already readable offline.", timeout=3)
            return
        self.run_worker(
            lambda: self._prefetch(posts),
            thread=True,
            group="prefetch",
            exclusive=True,
            exit_on_error=False,
            description="Prefetching articles",
        )

    def _prefetch(self, posts: list[Post]) -> None:
        from tui.articles.service import prefetch

        services = self.reader_app.services
        worker = get_current_worker()
        report = prefetch(
            self.store,
            posts,
            client=services.http_client(),
            now=services.clock,
            on_progress=lambda done, total: self._post_progress(done, total),
            should_cancel=lambda: worker.is_cancelled,
        )
        failed = len(report.failed)
        summary = f"Kept {reading.plural(report.fetched, 'article')} for reading offline"
        summary += f"; {failed} could not be fetched." if failed else "."
        if report.cancelled:
            summary = "Prefetch cancelled. " + summary
        self.post_message(
            PrefetchProgress(report.total, report.total, finished=True, summary=summary)
        )

    def _post_progress(self, done: int, total: int) -> None:
        self.post_message(PrefetchProgress(done, total))

    def cancel_prefetch(self) -> None:
        self.workers.cancel_group(self, "prefetch")
        self.notify("Cancelling the prefetch…", timeout=2)

    @on(PrefetchProgress)
    def _prefetch_progress(self, event: PrefetchProgress) -> None:
        if event.finished:
            self.status.stop()
            self.notify(event.summary, title="Articles", timeout=5)
        else:
            self.status.start(f"articles {event.done}/{event.total}")

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
        self.set_class(zoomed, "-zoomed")
        if zoomed:
            self.set_focus(self.post_pane, scroll_visible=False)
        else:
            self.set_focus(self.post_list, scroll_visible=False)
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
        # A slow refresh must be allowed to finish: restarting it on every
        # check would keep a dribbling server "refreshing" forever.
        settings = self.reader_app.settings
        if settings.refresh_minutes <= 0 or self._refreshing:
            return
        now = self.reader_app.services.clock()
        due = [
            feed.url
            for feed in self.feeds
            if auto_refresh_due(self.store.feed(feed.url), now, settings.refresh_minutes)
        ]
        if due:
            # Only those: the others' publishers (Cache-Control, <ttl>) asked for later.
            self.run_refresh(user_asked=False, only=due)

    def run_refresh(
        self, *, user_asked: bool, network: bool = True, only: Sequence[str] | None = None
    ) -> None:
        """Refresh every feed read here (or ``only`` those) in a worker."""
        self.run_worker(
            self._refresh(user_asked=user_asked, network=network, only=only),
            group="refresh",
            exclusive=True,
            exit_on_error=False,
            description="Refreshing the feeds" if len(self.feeds) > 1 else "Refreshing the feed",
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
        self.post_message(RefreshFinished(outcomes, user_asked=user_asked))

    def _refresh_blocking(
        self,
        cancelled: threading.Event,
        *,
        network: bool,
        user_asked: bool,
        only: Sequence[str] | None = None,
    ) -> list[RefreshOutcome]:
        """Runs in a daemon thread: never touches widgets, only posts messages."""
        # The app's one Store is thread-safe (a lock per connection; reads have
        # their own), so the thread shares it. One Store per process also keeps
        # SQLite's POSIX locks simple: a second Store opened and closed here used
        # to let another process delete the WAL under the first (see test_store).
        store = self.store
        services = self.reader_app.services
        urls = [feed.url for feed in self.feeds]
        if DEFAULT_FEED_URL in urls and import_seed_if_empty(
            store, DEFAULT_FEED_URL, now=services.clock()
        ):
            self.post_message(PostsChanged())
        if self._rederive(store, cancelled):
            self.post_message(PostsChanged())
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
            self.post_message(RefreshProgress(step.done, step.total))
            merge = step.outcome.merge
            changed = merge is not None and (merge.new or merge.updated)
            # New posts show as they come, but at most every RELOAD_EVERY seconds:
            # the end of the refresh reloads once more for the rest.
            if changed and time.monotonic() - last_reload >= RELOAD_EVERY_SECONDS:
                last_reload = time.monotonic()
                self.post_message(PostsChanged())

        def retrying(url: str, attempt: int, tries: int, delay: float, error: FetchError) -> None:
            name = self.feed_name(url)
            self.post_message(
                RefreshRetrying(
                    f"{name}: {error.message}; try {attempt} of {tries} in {delay:.0f} s"
                )
            )

        settings = self.reader_app.settings
        if only is not None:
            urls = [url for url in urls if url in set(only)]
        if len(urls) > 1:
            self.post_message(RefreshProgress(0, len(urls)))
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

    @staticmethod
    def _rederive(store: Store, cancelled: threading.Event) -> bool:
        """Bring posts stored by an older converter up to date, a batch at a time.

        Their Markdown and search text come from the stored source again, so a
        converter fix reaches posts the feed no longer carries. Off the UI thread.
        """
        changed = False
        while not cancelled.is_set() and store.rederive_stale(limit=200):
            changed = True
        return changed

    @on(PostsChanged)
    def _posts_changed(self) -> None:
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

    @on(PostsLoaded)
    def _posts_loaded(self, event: PostsLoaded) -> None:
        if event.key != self._reload_key():
            self._posts_changed()  # read for a view the reader has left: again, for this one
            return
        self._stored_posts = event.posts
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
        if len(event.outcomes) == 1:
            self.report_refresh(event.outcomes[0], user_asked=event.user_asked)
        elif event.outcomes:
            self.report_refreshes(event.outcomes, user_asked=event.user_asked)
        if not self._refreshing and not self.post_list.option_count:
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
        elif outcome.status is Status.WAITING:
            self.update_header()
            self.notify(outcome.message + ".", title="Not refreshed", timeout=6, markup=False)
        elif outcome.status is Status.FAILED:
            self.update_header()
            offline = outcome.error_kind in _OFFLINE_KINDS
            self.notify(
                f"{outcome.message}\nShowing the saved posts."
                # The store, not the list: a reload of the list may still be on its way.
                if self.store.has_posts(outcome.url)
                else outcome.message,
                title="Feed unreachable" if offline else "Refresh failed",
                severity="information" if offline else "warning",
                timeout=8,
                markup=False,
            )
        for warning in outcome.warnings:
            self.notify(warning, title="Feed problem", severity="warning", timeout=8, markup=False)

    def report_refreshes(self, outcomes: Sequence[RefreshOutcome], *, user_asked: bool) -> None:
        """Many feeds: one notice for the whole refresh, failures listed by ``E``."""
        self._posts_changed()  # the posts of every feed, read off the UI thread
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
            errors_key = keys.key_for("feed-errors", self.app._keymap)
            parts.append(f"{failed} failed ({errors_key} lists them)")
        self.notify(
            ", ".join(parts) + ".",
            title="Feeds refreshed",
            severity="warning" if failed else "information",
            timeout=6,
            markup=False,
        )


def _article_markdown(post: Post, body: str | None = None) -> str:
    """The article with the post's title on top (the text is shown literally, never markup)."""
    text = post.summary if body is None else body
    return f"# {post.display_title}\n\n{text}"


def _cancellable_sleep(cancelled: threading.Event) -> Callable[[float], None]:
    def sleep(seconds: float) -> None:
        cancelled.wait(seconds)  # a cancel cuts a retry wait short

    return sleep
