"""Turn feed bytes into a sanitised :class:`~tui.models.ParsedFeed`.

feedparser is imported inside :func:`parse_feed` so that starting the app on a
filled store never pays for it. Everything that leaves this module has passed
through :func:`tui.sanitize.clean_text`: this is the one place where hostile feed
text is made safe, so the rest of the code can treat strings as inert.
"""

from __future__ import annotations

import calendar
import hashlib
import html
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

from tui.htmltext import CONVERTER_VERSION, Description, convert_description, description_to_text
from tui.models import MAX_CATEGORIES, Entry, ParsedFeed, Post
from tui.sanitize import clean_line, clean_text, host_of, is_openable_link

_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", "html", "xhtml"})
_TAG = re.compile(r"<[^>]*>")
_HTML_PAGE = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!doctype\s+html|<html[\s>])", re.I)
# Parse errors that mean "the document is broken", as opposed to feedparser's
# harmless bozo notes about content types or declared encodings.
_XML_ERROR_NAMES = frozenset({"SAXParseException", "SAXException", "ExpatError"})


@dataclass(frozen=True, slots=True)
class FeedParseError(Exception):
    """The body could not be read as a feed; ``message`` is short and user-facing."""

    kind: str
    message: str

    def __str__(self) -> str:
        return self.message


def parse_feed(body: bytes, *, url: str, content_type: str = "") -> ParsedFeed:
    """Parse an RSS/Atom/RDF document; raise :class:`FeedParseError` when it is none.

    ``url`` is the document's final URL: relative links resolve against it.
    A feed that is broken part-way (truncated XML) still yields the posts that
    could be read, with a warning, because losing them helps nobody.
    """
    if not body.strip():
        raise FeedParseError("empty", "the server sent an empty response")
    body = _strip_leading_space(body)

    import feedparser  # deferred: ~50 ms, only needed when there is XML to read

    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(body, response_headers=headers, resolve_relative_uris=True)
    version = parsed.get("version") or ""
    raw_entries: list[Any] = list(parsed.get("entries") or [])
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    broken_xml = problem is not None and type(problem).__name__ in _XML_ERROR_NAMES

    # An item with no title, link or text (what a cut-off CDATA leaves) is noise.
    entries = [e for e in (_entry(raw, base=url) for raw in raw_entries) if e.title or e.link]
    if not entries:
        if _HTML_PAGE.match(body[:2048]):
            raise FeedParseError("html", "got a web page, not a feed (a login or error page?)")
        if broken_xml:
            raise FeedParseError("malformed", f"the feed is not valid XML ({_describe(problem)})")
        if not version:
            raise FeedParseError("not-a-feed", "the response is not an RSS or Atom feed")

    channel = parsed.get("feed") or {}
    warnings = []
    if problem is not None and type(problem).__name__ == "CharacterEncodingOverride":
        # feedparser fell back to another encoding: text may be garbled, so say so.
        warnings.append(
            f"the feed's declared text encoding is wrong ({clean_line(str(problem))}); "
            "some characters may show wrongly"
        )
    if broken_xml:
        warnings.append(
            f"the feed XML is broken ({_describe(problem)}); "
            f"showing the {len({e.key for e in entries})} posts that could be read"
        )
    return ParsedFeed(
        url=url,
        title=_title(channel) or host_of(url),
        link=_safe_link(channel.get("link"), url),
        description=clean_line(_strip_tags(channel.get("subtitle") or "")),
        entries=entries,
        ttl_minutes=_ttl(channel.get("ttl")),
        warnings=warnings,
    )


def _entry(raw: Any, *, base: str) -> Entry:
    title = _title(raw)
    link = _safe_link(raw.get("link"), base)
    # dict.get, not raw.get: feedparser's own get() maps a missing updated_parsed
    # onto published_parsed with a DeprecationWarning for each item.
    updated = _datetime(dict.get(raw, "updated_parsed"))
    published = _datetime(dict.get(raw, "published_parsed")) or updated
    summary_html = _fullest_description(raw)
    cut = len(summary_html) > MAX_DESCRIPTION_CHARS
    source = clean_text(summary_html[:MAX_DESCRIPTION_CHARS])
    derived = derive_description(source, base_url=link or base)
    summary = derived.markdown
    author = clean_line(raw.get("author") or "")
    guid = clean_line(raw.get("id") or "")
    content_hash = hashlib.sha256(
        "\x1f".join([title, link, published.isoformat() if published else "", summary]).encode()
    ).hexdigest()[:32]
    key = guid or link or f"sha256:{content_hash}"
    if not title:
        title = _fallback_title(derived.text)
    return Entry(
        key=key,
        title=title,
        link=link,
        published=published,
        updated=updated,
        summary=summary,
        author=author,
        content_hash=content_hash,
        source=source,
        text=derived.text,
        summary_truncated=cut,
        categories=_categories(raw),
        converter_version=CONVERTER_VERSION,
    )


def _categories(raw: Any) -> tuple[str, ...]:
    """The item's categories (RSS ``<category>``, Atom ``<category term=...>``), cleaned."""
    found: list[str] = []
    for tag in raw.get("tags") or ():
        if not isinstance(tag, dict):
            continue
        name = clean_line(str(tag.get("label") or tag.get("term") or ""))[:MAX_CATEGORY_CHARS]
        if name and name.casefold() not in {known.casefold() for known in found}:
            found.append(name)
        if len(found) >= MAX_CATEGORIES:
            break
    return tuple(found)


