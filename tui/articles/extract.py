"""Find the article in a web page and turn it into Markdown and plain text.

Site rules come first (Hugo's PaperMod theme: the post is ``article.post-single
.post-content``, exactly); every other page goes through readability-lxml, which scored
best of the general extractors on mozilla/readability's test pages (see
``benchmarks/extract.py`` and ``tests/test_articles.py``). Either way the chosen HTML is
converted by :mod:`tui.htmltext`, so code blocks keep their text byte for byte and their
language, and the result is sanitised like any feed text.

lxml and readability are imported inside the functions that need them: importing this
module costs nothing at start-up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from tui.htmltext import convert_html, looks_like_html
from tui.sanitize import clean_line, clean_text

if TYPE_CHECKING:
    from lxml.html import HtmlElement

__all__ = ["MAX_PAGE_CHARS", "Article", "ExtractionError", "extract_article", "html_title"]

MAX_PAGE_CHARS: Final = 5_000_000
"""Pages longer than this are refused: no article needs it, and parsing it would stall."""

# Below this many characters of text, words about signing in or JavaScript are the page's
# whole message, not part of an article (a post of a line or two is still a post).
_SHORT_TEXT_CHARS: Final = 300
# A page with a password field and less text than this around it is a login wall.
_LOGIN_WALL_TEXT_CHARS: Final = 1_500
_MAX_TITLE_CHARS: Final = 300

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_FEED_ROOT = re.compile(r"<(?:rss|feed|rdf:RDF)\b")
_UNSELECTABLE = re.compile(r"user-select\s*:\s*none", re.IGNORECASE)
_LINE_NUMBER_CLASSES = frozenset(
    {"ln", "lnt", "linenos", "lineno", "gutter", "rouge-gutter", "hljs-ln-numbers"}
)
_LANG_CLASS = re.compile(r"^(?:language|lang|highlight(?:-source)?)-([\w.+#-]{1,40})$")
_NEEDS_SCRIPT = re.compile(
    r"\b(?:enable|turn on|requires?|needs?)\b[^.]{0,40}\bjavascript\b|\bjavascript\b[^.]{0,20}"
    r"\b(?:disabled|required|is off)\b",
    re.IGNORECASE,
)
_PAYWALL_WORDS = re.compile(
    r"\b(?:sign in|log in|login|subscribe|subscription|create an account|members only)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Article:
    """The readable part of a page."""

    title: str
    """One line, sanitised; may be "" when the page names none."""
    markdown: str
    """For display: literal text escaped, only our own constructs live, code fenced."""
    text: str
    """Plain text of the same content, for search."""
    method: str
    """How it was found: ``"site:papermod"`` or ``"readability"``."""
    url: str
    """The page's URL, against which relative links were resolved."""
    byline: str = ""
    site: str = ""
    code_blocks: int = 0


@dataclass(frozen=True, slots=True)
class ExtractionError(Exception):
    """No article could be read from the page; ``message`` is short and user-facing.

    ``kind`` is one of ``"not-html"``, ``"too-large"``, ``"login-wall"``, ``"empty"``.
    """

    kind: str
    message: str

    def __str__(self) -> str:
        return self.message


def extract_article(html: str, *, url: str) -> Article:
    """The article in the page *html* fetched from *url*.

    Raises :class:`ExtractionError` when the page is not HTML, is larger than
    :data:`MAX_PAGE_CHARS`, is a login or subscription wall, or holds no article.
    Never raises anything else on hostile input.
    """
    if len(html) > MAX_PAGE_CHARS:
        raise ExtractionError(
            "too-large", f"the page is too large to read here ({len(html) // 1_000_000} MB)"
        )
    html = html.replace("\x00", "")
    head = html[:100_000]
    if not html.strip() or _is_feed(head) or not looks_like_html(head):
        raise ExtractionError("not-html", "the link is not a web page")
    doc = _parse(html)
    title = html_title(doc)
    site = _meta(doc, "og:site_name")
    byline = _meta(doc, "author") or _meta(doc, "article:author")

    content = _papermod_content(doc)
    if content is not None:
        method = "site:papermod"
        post_title = _papermod_title(doc)
        title = post_title or title
        body = content
    else:
        method = "readability"
        body = None
    page_text_chars = len(" ".join(doc.text_content().split()))
    has_password = bool(doc.xpath("//input[translate(@type, 'PASWORD', 'pasword')='password']"))
    if body is None:
        _prepare_links(doc)
        _prepare_code(doc)

    from lxml.html import tostring

    if body is not None:
        fragment = tostring(body, encoding="unicode", method="html")
    else:
        fragment = _readability(doc, url)
    converted = convert_html(fragment, base_url=url, web_links_only=True)
    markdown, text = clean_text(converted.markdown), clean_text(converted.text)
    text_chars = len(" ".join(text.split()))
    if has_password and (
        text_chars < _LOGIN_WALL_TEXT_CHARS or page_text_chars < 2 * _LOGIN_WALL_TEXT_CHARS
    ):
        raise ExtractionError("login-wall", "the page asks to sign in before showing the post")
    if not text_chars:
        raise ExtractionError("empty", "no article found on the page")
    if text_chars < _SHORT_TEXT_CHARS:
        if _PAYWALL_WORDS.search(text):
            raise ExtractionError("login-wall", "the page asks to sign in before showing the post")
        if _NEEDS_SCRIPT.search(text):
            raise ExtractionError("empty", "the page shows nothing without JavaScript")
    return Article(
        title=title,
        markdown=markdown,
        text=text,
        method=method,
        url=url,
        byline=byline,
        site=site,
        code_blocks=_count_fences(markdown),
    )


