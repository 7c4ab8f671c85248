"""The command palette (ctrl+p): every reader action by name with its key, and posts by title.

Feed text never reaches the palette as a string: the palette parses strings as
markup (a title like ``C# [/r/programming]`` would raise, ``[@click=...]``
would become a live action), so every post hit is built as ``Content``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from tui import keys
from tui.models import Post
from tui.reading import SortOrder, View

if TYPE_CHECKING:
    from tui.app import RajpootApp
    from tui.screens.reader import ReaderScreen

# How many posts the palette offers for one query: enough to find one by a
# word of its title, few enough to stay instant at 10,000 posts.
MAX_POST_HITS = 30
POST_WEIGHT = 0.7
# Actions that make no sense from the palette (they move focus or type).
_NOT_IN_PALETTE = frozenset({"confirm-search", "cancel-search", "switch-pane", "select"})


@dataclass(frozen=True, slots=True)
class PaletteCommand:
    name: str
    help: str
    run: Callable[[], object]


def reader_commands(app: RajpootApp, reader: ReaderScreen) -> list[PaletteCommand]:
    """The reader's actions, each with the key that does it now, plus palette-only ones."""
    keymap = app._keymap
    commands: list[PaletteCommand] = []
    for spec in keys.APP_KEYS + keys.READER_KEYS:
        if spec.id in _NOT_IN_PALETTE:
            continue
        key = keys.key_for(spec.id, keymap)
        namespace = app if spec in keys.APP_KEYS else reader

        def run(action: str = spec.action, target: object = namespace) -> None:
            app.call_later(app.run_action, action, target)

        commands.append(PaletteCommand(spec.description, f"key: {key}", run))
    for order in SortOrder:

        def sort(order: SortOrder = order) -> None:
            app.choose_sort(order)

        current = " (now)" if reader.sort is order else ""
        commands.append(
            PaletteCommand(f"Sort: {order.label}", f"Order the list {order.label}{current}", sort)
        )
    for view, label in (
        (View.ALL, "all"),
        (View.UNREAD, "unread"),
        (View.STARRED, "starred"),
    ):

        def show(view: View = view) -> None:
            reader.show_view(view)

        toggle = {View.UNREAD: "unread-only", View.STARRED: "starred-only"}.get(view)
        key = f" (key: {keys.key_for(toggle, keymap)})" if toggle else ""
        commands.append(PaletteCommand(f"Show: {label} posts", f"Show {label} posts{key}", show))
    commands.append(PaletteCommand("Undo", "Undo the last mark-all-read", reader.action_undo))
    commands.append(
        PaletteCommand(
            "Prefetch unread articles",
            "Fetch and keep every unread post's article, to read offline",
            reader.prefetch_unread,
        )
    )
    commands.append(
        PaletteCommand("Cancel prefetch", "Stop fetching articles", reader.cancel_prefetch)
    )
    from tui.feed_commands import feed_commands

    return commands + feed_commands(app, reader)


def palette_command_names() -> list[str]:
    """Names of the commands only the palette has, for the help screen."""
    return [f"Sort: {order.label}" for order in SortOrder] + [
        "Show: all / unread / starred posts",
        "Go to a post by its title",
        "Prefetch unread articles / Cancel prefetch",
        "Subscribe to this feed / Rename / Move to a folder / Unsubscribe",
        "Import OPML / Export OPML",
        "Theme",
        "Screenshot",
    ]


class ReaderCommands(Provider):
    """Every action by name, with its current key."""

    def _commands(self) -> list[PaletteCommand]:
        from tui.app import RajpootApp
        from tui.screens.reader import ReaderScreen

        app, screen = self.app, self.screen
        if not isinstance(app, RajpootApp) or not isinstance(screen, ReaderScreen):
            return []
        return reader_commands(app, screen)

    async def discover(self) -> Hits:
        for command in self._commands():
            yield DiscoveryHit(command.name, command.run, help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self._commands():
            score = matcher.match(command.name)
            if score > 0:
                # Our own names, never feed text: safe to highlight as markup.
                yield Hit(score, matcher.highlight(command.name), command.run, help=command.help)


class PostCommands(Provider):
    """Posts of the shown feed by title: the search index narrows, then fuzzy matching ranks."""

    async def search(self, query: str) -> Hits:
        from tui.screens.reader import ReaderScreen

        screen = self.screen
        if not isinstance(screen, ReaderScreen) or not query.strip():
            return
        matcher = self.matcher(query)
        style = matcher.match_style
        for post, score, offsets in _ranked(screen, query, matcher.fuzzy_search.match):
            title = Content(post.display_title)
            for offset in offsets:
                if offset < len(title) and not post.display_title[offset].isspace():
                    title = title.stylize(style, offset, offset + 1)
            date = post.published.date().isoformat() if post.published else "undated"
            post_id = post.id

            def go(post_id: str = post_id) -> None:
                screen.go_to_post(post_id)

            yield Hit(
                score,
                title,
                go,
                text=post.display_title,
                help=Content(f"post · {date}"),  # type: ignore[arg-type]
            )


def _ranked(
    screen: ReaderScreen,
    query: str,
    fuzzy: Callable[[str, str], tuple[float, Sequence[int]]],
) -> Iterator[tuple[Post, float, Sequence[int]]]:
    scored: list[tuple[Post, float, Sequence[int]]] = []
    for post in screen.palette_candidates(query, limit=MAX_POST_HITS * 10):
        score, offsets = fuzzy(query, post.display_title)
        # Ranked below an action that matches as well: "sta" is Star before a post
        # about startup probes. A post the index found by its text still shows.
        scored.append((post, max(score * POST_WEIGHT, 0.01), offsets))
    scored.sort(key=lambda item: item[1], reverse=True)
    yield from scored[:MAX_POST_HITS]


def reader_commands_provider() -> type[Provider]:
    return ReaderCommands


def post_commands_provider() -> type[Provider]:
    return PostCommands