def _fullest_description(raw: Any) -> str:
    """The item's content (Atom ``<content>``, RSS ``content:encoded``) or its summary,
    whichever says more: a summary is often one line or "Read more" beside the article."""
    summary = raw.get("summary")
    candidates: list[str] = [summary if isinstance(summary, str) else ""]
    for content in raw.get("content") or []:
        value = content.get("value") if hasattr(content, "get") else None
        if isinstance(value, str) and value.strip():
            candidates.append(value)
    if len(candidates) == 1:
        return candidates[0]
    # Plain-text length of what fits under the cap decides; ties go to the content.
    return max(
        reversed(candidates),
        key=lambda c: len(description_to_text(clean_text(c[:MAX_DESCRIPTION_CHARS]))),
    )


FULL_CONTENT_TEXT_CHARS = 1_500
"""A description with more plain text than this is taken to be the whole post."""

_READ_MORE = re.compile(
    r"(?:read (?:more|the rest|the full)|continue reading|keep reading|\[(?:…|\.\.\.)\]|…)"
    r"[^\n]{0,40}$",
    re.IGNORECASE,
)


def has_full_content(post_or_text: Entry | Post | str) -> bool:
    """True when a post's description is probably the whole article, so reading it
    needs no fetch of the page; False for a teaser ("Read more…", a line or two).

    Heuristic: more than :data:`FULL_CONTENT_TEXT_CHARS` of text that does not end in a
    "read more" link or an ellipsis, and was not cut at :data:`MAX_DESCRIPTION_CHARS`.
    Takes an :class:`Entry` (its plain text), a :class:`Post` (its Markdown: escapes
    make it a little longer, which this threshold does not mind) or a plain string.
    """
    if isinstance(post_or_text, str):
        text = post_or_text
    elif post_or_text.summary_truncated:
        return False
    else:
        text = post_or_text.text if isinstance(post_or_text, Entry) else post_or_text.summary
    text = text.strip()
    if len(text) <= FULL_CONTENT_TEXT_CHARS:
        return False
    return _READ_MORE.search(text[-200:]) is None


def derive_description(source: str, *, base_url: str) -> Description:
    """The Markdown and plain text of a (sanitised) description source, sanitised again:
    entities in the source can spell control characters. The store uses this too, to
    re-derive posts kept by an older converter."""
    converted = convert_description(source, base_url=base_url)
    return Description(clean_text(converted.markdown), clean_text(converted.text))


# Room for a whole article's HTML (a long post with highlighted code is ~100-300 KB, the
# longest in our test feeds ~100 KB); a multi-megabyte description would only slow the
# parse, the store and the search, so longer ones are cut and flagged.
MAX_CATEGORY_CHARS = 60
MAX_DESCRIPTION_CHARS = 500_000
# A title is one line of a list; a megabyte "title" is an attack or a bug.
MAX_TITLE_CHARS = 300


def _title(node: Any) -> str:
    title = node.get("title") or ""
    detail = node.get("title_detail") or {}
    if detail.get("type") in _HTML_TYPES or "<" in title:
        title = _strip_tags(title)
    title = clean_line(title[: MAX_TITLE_CHARS * 8])
    if len(title) > MAX_TITLE_CHARS:
        title = title[: MAX_TITLE_CHARS - 1].rstrip() + "…"
    return title


def _strip_tags(text: str) -> str:
    return html.unescape(_TAG.sub(" ", text))


def _fallback_title(text: str) -> str:
    """An untitled post gets the start of its plain text, so the list row isn't blank."""
    words = " ".join(text.split())
    return (words[:80].rstrip() + "…") if len(words) > 80 else words


_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = {b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be"}
_XML_SPACE = b" \t\r\n"


def _strip_leading_space(body: bytes) -> bytes:
    """Drop whitespace before the document (a blank line before ``<?xml`` is common, and
    makes the XML parser call the feed broken), keeping any byte order mark in front so
    the encoding is still detected from it."""
    body = body.lstrip(_XML_SPACE)
    if body.startswith(_UTF8_BOM):
        return _UTF8_BOM + body[len(_UTF8_BOM) :].lstrip(_XML_SPACE)
    if body[:4] in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"):
        return body  # UTF-32: rare enough to leave alone
    codec = _UTF16_BOMS.get(body[:2])
    if codec is None:
        return body
    rest = body[2:]
    spaces = {char.encode(codec) for char in _XML_SPACE.decode()}
    while rest[:2] in spaces:
        rest = rest[2:]
    return body[:2] + rest


# Browsers give up around here; a longer "link" is junk or an attack, and a
# shortened URL would point somewhere else, so it is dropped.
MAX_LINK_CHARS = 4096


def _safe_link(link: Any, base: str) -> str:
    """Resolve a possibly relative link; keep non-http(s) links only as text."""
    text = clean_line(link if isinstance(link, str) else "")
    if not text or len(text) > MAX_LINK_CHARS:
        return ""
    try:
        absolute = urljoin(base, text)
    except ValueError:
        return text
    return absolute if is_openable_link(absolute) else text


def _datetime(value: Any) -> datetime | None:
    """feedparser gives UTC ``struct_time``s; turn them into aware datetimes."""
    if not isinstance(value, time.struct_time):
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _ttl(value: Any) -> int | None:
    try:
        minutes = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    # A ttl of days is plausible; a ttl of years is a typo we should not obey.
    return minutes if 0 < minutes <= 7 * 24 * 60 else None


def _describe(problem: Any) -> str:
    line = getattr(problem, "getLineNumber", None)
    where = f"line {line()}" if callable(line) else ""
    reason = clean_line(getattr(problem, "getMessage", lambda: str(problem))())
    return ", ".join(part for part in (reason, where) if part)