def html_title(page: str | HtmlElement) -> str:
    """The page's own title: ``og:title``, else ``<title>``, else the first ``<h1>``; ""."""
    doc = _parse(page) if isinstance(page, str) else page
    title = _meta(doc, "og:title") or _meta(doc, "twitter:title")
    if not title:
        found = doc.find(".//title")
        title = _one_line(found.text_content()) if found is not None else ""
    if not title:
        heading = doc.find(".//h1")
        title = _one_line(heading.text_content()) if heading is not None else ""
    return title


# --- helpers -----------------------------------------------------------------------------


def _parse(html: str) -> HtmlElement:
    from lxml import etree
    from lxml.html import HTMLParser, document_fromstring

    # lxml refuses str input that declares its own encoding.
    html = _XML_DECLARATION.sub("", html, count=1)
    try:
        return document_fromstring(html, parser=HTMLParser(huge_tree=False, no_network=True))
    except (etree.ParserError, ValueError) as error:
        raise ExtractionError("not-html", "the page could not be read as HTML") from error


def _is_feed(head: str) -> bool:
    """True when the document's root element is an RSS, Atom or RDF feed's."""
    rest = _XML_DECLARATION.sub("", head, count=1).lstrip()
    while rest.startswith("<!--"):
        end = rest.find("-->")
        if end < 0:
            return False
        rest = rest[end + 3 :].lstrip()
    return _FEED_ROOT.match(rest) is not None


def _one_line(text: str) -> str:
    line = clean_line(text)
    if len(line) > _MAX_TITLE_CHARS:
        line = line[: _MAX_TITLE_CHARS - 1].rstrip() + "…"
    return line


def _meta(doc: HtmlElement, name: str) -> str:
    for element in doc.iter("meta"):
        if name in (element.get("property"), element.get("name")):
            return _one_line(element.get("content") or "")
    return ""


def _has_class(element: HtmlElement, name: str) -> bool:
    return name in (element.get("class") or "").split()


def _by_class(root: HtmlElement, tag: str, name: str) -> list[HtmlElement]:
    found: list[HtmlElement] = root.xpath(
        f".//{tag}[contains(concat(' ', normalize-space(@class), ' '), ' {name} ')]"
    )
    return found


# PaperMod

_PAPERMOD_NOISE = ("toc", "breadcrumbs", "share-buttons", "post-footer", "paginav", "anchor")


def _papermod_content(doc: HtmlElement) -> HtmlElement | None:
    """``article.post-single .post-content`` with PaperMod's furniture removed, or None."""
    for article in _by_class(doc, "article", "post-single"):
        contents = _by_class(article, "div", "post-content")
        if not contents:
            continue
        content = contents[0]
        for name in _PAPERMOD_NOISE:
            for element in _by_class(content, "*", name):
                element.drop_tree()
        for anchor in content.xpath(".//a[@hidden]"):
            anchor.drop_tree()  # the "#" after every heading
        return content
    return None


def _papermod_title(doc: HtmlElement) -> str:
    for article in _by_class(doc, "article", "post-single"):
        for heading in _by_class(article, "*", "post-title"):
            for extra in heading.xpath(".//svg | .//*[@hidden]"):
                extra.drop_tree()  # the draft marker
            return _one_line(heading.text_content())
    return ""


