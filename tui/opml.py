"""OPML subscription lists: read what other feed readers export, write OPML 2.0.

An OPML file comes from the user's disk but was made by some other program (or by
someone hostile), so ``parse_opml`` treats it as untrusted: no entities, no network, no
DTD, bounded trees, and only http(s) or file feed URLs survive.

lxml is imported inside the functions: start-up may import this module, and loading lxml
costs time that only an import or export of subscriptions should pay.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlsplit

__all__ = ["OpmlError", "OpmlFeed", "parse_opml", "write_opml"]

FOLDER_SEPARATOR = " / "

_ALLOWED_SCHEMES = frozenset({"http", "https", "file"})
# Line breaks and tabs become spaces rather than vanishing, so "Two\nWords" stays two words.
_WHITESPACE_CONTROL = re.compile("[\t\n\r\x0b\x0c]+")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"\s+")
_ENTITIES_REFUSED = "not an OPML file: it declares XML entities, which feed readers never export"


@dataclass(frozen=True)
class OpmlFeed:
    """One subscription: its feed URL, a title (may be ""), and its folder path."""

    url: str
    title: str
    folder: str  # "" at the top level; nested folders joined with " / "


class OpmlError(ValueError):
    """The data cannot be read as a subscription list; the message is for the user."""


def parse_opml(data: bytes) -> list[OpmlFeed]:
    """The feeds listed in an OPML document, in document order, one per URL.

    Raises ``OpmlError`` for anything that is not an OPML document, and for documents
    that declare XML entities (the billion-laughs and external-entity attacks need them,
    and no feed reader's export does).
    """
    from lxml import etree

    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError) as error:
        # libxml2 stops an entity bomb itself; say why in words rather than in its own.
        if b"<!ENTITY" in data:
            raise OpmlError(_ENTITIES_REFUSED) from error
        # lxml's message ends with a "(<string>, line 1)" that names no file the user knows.
        message = getattr(error, "msg", None) or str(error)
        raise OpmlError(f"not an OPML file: {_first_line(str(message))}") from error
    # Attribute values are expanded even with resolve_entities=False, so an entity that
    # stayed under libxml2's amplification limit would still reach a title.
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and dtd.entities():
        raise OpmlError(_ENTITIES_REFUSED)
    if _local_name(root) != "opml":
        raise OpmlError(f"not an OPML file: the document is <{_local_name(root)}>, not <opml>")
    body = next((child for child in _elements(root) if _local_name(child) == "body"), None)
    if body is None:
        raise OpmlError("not an OPML file: it has no <body>")

    feeds: list[OpmlFeed] = []
    seen: set[str] = set()
    for outline, path in _outlines(body):
        attributes = _attributes(outline)
        if "xmlurl" not in attributes:
            continue
        url = _feed_url(attributes["xmlurl"])
        if url is None or url in seen:
            continue
        seen.add(url)
        folder = FOLDER_SEPARATOR.join(path) or _category_folder(attributes.get("category", ""))
        feeds.append(OpmlFeed(url=url, title=_label(attributes), folder=folder))
    return feeds


def write_opml(
    feeds: Iterable[OpmlFeed],
    *,
    title: str = "rajpoot-tui subscriptions",
    now: datetime | None = None,
) -> str:
    """An OPML 2.0 document listing ``feeds``, with folders as nested outlines.

    Order contract: top-level feeds keep their place; a folder is written where its
    first feed, or its first sub-folder's, appears, and holds all of that folder's
    feeds in their given order. So ``parse_opml(write_opml(feeds).encode()) == feeds``
    whenever each folder's feeds are listed together, which is how ``parse_opml``
    returns a nested document. Feeds that ``parse_opml`` would drop (a URL seen
    before, or one that is not http(s) or file) are left out; titles and folders are
    cleaned the same way. A naive ``now`` is taken to be UTC.
    """
    from lxml import etree

    moment = now if now is not None else datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)

    tree = _Folder()
    seen: set[str] = set()
    for feed in feeds:
        url = _feed_url(feed.url)
        if url is None or url in seen:
            continue
        seen.add(url)
        node = tree
        for name in _folder_path(feed.folder, FOLDER_SEPARATOR):
            node = node.subfolder(name)
        node.items.append(OpmlFeed(url=url, title=_clean(feed.title), folder=""))

    opml = etree.Element("opml", version="2.0")
    head = etree.SubElement(opml, "head")
    etree.SubElement(head, "title").text = _clean(title)
    etree.SubElement(head, "dateCreated").text = format_datetime(moment)
    body = etree.SubElement(opml, "body")

    # Iterative, like the reader, so no folder depth can exhaust the stack.
    stack: list[tuple[Any, Iterator[OpmlFeed | tuple[str, _Folder]]]] = [(body, iter(tree.items))]
    while stack:
        parent, items = stack[-1]
        item = next(items, None)
        if item is None:
            stack.pop()
        elif isinstance(item, OpmlFeed):
            etree.SubElement(
                parent, "outline", type="rss", text=item.title, title=item.title, xmlUrl=item.url
            )
        else:
            name, folder = item
            element = etree.SubElement(parent, "outline", text=name, title=name)
            stack.append((element, iter(folder.items)))

    xml = etree.tostring(opml, encoding="unicode", pretty_print=True)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + str(xml)


# --- helpers -----------------------------------------------------------------------------


@dataclass
class _Folder:
    """A folder being written: feeds and sub-folders in first-seen order."""

    items: list[OpmlFeed | tuple[str, _Folder]] = field(default_factory=list)
    children: dict[str, _Folder] = field(default_factory=dict)

    def subfolder(self, name: str) -> _Folder:
        child = self.children.get(name)
        if child is None:
            child = self.children[name] = _Folder()
            self.items.append((name, child))
        return child


def _outlines(body: Any) -> Iterator[tuple[Any, tuple[str, ...]]]:
    """Every outline under ``body`` in document order, with its enclosing folder names.

    An explicit stack rather than recursion: the parser bounds depth, but this need not
    trust that bound to stay below Python's recursion limit.
    """
    stack: list[tuple[Iterator[Any], tuple[str, ...]]] = [(_child_outlines(body), ())]
    while stack:
        children, path = stack[-1]
        outline = next(children, None)
        if outline is None:
            stack.pop()
            continue
        yield outline, path
        attributes = _attributes(outline)
        # A feed's own children (rare, and meaningless) stay in the feed's folder; an
        # outline without a feed URL is a folder, and an unnamed one adds no level.
        is_folder = "xmlurl" not in attributes
        name = _label(attributes) if is_folder else ""
        stack.append((_child_outlines(outline), (*path, name) if name else path))


def _child_outlines(element: Any) -> Iterator[Any]:
    return (child for child in _elements(element) if _local_name(child) == "outline")


def _elements(element: Any) -> Iterator[Any]:
    # Comments, processing instructions and unresolved entities have non-string tags.
    return (child for child in element if isinstance(child.tag, str))


def _local_name(element: Any) -> str:
    tag = str(element.tag)
    return tag.rpartition("}")[2].lower()


def _attributes(outline: Any) -> dict[str, str]:
    """Attributes keyed in lower case, since exporters disagree on ``xmlUrl``'s case."""
    attributes: dict[str, str] = {}
    for key, value in outline.attrib.items():
        name = str(key)
        if not name.startswith("{"):
            attributes.setdefault(name.lower(), str(value))
    return attributes


def _label(attributes: dict[str, str]) -> str:
    return _clean(attributes.get("text", "")) or _clean(attributes.get("title", ""))


def _clean(text: str) -> str:
    text = _CONTROL.sub("", _WHITESPACE_CONTROL.sub(" ", text))
    return _SPACES.sub(" ", text).strip()


def _feed_url(raw: str) -> str | None:
    """``raw`` stripped, or None when it is not a URL a feed can be fetched from."""
    url = raw.strip()
    if not url or _CONTROL.search(url) or any(ch.isspace() for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return None
    scheme = parts.scheme.lower()
    if scheme not in _ALLOWED_SCHEMES:
        return None
    if scheme == "file":
        return url if parts.path else None
    return url if parts.hostname else None


def _category_folder(category: str) -> str:
    """The folder named by OPML 2.0's ``category``: its first entry, "/Tech/Rust" style."""
    for entry in category.split(","):
        folder = FOLDER_SEPARATOR.join(_folder_path(entry, "/"))
        if folder:
            return folder
    return ""


def _folder_path(folder: str, separator: str) -> list[str]:
    names = (_clean(name) for name in folder.split(separator))
    return [name for name in names if name]


def _first_line(message: str) -> str:
    return message.splitlines()[0] if message else "it could not be read as XML"
