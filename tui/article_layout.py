"""Markdown → styled terminal lines, for :class:`tui.widgets.article_view.ArticleView`.

Pure functions, safe to run in a thread: nothing here touches a widget or the app.

Two steps:

* :func:`parse` turns Markdown (markdown-it-py, CommonMark + tables + strikethrough)
  into a list of top-level :class:`Block` trees and the article's links, in order.
  Inline text becomes :class:`Inline` (a ``Content`` plus link ranges); nothing is
  ever parsed as Textual markup.
  :func:`parse_steps` does the same a few dozen blocks at a time.
* :func:`layout_block` lays one block out at a width into :class:`Line` objects;
  :class:`Lines` keeps them packed in tuples the garbage collector does not track.

Styles are strings naming theme variables (``$text-primary``): they are resolved
when a line is drawn, so a theme change needs no new layout. Code is highlighted
with Pygments, mapped to styles by :mod:`textual.highlight`'s theme classes.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, overload
from urllib.parse import urljoin

from rich.cells import cell_len, get_character_cell_size
from textual.content import Content, Span
from textual.highlight import HighlightTheme
from textual.style import Style

from tui.sanitize import clean_text

TAB_SIZE = 4
"""Tabs in code are expanded to this many columns (``str.expandtabs``: per line, by column)."""

# Styles: Textual style strings with theme variables, resolved at draw time.
HEADING_STYLES = {
    1: "bold $text-primary",
    2: "bold $text-primary",
    3: "bold $text-accent",
    4: "bold $text-secondary",
    5: "bold",
    6: "bold italic $text-muted",
}
H1_RULE = ("━", "$primary")
H2_RULE = ("─", "$primary 60%")
LINK = "underline $text-primary"
LINK_NUMBER = "$text-muted"
IMAGE = "italic $text-secondary"
INLINE_CODE = "$text-warning on $surface"
QUOTE_BAR = "$secondary"
RULE = "$text-muted"
TABLE_BORDER = "$text-muted"
TABLE_HEADER = "bold"
CODE_BLOCK = "$text on $surface"
CODE_LABEL = "italic $text-muted on $surface"
BULLETS = ("•", "◦", "▪")

_MARKDOWN: Any = None


def _parser() -> Any:
    global _MARKDOWN
    if _MARKDOWN is None:
        from markdown_it import MarkdownIt

        _MARKDOWN = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    return _MARKDOWN


# ------------------------------------------------------------------ model


@dataclass(frozen=True, slots=True)
class LinkSpan:
    """Cells ``start <= x < end`` of a line belong to link ``index`` (into ``links``)."""

    start: int
    end: int
    index: int


@dataclass(slots=True)
class Line:
    content: Content
    links: tuple[LinkSpan, ...] = ()
    block: int = 0
    """Index of the top-level block the line belongs to."""
    code: bool = False
    """A line of a fenced/indented code block (never wrapped)."""

    @property
    def plain(self) -> str:
        return self.content.plain

    def prefixed(self, prefix: Content) -> Line:
        shift = prefix.cell_length
        return Line(
            prefix + self.content,
            tuple(LinkSpan(s.start + shift, s.end + shift, s.index) for s in self.links),
            self.block,
            self.code,
        )


@dataclass(frozen=True, slots=True)
class Inline:
    """Styled inline text; ``links`` are (start, end, link index) character ranges."""

    content: Content
    links: tuple[tuple[int, int, int], ...] = ()

    @property
    def plain(self) -> str:
        return self.content.plain


@dataclass(slots=True)
class Heading:
    level: int
    text: Inline
    id: str = ""
    """The id a page generator gives this heading (see :func:`heading_id`), unique."""


@dataclass(slots=True)
class Paragraph:
    text: Inline


@dataclass(slots=True)
class ListBlock:
    ordered: bool
    start: int
    tight: bool
    items: list[list[Block]]


@dataclass(slots=True)
class Quote:
    children: list[Block]


@dataclass(slots=True)
class Code:
    language: str
    code: str
    """The code with tabs expanded, without the final newline."""
    _highlighted: dict[type[HighlightTheme], list[Content]] = field(default_factory=dict)

    def lines(self, theme: type[HighlightTheme]) -> list[Content]:
        if theme not in self._highlighted:
            self._highlighted[theme] = highlight_lines(self.code, self.language, theme)
        return self._highlighted[theme]


@dataclass(slots=True)
class Table:
    header: list[Inline]
    aligns: list[str]
    rows: list[list[Inline]]


@dataclass(slots=True)
class Rule:
    pass


Block = Heading | Paragraph | ListBlock | Quote | Code | Table | Rule


@dataclass(slots=True)
class Document:
    blocks: list[Block]
    links: list[str]


# ------------------------------------------------------------------ parsing


class _Links:
    """Numbers links in order of first appearance; the same URL keeps its number."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.urls: list[str] = []
        self._index: dict[str, int] = {}
        self._ids: set[str] = set()

    def add(self, href: str) -> int:
        url = clean_text(href).strip()
        if self.base_url:
            with contextlib.suppress(ValueError):
                url = urljoin(self.base_url, url)
        if url not in self._index:
            self._index[url] = len(self.urls)
            self.urls.append(url)
        return self._index[url]

    def unique_id(self, text: str) -> str:
        """:func:`heading_id` of ``text``, with ``-1``, ``-2``… if it was taken before."""
        base = heading_id(text) or "heading"
        name, number = base, 0
        while name in self._ids:
            number += 1
            name = f"{base}-{number}"
        self._ids.add(name)
        return name


