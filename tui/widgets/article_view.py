"""A Markdown article view that stays responsive at any length.

A Line-API :class:`~textual.scroll_view.ScrollView`: it draws only the visible lines.
Parsing and layout (:mod:`tui.article_layout`) run in a thread worker; the first
screenful of blocks is handed over as soon as it is laid out, the rest when done.

Lines are stored as ``Content`` whose styles name theme variables; a line becomes a
``Strip`` only when it is drawn (and is cached until the theme changes). So a theme
change costs one screenful of style lookups on the UI thread; only a switch between
an ANSI and a truecolour theme, which uses different code colours, lays the article
out again, off-thread.

Long code lines are not wrapped: the view's virtual width is its widest line, so the
whole view scrolls sideways (``left``/``right``, ``h``/``l``, or the scrollbar) when a
code block or a wide table is wider than the view. Prose always wraps to the view.

Text is never parsed as Textual markup, and C0/C1 control characters and escape
sequences are stripped again before parsing.
"""

from __future__ import annotations

from typing import ClassVar
from urllib.parse import unquote, urldefrag

from rich.segment import Segment
from rich.style import Style as RichStyle
from textual import events
from textual.binding import BindingType
from textual.geometry import Size
from textual.highlight import ANSIDarkHighlightTheme, ANSILightHighlightTheme, HighlightTheme
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.style import Style
from textual.theme import Theme
from textual.worker import get_current_worker

from tui import keys
from tui.article_layout import Document, Heading, Line, iter_layout, parse_steps

# Bindings with the post pane's ids (one remap moves both), plus sideways scrolling.
ARTICLE_BINDINGS: list[BindingType] = list(keys.bindings(keys.ARTICLE_KEYS))

_STRIP_CACHE_SCREENS = 4


