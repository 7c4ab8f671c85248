"""Turn feed descriptions (HTML or plain text) into Markdown for Textual's ``Markdown`` widget.

The widget parses with markdown-it ("gfm-like") and silently drops raw HTML tokens and
images, so everything here aims at two guarantees: no markup is ever shown to the user
as text, and no text the author wrote is lost. Literal text is therefore always
backslash-escaped, and only constructs we generate ourselves are live Markdown.

The conversion is a two-step affair: :class:`_TreeBuilder` turns tag soup into a small
element tree (with just enough of the HTML5 implied-end-tag rules to cope with real feeds),
and :class:`_Renderer` walks that tree producing Markdown *blocks* (joined by blank lines)
and *inline* strings. Stdlib only, so it can be imported and tested without Textual.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Final
from urllib.parse import urljoin, urlsplit

__all__ = [
    "CONVERTER_VERSION",
    "Description",
    "convert_description",
    "convert_html",
    "description_to_markdown",
    "description_to_text",
    "html_to_markdown",
    "html_to_text",
    "looks_like_html",
    "text_to_markdown",
]

# --- vocabulary --------------------------------------------------------------------------


def _names(words: str) -> frozenset[str]:
    return frozenset(words.split())


_VOID = _names("area base br col embed hr img input link meta param source track wbr")
# Elements rendered as Markdown blocks of their own.
_BLOCK = _names(
    """address article aside blockquote body caption center dd details dialog dir div dl dt
    fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr html li main
    menu nav ol p pre section summary table tbody td tfoot th thead tr ul"""
)
# Embedded players: their inner HTML is fallback noise, their source is worth a link.
_MEDIA = _names("iframe video audio embed")
# Never shown by a browser (or pure graphics), so never shown by us.
_SKIP = _names("script style head template noscript title svg canvas annotation select")
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
# Opening any of these closes an open <p> (HTML5 "close a p element").
_CLOSES_P = _names(
    """address article aside blockquote center details dialog dir div dl fieldset figcaption
    figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr main menu nav ol p pre section
    table ul"""
)
_SCOPE = _names("#root html table td th caption button template object marquee")
# Names used to decide whether a string is HTML at all; deliberately a closed list so that
# prose like "<not a tag>" or "List<int>" stays plain text.
_KNOWN_TAGS = (
    _VOID
    | _BLOCK
    | _MEDIA
    | _SKIP
    | _names("""a abbr acronym audio b bdi bdo big cite code del dfn em font i ins kbd label mark
        picture q s samp small source span strike strong sub sup time tt u var""")
)
# A table cell holding any of these is page layout, not data.
_LAYOUT_ONLY = _names("pre table ul ol dl blockquote h1 h2 h3 h4 h5 h6")
_SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
_WEB_SCHEMES = frozenset({"http", "https"})
_MEDIA_SCHEMES = frozenset({"http", "https"})

# Deeper trees are flattened: bounds recursion in the renderer and keeps markdown-it
# (maxNesting=20 in "gfm-like") from giving up on the output.
_MAX_TREE_DEPTH = 100
_MAX_BLOCK_NESTING = 6

_SUPERSCRIPT = str.maketrans("0123456789+-=()ni", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱ")
_SUBSCRIPT = str.maketrans("0123456789+-=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎")
# Ordinals and marks that read fine inline ("1st", "Brand TM").
_PLAIN_SUPERSCRIPTS = _names("st nd rd th er e re o a tm ® © ™")
_SUPERSCRIPTABLE = frozenset("0123456789+-=()ni")
_SUBSCRIPTABLE = frozenset("0123456789+-=()")

# --- regexes -----------------------------------------------------------------------------

_ATTR = r"""(?:\s+[^\s"'<>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*"""
_HTML_TAG = re.compile(
    r"<!--|<(/?)([a-zA-Z][a-zA-Z0-9]*)" + _ATTR + r"\s*/?>",
)
_HTML_WS = re.compile(r"[ \t\n\r\f]+")
# Characters that could start Markdown (or raw HTML) anywhere in a line. `&` only matters
# when it would form an entity reference. The ":" of "scheme://" is escaped because
# markdown-it's linkify reads such URLs from the raw source, so the backslashes escaping
# "_" or "*" inside them would show up in the link text.
_INLINE_SPECIAL = re.compile(r"[\\`*_\[\]<>|~#]|&(?=#?[0-9A-Za-z]+;)|:(?=//)")
# Characters that only matter at the start of a line: list markers, setext underlines.
_LINE_START_SPECIAL = re.compile(r"^(?:([+\-=])|(\d{1,9})([.)]))")
_BACKTICK_RUN = re.compile(r"`+")
_NEWLINES = re.compile(r"\n+")
_PARAGRAPH_BREAK = re.compile(r"\n{2,}")
_SPACES = re.compile(r" {2,}")
_SPACE_AROUND_NEWLINE = re.compile(r" *\n *")
_BLANK_LINE = re.compile(r"\n[ \t]*(?:\n[ \t]*)+\n?")
_LANG_CLASS = re.compile(r"^(?:language|lang)-(.+)$")
# Wrappers that name the language of the code inside them: Sphinx's
# ``<div class="highlight-python">``, GitHub's ``highlight-source-python``, Jekyll's
# ``<div class="language-ruby highlighter-rouge">``, MkDocs' ``language-py highlight``.
_WRAPPER_LANG_CLASS = re.compile(r"^(?:language|lang|highlight(?:-source)?)-(.+)$")
_LANG_OK = re.compile(r"^[\w.+#-]{1,40}$")
# Names highlighters use for "no language"; all mean plain text.
_PLAIN_LANGS = _names("text plaintext plain txt none nohighlight no-highlight default")
# Highlighters mark gutters (line numbers, prompts) as not selectable so a copy skips them;
# Chroma's inline-styled output (noClasses) has no other mark on its line numbers.
_UNSELECTABLE = re.compile(r"user-select\s*:\s*none", re.IGNORECASE)
_DISPLAY_NONE = re.compile(r"display\s*:\s*none", re.IGNORECASE)
_TIGHT_BLOCK = re.compile(r"^(?:-|1\.) \S")
_DIGITS_ONLY = re.compile(r"^[\d\s]*$")
_ANY_TAG = re.compile(r"<[^>]*>")

# Stands in for a space inside code spans so paragraph-level space folding leaves it alone.
# NUL is safe: it is stripped from every text node before rendering.
_HARD_SPACE = "\x00"


# --- public API --------------------------------------------------------------------------


def looks_like_html(text: str) -> bool:
    """True when *text* contains real HTML markup: a known tag such as ``<p>`` or a comment.

    Entity-escaped markup (``&lt;p&gt;``) does not count, nor do angle-bracketed words
    that are not HTML element names (``<not a tag>``, ``List<int>``).
    """
    for match in _HTML_TAG.finditer(text):
        if match.group(0) == "<!--" or match.group(2).lower() in _KNOWN_TAGS:
            return True
    return False


CONVERTER_VERSION: Final = 2
"""Bump whenever :func:`description_to_markdown` or :func:`description_to_text` gives
different output for the same input: the store keeps each post's source and the version
that converted it, and re-derives posts converted by an older one."""


@dataclass(frozen=True, slots=True)
class Description:
    """One description converted both ways, from a single parse of its HTML."""

    markdown: str
    """For display: literal text escaped, only our own constructs live."""
    text: str
    """For search and for titles: what a reader sees, without markup or escapes."""


def html_to_markdown(html: str, *, base_url: str = "") -> str:
    """Convert an HTML fragment or document to Markdown.

    Relative links and image sources are resolved against *base_url*; only http(s) and
    mailto targets become links (other schemes keep their text). Never raises on
    malformed input.
    """
    return _render_html(html, base_url, text=False).markdown


def html_to_text(html: str, *, base_url: str = "") -> str:
    """The plain text a reader sees of an HTML fragment: the same walk as
    :func:`html_to_markdown`, said without Markdown.

    No escaping and no markup; link text is kept and link targets dropped (an empty link
    shows its URL, as in the Markdown); images give their alt text, embedded media their
    title; code is kept verbatim (a ``<pre>`` block with its line breaks and indentation).
    Whitespace inside a paragraph folds to single spaces, ``<br>`` gives a line break, and
    blocks are separated by blank lines. Never raises on malformed input.
    """
    return _render_html(html, base_url, markdown=False).text


def convert_html(html: str, *, base_url: str = "", web_links_only: bool = False) -> Description:
    """Both :func:`html_to_markdown` and :func:`html_to_text` of *html*, parsing once.

    With *web_links_only*, only http(s) targets become links (``mailto:`` keeps its text).
    """
    return _render_html(html, base_url, link_schemes=_WEB_SCHEMES if web_links_only else None)


def _render_html(
    html: str,
    base_url: str,
    *,
    markdown: bool = True,
    text: bool = True,
    link_schemes: frozenset[str] | None = None,
) -> Description:
    if not html or not html.strip():
        return Description("", "")
    source = html.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    try:
        builder = _TreeBuilder()
        builder.feed(source)
        builder.close()
        # Rendering never changes the tree, so one parse serves both renderers.
        schemes = link_schemes or _SAFE_SCHEMES
        md_blocks = _Renderer(base_url, schemes).blocks(builder.root) if markdown else []
        text_blocks = _TextRenderer(base_url, schemes).blocks(builder.root) if text else []
    except (AssertionError, ValueError, RecursionError, IndexError):
        # HTMLParser has historically raised on some pathological declarations; losing
        # structure is acceptable there, losing the text is not.
        flat = html_lib.unescape(_ANY_TAG.sub(" ", source))
        return Description(
            text_to_markdown(flat) if markdown else "", _text_to_text(flat) if text else ""
        )
    return Description("\n\n".join(md_blocks).strip(), "\n\n".join(text_blocks).strip())


def text_to_markdown(text: str) -> str:
    """Escape plain text so that Markdown renders exactly that text.

    Blank lines separate paragraphs; single line breaks become hard breaks.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    paragraphs: list[str] = []
    for chunk in _BLANK_LINE.split(text):
        lines = [_escape_text(line).strip(" ") for line in chunk.split("\n")]
        lines = [_escape_line_start(line) for line in lines if line]
        if lines:
            paragraphs.append("\\\n".join(lines))
    return "\n\n".join(paragraphs)


def description_to_markdown(raw: str, *, base_url: str = "") -> str:
    """Convert a feed description, whatever its flavour, to Markdown.

    HTML is converted; plain text is escaped. Some generators (Hugo's PaperMod theme, for
    one) emit the summary entity-escaped, so ``&lt;p&gt;Hello&lt;/p&gt;`` reaches us either
    as-is or unescaped once: when the text has no real tags but its unescaped form does,
    the unescaped form is what the author meant.
    """
    return _convert(raw, base_url, text=False).markdown


def description_to_text(raw: str, *, base_url: str = "") -> str:
    """A feed description as plain text (see :func:`html_to_text`), read the same way as
    :func:`description_to_markdown` reads it (HTML, escaped HTML, or plain text)."""
    return _convert(raw, base_url, markdown=False).text


def convert_description(raw: str, *, base_url: str = "") -> Description:
    """Both :func:`description_to_markdown` and :func:`description_to_text`, parsing once."""
    return _convert(raw, base_url)


def _convert(raw: str, base_url: str, *, markdown: bool = True, text: bool = True) -> Description:
    if not raw or not raw.strip():
        return Description("", "")
    if looks_like_html(raw):
        return _render_html(raw, base_url, markdown=markdown, text=text)
    # Descriptions are HTML by spec, so entities in tag-free text are still meant to be
    # decoded. Unescaping twice catches double-escaped summaries (&amp;lt;p&amp;gt;).
    unescaped = raw
    for _ in range(2):
        once = html_lib.unescape(unescaped)
        if once == unescaped:
            break
        unescaped = once
        if looks_like_html(unescaped):
            return _render_html(unescaped, base_url, markdown=markdown, text=text)
    plain = html_lib.unescape(raw)
    return Description(
        text_to_markdown(plain) if markdown else "", _text_to_text(plain) if text else ""
    )


def _text_to_text(text: str) -> str:
    """Plain text tidied the way :func:`text_to_markdown` reads it, without the escaping."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    paragraphs: list[str] = []
    for chunk in _BLANK_LINE.split(text):
        lines = [_HTML_WS.sub(" ", line).strip(" ") for line in chunk.split("\n")]
        lines = [line for line in lines if line]
        if lines:
            paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)


# --- escaping helpers --------------------------------------------------------------------


def _escape_text(text: str) -> str:
    """Fold HTML whitespace and backslash-escape everything Markdown could interpret."""
    text = _HTML_WS.sub(" ", text)
    return _INLINE_SPECIAL.sub(lambda m: "\\" + m.group(0), text)


def _escape_line_start(line: str) -> str:
    """Escape what would turn a line into a list item or setext underline."""
    match = _LINE_START_SPECIAL.match(line)
    if match is None:
        return line
    if match.group(1):
        return "\\" + line
    digits = match.group(2)
    return f"{digits}\\{line[len(digits) :]}"


def _code_span(code: str, *, in_table: bool) -> str:
    code = code.replace("\n", " ")
    if not code:
        return ""
    if in_table:
        # GFM splits table cells on "|" even inside code spans; "\|" is the sanctioned escape.
        code = code.replace("|", "\\|")
    longest = max((len(run) for run in _BACKTICK_RUN.findall(code)), default=0)
    fence = "`" * (longest + 1)
    # CommonMark strips one space from each side when both are present, and a code span
    # cannot start or end with a backtick next to the fence, so pad in those cases.
    if code[0] == "`" or code[-1] == "`" or (code[0] == code[-1] == " " and code.strip()):
        code = f" {code} "
    return fence + code.replace(" ", _HARD_SPACE) + fence


def _split_edges(text: str) -> tuple[str, str, str]:
    """Split *text* into (leading whitespace, core, trailing whitespace)."""
    core = text.strip(" \n")
    if not core:
        return text, "", ""
    start = text.index(core[0])
    return text[:start], core, text[start + len(core) :]


def _wrap(text: str, marker: str) -> str:
    """Wrap inline Markdown in an emphasis marker, one line at a time.

    Emphasis cannot span paragraphs and must hug non-space characters, so whitespace and
    line breaks stay outside the markers.
    """
    pieces = re.split(r"(\n+)", text)
    out: list[str] = []
    for piece in pieces:
        lead, core, trail = _split_edges(piece)
        out.append(f"{lead}{marker}{core}{marker}{trail}" if core else piece)
    return "".join(out)


def _paragraphs(inline: str) -> list[str]:
    """Turn accumulated inline Markdown (``\\n`` = line break) into paragraph blocks."""
    inline = _SPACES.sub(" ", inline)
    inline = _SPACE_AROUND_NEWLINE.sub("\n", inline).strip(" \n")
    if not inline:
        return []
    blocks: list[str] = []
    # Two or more consecutive <br> read as a paragraph break in feeds.
    for chunk in _PARAGRAPH_BREAK.split(inline):
        # str.strip() also drops NBSP: "&nbsp;<br>" spacer lines would render as blank lines.
        lines = [_escape_line_start(line) for line in chunk.split("\n") if line.strip()]
        if lines:
            blocks.append("\\\n".join(lines).replace(_HARD_SPACE, " "))
    return blocks


def _plain_paragraphs(inline: str) -> list[str]:
    """:func:`_paragraphs` for plain text: the same folding, nothing escaped."""
    inline = _SPACES.sub(" ", inline)
    inline = _SPACE_AROUND_NEWLINE.sub("\n", inline).strip(" \n")
    if not inline:
        return []
    blocks: list[str] = []
    for chunk in _PARAGRAPH_BREAK.split(inline):
        lines = [line for line in chunk.split("\n") if line.strip()]
        if lines:
            blocks.append("\n".join(lines).replace(_HARD_SPACE, " "))
    return blocks


def _one_line(inline: str) -> str:
    """Inline Markdown forced onto a single line (headings, table cells, link text)."""
    inline = _NEWLINES.sub(" ", inline)
    return _SPACES.sub(" ", inline).strip(" ").replace(_HARD_SPACE, " ")


def _indent(text: str, first: str, rest: str) -> str:
    lines = text.split("\n")
    out = [first + lines[0]]
    out.extend(rest + line if line else "" for line in lines[1:])
    return "\n".join(out)


def _join_blocks(blocks: list[str]) -> str:
    """Join the blocks of one list item, keeping a nested list tight under its text."""
    if not blocks:
        return ""
    parts = [blocks[0]]
    for block in blocks[1:]:
        parts.append("\n" if _TIGHT_BLOCK.match(block) else "\n\n")
        parts.append(block)
    return "".join(parts)


# --- tree --------------------------------------------------------------------------------


class _Element:
    __slots__ = ("attrs", "children", "has_block", "tag")

    def __init__(self, tag: str, attrs: dict[str, str]) -> None:
        self.tag = tag
        self.attrs = attrs
        self.children: list[_Element | str] = []
        # Set when a block-level descendant exists, so inline wrappers around blocks
        # (<span><p>..</p></span>) can be looked through instead of flattened.
        self.has_block = False

    def get(self, name: str) -> str:
        return self.attrs.get(name, "")

    def classes(self) -> list[str]:
        return self.get("class").split()

    def elements(self) -> list[_Element]:
        return [child for child in self.children if isinstance(child, _Element)]

    def find(self, tags: frozenset[str]) -> _Element | None:
        """First descendant (depth-first, iterative) whose tag is in *tags*."""
        pending = list(reversed(self.elements()))
        while pending:
            element = pending.pop()
            if element.tag in tags:
                return element
            pending.extend(reversed(element.elements()))
        return None

    def text(self) -> str:
        """All descendant text, raw, skipping invisible elements."""
        out: list[str] = []
        pending: list[_Element | str] = [self]
        while pending:
            node = pending.pop()
            if isinstance(node, str):
                out.append(node)
            elif node is self or not _invisible(node):
                pending.extend(reversed(node.children))
        return "".join(out)


def _invisible(element: _Element) -> bool:
    return (
        element.tag in _SKIP
        or "hidden" in element.attrs
        or bool(_DISPLAY_NONE.search(element.get("style")))
    )


class _TreeBuilder(HTMLParser):
    """Tag soup to :class:`_Element` tree, with the implied end tags real feeds rely on."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Element("#root", {})
        self._stack: list[_Element] = [self.root]

    # HTMLParser callbacks

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, self_closing=False)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # XHTML content (Atom type="xhtml") uses <a name="x"/>; treating that as an open
        # tag would swallow the rest of the document into it.
        self._start(tag, attrs, self_closing=True)

    def handle_endtag(self, tag: str) -> None:
        if tag == "br":  # browsers treat a stray </br> as <br>
            self._start("br", [], self_closing=True)
            return
        for index in range(len(self._stack) - 1, 0, -1):
            if self._stack[index].tag == tag:
                del self._stack[index:]
                return

    def handle_data(self, data: str) -> None:
        self._stack[-1].children.append(data)

    def unknown_decl(self, data: str) -> None:
        if data.startswith("CDATA["):
            self.handle_data(data[len("CDATA[") :])

    # tree building

    def _start(
        self, tag: str, raw_attrs: list[tuple[str, str | None]], *, self_closing: bool
    ) -> None:
        self._close_implied(tag)
        if len(self._stack) > _MAX_TREE_DEPTH and tag not in _VOID:
            return  # too deep: let the text flow into the current element
        attrs: dict[str, str] = {}
        for name, value in raw_attrs:
            attrs.setdefault(name, value or "")
        element = _Element(tag, attrs)
        self._stack[-1].children.append(element)
        if tag in _BLOCK or tag in _MEDIA:
            for ancestor in reversed(self._stack):
                if ancestor.has_block:
                    break
                ancestor.has_block = True
        if not self_closing and tag not in _VOID:
            self._stack.append(element)

    def _close_implied(self, tag: str) -> None:
        if tag in _CLOSES_P:
            self._close_until(frozenset({"p"}), _SCOPE)
        if tag in _HEADINGS and self._stack[-1].tag in _HEADINGS:
            self._stack.pop()
        if tag == "li":
            self._close_until(frozenset({"li"}), _SCOPE | {"ul", "ol", "menu", "dir"})
        elif tag in ("dt", "dd"):
            self._close_until(frozenset({"dt", "dd"}), _SCOPE | {"dl"})
        elif tag == "tr":
            self._close_until(frozenset({"tr"}), frozenset({"table", "#root"}))
        elif tag in ("td", "th"):
            self._close_until(frozenset({"td", "th"}), frozenset({"tr", "table", "#root"}))
        elif tag in ("thead", "tbody", "tfoot"):
            self._close_until(frozenset({"thead", "tbody", "tfoot"}), frozenset({"table", "#root"}))
        elif tag == "a":
            self._close_until(frozenset({"a"}), _SCOPE)

    def _close_until(self, targets: frozenset[str], boundaries: frozenset[str]) -> None:
        for index in range(len(self._stack) - 1, 0, -1):
            current = self._stack[index].tag
            if current in targets:
                del self._stack[index:]
                return
            if current in boundaries:
                return


# --- rendering ---------------------------------------------------------------------------


class _Renderer:
    """Walks an :class:`_Element` tree; ``blocks`` for flow content, ``inline`` for phrasing."""

    def __init__(self, base_url: str, link_schemes: frozenset[str] = _SAFE_SCHEMES) -> None:
        self._base_url = base_url
        self._link_schemes = link_schemes
        self._in_link = 0
        self._in_table = 0
        self._nesting = 0  # list/blockquote depth, capped by _MAX_BLOCK_NESTING
        self._open_markers: set[str] = set()
        # Languages named by wrappers around the current element, innermost last.
        self._code_languages: list[str] = []

    # flow content

    def blocks(self, element: _Element) -> list[str]:
        out: list[str] = []
        inline: list[str] = []
        self._flow(element, inline, out)
        out.extend(self._paragraphs("".join(inline)))
        return out

    def _flow(self, element: _Element, inline: list[str], out: list[str]) -> None:
        for child in element.children:
            if isinstance(child, str):
                inline.append(self._text(child))
            elif _invisible(child):
                continue
            elif child.tag in _BLOCK or child.tag in _MEDIA:
                out.extend(self._paragraphs("".join(inline)))
                inline.clear()
                out.extend(self._block(child))
            elif child.has_block and child.tag != "a":
                # An inline wrapper around blocks (<font><p>..</p></font>): keeping the
                # paragraphs matters more than the wrapper's formatting.
                self._flow(child, inline, out)
            else:
                inline.append(self.inline(child))

    def _block(self, element: _Element) -> list[str]:
        language = _wrapper_language(element) if element.tag != "pre" else ""
        if not language:
            return self._block_of(element)
        self._code_languages.append(language)
        try:
            return self._block_of(element)
        finally:
            self._code_languages.pop()

    def _block_of(self, element: _Element) -> list[str]:
        tag = element.tag
        if tag in _HEADINGS:
            return self._heading(_HEADINGS[tag], _one_line(self._inline_children(element)))
        if tag in ("ul", "ol", "menu", "dir"):
            return self._list(element)
        if tag == "li":
            return self._items([self.blocks(element)], ["-"])
        if tag == "dl":
            return self._definition_list(element)
        if tag == "pre":
            return self._code_block(element)
        if tag == "blockquote":
            return self._blockquote(element)
        if tag == "table":
            return self._table(element)
        if tag == "hr":
            return self._rule()
        if tag in ("figcaption", "caption"):
            return self._paragraphs(self._emphasis(element, "*"))
        if tag in ("summary", "dt"):
            return self._paragraphs(self._emphasis(element, "**"))
        if tag in _MEDIA:
            link = self._media(element)
            return [link] if link else []
        return self.blocks(element)

    def _blockquote(self, element: _Element) -> list[str]:
        if self._nesting >= _MAX_BLOCK_NESTING:
            return self.blocks(element)
        self._nesting += 1
        try:
            inner = self.blocks(element)
        finally:
            self._nesting -= 1
        return self._quote(inner)

    def _list(self, element: _Element) -> list[str]:
        items: list[_Element] = []
        stray: _Element | None = None
        for child in element.children:
            if isinstance(child, _Element) and child.tag == "li":
                items.append(child)
                stray = None
            elif isinstance(child, _Element) or child.strip():
                # Content directly inside <ul> is invalid but must not vanish.
                if stray is None:
                    stray = _Element("li", {})
                    items.append(stray)
                stray.children.append(child)
        if self._nesting >= _MAX_BLOCK_NESTING:
            return [block for item in items for block in self.blocks(item)]
        markers: list[str] = []
        if element.tag == "ol":
            number = _int_attr(element.get("start"), 1)
            for item in items:
                number = _int_attr(item.get("value"), number)
                markers.append(f"{number}.")
                number += 1
        else:
            markers = ["-"] * len(items)
        self._nesting += 1
        try:
            bodies = [self.blocks(item) for item in items]
        finally:
            self._nesting -= 1
        return self._items(bodies, markers)

    def _definition_list(self, element: _Element) -> list[str]:
        # Markdown has no definition lists; a bullet per term with the definitions nested
        # under it reads naturally in a terminal.
        bodies: list[list[str]] = []
        for child in element.elements():
            if _invisible(child):
                continue
            if child.tag == "dt" or not bodies:
                bodies.append([])
            if child.tag == "dt":
                bodies[-1].extend(self._block(child))
            else:
                bodies[-1].extend(self.blocks(child))
        if self._nesting >= _MAX_BLOCK_NESTING:
            return [block for body in bodies for block in body]
        return self._items(bodies, ["-"] * len(bodies))

    def _items(self, bodies: list[list[str]], markers: list[str]) -> list[str]:
        lines: list[str] = []
        for body_blocks, marker in zip(bodies, markers, strict=True):
            body = _join_blocks(body_blocks)
            if not body:
                lines.append(marker)
                continue
            lines.append(_indent(body, f"{marker} ", " " * (len(marker) + 1)))
        return ["\n".join(lines)] if lines else []

    def _code_block(self, element: _Element) -> list[str]:
        code = _code_text(element)
        if not code.strip():
            return []
        language = _code_language(element)
        if not language and self._code_languages:
            language = self._code_languages[-1]
        # An untagged fence makes the highlighter guess the language, slowly and often
        # wrongly: code of unknown language is plain text.
        return self._fence(code, "text" if language in ("", *_PLAIN_LANGS) else language)

    def _table(self, element: _Element) -> list[str]:
        caption: list[str] = []
        rows: list[list[_Element]] = []
        for part in element.elements():
            if part.tag == "caption":
                caption = self._block(part)
            elif part.tag in ("thead", "tbody", "tfoot"):
                rows.extend(_rows(part))
            elif part.tag == "tr":
                rows.append([cell for cell in part.elements() if cell.tag in ("td", "th")])
            elif part.tag in ("td", "th"):
                if not rows:
                    rows.append([])
                rows[-1].append(part)
        rows = [row for row in rows if row]
        if not rows:
            return caption + self.blocks(element)
        code_cells = _code_cells(rows)
        if code_cells is not None:
            return caption + [block for cell in code_cells for block in self.blocks(cell)]
        width = max(sum(_int_attr(c.get("colspan"), 1, 1, 50) for c in row) for row in rows)
        if width < 2 or any(cell.find(_LAYOUT_ONLY) for row in rows for cell in row):
            # A layout table: its cells are page sections, not data.
            return caption + [block for row in rows for cell in row for block in self.blocks(cell)]
        return [*caption, *self._grid([self._table_row(row, width) for row in rows], width)]

    def _table_row(self, row: list[_Element], width: int) -> list[str]:
        cells: list[str] = []
        self._in_table += 1
        try:
            for cell in row:
                cells.append(_one_line(self._inline_children(cell)))
                cells.extend([""] * (_int_attr(cell.get("colspan"), 1, 1, 50) - 1))
        finally:
            self._in_table -= 1
        cells.extend([""] * (width - len(cells)))
        return cells[:width]

    def _media(self, element: _Element) -> str:
        src = element.get("src")
        if not src:
            source = element.find(frozenset({"source"}))
            src = source.get("src") if source is not None else ""
        url = self._url(src, _MEDIA_SCHEMES)
        if not url:
            return ""
        return self._media_link(_HTML_WS.sub(" ", element.get("title")).strip(), url)

    # phrasing content

    def inline(self, element: _Element) -> str:
        tag = element.tag
        if _invisible(element):
            return ""
        if tag == "br":
            return "\n"
        if tag == "a":
            return self._link(element)
        if tag == "img":
            return self._image(element)
        if tag in ("b", "strong"):
            return self._emphasis(element, "**")
        if tag in ("i", "em", "cite", "var", "dfn"):
            return self._emphasis(element, "*")
        if tag in ("del", "s", "strike"):
            return self._emphasis(element, "~~")
        if tag in ("code", "kbd", "samp", "tt"):
            return self._code(_HTML_WS.sub(" ", element.text()))
        if tag in ("sup", "sub"):
            return self._script(element)
        if tag == "q":
            return f"“{self._inline_children(element)}”"
        if tag in _MEDIA:
            return f" {self._media(element)} "
        if tag == "pre":
            # Code in a table cell or heading can only be an inline code span.
            return self._code(_HTML_WS.sub(" ", element.text()).strip())
        if tag in _BLOCK:
            return f"\n{self._inline_children(element)}\n"
        return self._inline_children(element)

    def _inline_children(self, element: _Element) -> str:
        parts: list[str] = []
        for child in element.children:
            if isinstance(child, str):
                parts.append(self._text(child))
            else:
                parts.append(self.inline(child))
        return "".join(parts)

    def _emphasis(self, element: _Element, marker: str) -> str:
        if marker in self._open_markers:
            # <b> inside <b> reads the same with one level, and nests less in markdown-it.
            return self._inline_children(element)
        self._open_markers.add(marker)
        try:
            content = self._inline_children(element)
        finally:
            self._open_markers.discard(marker)
        return self._wrap(content, marker) if content.strip() else content

    def _link(self, element: _Element) -> str:
        url = self._url(element.get("href"), self._link_schemes)
        if self._in_link or not url:
            return self._inline_children(element)
        self._in_link += 1
        try:
            label = self._inline_children(element)
        finally:
            self._in_link -= 1
        lead, core, trail = _split_edges(_NEWLINES.sub(" ", label))
        if not core:
            if element.get("href").strip().startswith("#"):
                return label  # an empty in-page anchor is invisible in a browser too
            core = self._text(html_lib.unescape(url))
        return f"{lead}{self._link_out(core, url)}{trail}"

    def _image(self, element: _Element) -> str:
        if element.get("width").strip() in ("0", "1") or element.get("height").strip() in (
            "0",
            "1",
        ):
            return ""  # tracking pixel
        alt = _HTML_WS.sub(" ", element.get("alt") or element.get("title")).strip()
        src = element.get("src") or element.get("data-src")
        return self._image_out(alt, self._url(src, _MEDIA_SCHEMES))

    def _script(self, element: _Element) -> str:
        raw = _HTML_WS.sub(" ", element.text()).strip()
        if element.find(frozenset({"a"})) is not None:
            # A footnote reference: bracket it so "Pike1" reads as "Pike[1]".
            inner = self._inline_children(element)
            if raw.startswith("["):
                return inner
            lead, core, trail = _split_edges(inner)
            return f"{lead}{self._bracket(core)}{trail}" if core else inner
        if element.tag == "sup" and raw and set(raw) <= _SUPERSCRIPTABLE:
            return raw.translate(_SUPERSCRIPT)
        if element.tag == "sub" and raw and set(raw) <= _SUBSCRIPTABLE:
            return raw.translate(_SUBSCRIPT)
        inner = self._inline_children(element)
        if not raw or raw.lower() in _PLAIN_SUPERSCRIPTS:
            return inner
        # Flattening "2<sup>l+1</sup>" to "2l+1" would change the meaning; spell it out.
        mark = "^" if element.tag == "sup" else self._text("_")
        return f"{mark}{inner}" if len(raw) == 1 else f"{mark}({inner})"

    def _url(self, href: str, schemes: frozenset[str]) -> str:
        """Absolute, scheme-checked, Markdown-safe URL, or "" when it must not be a link."""
        # Browsers drop surrounding whitespace and embedded tabs/newlines; inner spaces stay.
        href = href.strip(" \t\n\r\f").replace("\t", "").replace("\n", "")
        if href in ("", "#"):
            return ""  # script-driven "links" that go nowhere
        try:
            url = urljoin(self._base_url, href) if self._base_url else href
            scheme = urlsplit(url).scheme.lower()
        except ValueError:
            return ""
        if scheme not in schemes:
            return ""
        return self._destination(url)

    # output: Markdown here; _TextRenderer says the same things in plain text

    def _text(self, text: str) -> str:
        return _escape_text(text)

    def _paragraphs(self, inline: str) -> list[str]:
        return _paragraphs(inline)

    def _heading(self, level: int, text: str) -> list[str]:
        return [f"{'#' * level} {text}"] if text else []

    def _rule(self) -> list[str]:
        return ["---"]

    def _quote(self, inner: list[str]) -> list[str]:
        if not inner:
            return []
        quoted = "\n".join(f"> {line}" if line else ">" for line in "\n\n".join(inner).split("\n"))
        return [quoted]

    def _fence(self, code: str, language: str) -> list[str]:
        longest = max((len(run) for run in _BACKTICK_RUN.findall(code)), default=0)
        fence = "`" * max(3, longest + 1)
        return [f"{fence}{language}\n{code}\n{fence}"]

    def _grid(self, rows: list[list[str]], width: int) -> list[str]:
        lines = ["| " + " | ".join(cell or " " for cell in row) + " |" for row in rows]
        lines.insert(1, "|" + " --- |" * width)
        return ["\n".join(lines)]

    def _media_link(self, title: str, url: str) -> str:
        label = "embedded media" + (f": {title}" if title else "")
        if self._in_link:
            return _escape_text(label)
        return f"[{_escape_text(label)}]({url})"

    def _code(self, code: str) -> str:
        return _code_span(code, in_table=self._in_table > 0)

    def _wrap(self, content: str, marker: str) -> str:
        return _wrap(content, marker)

    def _link_out(self, label: str, url: str) -> str:
        return f"[{label}]({url})"

    def _image_out(self, alt: str, url: str) -> str:
        label = _escape_text(f"image: {alt}" if alt else "image")
        if self._in_link or not url:
            return f" \\[{label}\\] "
        return f" [{label}]({url}) "

    def _bracket(self, core: str) -> str:
        return f"\\[{core}\\]"

    def _destination(self, url: str) -> str:
        return _markdown_url(url)


class _TextRenderer(_Renderer):
    """The same walk as :class:`_Renderer`, said in plain text (see :func:`html_to_text`).

    Only the output hooks differ, so both agree on what is visible, what is code, which
    tables are layout, which links and media are kept.
    """

    def _text(self, text: str) -> str:
        return _HTML_WS.sub(" ", text)

    def _paragraphs(self, inline: str) -> list[str]:
        return _plain_paragraphs(inline)

    def _heading(self, level: int, text: str) -> list[str]:
        return [text] if text else []

    def _rule(self) -> list[str]:
        return []

    def _quote(self, inner: list[str]) -> list[str]:
        return inner

    def _items(self, bodies: list[list[str]], markers: list[str]) -> list[str]:
        items = [body for body in ("\n\n".join(blocks) for blocks in bodies) if body]
        return ["\n".join(items)] if items else []

    def _fence(self, code: str, language: str) -> list[str]:
        return [code]

    def _grid(self, rows: list[list[str]], width: int) -> list[str]:
        lines = ["\t".join(cell for cell in row if cell) for row in rows]
        return ["\n".join(line for line in lines if line)]

    def _media_link(self, title: str, url: str) -> str:
        return title

    def _code(self, code: str) -> str:
        return code.replace("\n", " ").replace(" ", _HARD_SPACE)

    def _wrap(self, content: str, marker: str) -> str:
        return content

    def _link_out(self, label: str, url: str) -> str:
        return label

    def _image_out(self, alt: str, url: str) -> str:
        return f" {alt} "

    def _bracket(self, core: str) -> str:
        return f"[{core}]"

    def _destination(self, url: str) -> str:
        return url


def _markdown_url(url: str) -> str:
    # Percent-encode what would end or confuse a Markdown link destination (or a table).
    out: list[str] = []
    for char in url:
        if char in ' ()<>\\|"`' or ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"%{ord(char):02X}")
        else:
            out.append(char)
    return "".join(out)


def _int_attr(value: str, default: int, low: int = 0, high: int = 999_999_999) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        return default
    return min(max(number, low), high)


def _rows(section: _Element) -> list[list[_Element]]:
    rows: list[list[_Element]] = []
    for child in section.elements():
        if child.tag == "tr":
            rows.append([cell for cell in child.elements() if cell.tag in ("td", "th")])
        elif child.tag in ("td", "th"):
            if not rows:
                rows.append([])
            rows[-1].append(child)
    return rows


def _code_cells(rows: list[list[_Element]]) -> list[_Element] | None:
    """The code cells of a highlighter's line-number table (Chroma, Pygments, Rouge).

    Such tables put line numbers in one cell and the <pre> in another; the numbers would
    corrupt copied code, so only the code cells are kept.
    """
    pre = frozenset({"pre"})
    code_cells: list[_Element] = []
    for row in rows:
        if len(row) < 2:
            return None
        with_code = [cell for cell in row if cell.find(pre) is not None]
        if not with_code:
            return None
        numbers = [cell for cell in row if _DIGITS_ONLY.match(cell.text())]
        if len(with_code) + len(numbers) < len(row) or not numbers:
            return None
        code_cells.extend(cell for cell in with_code if cell not in numbers)
    return code_cells or None


def _code_language(pre: _Element) -> str:
    """The language a ``<pre>`` (or its ``<code>``) names, or ""."""
    candidates = [pre]
    code = next((c for c in pre.elements() if c.tag == "code"), None)
    if code is not None:
        candidates.insert(0, code)
    for element in candidates:
        lang = element.get("data-lang") or element.get("lang")
        classes = element.classes()
        for index, cls in enumerate(classes):
            match = _LANG_CLASS.match(cls)
            if match:
                lang = lang or match.group(1)
            elif cls == "brush:" and index + 1 < len(classes):
                lang = lang or classes[index + 1].rstrip(";")  # SyntaxHighlighter
        lang = lang.strip().lower()
        if lang and _LANG_OK.match(lang):
            return lang
    return ""


def _wrapper_language(element: _Element) -> str:
    """The language a wrapper element around code names by its class, or ""."""
    for cls in element.classes():
        match = _WRAPPER_LANG_CLASS.match(cls)
        if match:
            lang = match.group(1).lower()
            if _LANG_OK.match(lang):
                return lang
    return ""


_LINE_NUMBER_CLASSES = frozenset(
    {"ln", "lnt", "linenos", "lineno", "gutter", "rouge-gutter", "hljs-ln-numbers"}
)


def _code_text(pre: _Element) -> str:
    """The text of a <pre>, whitespace intact, minus line-number gutters and markup."""
    out: list[str] = []
    line_end = object()  # a block element inside <pre> ends its line
    pending: list[_Element | str | object] = list(reversed(pre.children))
    if pending and isinstance(pending[-1], str) and pending[-1].startswith("\n"):
        # HTML ignores a newline right after <pre>.
        pending[-1] = pending[-1][1:]
    while pending:
        node = pending.pop()
        if isinstance(node, str):
            out.append(node)
            continue
        if not isinstance(node, _Element):
            if out and not out[-1].endswith("\n"):
                out.append("\n")
            continue
        if (
            _invisible(node)
            or _LINE_NUMBER_CLASSES.intersection(node.classes())
            or _UNSELECTABLE.search(node.get("style"))
        ):
            continue
        if node.tag == "br":
            out.append("\n")
        elif node.tag in ("div", "p", "li", "tr"):
            # Some highlighters put each line in its own block element.
            pending.append(line_end)
            pending.extend(reversed(node.children))
        else:
            pending.extend(reversed(node.children))
    return "".join(out).rstrip("\n")