def heading_id(text: str) -> str:
    """The id Hugo (goldmark's "github" ids, PaperMod's default) and GitHub give a heading.

    Lower-cased letters, digits and ``_``; a space or ``-`` becomes ``-``; anything
    else is dropped: ``"Hugo’s  code — v2"`` → ``"hugos--code--v2"``.
    """
    out: list[str] = []
    for char in text.strip():
        if char == "-" or char.isspace():
            out.append("-")
        elif char == "_" or char.isalpha() or char.isdecimal():
            out.append(char.lower())
    return "".join(out)


def _heading_text(token: Any) -> str:
    """The visible text of an inline token (no link numbers, no markup)."""
    parts: list[str] = []
    for child in token.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(_heading_text(child))
    return "".join(parts)


def parse(markdown: str, *, base_url: str = "") -> Document:
    """Parse ``markdown`` (hostile text: control characters are stripped first)."""
    document = Document([], [])
    for blocks, links in parse_steps(markdown, base_url=base_url):
        document.blocks.extend(blocks)
        document.links = links
    return document


def parse_steps(
    markdown: str, *, base_url: str = "", first: int = 8, step: int = 48
) -> Iterator[tuple[list[Block], list[str]]]:
    """Parse ``markdown`` a few top-level blocks at a time: (new blocks, links so far).

    markdown-it's block pass runs over the whole text first (it collects reference
    definitions, so every block is parsed as it would be alone); the inline pass and
    the conversion to :class:`Block` then run on ``first`` top-level blocks, then on
    ``step`` at a time, and the tokens of each group are let go once converted. At
    least one (possibly empty) group is yielded; ``links`` is one list, extended.
    """
    from markdown_it.rules_core import StateCore

    md = _parser()
    text = clean_text(markdown)
    links = _Links(base_url)
    env: dict[str, Any] = {}
    state = StateCore(text, md, env)
    names = md.core.ruler.get_active_rules()
    rules = md.core.ruler.getRules("")
    after_block = names.index("block") + 1
    for rule in rules[:after_block]:
        rule(state)
    tokens = state.tokens
    del state
    # Ends of the top-level blocks: a level-0 token that opens nothing.
    ends = [i + 1 for i, token in enumerate(tokens) if token.level == 0 and token.nesting <= 0]
    offset = 0  # tokens before this index have been converted and dropped
    count = 0
    size = first
    while True:
        count = min(count + size, len(ends))
        stop = (ends[count - 1] if count else 0) - offset
        chunk = tokens[:stop]
        del tokens[:stop]
        offset += stop
        # The inline pass (and text_join) over this group only, with the shared env.
        part = StateCore(text, md, env, chunk)
        for rule in rules[after_block:]:
            rule(part)
        blocks, _ = _blocks(chunk, 0, len(chunk), links)
        del part, chunk
        yield blocks, links.urls
        if count >= len(ends):
            return
        size = step


