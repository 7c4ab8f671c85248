"""A Markdown article view that stays responsive at any length.

A Line-API :class:`~textual.scroll_view.ScrollView`: it draws only the visible lines.
Parsing and layout (:mod:`tui.article_layout`) run in a thread worker, a few dozen
blocks at a time: the first screenful is handed over as soon as it is laid out (after
markdown-it's block pass, before the rest is parsed), then each step as it is done.

Lines are stored as packed tuples (:class:`tui.article_layout.Lines`: the garbage
collector stops tracking them, so a long article does not make full collections
longer) whose styles name theme variables; a line becomes a ``Strip`` only when it is
drawn, and only a few screens of strips are kept. So a theme change costs one
screenful of style lookups on the UI thread; only a switch between an ANSI and a
truecolour theme, which uses different code colours, lays the article out again
(parsed again), off-thread, as does a change of width.

In-page links (``#id``, or the page's own URL plus ``#id``) scroll to the heading of
that id (Hugo's and GitHub's ids, see :func:`tui.article_layout.heading_id`) instead of
being posted as ``LinkActivated``.

Long code lines are not wrapped: the view's virtual width is its widest line, so the
whole view scrolls sideways (``left``/``right``, ``h``/``l``, or the scrollbar) when a
code block or a wide table is wider than the view. Prose always wraps to the view.

Text is never parsed as Textual markup, and C0/C1 control characters and escape
sequences are stripped again before parsing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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
from tui.article_layout import Heading, Lines, PackedLine, iter_layout, pack, parse_steps

# Bindings with the post pane's ids (one remap moves both), plus sideways scrolling.
ARTICLE_BINDINGS: list[BindingType] = list(
    keys.bindings(keys.ARTICLE_KEYS + keys.ARTICLE_FOOTER_KEYS)
)

_STRIP_CACHE_SCREENS = 4
# The number drawn after a link's text, "[3]".
_LINK_NUMBER = re.compile(r"\[\d+\]$")


def _cells(text: str, start: int, end: int) -> str:
    """The characters of ``text`` in cells ``start <= x < end`` (wide characters count two)."""
    from rich.cells import get_character_cell_size

    out: list[str] = []
    x = 0
    for char in text:
        if x >= end:
            break
        if x >= start:
            out.append(char)
        x += get_character_cell_size(char)
    return "".join(out)


@dataclass(slots=True)
class _Batch:
    """Lines handed from the layout worker to the view (see ``ArticleView._receive``)."""

    generation: int
    width: int
    links: list[str]
    lines: list[PackedLine]
    headings: list[tuple[int, str, int]]
    starts: list[int]
    anchors: dict[str, int]
    final: bool = False
    """The last batch: the article is laid out."""
    swap: bool = False
    """All the lines (a re-layout), to replace the shown ones."""
    anchor: tuple[int, int] | None = None
    """(block, line in it) to scroll to after a swap."""


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
        self.lines = Lines()
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
        self._block_starts: list[int] = []
        self._widest = 0
        self._generation = 0
        self._layout_width = 0
        self._waiting_for_width = False
        """show() came while the view had no width: lay out when it gets one."""
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
        self._pending_link = None
        self._set_lines(Lines(), [], [], {})
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

    def link_labels(self) -> list[str]:
        """Each link's text as the article shows it (its first line; "" for an image's or
        one not laid out yet), by link index: for the links list (``f``). Reads the
        lines only when asked, stopping once every link has its label."""
        labels = [""] * len(self.links)
        missing = set(range(len(labels)))
        for line in self.lines:
            for span in line.links:
                if span.index in missing:
                    text = _cells(line.content.plain, span.start, span.end)
                    labels[span.index] = _LINK_NUMBER.sub("", text).strip()
                    missing.discard(span.index)
            if not missing:
                break
        return labels

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
            # Hidden (the post pane showed a card) or not laid out yet: on_resize
            # starts it once there is a width, even the width of the last article.
            self._waiting_for_width = True
            return
        self._waiting_for_width = False
        generation = self._generation
        markdown, base_url = self.markdown, self.base_url
        theme = self._highlight_theme
        first_screen = max(self.size.height, 24) + 8
        # A re-layout (resize, ANSI theme) swaps the lines in one go, so the view never
        # shows a mix of widths; a new article is handed over as it is laid out.
        swap = anchor is not None or not markdown

        def work() -> None:
            worker = get_current_worker()
            lines: list[PackedLine] = []
            headings: list[tuple[int, str, int]] = []
            starts: list[int] = []
            anchors: dict[str, int] = {}
            links: list[str] = []  # parse_steps extends one list
            sent = (0, 0, 0)  # lines, headings and starts handed over so far
            count = 0  # blocks laid out

            def hand_over(links: list[str], *, final: bool) -> None:
                """What is new since the last hand-over (a re-layout: all of it, at the end)."""
                nonlocal sent
                lines_sent, headings_sent, starts_sent = sent
                batch = _Batch(
                    generation,
                    width,
                    links[:],
                    lines[lines_sent:],
                    headings[headings_sent:],
                    starts[starts_sent:],
                    anchors if final else dict(anchors),
                    final=final,
                    swap=swap and final,
                    anchor=anchor if final else None,
                )
                sent = (len(lines), len(headings), len(starts))
                self.app.call_from_thread(self._receive, batch)

            # The parsed blocks of each step are dropped once laid out: only the packed
            # lines stay (see tui.article_layout.Lines).
            for blocks, links in parse_steps(markdown, base_url=base_url):
                for index, block_lines in iter_layout(blocks, width, theme, count):
                    if worker.is_cancelled:
                        return
                    if index and lines:
                        lines.append(("", (), (), index, False, 0))
                    starts.append(len(lines))
                    block = blocks[index - count]
                    if isinstance(block, Heading):
                        headings.append((block.level, block.text.plain, len(lines)))
                        anchors[block.id] = len(lines)
                    lines.extend(pack(line) for line in block_lines)
                count += len(blocks)
                if swap or len(lines) < (first_screen if not sent[0] else 1):
                    continue
                # Hand over what is new: the first screen as soon as it is there, then
                # a step (a few dozen blocks) at a time.
                hand_over(links, final=False)
            if not worker.is_cancelled:
                hand_over(links, final=True)

        self.run_worker(
            work, thread=True, group="article-layout", exclusive=True, exit_on_error=True
        )

    def _receive(self, batch: _Batch) -> None:
        """Lines from the layout worker: more of them, or (``swap``) all of them."""
        if batch.generation != self._generation:
            return  # a newer show/resize/theme change superseded this job
        self.links = batch.links
        self._layout_width = batch.width
        if batch.swap:
            self._set_lines(Lines(), [], [], {})
        self._add_lines(batch)
        if batch.anchor is not None:
            block, offset = batch.anchor
            starts = self._block_starts
            if block < len(starts):
                end = starts[block + 1] if block + 1 < len(starts) else len(self.lines)
                y = min(starts[block] + offset, max(starts[block], end - 1))
                self.scroll_to(y=y, animate=False, immediate=True)
        if self._pending_link is not None:
            fragment = self.anchor_of(self._pending_link) or ""
            if fragment in self.anchors or fragment.lower() in self.anchors:
                self.follow_anchor(self._pending_link)
        if batch.final:
            self.loaded = True
            url, self._pending_link = self._pending_link, None
            if url is not None and url in self.links:  # not a heading's id: the page has it
                self.post_message(self.LinkActivated(self, url, self.links.index(url)))
            self.post_message(self.Rendered(self))
            if batch.width != self._content_width() and self._content_width() > 0:
                self._relayout()  # resized while this layout ran

    def _set_lines(
        self,
        lines: Lines,
        headings: list[tuple[int, str, int]],
        starts: list[int],
        anchors: dict[str, int],
    ) -> None:
        self.lines = lines
        self.headings = headings
        self._block_starts = starts
        self.anchors = anchors
        self._widest = 0
        self._strips.clear()
        self.virtual_size = Size(0, len(lines))
        self.refresh()

    def _add_lines(self, batch: _Batch) -> None:
        self.lines.extend(batch.lines)
        self.headings.extend(batch.headings)
        self._block_starts.extend(batch.starts)
        self.anchors = batch.anchors
        widest = max((cells for *_, cells in batch.lines), default=0)
        self._widest = max(self._widest, widest)
        self.virtual_size = Size(self._widest, len(self.lines))
        self.refresh()

    def _anchor(self) -> tuple[int, int] | None:
        top = int(self.scroll_y)
        if not self.lines or top <= 0:
            return None if not self.lines else (0, 0)
        top = min(top, len(self.lines) - 1)
        block = self.lines.block(top)
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
        if not (width > 0 and self.markdown):
            return
        if self._waiting_for_width or width != self._layout_width:
            if not self.lines:
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
