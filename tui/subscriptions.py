"""The feeds the user follows: ``[[feeds]]`` tables in config.toml. No Textual here.

Loading is the settings' (:attr:`tui.settings.Settings.feeds`). This module changes
the list in the user's file in place (tomlkit, imported only then): the one table
added, removed or edited, every other line, comment and unknown key kept. Each edit
is checked by reading the result back with tomllib; an edit that would read back
as anything but the intended change is refused and the file is left as it was.

With no ``feeds`` key the user follows the backend feed. The first edit writes that
default out, so adding a second feed never drops the first, and removing the last
one writes ``feeds = []`` so the default does not quietly come back.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui import paths
from tui.feedlist import FeedRef
from tui.models import FeedInfo
from tui.sanitize import clean_line
from tui.settings import (
    DEFAULT_FEEDS,
    ConfigForEdit,
    FeedTable,
    SettingsNotSaved,
    _inserted,
    _Invalid,
    _Lines,
    _subscriptions,
)


class Added(enum.Enum):
    ADDED = "added"
    ALREADY = "already"


@dataclass(frozen=True)
class Subscriptions:
    """The list as the file holds it now (re-read for every edit)."""

    feeds: tuple[FeedRef, ...]

    def find(self, url: str) -> FeedRef | None:
        return next((feed for feed in self.feeds if feed.url == url), None)


def read(path: Path | None = None) -> Subscriptions:
    """The subscriptions in the file, as the app would follow them."""
    from tui.settings import load_settings

    return Subscriptions(load_settings(path or paths.config_path()).feeds)


def add(feed: FeedRef, path: Path | None = None) -> Added:
    """Follow ``feed`` (appended last). A URL already followed is left as it is."""
    what = f"{feed.url} was not added"
    loaded = _as_loaded(feed)
    if loaded is None:
        raise SettingsNotSaved(f"{feed.url} is not a feed address ({FeedTable.entry_rule}); {what}")
    feed = loaded

    def change(feeds: list[FeedRef]) -> list[FeedRef] | None:
        if any(known.url == feed.url for known in feeds):
            return None
        return [*feeds, feed]

    return Added.ADDED if _edit(change, path, what=what) else Added.ALREADY


def add_many(new: list[FeedRef], path: Path | None = None) -> int:
    """Follow each of ``new`` not followed yet, in one write; how many were added.

    One the settings could not hold (not an http(s) or file:/// URL) is left out.
    """
    added = 0
    new = [feed for feed in map(_as_loaded, new) if feed is not None]

    def change(feeds: list[FeedRef]) -> list[FeedRef] | None:
        nonlocal added
        known = {feed.url: index for index, feed in enumerate(feeds)}
        kept = list(feeds)
        fresh: list[FeedRef] = []
        for feed in new:
            at = known.get(feed.url)
            if at is None:
                known[feed.url] = len(feeds) + len(fresh)
                fresh.append(feed)
            elif at < len(kept) and not kept[at].title and not kept[at].folder:
                # Followed already with nothing of its own (the default feed, say):
                # the list being imported may name it and give it a folder.
                kept[at] = FeedRef(feed.url, title=feed.title, folder=feed.folder)
        added = len(fresh)
        result = [*kept, *fresh]
        return result if result != feeds else None

    _edit(change, path, what="the feeds were not added")
    return added


@dataclass(frozen=True)
class Imported:
    """What an OPML import did."""

    offered: tuple[FeedRef, ...]
    """The file's feeds that may be followed (file: URLs are not)."""
    added: int
    skipped: tuple[str, ...]
    """file: URLs left out: a shared OPML file must not make the reader open files here."""

    @property
    def already(self) -> int:
        return len(self.offered) - self.added


def import_opml(data: bytes, path: Path | None = None) -> Imported:
    """Follow every feed of an OPML document (nested outlines become folders).

    Raises :class:`tui.opml.OpmlError` for a file that is not OPML and
    SettingsNotSaved when the settings cannot be edited.
    """
    from tui.opml import parse_opml

    found = parse_opml(data)
    skipped = tuple(feed.url for feed in found if feed.url.startswith("file:"))
    offered = tuple(
        FeedRef(feed.url, title=feed.title, folder=feed.folder)
        for feed in found
        if not feed.url.startswith("file:")
    )
    return Imported(offered, add_many(list(offered), path), skipped)


def export_opml(infos: Mapping[str, FeedInfo], path: Path | None = None) -> tuple[str, int]:
    """The feeds followed as an OPML 2.0 document, and how many; titles the user gave,
    else the feeds' own (from ``infos``)."""
    from tui.opml import OpmlFeed, write_opml

    feeds = [
        OpmlFeed(feed.url, feed.title or (info.title if info else ""), feed.folder)
        for feed in read(path).feeds
        for info in [infos.get(feed.url)]
    ]
    return write_opml(feeds), len(feeds)


def remove(url: str, path: Path | None = None) -> bool:
    """Stop following ``url``; False when it was not followed. Its posts stay stored."""

    def change(feeds: list[FeedRef]) -> list[FeedRef] | None:
        kept = [feed for feed in feeds if feed.url != url]
        return kept if len(kept) != len(feeds) else None

    return _edit(change, path, what=f"{url} was not removed")


def update(
    url: str, *, title: str | None = None, folder: str | None = None, path: Path | None = None
) -> bool:
    """Rename a feed or move it to a folder ("" = no title of its own / top level)."""
    from dataclasses import replace

    def change(feeds: list[FeedRef]) -> list[FeedRef] | None:
        for index, feed in enumerate(feeds):
            if feed.url != url:
                continue
            edited = replace(
                feed,
                title=feed.title if title is None else clean_line(title),
                folder=feed.folder if folder is None else _folder_path(folder),
            )
            if edited == feed:
                return None
            return [*feeds[:index], edited, *feeds[index + 1 :]]
        raise SettingsNotSaved(f"{url} is not one of your feeds")

    return _edit(change, path, what=f"{url} was not changed")


def _as_loaded(feed: FeedRef) -> FeedRef | None:
    """``feed`` as the file will read back: URL normalised, title and folder cleaned.

    Saving it any other way (``--folder a/b``, an OPML ``xmlUrl`` without a path) would
    read back as something else, and the edit would be refused as unsafe.
    """
    try:
        return FeedTable().parse(_table(feed))
    except _Invalid:
        return None


def _folder_path(text: str) -> str:
    return FeedTable().parse({"url": "https://x.invalid/", "folder": text}).folder


# -- editing the file ----------------------------------------------------------------


def _edit(
    change: Callable[[list[FeedRef]], list[FeedRef] | None], path: Path | None, *, what: str
) -> bool:
    """Apply ``change`` to the file's list; False when it changed nothing.

    Raises SettingsNotSaved when the file cannot be read, does not load, or the
    edit cannot be made safely; the file is then unchanged.
    """
    config = ConfigForEdit.read(path, what)
    text, data = config.text, config.data
    # The list as the loader reads it from this very text (absent: the default feed).
    current = (
        list(_subscriptions(FeedTable(), data["feeds"], _Lines(text), config.file, []))
        if "feeds" in data
        else list(DEFAULT_FEEDS)
    )
    wanted = change(current)
    if wanted is None:
        return False
    removed = {feed.url for feed in current} - {feed.url for feed in wanted}
    edited = _edited(text, data, wanted, removed)
    if not _reads_back(edited, data, wanted):
        raise SettingsNotSaved(f"Could not change the feeds in {config.file} safely; {what}")
    config.write(edited, what)
    return True


def _table(feed: FeedRef) -> dict[str, str]:
    table = {"url": feed.url}
    if feed.title:
        table["title"] = feed.title
    if feed.folder:
        table["folder"] = feed.folder
    return table


def _edited(text: str, data: dict[str, Any], wanted: list[FeedRef], removed: set[str]) -> str:
    """``text`` with its feeds list turned into ``wanted``, touching only what changed.

    Removing cuts the table's lines out of the text (tomlkit would take the comment
    above the next table with it); adding appends a table at the end; renaming
    sets the one key with tomlkit. Tables the loader skipped (a bad url, a repeat)
    are the user's to fix, so they stay.
    """
    import tomlkit
    from tomlkit.items import AoT

    raw = data.get("feeds")
    if isinstance(raw, list) and isinstance(tomlkit.parse(text).get("feeds"), AoT):
        doomed = [index for index, entry in enumerate(raw) if _url_of(entry) in removed]
        text = _without_tables(text, doomed)
        left = [entry for index, entry in enumerate(raw) if index not in doomed]
    else:
        # Absent (the default) or written inline: from now on, one [[feeds]] table each.
        if "feeds" in data:
            document = tomlkit.parse(text)
            del document["feeds"]
            text = document.as_string()
        left = []
    known = {_url_of(entry) for entry in left}
    if not left and not wanted:
        # No [[feeds]] at all would read as the default feed.
        return _inserted(text, "feeds", "[]")
    text = _renamed(text, [feed for feed in wanted if feed.url in known])
    for feed in wanted:
        if feed.url not in known:
            text = _appended(text, feed)
    return text


def _without_tables(text: str, doomed: list[int]) -> str:
    """``text`` without the listed ``[[feeds]]`` tables (by position).

    A table runs from its header to the next header; the comments and blank lines
    at its end lead into what follows, so they stay.
    """
    if not doomed:
        return text
    from tui.settings import _HEADER, _key_path, _split_lines

    lines = _split_lines(text)
    headers = [(i, _key_path(m[1])) for i, line in enumerate(lines) if (m := _HEADER.match(line))]
    starts = [i for i, (_, path) in enumerate(headers) if path == ("feeds",)]
    cut: set[int] = set()
    for number in doomed:
        at = starts[number]
        begin = headers[at][0]
        end = headers[at + 1][0] if at + 1 < len(headers) else len(lines)
        while end > begin + 1 and (not lines[end - 1].strip() or _is_comment(lines[end - 1])):
            end -= 1
        if (
            begin > 0
            and not lines[begin - 1].strip()
            and (end == len(lines) or not lines[end].strip())
        ):
            begin -= 1  # one blank line between what was around it, not two
        cut.update(range(begin, end))
    kept = [line for i, line in enumerate(lines) if i not in cut]
    return "".join(kept)


def _is_comment(line: str) -> bool:
    return line.lstrip().startswith("#")


def _renamed(text: str, feeds: list[FeedRef]) -> str:
    """Set each feed's title and folder in its (first) table, in place."""
    import tomlkit
    from tomlkit.items import AoT

    document = tomlkit.parse(text)
    array = document.get("feeds")
    if not isinstance(array, AoT):
        return text
    first: dict[str, Any] = {}
    for table in array.body:
        first.setdefault(_url_of(table), table)
    changed = False
    for feed in feeds:
        table = first[feed.url]
        for key in ("title", "folder"):
            value = getattr(feed, key)
            if value and table.get(key) != value:
                table[key] = value
                changed = True
            elif not value and key in table:
                del table[key]
                changed = True
    return document.as_string() if changed else text


def _appended(text: str, feed: FeedRef) -> str:
    """A ``[[feeds]]`` table at the end: valid after any table, and the least surprise."""
    import tomlkit

    newline = "\r\n" if "\r\n" in text else "\n"
    if text and not text.endswith("\n"):
        text += newline
    lines = ["[[feeds]]"]
    lines += [f"{key} = {tomlkit.item(value).as_string()}" for key, value in _table(feed).items()]
    gap = newline if text.strip() else ""
    return text + gap + newline.join(lines) + newline


def _reads_back(edited: str, before: dict[str, Any], wanted: list[FeedRef]) -> bool:
    """The edit reads as ``wanted`` and leaves every other setting as it was."""
    import tomllib

    from tui.settings import _same

    try:
        after = tomllib.loads(edited)
    except tomllib.TOMLDecodeError:
        return False
    others_before = {key: value for key, value in before.items() if key != "feeds"}
    others_after = {key: value for key, value in after.items() if key != "feeds"}
    if "feeds" not in after or not _same(others_before, others_after):
        return False
    got = _subscriptions(FeedTable(), after["feeds"], _Lines(edited), "", [])
    return list(got) == wanted


def _url_of(table: Any) -> str:
    url = table.get("url") if hasattr(table, "get") else None
    return _normal(url) if isinstance(url, str) else ""


def _normal(url: str) -> str:
    try:
        return FeedTable().parse({"url": url}).url
    except _Invalid:  # a url the loader skips
        return url