def _blocks(tokens: Sequence[Any], pos: int, end: int, links: _Links) -> tuple[list[Block], int]:
    """Blocks from ``tokens[pos:end]`` up to the closing token at nesting 0."""
    out: list[Block] = []
    while pos < end:
        token = tokens[pos]
        kind = token.type
        if kind.endswith("_close"):
            return out, pos
        if kind == "heading_open":
            inline = tokens[pos + 1]
            name = links.unique_id(_heading_text(inline))
            out.append(Heading(int(token.tag[1:]), _inline(inline, links), name))
            pos += 3
        elif kind == "paragraph_open":
            out.append(Paragraph(_inline(tokens[pos + 1], links)))
            pos += 3
        elif kind in ("bullet_list_open", "ordered_list_open"):
            ordered = kind == "ordered_list_open"
            start = int(token.attrGet("start") or 1) if ordered else 1
            items: list[list[Block]] = []
            tight = True
            pos += 1
            while tokens[pos].type == "list_item_open":
                item, pos = _blocks(tokens, pos + 1, end, links)
                items.append(item)
                pos += 1  # list_item_close
            # markdown-it marks paragraphs of tight lists hidden
            for index in range(pos - 1, 0, -1):
                if tokens[index] is token:
                    break
                if tokens[index].type == "paragraph_open" and tokens[index].level == (
                    token.level + 2
                ):
                    tight = tokens[index].hidden
                    break
            out.append(ListBlock(ordered, start, tight, items))
            pos += 1  # list close
        elif kind == "blockquote_open":
            children, pos = _blocks(tokens, pos + 1, end, links)
            out.append(Quote(children))
            pos += 1
        elif kind in ("fence", "code_block"):
            info = token.info.strip().split()[0] if token.info.strip() else ""
            language = info.strip("{}").lstrip(".").lower()
            code = token.content.removesuffix("\n").expandtabs(TAB_SIZE)
            out.append(Code(language, code))
            pos += 1
        elif kind == "hr":
            out.append(Rule())
            pos += 1
        elif kind == "table_open":
            table, pos = _table(tokens, pos + 1, links)
            out.append(table)
        elif kind == "html_block":
            html = token.content.strip()
            if html:
                out.append(Paragraph(Inline(Content.styled(html.replace("\t", " "), "dim"))))
            pos += 1
        else:
            pos += 1
    return out, pos


def _table(tokens: Sequence[Any], pos: int, links: _Links) -> tuple[Table, int]:
    header: list[Inline] = []
    aligns: list[str] = []
    rows: list[list[Inline]] = []
    row: list[Inline] = []
    in_head = False
    while tokens[pos].type != "table_close":
        token = tokens[pos]
        kind = token.type
        if kind == "thead_open":
            in_head = True
        elif kind == "thead_close":
            in_head = False
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close":
            if in_head:
                header = row
            else:
                rows.append(row)
        elif kind in ("th_open", "td_open"):
            if in_head:
                style = str(token.attrGet("style") or "")
                aligns.append(style.removeprefix("text-align:") if style else "left")
            row.append(_inline(tokens[pos + 1], links))
            pos += 2
        pos += 1
    return Table(header, aligns, rows), pos + 1


def _inline(token: Any, links: _Links) -> Inline:
    parts: list[str] = []
    spans: list[Span] = []
    link_ranges: list[tuple[int, int, int]] = []
    length = 0
    stack: list[tuple[str, int, str]] = []

    def add(text: str, style: str = "") -> None:
        nonlocal length
        if not text:
            return
        parts.append(text)
        if style:
            spans.append(Span(length, length + len(text), style))
        length += len(text)

    for child in token.children or ():
        kind = child.type
        if kind == "text":
            add(child.content.replace("\t", " "))
        elif kind == "softbreak":
            add(" ")
        elif kind == "hardbreak":
            add("\n")
        elif kind == "code_inline":
            add(child.content.replace("\t", " "), INLINE_CODE)
        elif kind in ("em_open", "strong_open", "s_open"):
            style = {"em_open": "italic", "strong_open": "bold", "s_open": "strike"}[kind]
            stack.append((kind, length, style))
        elif kind == "link_open":
            stack.append((kind, length, str(child.attrGet("href") or "")))
        elif kind in ("em_close", "strong_close", "s_close", "link_close"):
            opener = kind.replace("_close", "_open")
            while stack:
                name, start, value = stack.pop()
                if name == opener:
                    break
            else:
                continue
            if kind == "link_close":
                number = links.add(value)
                add(f"[{number + 1}]", LINK_NUMBER)
                spans.append(Span(start, length, LINK))
                link_ranges.append((start, length, number))
            else:
                spans.append(Span(start, length, value))
        elif kind == "image":
            alt = "".join(c.content for c in child.children or ()) or child.content
            number = links.add(str(child.attrGet("src") or ""))
            start = length
            add(f"[image: {alt.strip() or 'no description'}]", IMAGE)
            add(f"[{number + 1}]", LINK_NUMBER)
            spans.append(Span(start, length, "underline"))
            link_ranges.append((start, length, number))
        elif kind == "html_inline":
            if re.fullmatch(r"<br\s*/?>", child.content, re.IGNORECASE):
                add("\n")
            else:
                add(child.content, "dim")
        else:
            add(child.content)
    # Inner spans first (they close first) is the order markdown gives; Content wants
    # outer styles first so inner ones win.
    spans.sort(key=lambda span: (span.start, -span.end))
    return Inline(Content("".join(parts), spans), tuple(link_ranges))


