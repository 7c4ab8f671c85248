"""The reader's whole articles: fetched in a worker, shown in the post pane, read offline.

The reader screen owns the panes; this part of it owns the article the post
pane shows: where it comes from (the feed's own content, the store, or the
page fetched and extracted by ``tui.articles``), the article view that shows
it, its contents (``t``) and links (``f``), and prefetching unread articles.
The article view and its libraries are imported with the first article, so
none of this is on the first-paint path.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.content import Content
from textual.worker import get_current_worker

from tui import keys, reading
from tui.messages import ArticleFailed, ArticleReady, PrefetchProgress
from tui.models import Post
from tui.sanitize import host_of, shorten

if TYPE_CHECKING:
    from tui.screens.reader import ReaderScreen
    from tui.widgets.article_view import ArticleView


class ArticleReading:
    """The whole article of the post the reader opened (``enter``), in the post pane."""

    def __init__(self, reader: ReaderScreen) -> None:
        self.reader = reader
        self.post_id: str | None = None
        """The post whose whole article the post pane shows (or is fetching)."""

    @property
    def shown(self) -> bool:
        """Whether the post pane shows an article (rather than the post's card)."""
        return self.reader.has_class("-article")

    @property
    def view(self) -> ArticleView:
        """The article view; mounted with the first article (it is not on the first-paint path)."""
        from tui.widgets.article_view import ArticleView

        return self.reader.query_one("#article", ArticleView)

    def read(self, post: Post) -> None:
        """Show the post's whole article: the feed's content, the stored page, or fetch it."""
        reader = self.reader
        self.post_id = post.id
        from tui.parse import has_full_content

        if has_full_content(post):
            # The feed carried the whole article: nothing to fetch.
            reader.post_message(ArticleReady(post.id, article_markdown(post), base_url=post.link))
            return
        if not post.link:
            reader.notify("This post has no link to fetch it from.", severity="warning")
            return
        reader.status.start(f"Fetching the article · {host_of(post.link)}")
        reader.run_worker(
            lambda: self._load(post),
            thread=True,
            group="article",
            exclusive=True,
            exit_on_error=False,
            description="Fetching the article",
        )

    def _load(self, post: Post) -> None:
        """In a thread: the stored article, or fetched, extracted and stored."""
        from tui.articles.service import load_article

        reader = self.reader
        services = reader.reader_app.services
        worker = get_current_worker()
        outcome = load_article(
            reader.store,
            post,
            client=services.http_client(),
            now=services.clock,
            should_cancel=lambda: worker.is_cancelled,
            sleep=_cancellable_sleep(worker.cancelled_event),
        )
        if outcome.ok and outcome.article is not None:
            body = article_markdown(post, outcome.article.markdown)
            note = "" if outcome.stored or outcome.from_store else outcome.message
            reader.post_message(
                ArticleReady(post.id, body, base_url=outcome.article.url, note=note)
            )
        else:
            reader.post_message(ArticleFailed(post.id, outcome.message, link=post.link))

    async def ready(self, event: ArticleReady) -> None:
        reader = self.reader
        reader.status.stop()
        if event.post_id != self.post_id:
            return  # the reader moved on meanwhile
        if not reader.query("#article"):
            # Imported and mounted only now: its modules (and Pygments) stay off
            # the first-paint path.
            from tui.widgets.article_view import ArticleView

            await reader.query_one("#panes").mount(ArticleView(id="article"))
        reader.add_class("-article")
        self.view.show(event.markdown, base_url=event.base_url)
        reader.set_focus(self.view, scroll_visible=False)
        if event.note:
            reader.notify(event.note, title="Article", severity="warning", markup=False)

    def failed(self, event: ArticleFailed) -> None:
        reader = self.reader
        reader.status.stop()
        if event.post_id == self.post_id:
            self.post_id = None
        open_key, link = reader.key_names.open, shorten(event.link, 120)
        reader.notify(
            f"{event.message}\nShowing the description; {open_key} opens {link}",
            title="Article not available",
            severity="warning",
            timeout=8,
            markup=False,
        )

    def close(self) -> None:
        """Back to the post's card (another post was chosen, or another feed shown)."""
        reader = self.reader
        self.post_id = None
        if self.shown:
            had_focus = reader.focused is reader.post_pane
            reader.remove_class("-article")
            if had_focus:
                reader.set_focus(reader.post_list, scroll_visible=False)

    def follow_link(self, url: str) -> None:
        """A link in an article: another stored post opens here, anything else in the browser."""
        reader = self.reader
        if self.shown and self.view.follow_anchor(url):
            return  # an in-page #id link: the article scrolled to that heading
        post = reading.post_at(reader.stored_posts, url)
        if post is not None:
            reader.go_to_post(post.id)
        else:
            reader.reader_app.open_link(url)

    def show_contents(self) -> None:
        """t: the article's headings; pick one to jump to it."""
        reader = self.reader
        if not self.shown:
            enter = keys.key_for("select", reader.app._keymap)
            reader.notify(f"Press {enter} to read the whole post first.", timeout=3)
            return
        headings = self.view.headings
        if not headings:
            reader.notify("This article has no headings.", timeout=2)
            return
        from tui.screens.picker import PickerScreen

        items = [Content("  " * (level - 1) + text) for level, text, _ in headings]

        def jump(index: int | None) -> None:
            if index is not None:
                self.view.scroll_to_heading(index)
                reader.set_focus(self.view, scroll_visible=False)

        reader.app.push_screen(PickerScreen("Contents", items), jump)

    def show_links(self) -> None:
        """f: every link of the article (or the description), numbered; pick one to follow."""
        reader = self.reader
        links = self.view.links if self.shown else []
        if not links:
            reader.notify("No links here.", timeout=2)
            return
        from tui.screens.picker import PickerScreen

        # "[3] the link's text — its address": which link is which, as in the article.
        labels = self.view.link_labels() if self.shown else [""] * len(links)
        items = [
            Content(
                f"[{n}] {shorten(label, 80)} — {shorten(url, 200)}"
                if label
                else f"[{n}] {shorten(url, 200)}"
            )
            for n, (label, url) in enumerate(zip(labels, links, strict=True), 1)
        ]

        def follow(index: int | None) -> None:
            if index is not None:
                self.follow_link(links[index])

        reader.app.push_screen(PickerScreen("Links", items), follow)

    # -- prefetching for offline reading ----------------------------------------

    def prefetch_unread(self) -> None:
        """Fetch and keep the article of every unread post, for reading offline."""
        from tui.parse import has_full_content

        reader = self.reader
        posts = [p for p in reader.stored_posts if not p.read and not has_full_content(p)]
        if not posts:
            reader.notify("Every unread post is already readable offline.", timeout=3)
            return
        reader.run_worker(
            lambda: self._prefetch(posts),
            thread=True,
            group="prefetch",
            exclusive=True,
            exit_on_error=False,
            description="Prefetching articles",
        )

    def _prefetch(self, posts: list[Post]) -> None:
        from tui.articles.service import prefetch

        reader = self.reader
        services = reader.reader_app.services
        worker = get_current_worker()

        def progress(done: int, total: int) -> None:
            reader.post_message(PrefetchProgress(done, total))

        report = prefetch(
            reader.store,
            posts,
            client=services.http_client(),
            now=services.clock,
            on_progress=progress,
            should_cancel=lambda: worker.is_cancelled,
        )
        failed = len(report.failed)
        summary = f"Kept {reading.plural(report.fetched, 'article')} for reading offline"
        summary += f"; {failed} could not be fetched." if failed else "."
        if report.cancelled:
            summary = "Prefetch cancelled. " + summary
        reader.post_message(
            PrefetchProgress(report.total, report.total, finished=True, summary=summary)
        )

    def cancel_prefetch(self) -> None:
        self.reader.workers.cancel_group(self.reader, "prefetch")
        self.reader.notify("Cancelling the prefetch…", timeout=2)

    def prefetch_progress(self, event: PrefetchProgress) -> None:
        reader = self.reader
        if event.finished:
            reader.status.stop()
            reader.notify(event.summary, title="Articles", timeout=5)
        else:
            reader.status.start(f"articles {event.done}/{event.total}")


def article_markdown(post: Post, body: str | None = None) -> str:
    """The article with the post's title on top (the text is shown literally, never markup)."""
    text = post.summary if body is None else body
    return f"# {post.display_title}\n\n{text}"


def _cancellable_sleep(cancelled: threading.Event) -> Callable[[float], None]:
    def sleep(seconds: float) -> None:
        cancelled.wait(seconds)  # a cancel cuts a retry wait short

    return sleep
