"""Every key binding, each with an id a user can remap in ``[keys]``, and a help section.

Binding ids are lower-case words joined by hyphens (``star``, ``toggle-read``);
they are the public names of actions: the settings file, the help screen and
any wording that names a key ("press r to fetch") go through them, so text
follows a remap. :func:`key_for` answers "which key does this now?".
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.binding import Binding


@dataclass(frozen=True, slots=True)
class KeySpec:
    id: str
    keys: str
    action: str
    description: str
    section: str
    show: bool = False
    priority: bool = False
    key_display: str | None = None

    def binding(self) -> Binding:
        from textual.binding import Binding

        return Binding(
            self.keys,
            self.action,
            self.description,
            show=self.show,
            key_display=self.key_display,
            priority=self.priority,
            id=self.id,
        )


MOVE = "Move (in the list, or in the post after tab)"
READ = "Read"
VIEW = "View"
APP = "App"

# The App's own keys. Screens list them first in their own bindings too (as
# app.* actions), because the footer shows a screen's bindings before the
# App's, and it drops bindings from the right when narrow: ? Help and q Quit
# must survive that.
APP_KEYS: tuple[KeySpec, ...] = (
    # Priority, so "? q" in one burst opens the help and then closes it.
    KeySpec(
        "help", "question_mark", "help", "Help", APP, show=True, priority=True, key_display="?"
    ),
    # Not Textual's "quit" (ctrl+q): the letter q must still type into the search box.
    KeySpec("quit", "q", "leave", "Quit", APP, show=True),
)


def app_keys_for_screens() -> list[Binding]:
    """APP_KEYS bound on a screen, running the App's actions."""
    from textual.binding import Binding

    return [
        Binding(
            spec.keys,
            f"app.{spec.action}",
            spec.description,
            show=spec.show,
            key_display=spec.key_display,
            priority=spec.priority,
            id=spec.id,
        )
        for spec in APP_KEYS
    ]


# The reader's keys. The four that move focus (/, tab, enter and esc in the
# search box) are priority bindings: a key in the same burst must reach the
# newly focused widget, and a non-priority binding would run only after the
# next keys were already sent to the old focus.
READER_KEYS: tuple[KeySpec, ...] = (
    KeySpec("open", "o", "open_post", "Open", READ, show=True),
    KeySpec("copy-link", "y", "copy_link", "Copy link", READ, show=True),
    KeySpec("refresh", "r", "refresh", "Refresh", APP, show=True),
    KeySpec("star", "s", "toggle_star", "Star", READ, show=True),
    KeySpec("toggle-read", "m", "toggle_read", "Read/unread", READ),
    KeySpec("next-unread", "n", "next_unread", "Next unread", READ),
    KeySpec("previous-unread", "p", "previous_unread", "Previous unread", READ),
    KeySpec("mark-all-read", "A", "mark_all_read", "Mark all shown read", READ),
    KeySpec("undo", "ctrl+z", "undo", "Undo mark all read", READ),
    KeySpec("unread-only", "U", "toggle_unread_only", "Unread only / all", VIEW),
    KeySpec("starred-only", "S", "toggle_starred_only", "Starred only / all", VIEW),
    KeySpec("zoom", "z", "zoom", "Zoom the post / back", VIEW),
    KeySpec("sidebar", "b", "toggle_sidebar", "Feeds sidebar / hide", VIEW),
    KeySpec("feed-errors", "E", "feed_errors", "Failing feeds", VIEW),
    KeySpec("contents", "t", "contents", "Table of contents (whole post)", READ),
    KeySpec("links", "f", "links", "Links in the post, numbered", READ),
    KeySpec(
        "wider-list", "greater_than_sign", "resize_list(5)", "Wider list", VIEW, key_display=">"
    ),
    KeySpec(
        "narrower-list", "less_than_sign", "resize_list(-5)", "Narrower list", VIEW, key_display="<"
    ),
    KeySpec("search", "slash", "search", "Search", VIEW, show=True, priority=True, key_display="/"),
    KeySpec("switch-pane", "tab", "switch_pane", "Switch pane", VIEW, priority=True),
    KeySpec("confirm-search", "enter", "confirm_search", "Keep the search", VIEW, priority=True),
    KeySpec(
        "cancel-search",
        "escape",
        "cancel_search",
        "Clear search",
        VIEW,
        show=True,
        priority=True,
        key_display="esc",
    ),
)

# Movement: the list and the post pane each own these ids, so one remap moves both.
LIST_KEYS: tuple[KeySpec, ...] = (
    KeySpec("down", "j,down", "cursor_down", "Down", MOVE),
    KeySpec("up", "k,up", "cursor_up", "Up", MOVE),
    KeySpec("first", "g,home", "first", "First / top", MOVE),
    KeySpec("last", "G,end", "last", "Last / bottom", MOVE),
    KeySpec("page-down", "pagedown,space", "page_down", "Page down", MOVE),
    KeySpec("page-up", "pageup", "page_up", "Page up", MOVE),
    KeySpec("select", "enter", "select", "Read the whole post here", READ),
)
DETAIL_KEYS: tuple[KeySpec, ...] = (
    KeySpec("down", "j,down", "scroll_down", "Down", MOVE),
    KeySpec("up", "k,up", "scroll_up", "Up", MOVE),
    KeySpec("first", "g,home", "scroll_home", "First / top", MOVE),
    KeySpec("last", "G,end", "scroll_end", "Last / bottom", MOVE),
    KeySpec("page-down", "pagedown,space", "page_down", "Page down", MOVE),
    KeySpec("page-up", "pageup", "page_up", "Page up", MOVE),
)