class ArticleView(ScrollView, can_focus=True):
    """Shows one Markdown article; see the module docstring."""

    BINDINGS: ClassVar[list[BindingType]] = ARTICLE_BINDINGS

    DEFAULT_CSS = """
    ArticleView {
        overflow-y: scroll;
        overflow-x: auto;
        scrollbar-size-horizontal: 1;
        background: $background;
        color: $foreground;
        padding: 0 1;
    }
    """

    class LinkActivated(Message):
        """A link was clicked: ``index`` is its position in ``links`` (0-based)."""

        def __init__(self, view: ArticleView, url: str, index: int) -> None:
            super().__init__()
            self.view = view
            self.url = url
            self.index = index

        @property
        def control(self) -> ArticleView:
            return self.view

    class Rendered(Message):
        """The whole article is laid out (after ``show``, or after a re-layout)."""

        def __init__(self, view: ArticleView) -> None:
            super().__init__()
            self.view = view

        @property
        def control(self) -> ArticleView:
            return self.view

    def __init__(
        self, *, id: str | None = None, classes: str | None = None, name: str | None = None
    ) -> None:
        super().__init__(id=id, classes=classes, name=name)
        self.border_title = "Whole post"
        self.lines: list[Line] = []
        """The laid-out lines (they grow while loading)."""
        self.links: list[str] = []
        """Every link of the article in order; ``text[N]`` is ``links[N - 1]``."""
        self.headings: list[tuple[int, str, int]] = []
        """(level, text, line index) of each top-level heading."""
        self.anchors: dict[str, int] = {}
        """Line index of each top-level heading by its id (``#id`` links jump there)."""
        self.loaded = False
        """True once the whole article is laid out at the current width."""
        self.markdown = ""
        self.base_url = ""
        self._document: Document | None = None
        """The whole parse, once it is complete (a re-layout starts from it)."""
        self._block_starts: list[int] = []
        self._widest = 0
        self._generation = 0
        self._layout_width = 0
        self._highlight_theme: type[HighlightTheme] = HighlightTheme
        self._pending_link: str | None = None
        """An in-page link followed before its heading was laid out."""
        self._strips: dict[int, Strip] = {}
        """Drawn lines by index, for ``_strip_key``; a few screens' worth (see render_line)."""
        self._strip_key: tuple[int, int] = (0, 0)
        self._styles: dict[str, Style] = {}
        self._base_style: Style | None = None
        self._rich_style: RichStyle | None = None

    # ---------------------------------------------------------------- public API

    def show(self, markdown: str, *, base_url: str = "") -> None:
        """Show ``markdown``; layout happens in a worker, ``Rendered`` follows."""
        self.markdown = markdown
        self.base_url = base_url
        self._document = None
        self._pending_link = None
        self._set_lines([], [], [], {})
        self.links = []
        self.loaded = False
        if self.is_mounted:
            self.scroll_to(0, 0, animate=False, immediate=True)
        self._start_layout(anchor=None)

    def scroll_to_heading(self, index: int) -> None:
        """Scroll so heading ``index`` (into ``headings``) is the top line."""
        _level, _text, line = self.headings[index]
        self.scroll_to(y=line, animate=False, immediate=True)

    def link_at(self, x: int, y: int) -> int | None:
        """The link index at content cell (x, y) of the whole article, if any."""
        if not 0 <= y < len(self.lines):
            return None
        for span in self.lines[y].links:
            if span.start <= x < span.end:
                return span.index
        return None

    def anchor_of(self, url: str) -> str | None:
        """The fragment of ``url`` if it points into this article, else None.

        In-page links are ``#id``, or the article's own URL plus ``#id`` (relative
        links were resolved against it).
        """
        base, fragment = urldefrag(url)
        if not fragment:
            return None
        if base and base.rstrip("/") != urldefrag(self.base_url)[0].rstrip("/"):
            return None
        return unquote(fragment)

    def follow_anchor(self, url: str) -> bool:
        """Scroll to the heading an in-page link (see ``anchor_of``) names; True if done.

        While the article is still loading, the jump happens once the heading is laid
        out (and ``LinkActivated`` is posted if it never is). False for other links and
        for ids that are not headings (footnotes, say).
        """
        fragment = self.anchor_of(url)
        if fragment is None:
            return False
        line = self.anchors.get(fragment)
        if line is None:
            line = self.anchors.get(fragment.lower())
        if line is not None:
            self._pending_link = None
            self.scroll_to(y=line, animate=False, immediate=True)
            return True
        if not self.loaded:
            self._pending_link = url
            return True
        return False

    @property
    def layout_width(self) -> int:
        """The width the current lines were laid out for."""
        return self._layout_width

    # ---------------------------------------------------------------- layout

    def _content_width(self) -> int:
        return self.scrollable_content_region.width

    def _start_layout(self, anchor: tuple[int, int] | None) -> None:
        width = self._content_width()
        self._generation += 1
        if width <= 0 or not self.is_mounted:
            return  # on_resize starts it once there is a width
        generation = self._generation
        markdown, base_url, document = self.markdown, self.base_url, self._document
        theme = self._highlight_theme
        first_screen = max(self.size.height, 24) + 8
        # A re-layout (resize, ANSI theme) swaps the lines in one go, so the view never
        # shows a mix of widths; a new article is handed over as it is laid out.
        swap = anchor is not None or not markdown

        def work() -> None:
            worker = get_current_worker()
            steps = [document] if document is not None else parse_steps(markdown, base_url=base_url)
            lines: list[Line] = []
            headings: list[tuple[int, str, int]] = []
            starts: list[int] = []
            anchors: dict[str, int] = {}
            sent = 0  # lines, headings and starts handed over so far
            sent_headings = 0
            sent_starts = 0
            doc = Document([], [])
            done = 0
            for doc in steps:
                for index, block_lines in iter_layout(doc, width, theme, done):
                    if worker.is_cancelled:
                        return
                    if index and lines:
                        blank = Line(lines[-1].content[:0])
                        blank.block = index
                        lines.append(blank)
                    starts.append(len(lines))
                    block = doc.blocks[index]
                    if isinstance(block, Heading):
                        headings.append((block.level, block.text.plain, len(lines)))
                        anchors[block.id] = len(lines)
                    lines.extend(block_lines)
                done = len(doc.blocks)
                if swap or len(lines) < (first_screen if not sent else 1):
                    continue
                # Hand over what is new: the first screen as soon as it is there, then
                # a step (a few dozen blocks) at a time.
                self.app.call_from_thread(
                    self._receive,
                    generation,
                    width,
                    doc.links[:],
                    lines[sent:],
                    headings[sent_headings:],
                    starts[sent_starts:],
                    dict(anchors),
                    None,
                    None,
                )
                sent, sent_headings, sent_starts = len(lines), len(headings), len(starts)
            if not worker.is_cancelled:
                self.app.call_from_thread(
                    self._receive,
                    generation,
                    width,
                    doc.links[:],
                    lines[sent:],
                    headings[sent_headings:],
                    starts[sent_starts:],
                    anchors,
                    doc,
                    anchor,
                    swap,
                )

        self.run_worker(
            work, thread=True, group="article-layout", exclusive=True, exit_on_error=True
        )

    def _receive(
        self,
        generation: int,
        width: int,
        links: list[str],
        lines: list[Line],
        headings: list[tuple[int, str, int]],
        starts: list[int],
        anchors: dict[str, int],
        document: Document | None,
        anchor: tuple[int, int] | None,
        swap: bool = False,
    ) -> None:
        """Lines from the layout worker: more of them, or (``swap``) all of them.

        ``document`` is the whole parse, given with the last lines.
        """
        if generation != self._generation:
            return  # a newer show/resize/theme change superseded this job
        self.links = links
        self._layout_width = width
        if swap:
            self._set_lines(lines, headings, starts, anchors)
        else:
            self._add_lines(lines, headings, starts, anchors)
        if anchor is not None:
            block, offset = anchor
            starts = self._block_starts
            if block < len(starts):
                end = starts[block + 1] if block + 1 < len(starts) else len(self.lines)
                y = min(starts[block] + offset, max(starts[block], end - 1))
                self.scroll_to(y=y, animate=False, immediate=True)
        if self._pending_link is not None:
            fragment = self.anchor_of(self._pending_link) or ""
            if fragment in anchors or fragment.lower() in anchors:
                self.follow_anchor(self._pending_link)
        if document is not None:
            self._document = document
            self.loaded = True
            url, self._pending_link = self._pending_link, None
            if url is not None and url in links:  # not a heading's id: the page has it
                self.post_message(self.LinkActivated(self, url, links.index(url)))
            self.post_message(self.Rendered(self))
            if width != self._content_width() and self._content_width() > 0:
                self._relayout()  # resized while this layout ran

    def _set_lines(
        self,
        lines: list[Line],
        headings: list[tuple[int, str, int]],
        starts: list[int],
        anchors: dict[str, int],
    ) -> None:
        self.lines = []
        self.headings = []
        self._block_starts = []
        self.anchors = {}
        self._widest = 0
        self._strips.clear()
        self._add_lines(lines, headings, starts, anchors)

    def _add_lines(
        self,
        lines: list[Line],
        headings: list[tuple[int, str, int]],
        starts: list[int],
        anchors: dict[str, int],
    ) -> None:
        visible = len(self.lines) < int(self.scroll_y) + self.size.height
        self.lines.extend(lines)
        self.headings.extend(headings)
        self._block_starts.extend(starts)
        self.anchors = anchors
        self._widest = max(
            self._widest, max((line.content.cell_length for line in lines), default=0)
        )
        self.virtual_size = Size(self._widest, len(self.lines))
        if visible or not self.lines:
            self.refresh()

    def _anchor(self) -> tuple[int, int] | None:
        top = int(self.scroll_y)
        if not self.lines or top <= 0:
            return None if not self.lines else (0, 0)
        top = min(top, len(self.lines) - 1)
        block = self.lines[top].block
        start = self._block_starts[block] if block < len(self._block_starts) else top
        return block, top - start

    def _relayout(self) -> None:
        if not self.markdown:
            return
        anchor = self._anchor() if self.lines else None
        self.loaded = False
        self._start_layout(anchor=anchor if anchor is not None else (0, 0))

    def on_resize(self, event: events.Resize) -> None:
        width = self._content_width()
        if width > 0 and width != self._layout_width and self.markdown:
            if self._document is None and not self.lines:
                self._start_layout(anchor=None)
            else:
                self._relayout()

    # ---------------------------------------------------------------- theme

    def on_mount(self) -> None:
        self._highlight_theme = self._pick_highlight_theme()
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        if self.markdown and not self.lines:
            self._start_layout(anchor=None)

    def _pick_highlight_theme(self) -> type[HighlightTheme]:
        if self.app.native_ansi_color:
            dark = self.app.current_theme.dark
            return ANSIDarkHighlightTheme if dark else ANSILightHighlightTheme
        return HighlightTheme

    def _theme_changed(self, _theme: Theme) -> None:
        self._strips.clear()
        self._styles.clear()
        self._base_style = None
        self._rich_style = None
        self.refresh()
        theme = self._pick_highlight_theme()
        if theme is not self._highlight_theme:
            self._highlight_theme = theme
            self._relayout()

    # ---------------------------------------------------------------- drawing

    def _parse_style(self, style: str | Style) -> Style:
        if isinstance(style, Style):
            return style
        parsed = self._styles.get(style)
        if parsed is None:
            try:
                parsed = Style.parse(style, self.app.theme_variables)
            except Exception:
                parsed = Style.null()
            self._styles[style] = parsed
        return parsed

    def _strip(self, index: int) -> Strip:
        """Line ``index`` drawn whole (not cropped to the view)."""
        if self._base_style is None:
            self._base_style = self.get_visual_style()
        content = self.lines[index].content
        segments = [
            Segment(text, style.rich_style)
            for text, style in content.render(
                self._base_style, end="", parse_style=self._parse_style
            )
        ]
        return Strip(segments, content.cell_length)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.scrollable_content_region.width
        if self._rich_style is None:  # DOMNode.rich_style walks the ancestors: once per style
            self._rich_style = self.rich_style
        if index >= len(self.lines):
            return Strip.blank(width, self._rich_style)
        if self._strip_key != (scroll_x, width):
            self._strip_key = (scroll_x, width)
            self._strips.clear()
        strip = self._strips.get(index)
        if strip is None:
            strip = self._strip(index)
            length = strip.cell_length
            if scroll_x == 0 and length <= width:
                # What crop_extend would give, without its two intermediate strips.
                if length < width:
                    padding = Segment(" " * (width - length), self._rich_style)
                    strip = Strip([*strip, padding], width)
            else:
                strip = strip.crop_extend(scroll_x, scroll_x + width, self._rich_style)
            # Only a few screens are kept: a cache of every line drawn kept thousands of
            # strips (each with seven caches of its own) alive, and their growth set off
            # full garbage collections of the whole heap while scrolling.
            if len(self._strips) >= _STRIP_CACHE_SCREENS * max(self.size.height, 1):
                del self._strips[next(iter(self._strips))]
            self._strips[index] = strip
        return strip

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()
        self._base_style = None
        self._rich_style = None

    # ---------------------------------------------------------------- mouse

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        x = offset.x + int(self.scroll_x)
        y = offset.y + int(self.scroll_y)
        index = self.link_at(x, y)
        if index is not None and index < len(self.links):
            event.stop()
            url = self.links[index]
            if not self.follow_anchor(url):
                self.post_message(self.LinkActivated(self, url, index))