# ------------------------------------------------------------------ highlighting


@lru_cache(maxsize=64)
def _lexer(language: str) -> Any:
    if not language or language in ("text", "plain", "plaintext", "txt", "none"):
        return None
    from pygments.lexers import get_lexer_by_name  # type: ignore[import-untyped]
    from pygments.util import ClassNotFound  # type: ignore[import-untyped]

    try:
        return get_lexer_by_name(language, stripnl=False, ensurenl=True)
    except ClassNotFound:
        return None


def highlight_lines(code: str, language: str, theme: type[HighlightTheme]) -> list[Content]:
    """One ``Content`` per line of ``code``, text unchanged, coloured by token type."""
    lines = code.split("\n")
    lexer = _lexer(language)
    if lexer is None:
        return [Content(line, strip_control_codes=False) for line in lines]
    line_spans: list[list[Span]] = [[] for _ in lines]
    styles = theme.STYLES
    row = 0
    col = 0
    rebuilt: list[str] = []
    for token_type, value in lexer.get_tokens(code):
        rebuilt.append(value)
        style = ""
        kind = token_type
        while kind is not None:
            if found := styles.get(kind):
                style = found
                break
            kind = kind.parent
        pieces = value.split("\n")
        for number, piece in enumerate(pieces):
            if number:
                row += 1
                col = 0
            if piece and style and row < len(lines):
                line_spans[row].append(Span(col, col + len(piece), style))
            col += len(piece)
    if "".join(rebuilt).removesuffix("\n") != code:  # the lexer changed the text: show it plain
        return [Content(line, strip_control_codes=False) for line in lines]
    return [
        Content(line, spans, strip_control_codes=False)
        for line, spans in zip(lines, line_spans, strict=True)
    ]


# ------------------------------------------------------------------ wrapping

_WORD = re.compile(r"(\S+)(\s*)")


def wrap_offsets(text: str, width: int) -> list[tuple[int, int]]:
    """Character ranges of ``text`` (no newlines) wrapped at spaces to ``width`` cells.

    A word wider than ``width`` is folded; spaces at line ends are dropped.
    """
    width = max(1, width)
    if cell_len(text) <= width:
        return [(len(text) - len(text.lstrip()), len(text.rstrip()))]
    lines: list[tuple[int, int]] = []
    start = -1
    end = 0
    col = 0
    for match in _WORD.finditer(text):
        word_start, word_end = match.span(1)
        word_cells = cell_len(match.group(1))
        if start >= 0 and col + word_cells > width:
            lines.append((start, end))
            start = -1
            col = 0
        if start < 0:
            start = word_start
        if word_cells > width and col == 0:
            # fold the long word
            cells = 0
            for index in range(word_start, word_end):
                size = get_character_cell_size(text[index])
                if cells + size > width:
                    lines.append((start, index))
                    start = index
                    cells = 0
                cells += size
            col = cells
        else:
            col += word_cells
        end = word_end
        col += cell_len(match.group(2))
    if start >= 0:
        lines.append((start, end))
    return lines or [(0, 0)]


def wrap_inline(inline: Inline, width: int, base_style: str = "") -> list[Line]:
    """Lay ``inline`` out in lines of at most ``width`` cells (hard breaks kept)."""
    content = inline.content
    if base_style:
        content = content.stylize_before(base_style)
    text = content.plain
    out: list[Line] = []
    pos = 0
    for segment in text.split("\n"):
        for start, end in wrap_offsets(segment, width):
            a, b = pos + start, pos + end
            spans: list[LinkSpan] = []
            for link_start, link_end, number in inline.links:
                s, e = max(link_start, a), min(link_end, b)
                if s < e:
                    x = cell_len(text[a:s])
                    spans.append(LinkSpan(x, x + cell_len(text[s:e]), number))
            out.append(Line(content[a:b], tuple(spans)))
        pos += len(segment) + 1
    return out


