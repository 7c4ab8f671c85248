"""The list pane: one row per post, on an OptionList so 10,000 posts stay fast."""

from __future__ import annotations

import operator
from collections.abc import Iterable, Sequence
from itertools import repeat
from typing import ClassVar, cast

from textual import events, on
from textual.binding import BindingType
from textual.content import Content
from textual.geometry import Size
from textual.message import Message
from textual.visual import Visual, VisualType
from textual.widgets import OptionList
from textual.widgets.option_list import DuplicateID, Option, OptionDoesNotExist

from tui import keys
from tui.feedlist import FeedColumn
from tui.models import Post
from tui.timefmt import DEFAULT_DATE_FORMAT, list_date

Look = tuple[str, str, "FeedColumn | None"]
"""What every row's Content depends on besides its post: date format, search, feed column."""


class _RowLook:
    """What every row's Content depends on besides its post, shared by all the rows of a
    list: changing the search, the date format or the feed column is one assignment, not
    10,000."""

    __slots__ = ("current",)

    def __init__(self, date_format: str, query: str) -> None:
        self.current: Look = (date_format, query, None)


class PostOption(Option):
    """A list row that remembers which post it shows.

    The row's Content is built on first draw, not up front: with 10,000 posts
    only the few dozen rows on screen ever pay for it. It is rebuilt when the
    post or the list's look (search, date format) changed since.
    """

    # Identity, as Option's own __hash__ (id(self)), without a Python call per lookup.
    __hash__ = object.__hash__
    # Option.__init__'s attributes (textual/widgets/_option_list.py) as class defaults, so
    # that making 10,000 rows sets three attributes each; Option assigns its own as before.
    _prompt: VisualType = ""
    _visual: Visual | None = None
    disabled = False
    _divider = False
    _built_for: Look | None = None

    def __init__(self, post: Post, look: _RowLook) -> None:
        # No super().__init__(): it would only set the defaults above.
        self._id = post.id
        self.post = post
        self._look = look

    def forget_prompt(self) -> None:
        """The post changed: build the row again when it is next drawn."""
        self._built_for = None

    @property
    def prompt(self) -> VisualType:
        look = self._look.current
        if self._built_for is not look:
            self._set_prompt(row_content(self.post, *look))
            self._built_for = look
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


_post_of = operator.attrgetter("post")

# Markers, the date and the gaps around it: "●★ 2026-05-05  " (a long date format only
# narrows the feed column less than it might).
_ROW_BEFORE_FEED = 15
FEED_COLUMN_MIN = 6

