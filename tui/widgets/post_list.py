"""The list pane: one row per post, on an OptionList so 10,000 posts stay fast."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import ClassVar

from textual import events, on
from textual.binding import BindingType
from textual.content import Content
from textual.geometry import Size
from textual.message import Message
from textual.visual import VisualType
from textual.widgets import OptionList
from textual.widgets.option_list import Option, OptionDoesNotExist

from tui import keys
from tui.feedlist import FeedColumn
from tui.models import Post
from tui.timefmt import DEFAULT_DATE_FORMAT, list_date


class PostOption(Option):
    """A list row that remembers which post it shows.

    The row's Content is built on first draw, not up front: with 10,000 posts
    only the few dozen rows on screen ever pay for it.
    """

    def __init__(
        self, post: Post, date_format: str, query: str = "", column: FeedColumn | None = None
    ) -> None:
        super().__init__("", id=post.id)
        self.post = post
        self.date_format = date_format
        self.query = query
        self.column = column

    @property
    def prompt(self) -> VisualType:
        if not self._prompt:
            self._prompt = row_content(self.post, self.date_format, self.query, self.column)
        return self._prompt


def row_content(
    post: Post,
    date_format: str = DEFAULT_DATE_FORMAT,
    query: str = "",
    column: FeedColumn | None = None,
) -> Content:
    """``● ★ 2026-05-05  Title``: built as Content so feed text is never markup.

    Two marker columns, so a starred post still shows whether it is read. The
    words a search matched in the title are highlighted. A list of several
    feeds' posts has a feed column before the title (``column``).
    """
    if post.is_new:
        state = ("✦", "bold $success")
    elif not post.read:
        state = ("●", "$accent")
    else:
        state = (" ", "")
    star = ("★", "bold $warning") if post.starred else (" ", "")
    return Content.assemble(
        state,
        star,
        " ",
        (list_date(post.published, date_format), "dim"),
        "  ",
        *((column.label(post.feed_url), "italic $text-muted"), "  ") if column else (),
        _title(post, query),
    )


def _title(post: Post, query: str) -> Content:
    title = Content.styled(post.display_title, "dim" if post.read else "bold")
    if query:
        from tui.store.search import match_spans

        for start, end in match_spans(post.display_title, query):
            title = title.stylize("reverse $accent", start, end)
    return title


class PostList(OptionList):
    """Posts, newest first. Highlighting shows a post; enter or a double click opens it."""

    BINDINGS: ClassVar[list[BindingType]] = keys.bindings(keys.LIST_KEYS)  # type: ignore[assignment]

    class Opened(Message):
        """The user asked to open the highlighted post (enter, ``o``, double click)."""

        def __init__(self, post: Post) -> None:
            super().__init__()
            self.post = post

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.border_title = "Posts"
        self._last_id: str | None = None
        self._reader_moved = False
        """Whether the reader moved the highlight since the list was first filled.
        Until they do, posts arriving from a refresh keep the highlight on the top row."""
        self.date_format = DEFAULT_DATE_FORMAT
        self.highlight_query = ""
        """What the search box holds: its matches are highlighted in the titles."""
        self.feed_column: FeedColumn | None = None
        """Set while the list shows several feeds' posts: each row names its feed."""
        """The post highlighted before the list went empty (a search with no match)."""

    @property
    def current_post(self) -> Post | None:
        option = self.highlighted_option
        return option.post if isinstance(option, PostOption) else None

    @property
    def posts(self) -> Sequence[Post]:
        return [option.post for option in self.options if isinstance(option, PostOption)]

    def show_posts(self, posts: Iterable[Post], *, keep: str | None = None) -> None:
        """Replace the rows, keeping the highlight on post ``keep`` (or the current one).

        ``set_options`` forgets the highlight and scroll position, so put both back.
        No OptionHighlighted is posted for this: only the reader's own moves
        count as looking at a post (and start its read timer).
        """
        current = self.current_post
        if keep is None and self._reader_moved:
            keep = current.id if current else self._last_id
        old_top = self.scroll_y
        old_row = self.highlighted
        column = self.feed_column
        self.set_options(
            PostOption(post, self.date_format, self.highlight_query, column) for post in posts
        )
        if not self.option_count:
            self._last_id = keep
            return
        index = 0
        if keep is not None:
            try:
                index = self.get_option_index(keep)
            except OptionDoesNotExist:
                index = min(old_row or 0, self.option_count - 1)
        with self.prevent(OptionList.OptionHighlighted):
            self.highlighted = index
        # Stay where the reader was instead of jumping the highlighted row to an edge.
        if old_row is not None:
            self.scroll_to(y=max(0, old_top + index - old_row), animate=False, immediate=True)
            self.scroll_to_highlight()

    @on(OptionList.OptionHighlighted)
    def _note_reader_moved(self) -> None:
        # show_posts prevents this message, so only moves (keys, clicks, jumps) get here.
        self._reader_moved = True

    def update_post(self, post: Post) -> None:
        """Redraw one row after its read or star state changed."""
        try:
            index = self.get_option_index(post.id)
        except OptionDoesNotExist:
            return
        option = self.options[index]
        if isinstance(option, PostOption):
            option.post = post
        self.replace_option_prompt_at_index(
            index, row_content(post, self.date_format, self.highlight_query, self.feed_column)
        )

    def action_select(self) -> None:
        post = self.current_post
        if post is not None:
            self.post_message(self.Opened(post))

    def _update_lines(self) -> None:
        # OptionList measures every option's wrapped height up front, which is
        # most of the cost of showing 10,000 posts. Rows here never wrap
        # (``text-wrap: nowrap`` in the stylesheet), so every row is one line.
        if not self.scrollable_content_region:
            return
        cache = self._line_cache
        start, count = len(cache.lines), self.option_count
        if start < count:
            new = range(start, count)
            cache.lines.extend((index, 0) for index in new)
            cache.heights.update(dict.fromkeys(new, 1))
            cache.index_to_line.update(zip(new, new, strict=True))
        virtual_size = Size(self.scrollable_content_region.width, count)
        if virtual_size != self.virtual_size:
            self.virtual_size = virtual_size
            self._scroll_update(virtual_size)

    async def _on_click(self, event: events.Click) -> None:
        # OptionList selects on a single click; for a reader that would launch the
        # browser whenever someone clicks a row to read it. One click shows, two open.
        event.prevent_default()  # Textual would run OptionList's own click handler too
        index = event.style.meta.get("option")
        if index is None:
            return
        self.highlighted = index
        if event.chain >= 2:
            self.action_select()
