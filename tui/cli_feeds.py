"""The CLI's subscription commands: ``add``, ``remove``, ``feeds``, ``import``, ``export``.

Each prints what it did in one line per feed and returns the exit code: 0 done,
1 when the network, the feed or the settings file said no, 2 for a bad argument.
Problems go to stderr. httpx, feedparser, lxml and tomlkit load only when used.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tui.feedlist import FeedRef
from tui.sanitize import clean_line


def _say(message: str) -> None:
    print(f"rajpoot-tui: {message}", file=sys.stderr, flush=True)


def _store() -> Any:
    from tui import paths
    from tui.store import Store

    store = Store.open(paths.cache_db_path(), paths.state_db_path())
    for notice in store.notices:
        _say(notice)
    return store


def add_command(typed: str, *, folder: str, title: str) -> int:
    """Follow the feed at ``typed``; given a web page, the feed it links to."""
    from tui import subscriptions
    from tui.__main__ import feed_location
    from tui.refresh import refresh_feed
    from tui.settings import SettingsNotSaved

    try:
        url = feed_location(typed)
    except ValueError as error:
        _say(str(error))
        return 2
    if (known := subscriptions.read().find(url)) is not None:
        print(f"Already following {known.title or url}.")
        return 0
    with _store() as store:
        outcome = refresh_feed(store, url)
        if not outcome.ok and outcome.error_kind == "html":
            found = _feed_on_page(url)
            if found is None:
                return 1
            url = found
            if (known := subscriptions.read().find(url)) is not None:
                print(f"Already following {known.title or url}, the feed of {typed}.")
                return 0
            outcome = refresh_feed(store, url)
        if not outcome.ok:
            _say(f"{outcome.message}; {url} was not added")
            return 1
        info = store.feed(url)
        count = len(store.posts(url))
    feed = FeedRef(url, title=clean_line(title), folder=folder)
    try:
        subscriptions.add(feed)
    except SettingsNotSaved as error:
        _say(str(error))
        return 1
    shown = feed.title or (clean_line(info.title) if info and info.title else "")
    saved = subscriptions.read().find(url) or feed
    folder_note = f" in {saved.folder}" if saved.folder else ""
    posts = f"{count} post" if count == 1 else f"{count} posts"
    name = f"{shown} ({url})" if shown else url
    print(f"Following {name}{folder_note}: {posts}")
    _offer_blog_feeds(url)
    return 0


def _feed_on_page(url: str) -> str | None:
    """The first feed the page at ``url`` names in ``<link rel="alternate">``."""
    from tui.discover import discover_feeds
    from tui.fetch import FetchError, fetch_page

    try:
        page = fetch_page(url)
    except FetchError as error:
        _say(f"{error.message}; {url} was not added")
        return None
    found = discover_feeds(page.html, page.final_url)
    if not found:
        _say(f'{url} is a web page that names no feed (no <link rel="alternate">); not added')
        return None
    for other in found[1:]:
        print(f"  the page also offers: {other.title or other.kind or 'feed'} {other.url}")
    first = found[0]
    print(f"{url} is a web page; its feed is {first.url}")
    return first.url


def _offer_blog_feeds(url: str) -> None:
    from tui import subscriptions
    from tui.discover import blog_suggestions

    followed = {feed.url for feed in subscriptions.read().feeds}
    offers = [other for other in blog_suggestions(url) if other not in followed]
    if offers:
        print("The blog has more feeds; add any with rajpoot-tui add URL:")
        for other in offers:
            print(f"  {other}")


def remove_command(typed: str) -> int:
    from tui import subscriptions
    from tui.__main__ import feed_location
    from tui.settings import SettingsNotSaved

    try:
        url = feed_location(typed)
    except ValueError as error:
        _say(str(error))
        return 2
    try:
        removed = subscriptions.remove(url)
    except SettingsNotSaved as error:
        _say(str(error))
        return 1
    if not removed:
        _say(f"not following {url} (rajpoot-tui feeds lists what you follow)")
        return 1
    print(f"No longer following {url}; its starred posts stay starred.")
    return 0


def feeds_command(*, as_json: bool) -> int:
    """The feeds followed, with unread counts and the last error."""
    from tui import DEFAULT_FEED_URL, subscriptions
    from tui.feedstatus import failed_last
    from tui.refresh import import_seed_if_empty
    from tui.timefmt import relative

    followed = subscriptions.read().feeds
    with _store() as store:
        if DEFAULT_FEED_URL in {feed.url for feed in followed}:
            import_seed_if_empty(store, DEFAULT_FEED_URL)  # as the reader would show it
        infos = {info.url: info for info in store.feeds()}
        unread = store.unread_counts()
    now = datetime.now(UTC)
    rows = []
    for feed in followed:
        info = infos.get(feed.url)
        failed = failed_last(info)
        rows.append(
            {
                "url": feed.url,
                "title": feed.title or (clean_line(info.title) if info and info.title else ""),
                "folder": feed.folder,
                "unread": unread.get(feed.url, 0),
                "last_error": clean_line(info.last_error) if info and failed else None,
                "failed_at": (
                    info.last_attempt.isoformat() if info and failed and info.last_attempt else None
                ),
                "fetched": info is not None and info.last_success is not None,
                "_when": relative(info.last_attempt, now) if info and info.last_attempt else "",
            }
        )
    if as_json:
        for row in rows:
            del row["_when"]
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    if not rows:
        print("You follow no feeds. Add one with: rajpoot-tui add URL")
        return 0
    width = min(40, max(len(_name(row)) for row in rows))
    for row in rows:
        name = _name(row)
        name = name.ljust(width) if len(name) <= width else name[: width - 1] + "…"
        line = f"{name}  {row['unread']:>5} unread  {row['url']}"
        if row["last_error"]:
            line += f"  ! failed {row['_when']}: {row['last_error']}"
        elif not row["fetched"]:
            line += "  (not fetched yet)"
        print(line)
    return 0


def _name(row: dict[str, Any]) -> str:
    title = str(row["title"] or row["url"])
    return f"{row['folder']} / {title}" if row["folder"] else title


def import_command(file: str) -> int:
    """Follow every feed of an OPML file (nested outlines become folders)."""
    from tui import subscriptions
    from tui.opml import OpmlError
    from tui.settings import SettingsNotSaved

    try:
        data = Path(file).expanduser().read_bytes()
    except OSError as error:
        _say(f"could not read {file}: {error.strerror or error}")
        return 1
    try:
        done = subscriptions.import_opml(data)
    except OpmlError as error:
        _say(f"{file}: {error}")
        return 1
    except SettingsNotSaved as error:
        _say(str(error))
        return 1
    for url in done.skipped:
        _say(f"skipped {url}: add a local file yourself with rajpoot-tui add PATH")
    added = done.added
    print(
        f"Imported {added} feed{'s' if added != 1 else ''} from {file}"
        + (f" ({done.already} already followed)" if done.already else "")
        + ("; fetch them with: rajpoot-tui refresh" if added else "")
    )
    return 0


def export_command(file: str | None) -> int:
    """The feeds followed as OPML 2.0, to ``file`` or stdout."""
    from tui import subscriptions

    with _store() as store:
        infos = {info.url: info for info in store.feeds()}
    document, count = subscriptions.export_opml(infos)
    if file is None or file == "-":
        sys.stdout.write(document)
        return 0
    from tui.settings import atomic_write

    try:
        atomic_write(Path(file).expanduser(), document.encode())
    except OSError as error:
        _say(f"could not write {file}: {error.strerror or error}")
        return 1
    print(f"Wrote {count} feed{'s' if count != 1 else ''} to {file}")
    return 0