_KEEP_ROWS = 20_000
"""Rows kept for reuse beyond those shown (see ``PostList._rows``)."""


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
        """The post highlighted before the list went empty (a search with no match)."""
        self._reader_moved = False
        """Whether the reader moved the highlight since the list was first filled.
        Until they do, posts arriving from a refresh keep the highlight on the top row."""
        self._look = _RowLook(DEFAULT_DATE_FORMAT, "")
        self._wanted_column: FeedColumn | None = None
        self._shown: list[Post] = []
        """The posts of the rows, in order (the rows' own ``post``)."""
        self._ids: list[str] = []
        self._rows: dict[str, PostOption] = {}
        """Rows made so far, by post id, to reuse: the search that narrowed 10,000 rows
        to 50 gives them back when it is cleared."""

    @property
    def date_format(self) -> str:
        return self._look.current[0]

    @date_format.setter
    def date_format(self, date_format: str) -> None:
        self._set_look(date_format, self.highlight_query, self.feed_column)

    @property
    def highlight_query(self) -> str:
        """What the search box holds: its matches are highlighted in the titles."""
        return self._look.current[1]

    @highlight_query.setter
    def highlight_query(self, query: str) -> None:
        self._set_look(self.date_format, query, self.feed_column)

    @property
    def feed_column(self) -> FeedColumn | None:
        """Set while the list shows several feeds' posts: each row names its feed.

        Drawn at most a quarter of what the row has beside its markers and date, so a
        narrow list (the sidebar shown) keeps room for the titles."""
        return self._look.current[2]

    @feed_column.setter
    def feed_column(self, column: FeedColumn | None) -> None:
        self._wanted_column = column
        self._fit_feed_column()

    def on_resize(self) -> None:
        self._fit_feed_column()

    def _fit_feed_column(self) -> None:
        column = self._wanted_column
        if column is not None:
            room = self.scrollable_content_region.width - _ROW_BEFORE_FEED
            fits = max(FEED_COLUMN_MIN, room // 4)
            if room > 0 and column.width > fits:
                column = FeedColumn(column.names, fits)
        self._set_look(self.date_format, self.highlight_query, column)

    def _set_look(self, date_format: str, query: str, column: FeedColumn | None) -> None:
        if (date_format, query, column) == self._look.current:
            return
        self._look.current = (date_format, query, column)
        # Every row is built again as it is drawn (PostOption.prompt).
        self._option_render_cache.clear()
        self.refresh()

    @property
    def current_post(self) -> Post | None:
        option = self.highlighted_option
        return option.post if isinstance(option, PostOption) else None

    @property
    def posts(self) -> Sequence[Post]:
        return list(self._shown)

    def show_posts(self, posts: Iterable[Post], *, keep: str | None = None) -> None:
        """Replace the rows, keeping the highlight on post ``keep`` (or the current one).

        Replacing the rows forgets the highlight and scroll position, so put both back.
        No OptionHighlighted is posted for this: only the reader's own moves
        count as looking at a post (and start its read timer).

        Cheap at 10,000 posts: the same posts again (a search whose result did not
        change, a reload that found nothing new) change no row, and the rows of
        posts still shown are reused rather than made again.
        """
        posts = list(posts)
        current = self.current_post
        if keep is None and self._reader_moved:
            keep = current.id if current else self._last_id
        old_top = self.scroll_y
        old_row = self.highlighted
        ids = [post.id for post in posts]
        same_rows = ids == self._ids
        if same_rows:
            self._update_rows(posts)
        else:
            self._replace_rows(posts, ids)
        if not self.option_count:
            self._last_id = keep
            return
        index = 0
        if keep is not None:
            try:
                index = self.get_option_index(keep)
            except OptionDoesNotExist:
                index = min(old_row or 0, self.option_count - 1)
        if same_rows and index == old_row:
            return  # the same rows, and the highlight where it was
        with self.prevent(OptionList.OptionHighlighted):
            self.highlighted = index
        # Stay where the reader was instead of jumping the highlighted row to an edge.
        if old_row is not None:
            self.scroll_to(y=max(0, old_top + index - old_row), animate=False, immediate=True)
            self.scroll_to_highlight()

    def _update_rows(self, posts: list[Post]) -> None:
        """The same posts in the same order: only rows whose post changed are built again."""
        if all(map(operator.is_, posts, self._shown)):
            return
        for option, post in zip(self._options, posts, strict=True):
            if isinstance(option, PostOption) and option.post is not post:
                option.post = post
                option.forget_prompt()
        self._shown = posts
        self._option_render_cache.clear()
        self.refresh()

    def _replace_rows(self, posts: list[Post], ids: list[str]) -> None:
        """``set_options``, in bulk: OptionList's own adds options one at a time, which
        costs ~10 ms at 10,000 rows. Rows made before are reused, and when their posts are
        the same objects (a search narrowing the loaded posts) no Python runs per row."""
        if len(self._rows) > max(4 * len(posts), _KEEP_ROWS):
            self._rows = {}  # the posts shown before are long gone: start again
        rows = self._rows
        found = list(map(rows.get, ids))
        if None in found or not all(map(operator.is_, map(_post_of, found), posts)):
            for index, (option, post) in enumerate(zip(found, posts, strict=True)):
                if option is None:
                    found[index] = rows[post.id] = PostOption(post, self._look)
                elif option.post is not post:
                    option.post = post
                    option.forget_prompt()
        options = cast("list[Option]", found)
        # What set_options does (textual/widgets/_option_list.py), a dict at a time.
        id_to_option = dict(zip(ids, options, strict=True))
        if len(id_to_option) != len(options):
            raise DuplicateID("New options contain duplicated IDs; Ensure that the IDs are unique.")
        self._options[:] = options
        self._id_to_option = id_to_option
        self._option_to_index = dict(zip(options, range(len(options)), strict=True))
        # Every row is one line (_update_lines), so the lines of fewer rows are the
        # first of these: cut them instead of clearing and counting them again.
        del self._line_cache.lines[len(options) :]
        self._option_render_cache.clear()  # a cached row holds its index (click meta)
        self._shown, self._ids = posts, ids
        self.highlighted = None
        self.scroll_y = 0
        if self.is_mounted:
            self.refresh(layout=self.styles.auto_dimensions)
            self._update_lines()

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
        if not isinstance(option, PostOption):
            return
        option.post = post
        self._shown[index] = post
        option.forget_prompt()
        self.replace_option_prompt_at_index(index, option.prompt)

    def _get_visual(self, option: Option) -> Visual:
        option.prompt  # noqa: B018 -- a PostOption builds its row again if it is out of date
        return super()._get_visual(option)

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
        # heights and index_to_line may keep keys past the last row after the rows were
        # cut (_replace_rows): nothing looks those up (indices stay below option_count).
        cache = self._line_cache
        start, count = len(cache.lines), self.option_count
        if start < count:
            new = range(start, count)
            cache.lines.extend(zip(new, repeat(0)))
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
