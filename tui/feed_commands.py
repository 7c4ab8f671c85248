"""Palette commands that change which feeds the user follows, and how they are named.

Each edits the user's config.toml in place through :mod:`tui.subscriptions` (one
table added, removed or changed; every comment kept) and then updates the running
reader, so the sidebar shows the change at once. A file that cannot be edited
safely is reported and left as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from tui.feedlist import FeedLike, FeedRef

if TYPE_CHECKING:
    from tui.app import RajpootApp
    from tui.commands import PaletteCommand
    from tui.screens.reader import ReaderScreen


def feed_commands(app: RajpootApp, reader: ReaderScreen) -> list[PaletteCommand]:
    from tui import subscriptions
    from tui.commands import PaletteCommand

    commands: list[PaletteCommand] = []
    shown = reader.feed_url
    # The file, not this run's list: a --feed run may show a feed followed already.
    followed = {feed.url for feed in subscriptions.read(app.services.config_path).feeds}
    if shown is not None and shown not in followed:
        commands.append(
            PaletteCommand(
                "Subscribe to this feed",
                f"Follow {shown} (it joins the sidebar and rajpoot-tui refresh)",
                lambda: subscribe(app, reader, shown),
            )
        )
    if shown is not None and shown in followed:
        commands += [
            PaletteCommand(
                "Rename this feed",
                "Give the shown feed a title of your own",
                lambda: rename(app, reader, shown),
            ),
            PaletteCommand(
                "Move this feed to a folder",
                "Put the shown feed in a folder of the sidebar",
                lambda: move(app, reader, shown),
            ),
            PaletteCommand(
                "Unsubscribe from this feed",
                "Stop following the shown feed (its starred posts stay)",
                lambda: unsubscribe(app, reader, shown),
            ),
        ]
    commands += [
        PaletteCommand(
            "Import OPML", "Follow every feed of an OPML file", lambda: import_opml(app, reader)
        ),
        PaletteCommand(
            "Export OPML", "Write the feeds you follow to an OPML file", lambda: export_opml(app)
        ),
    ]
    return commands


def _edit(app: RajpootApp, change: Callable[[], object]) -> bool:
    """Run an edit of the subscriptions; report a refusal. True when it went through."""
    from tui.settings import SettingsNotSaved

    try:
        change()
    except SettingsNotSaved as error:
        app.notify(str(error), title="Feeds not saved", severity="error", markup=False)
        return False
    return True


def subscribe(app: RajpootApp, reader: ReaderScreen, url: str) -> None:
    from tui import subscriptions

    added: list[subscriptions.Added] = []
    if not _edit(
        app, lambda: added.append(subscriptions.add(FeedRef(url), app.services.config_path))
    ):
        return
    if added == [subscriptions.Added.ALREADY]:
        app.notify(f"Already following {reader.feed_name(url)}.", markup=False)
        return
    app.notify(
        f"Following {reader.feed_name(url)}. The next start shows it with the others.",
        title="Subscribed",
        markup=False,
    )


def rename(app: RajpootApp, reader: ReaderScreen, url: str) -> None:
    from tui import subscriptions
    from tui.screens.ask import AskScreen

    current = next((feed.title for feed in reader.feeds if feed.url == url), "")

    def done(answer: str | None) -> None:
        if answer is None:
            return
        if _edit(
            app, lambda: subscriptions.update(url, title=answer, path=app.services.config_path)
        ):
            _replace_feed(reader, url, title=answer)

    app.push_screen(
        AskScreen(
            "Rename this feed",
            f"A title for {url}",
            value=current or reader.feed_name(url),
            hint="Leave it empty to use the feed's own title.",
        ),
        done,
    )


def move(app: RajpootApp, reader: ReaderScreen, url: str) -> None:
    from tui import subscriptions
    from tui.screens.ask import AskScreen

    current = next((feed.folder for feed in reader.feeds if feed.url == url), "")
    folders = sorted({feed.folder for feed in reader.feeds if feed.folder})

    def done(answer: str | None) -> None:
        if answer is None:
            return
        if _edit(
            app, lambda: subscriptions.update(url, folder=answer, path=app.services.config_path)
        ):
            found = subscriptions.read(app.services.config_path).find(url)
            _replace_feed(reader, url, folder=found.folder if found else answer)

    hint = "Empty for the top level; a / b nests folders."
    if folders:
        hint += " Folders now: " + ", ".join(folders)
    app.push_screen(
        AskScreen(
            "Move this feed to a folder",
            f"Folder for {reader.feed_name(url)}",
            value=current,
            hint=hint,
        ),
        done,
    )


def unsubscribe(app: RajpootApp, reader: ReaderScreen, url: str) -> None:
    from tui.screens.confirm import ConfirmScreen

    title = reader.feed_name(url)

    def done(yes: bool | None) -> None:
        if yes:
            _unsubscribe(app, reader, url, title)

    app.push_screen(
        ConfirmScreen(
            "Unsubscribe",
            f"Stop following {title}?\nIts starred posts stay; its other posts leave the list.",
        ),
        done,
    )


def _unsubscribe(app: RajpootApp, reader: ReaderScreen, url: str, title: str) -> None:
    from tui import subscriptions

    if not _edit(app, lambda: subscriptions.remove(url, app.services.config_path)):
        return
    if len(reader.feeds) > 1:
        reader.feeds = [feed for feed in reader.feeds if feed.url != url]
        reader.show_all_feeds()
    app.notify(f"No longer following {title}; its starred posts stay.", markup=False)


def import_opml(app: RajpootApp, reader: ReaderScreen) -> None:
    from tui.screens.ask import AskScreen

    def done(answer: str | None) -> None:
        if answer:
            _import_file(app, reader, Path(answer).expanduser())

    app.push_screen(AskScreen("Import OPML", "The OPML file to import", value="~/"), done)


def _import_file(app: RajpootApp, reader: ReaderScreen, path: Path) -> None:
    from tui import subscriptions
    from tui.opml import OpmlError

    done: list[subscriptions.Imported] = []
    try:
        data = path.read_bytes()
        imported = _edit(
            app, lambda: done.append(subscriptions.import_opml(data, app.services.config_path))
        )
    except OSError as error:
        app.notify(f"Could not read {path}: {error.strerror or error}", severity="error")
        return
    except OpmlError as error:
        app.notify(f"{path}: {error}", severity="error", markup=False)
        return
    if not imported:
        return
    [result] = done
    if app.reads_subscriptions and result.added:
        known = {feed.url for feed in reader.feeds}
        was_one = len(reader.feeds) == 1
        new = [feed for feed in result.offered if feed.url not in known]
        reader.feeds = [*reader.feeds, *new]
        if was_one:
            reader.show_all_feeds()  # from one feed to many: the sidebar and All feeds
        else:
            reader.update_sidebar()  # the reader stays where they were
        reader.run_refresh(user_asked=True)
    app.notify(
        f"Imported {result.added} feed{'s' if result.added != 1 else ''} from {path.name}"
        + (f" ({result.already} already followed)" if result.already else ""),
        markup=False,
    )


def export_opml(app: RajpootApp) -> None:
    from tui.screens.ask import AskScreen

    def done(answer: str | None) -> None:
        if answer:
            _export_file(app, Path(answer).expanduser())

    app.push_screen(
        AskScreen("Export OPML", "Write the feeds to", value="~/rajpoot-tui-feeds.opml"), done
    )


def _export_file(app: RajpootApp, path: Path) -> None:
    from tui import subscriptions
    from tui.settings import atomic_write

    infos = {info.url: info for info in app.store.feeds()}
    document, count = subscriptions.export_opml(infos, app.services.config_path)
    try:
        atomic_write(path, document.encode())
    except OSError as error:
        app.notify(f"Could not write {path}: {error.strerror or error}", severity="error")
        return
    app.notify(f"Wrote {count} feeds to {path}", markup=False)


def _replace_feed(
    reader: ReaderScreen, url: str, *, title: str | None = None, folder: str | None = None
) -> None:
    feeds: list[FeedLike] = []
    for feed in reader.feeds:
        if feed.url == url:
            ref = FeedRef(feed.url, title=feed.title, folder=feed.folder)
            feed = replace(
                ref,
                title=ref.title if title is None else title,
                folder=ref.folder if folder is None else folder,
            )
        feeds.append(feed)
    reader.feeds = feeds
    reader.update_sidebar()
    reader.update_header()
