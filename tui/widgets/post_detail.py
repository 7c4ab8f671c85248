"""The detail pane: title, dates, link, section and the description of one post."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Grid, VerticalScroll
from textual.content import Content
from textual.widgets import Markdown, Static

from tui import keys
from tui.models import Post
from tui.timefmt import absolute, relative

# Textual's Markdown widget takes seconds on a book-length body; a description
# longer than this is cut with a pointer to the full post in the browser.
MAX_BODY_CHARS = 60_000


class PostDetail(VerticalScroll, can_focus=True):
    """Scrolls with the same keys (and binding ids) as the list when focused."""

    BINDINGS: ClassVar[list[BindingType]] = keys.bindings(keys.DETAIL_KEYS)  # type: ignore[assignment]

    def __init__(
        self, *, id: str | None = None, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        super().__init__(id=id)
        self.border_title = "Post"
        self.post: Post | None = None
        self.clock = clock
        self.open_key = "o"
        """The key that opens the post in the browser now, for the body's wording."""
        self.feed_name: Callable[[str], str] | None = None
        """What to call a post's feed, when posts of many feeds are listed together."""

    def compose(self) -> ComposeResult:
        yield Static(id="detail-title", markup=False)
        # A two-column grid, so a long value (a URL) wraps within its column
        # instead of leaving its label alone on a line.
        with Grid(id="detail-meta"):
            for field in META_FIELDS:
                yield Static(field, classes="meta-label", id=f"meta-label-{field.lower()}")
                yield Static(id=f"meta-{field.lower()}", classes="meta-value", markup=False)
        yield Markdown(id="detail-body", open_links=False)

    def show_post(self, post: Post | None, *, placeholder: str = "") -> None:
        """Show ``post``, or ``placeholder`` when there is none to show."""
        same_post = self.post is not None and post is not None and self.post.id == post.id
        previous = self.post
        self.post = post
        if not self.query("#detail-title"):
            # Shutting down: the children close before this pane, and a timer of the
            # list may still fire in between. Nothing is left to show a post in.
            return
        title = self.query_one("#detail-title", Static)
        body = self.query_one("#detail-body", Markdown)
        if post is None:
            title.update(Content(placeholder or "No post selected."))
            self._show_meta({})
            body.update("")
            return
        title.update(Content(post.display_title))
        feed = self.feed_name(post.feed_url) if self.feed_name is not None else ""
        self._show_meta(meta_values(post, self.clock(), feed=feed))
        if same_post and previous is not None and previous.summary == post.summary:
            return  # only read/star state changed: keep the body and its scroll position
        body.update(body_markdown(post, open_key=self.open_key))
        self.scroll_home(animate=False)

    def _show_meta(self, values: dict[str, Content]) -> None:
        for field in META_FIELDS:
            value = values.get(field)
            name = field.lower()
            self.query_one(f"#meta-{name}", Static).update(value or Content(""))
            for widget_id in (f"#meta-label-{name}", f"#meta-{name}"):
                self.query_one(widget_id).display = value is not None


META_FIELDS = ("Feed", "Published", "Link", "Section", "Tags", "Author", "State")


def meta_values(post: Post, now: datetime, *, feed: str = "") -> dict[str, Content]:
    """Dates, link, section (blog posts only), tags, author, state: Content, never markup."""
    values: dict[str, Content] = {}
    if feed:
        values["Feed"] = Content(feed)
    if post.published:
        values["Published"] = Content.assemble(
            absolute(post.published), ("  ·  ", "dim"), (relative(post.published, now), "italic")
        )
    else:
        values["Published"] = Content.styled("date unknown", "dim")
    values["Link"] = (
        Content.styled(post.link, "underline") if post.link else Content.styled("none", "dim")
    )
    if post.section:
        values["Section"] = Content(post.section)
    if post.categories:
        values["Tags"] = Content(" · ".join(post.categories))
    if post.author:
        values["Author"] = Content(post.author)
    flags = (("starred", post.starred), ("new", post.is_new), ("unread", not post.read))
    state = [name for name, on in flags if on]
    if state:
        values["State"] = Content(", ".join(state))
    return values


def body_markdown(post: Post, *, open_key: str) -> str:
    """The body as Markdown; the notes name the key bound to opening the post now."""
    key = open_key.replace("`", "")
    text = post.summary.strip()
    if not text:
        return f"*This post has no description. Press `{key}` to read it in the browser.*"
    if post.summary_truncated:
        text += f"\n\n*… the feed's description goes on; press `{key}` to read the whole post.*"
    if len(text) > MAX_BODY_CHARS:
        text = text[:MAX_BODY_CHARS].rsplit("\n", 1)[0]
        text += f"\n\n*… the description is cut here; press `{key}` to read the whole post.*"
    return text