# The whole-post view scrolls like the post pane, and sideways for long code lines.
ARTICLE_KEYS: tuple[KeySpec, ...] = (
    *DETAIL_KEYS,
    KeySpec("scroll-left", "h,left", "scroll_left", "Scroll left (whole post)", MOVE),
    KeySpec("scroll-right", "l,right", "scroll_right", "Scroll right (whole post)", MOVE),
)

# While the whole post has the focus, the footer names the keys for reading it: the
# reader's own (same ids, so a remap moves them too), shown with short names.
ARTICLE_FOOTER_KEYS: tuple[KeySpec, ...] = tuple(
    KeySpec(spec.id, spec.keys, f"screen.{spec.action}", label, spec.section, show=True)
    for spec, label in (
        (next(s for s in READER_KEYS if s.id == "contents"), "Contents"),
        (next(s for s in READER_KEYS if s.id == "links"), "Links"),
        (next(s for s in READER_KEYS if s.id == "zoom"), "Zoom"),
    )
)

# The feeds sidebar moves like the list; enter shows the highlighted feed's posts.
SIDEBAR_KEYS: tuple[KeySpec, ...] = (
    *LIST_KEYS[:-1],
    KeySpec("show-feed", "enter", "select", "Show this feed's posts", READ),
)

ALL_KEYS: tuple[KeySpec, ...] = (
    APP_KEYS + READER_KEYS + LIST_KEYS + ARTICLE_KEYS + SIDEBAR_KEYS[-1:]
)
BINDING_IDS: frozenset[str] = frozenset(spec.id for spec in ALL_KEYS)


def bindings(specs: Iterable[KeySpec]) -> list[Binding]:
    return [spec.binding() for spec in specs]


_KEY_NAMES = {
    "down": "↓",
    "up": "↑",
    "left": "←",
    "right": "→",
    "pagedown": "pgdn",
    "pageup": "pgup",
    "question_mark": "?",
    "escape": "esc",
    "slash": "/",
    "less_than_sign": "<",
    "greater_than_sign": ">",
    "full_stop": ".",
    "comma": ",",
}


def key_label(keys: str) -> str:
    """``j,down`` → ``j / ↓``: how keys are written for a person."""
    return " / ".join(_KEY_NAMES.get(k.strip(), k.strip()) for k in keys.split(",") if k.strip())


def keys_of(binding_id: str, keymap: Mapping[str, str]) -> str:
    """The comma-separated keys bound to ``binding_id`` now, remaps included."""
    if binding_id in keymap:
        return keymap[binding_id]
    for spec in ALL_KEYS:
        if spec.id == binding_id:
            return spec.keys
    raise KeyError(binding_id)


def key_for(binding_id: str, keymap: Mapping[str, str]) -> str:
    """The first key of ``binding_id`` as a person writes it: ``key_for("refresh") == "r"``."""
    first = keys_of(binding_id, keymap).split(",")[0]
    return key_label(first)


def check_keymap(keymap: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """The usable part of a user's keymap, and a sentence for each problem.

    An unknown id, or a key given to two different actions that can be active
    together, is reported and left out; the rest applies.
    """
    usable: dict[str, str] = {}
    problems: list[str] = []
    for binding_id, keys in keymap.items():
        if binding_id not in BINDING_IDS:
            from difflib import get_close_matches

            close = get_close_matches(binding_id, sorted(BINDING_IDS), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.append(f"[keys] {binding_id!r} is not a key binding id{hint}")
            continue
        usable[binding_id] = keys
    for scope in (
        APP_KEYS + READER_KEYS + LIST_KEYS,
        APP_KEYS + READER_KEYS + ARTICLE_KEYS,
        APP_KEYS + READER_KEYS + SIDEBAR_KEYS,
    ):
        owners: dict[str, str] = {}
        for spec in scope:
            for key in normal_keys(usable.get(spec.id, spec.keys)):
                other = owners.setdefault(key, spec.id)
                if other != spec.id and not _shares_key_by_design(other, spec.id):
                    problem = (
                        f"[keys] {key_label(key)} is bound to both {other!r} and {spec.id!r}; "
                        "ignoring the remap"
                    )
                    for culprit in (spec.id, other):
                        if culprit in usable and problem not in problems:
                            del usable[culprit]
                            problems.append(problem)
                            break
    return usable, problems


# enter opens the post in the list and keeps the search in the search box:
# those two never are active at the same time.
_SHARED_BY_DESIGN = frozenset(
    {
        frozenset({"select", "confirm-search"}),
        frozenset({"show-feed", "confirm-search"}),
        frozenset({"show-feed", "select"}),
    }
)


def _shares_key_by_design(a: str, b: str) -> bool:
    return frozenset({a, b}) in _SHARED_BY_DESIGN


# As Textual names keys typed as one character (textual.keys._character_to_key):
# kept here so the CLI can check a keymap without importing Textual.
_KEY_NAME_REPLACEMENTS = {
    "solidus": "slash",
    "reverse_solidus": "backslash",
    "commercial_at": "at",
    "hyphen_minus": "minus",
    "plus_sign": "plus",
    "low_line": "underscore",
}


def _character_to_key(character: str) -> str:
    if character.isalnum():
        return character
    try:
        key = unicodedata.name(character).lower().replace("-", "_").replace(" ", "_")
    except ValueError:
        return character
    return _KEY_NAME_REPLACEMENTS.get(key, key)


def normal_keys(keys: str) -> Sequence[str]:
    """``"?, j"`` → ``["question_mark", "j"]``: the names Textual gives keys."""
    return [
        _character_to_key(k.strip()) if len(k.strip()) == 1 else k.strip()
        for k in keys.split(",")
        if k.strip()
    ]