# ------------------------------------------------------------------ layout


def _blank() -> Line:
    return Line(Content(""))


def layout_block(
    block: Block, width: int, theme: type[HighlightTheme] = HighlightTheme, depth: int = 0
) -> list[Line]:
    """The lines of ``block`` at ``width`` cells (code and wide tables may be wider)."""
    width = max(width, 8)
    if isinstance(block, Paragraph):
        return wrap_inline(block.text, width)
    if isinstance(block, Heading):
        style = HEADING_STYLES.get(block.level, "bold")
        lines = wrap_inline(block.text, width, style)
        if block.level <= 2:
            char, rule_style = H1_RULE if block.level == 1 else H2_RULE
            lines.append(Line(Content.styled(char * width, rule_style)))
        return lines
    if isinstance(block, Rule):
        return [Line(Content.styled("─" * width, RULE))]
    if isinstance(block, Code):
        return _code_lines(block, width, theme)
    if isinstance(block, Quote):
        inner = _stack(block.children, width - 2, theme, depth, tight=False)
        bar = Content.styled("▌ ", QUOTE_BAR)
        return [line.prefixed(bar) for line in inner]
    if isinstance(block, ListBlock):
        return _list_lines(block, width, theme, depth)
    return _table_lines(block, width)


def _stack(
    blocks: Sequence[Block],
    width: int,
    theme: type[HighlightTheme],
    depth: int,
    *,
    tight: bool,
) -> list[Line]:
    out: list[Line] = []
    for index, child in enumerate(blocks):
        if index and not (tight and isinstance(child, ListBlock | Paragraph)):
            out.append(_blank())
        out.extend(layout_block(child, width, theme, depth))
    return out


def _list_lines(
    block: ListBlock, width: int, theme: type[HighlightTheme], depth: int
) -> list[Line]:
    out: list[Line] = []
    if block.ordered:
        last = block.start + len(block.items) - 1
        marker_width = len(str(last)) + 2
    else:
        marker_width = 2
    for number, item in enumerate(block.items, block.start):
        if out and not block.tight:
            out.append(_blank())
        if block.ordered:
            marker = Content(f"{number}.".rjust(marker_width - 1) + " ")
        else:
            marker = Content.styled(BULLETS[depth % len(BULLETS)] + " ", "$text-accent")
        lines = _stack(item, width - marker_width, theme, depth + 1, tight=block.tight)
        if not lines:
            lines = [_blank()]
        hang = Content(" " * marker_width)
        out.extend(line.prefixed(marker if i == 0 else hang) for i, line in enumerate(lines))
    return out


def _code_lines(block: Code, width: int, theme: type[HighlightTheme]) -> list[Line]:
    lines = block.lines(theme)
    inner = max((line.cell_length for line in lines), default=0)
    label = block.language if block.language not in ("", "text") else ""
    full = max(width, inner + 2, len(label) + 2)
    out: list[Line] = []
    for line in lines:
        padded = Content(" ") + line + Content(" " * (full - 1 - line.cell_length))
        out.append(Line(padded.stylize_before(CODE_BLOCK), code=True))
    if label:
        # At the right edge of the pane, not of the block's widest line: a line wider
        # than the pane (scrolled with h/l) would put the label out of sight.
        shown = max(min(width, full), len(label) + 2)
        text = (label.rjust(shown - 1) + " ").ljust(full)
        out.insert(0, Line(Content.styled(text, CODE_LABEL), code=True))
    return out


def _distribute(natural: list[int], available: int) -> list[int]:
    """Column widths: natural widths if they fit, else the widest ones are narrowed."""
    if sum(natural) <= available:
        return natural
    low, high = 1, max(natural)
    while low < high:  # the largest cap whose capped total fits
        cap = (low + high + 1) // 2
        if sum(min(n, cap) for n in natural) <= available:
            low = cap
        else:
            high = cap - 1
    widths = [min(n, low) for n in natural]
    spare = available - sum(widths)
    for index, n in enumerate(natural):
        if spare <= 0:
            break
        if n > widths[index]:
            widths[index] += 1
            spare -= 1
    return widths