# code: normalise before any general extractor sees the page


def _prepare_code(doc: HtmlElement) -> None:
    """Drop line-number gutters from code and pin each block's language on its ``<pre>``.

    readability strips ``style`` attributes and unwraps wrappers, which would turn
    Chroma's inline-styled gutters into digits inside the code and lose languages named
    by a wrapper (``<div class="highlight-python">``); htmltext reads both, so this only
    needs to leave them where htmltext looks after any extractor has run.
    """
    for pre in list(doc.iter("pre")):
        for node in list(pre.iterdescendants()):
            if not isinstance(node.tag, str):
                continue
            classes = set((node.get("class") or "").split())
            if _UNSELECTABLE.search(node.get("style") or "") or classes & _LINE_NUMBER_CLASSES:
                _drop_keep_tail(node)
        if not _own_language(pre):
            language = _ancestor_language(pre)
            if language:
                pre.set("data-lang", language)
    for pre in list(doc.iter("pre")):
        cell = pre.getparent()
        if (
            cell is not None
            and cell.tag == "td"
            and not pre.text_content().strip(" \n0123456789")
            and (cell.getnext() is not None or cell.getprevious() is not None)
        ):
            _drop_keep_tail(cell)  # an emptied gutter cell of a line-number table
    for pre in list(doc.iter("pre")):
        _unwrap(pre)


_WRAPPERS = frozenset({"div", "figure", "td", "tr", "tbody", "table"})


def _unwrap(pre: HtmlElement) -> None:
    """Replace the wrappers a highlighter puts around a ``<pre>`` (``div.highlight``, a
    line-number table) with the ``<pre>`` itself: readability drops a short block of code
    in a wrapper ``div`` as clutter, but keeps a bare ``<pre>``."""
    parent = pre.getparent()
    while (
        parent is not None
        and parent.tag in _WRAPPERS
        and len(parent) == 1
        and not (parent.text or "").strip()
        and not (pre.tail or "").strip()
        and parent.getparent() is not None
    ):
        grandparent = parent.getparent()
        pre.tail = parent.tail
        grandparent.replace(parent, pre)
        parent = grandparent


def _prepare_links(doc: HtmlElement) -> None:
    """Links that go anywhere but the web (``javascript:``, ``data:``, ``file:``) lose
    their target before readability sees them: it would blank them, and a blank target
    resolves to the page itself."""
    for link in doc.iter("a"):
        href = (link.get("href") or "").strip()
        scheme = _SCHEME.match(href)
        if scheme and scheme.group(1).lower() not in ("http", "https"):
            del link.attrib["href"]


_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")


def _drop_keep_tail(node: Any) -> None:
    if node.getparent() is not None:
        node.drop_tree()


def _own_language(pre: HtmlElement) -> bool:
    for element in (pre, *pre.iterchildren("code")):
        if element.get("data-lang") or element.get("lang"):
            return True
        if any(_LANG_CLASS.match(cls) for cls in (element.get("class") or "").split()):
            return True
    return False


def _ancestor_language(pre: HtmlElement) -> str:
    ancestor = pre.getparent()
    for _ in range(4):
        if ancestor is None:
            break
        for cls in (ancestor.get("class") or "").split():
            match = _LANG_CLASS.match(cls)
            if match:
                return match.group(1).lower()
        ancestor = ancestor.getparent()
    return ""


# readability


def _readability(doc: HtmlElement, url: str) -> str:
    import logging

    from readability import Document

    logging.getLogger("readability.readability").setLevel(logging.ERROR)
    from lxml.html import tostring

    # A string, not the tree: readability re-parses its input for each of its passes.
    page = tostring(doc, encoding="unicode", method="html")
    try:
        summary: str = Document(page, url=url or None).summary(html_partial=True)
    except Exception as error:  # readability raises its own Unparseable and lxml errors
        raise ExtractionError("empty", "no article found on the page") from error
    return summary


_FENCE = re.compile(r"^(`{3,})")


def _count_fences(markdown: str) -> int:
    """Code blocks in our own Markdown (literal backticks are escaped, so every line
    that starts with three of them, after list indentation and quote marks, is a fence)."""
    count, fence = 0, ""
    for line in markdown.split("\n"):
        stripped = line.lstrip(" >")
        if fence:
            if stripped.rstrip() == fence:
                fence = ""
            continue
        match = _FENCE.match(stripped)
        if match:
            count, fence = count + 1, match.group(1)
    return count