def _table_lines(table: Table, width: int) -> list[Line]:
    rows = [table.header, *table.rows] if table.header else list(table.rows)
    columns = max((len(row) for row in rows), default=0)
    if not columns:
        return []
    natural = [1] * columns
    for row in rows:
        for index, cell in enumerate(row):
            natural[index] = max(natural[index], cell.content.cell_length)
    separator = 3
    available = max(width - separator * (columns - 1), 4 * columns)
    widths = _distribute(natural, available)
    aligns = table.aligns + ["left"] * (columns - len(table.aligns))
    sep = Content.styled(" │ ", TABLE_BORDER)
    out: list[Line] = []
    for row_number, row in enumerate(rows):
        is_header = row_number == 0 and bool(table.header)
        cells = [
            wrap_inline(row[index], widths[index], TABLE_HEADER if is_header else "")
            if index < len(row)
            else [_blank()]
            for index in range(columns)
        ]
        height = max(len(cell) for cell in cells)
        for y in range(height):
            parts: list[Content] = []
            spans: list[LinkSpan] = []
            x = 0
            for index, cell_lines in enumerate(cells):
                if index:
                    parts.append(sep)
                    x += separator
                line = cell_lines[y] if y < len(cell_lines) else _blank()
                pad = widths[index] - line.content.cell_length
                align = aligns[index]
                left = pad if align == "right" else pad // 2 if align == "center" else 0
                parts.append(Content(" " * left) + line.content + Content(" " * (pad - left)))
                spans.extend(
                    LinkSpan(s.start + x + left, s.end + x + left, s.index) for s in line.links
                )
                x += widths[index]
            out.append(Line(Content("").join(parts).rstrip(), tuple(spans)))
        if is_header:
            rule = "─┼─".join("─" * w for w in widths)
            out.append(Line(Content.styled(rule, TABLE_BORDER)))
    return out


def iter_layout(
    blocks: Sequence[Block],
    width: int,
    theme: type[HighlightTheme] = HighlightTheme,
    first: int = 0,
) -> Iterator[tuple[int, list[Line]]]:
    """(block index, lines) for each top-level block; ``blocks[0]`` is block ``first``.

    The blank line that separates blocks is the caller's to add."""
    for index, block in enumerate(blocks, first):
        lines = layout_block(block, width, theme)
        for line in lines:
            line.block = index
        yield index, lines


# ------------------------------------------------------------------ storage

StyleSpan = tuple[int, int, "str | Style"]
PackedLine = tuple[str, tuple[StyleSpan, ...], tuple[tuple[int, int, int], ...], int, bool, int]
"""A :class:`Line` as (text, spans, links, block, code, cell length): see :class:`Lines`."""


def pack(line: Line) -> PackedLine:
    content = line.content
    # tuple([...]), not tuple(generator): the items must exist before the tuple that
    # holds them, or the collector looks at it first and keeps tracking it.
    return (
        content.plain,
        tuple([(span.start, span.end, span.style) for span in content.spans]),
        tuple([(span.start, span.end, span.index) for span in line.links]),
        line.block,
        line.code,
        content.cell_length,
    )


def unpack(packed: PackedLine) -> Line:
    text, spans, links, block, code, cells = packed
    content = Content(text, [Span(*span) for span in spans], cells, strip_control_codes=False)
    return Line(content, tuple(LinkSpan(*link) for link in links), block, code)


class Lines(Sequence[Line]):
    """An article's lines, kept as tuples of strings and numbers (:data:`PackedLine`).

    The garbage collector stops tracking such tuples, so a long article adds next to
    nothing to the full collections that otherwise stall the UI (a :class:`Line` is
    a handful of tracked objects: 100 KB of Markdown made ~18,000). A :class:`Line`
    is built again when one is read, which is cheap next to drawing it.
    """

    __slots__ = ("_packed",)

    def __init__(self, packed: Iterable[PackedLine] = ()) -> None:
        self._packed: list[PackedLine] = list(packed)

    def __len__(self) -> int:
        return len(self._packed)

    @overload
    def __getitem__(self, index: int) -> Line: ...

    @overload
    def __getitem__(self, index: slice) -> list[Line]: ...

    def __getitem__(self, index: int | slice) -> Line | list[Line]:
        if isinstance(index, slice):
            return [unpack(packed) for packed in self._packed[index]]
        return unpack(self._packed[index])

    def __iter__(self) -> Iterator[Line]:
        return map(unpack, self._packed)

    def extend(self, packed: Iterable[PackedLine]) -> None:
        self._packed.extend(packed)

    def block(self, index: int) -> int:
        """The block of line ``index``, without building the line."""
        return self._packed[index][3]
