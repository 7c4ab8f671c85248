"""User settings from ``config.toml`` in the user config dir. No Textual here.

Each setting is declared once, as a field of :class:`Settings`: its default,
what it accepts and a one-line doc. Validation, the wording of every error, the
commented template written on first run and the README table all come from
that declaration (``FIELDS``).

Loading only reads (tomllib, so start-up stays quick). One bad value costs only
that value, with a notice naming the line; the rest of the file applies. A file
that cannot be loaded at all gives the defaults and is left exactly where and
as it is: it is not moved, and :func:`save_setting` refuses to write it until
it is fixed. Saving changes one key in place (tomlkit, imported only then),
keeping comments, order, blank lines, unknown keys and tables.
"""

from __future__ import annotations

import math
import os
import re
import stat
import tomllib
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime, time
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar, Literal, TypeVar, get_args

from tui import DEFAULT_FEED_URL, paths
from tui.feedlist import FeedRef

SortOrder = Literal["newest", "oldest", "title", "unread-first"]


class SettingsNotSaved(OSError):
    """A setting could not be saved; the file was left as it was."""


class _Invalid(Exception):
    """A value a setting does not accept."""


# -- what a setting accepts -------------------------------------------------------
# Plain classes, not dataclasses: creating a dataclass costs import time.


class Kind:
    """What one setting accepts."""

    __slots__ = ()

    @property
    def rule(self) -> str:
        """What is accepted, as the user is told it: "x is not <rule>"."""
        raise NotImplementedError

    def parse(self, value: object) -> object:
        """The value as the app gets it; raises _Invalid when not accepted."""
        raise NotImplementedError


class Number(Kind):
    __slots__ = ("maximum", "minimum", "whole")

    def __init__(
        self, minimum: float | None = None, maximum: float | None = None, *, whole: bool = False
    ) -> None:
        self.minimum, self.maximum, self.whole = minimum, maximum, whole

    @property
    def rule(self) -> str:
        noun = "a whole number" if self.whole else "a number"
        if self.minimum is not None and self.maximum is not None:
            return f"{noun} from {self.minimum} to {self.maximum}"
        if self.minimum is not None:
            return f"{noun} of at least {self.minimum}"
        if self.maximum is not None:
            return f"{noun} of at most {self.maximum}"
        return noun

    def parse(self, value: object) -> float:
        # bool is an int to Python, never a number to a person; nan and inf are no count.
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _Invalid
        if not math.isfinite(value):
            raise _Invalid
        if self.whole:
            if isinstance(value, float) and not value.is_integer():
                raise _Invalid
            value = int(value)
        if self.minimum is not None and value < self.minimum:
            raise _Invalid
        if self.maximum is not None and value > self.maximum:
            raise _Invalid
        return value


class Text(Kind):
    """Any non-empty string (a theme name: only the app knows which exist)."""

    __slots__ = ()

    @property
    def rule(self) -> str:
        return "a non-empty string"

    def parse(self, value: object) -> str:
        if not isinstance(value, str) or not value.strip():
            raise _Invalid
        return value


class Choice(Kind):
    __slots__ = ("options",)

    def __init__(self, options: tuple[str, ...]) -> None:
        self.options = options

    @property
    def rule(self) -> str:
        return "one of " + ", ".join(self.options)

    def parse(self, value: object) -> str:
        if not isinstance(value, str) or value not in self.options:
            raise _Invalid
        return value


_SAMPLE_DAY = datetime(2026, 5, 8, 12, 30, tzinfo=UTC)


class DateFormat(Kind):
    __slots__ = ()

    @property
    def rule(self) -> str:
        return 'a strftime date format, like "%d %b %Y"'

    def parse(self, value: object) -> str:
        if not isinstance(value, str) or not value.strip():
            raise _Invalid
        try:
            shown = _SAMPLE_DAY.strftime(value)
        except (ValueError, UnicodeError):
            raise _Invalid from None
        if not shown.strip():
            raise _Invalid
        return value


_BINDING_ID = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")


class KeyTable(Kind):
    """``[keys]``: binding id -> a key or a list of keys. Only the shape is checked here."""

    __slots__ = ()

    key_rule: ClassVar[str] = 'a key like "x" or a list of keys like ["x", "ctrl+s"]'
    id_rule: ClassVar[str] = "lower-case words joined by hyphens, like next-unread"

    @property
    def rule(self) -> str:
        return f"ids are {self.id_rule}; each takes {self.key_rule}"

    def parse(self, value: object) -> tuple[str, ...]:
        """The keys of one binding."""
        keys = [value] if isinstance(value, str) else value
        if not isinstance(keys, list) or not keys:
            raise _Invalid
        for key in keys:
            if not isinstance(key, str) or not key.strip() or "," in key:
                raise _Invalid
            if any(char.isspace() for char in key):
                raise _Invalid
        return tuple(keys)


class FeedTable(Kind):
    """``[[feeds]]``: a table per subscription: ``url``, and optionally ``title``, ``folder``."""

    __slots__ = ()

    entry_rule: ClassVar[str] = (
        'a [[feeds]] table with url = "https://..." (or "file:///..."), '
        "and optionally title and folder"
    )

    @property
    def rule(self) -> str:
        return f"{self.entry_rule}; feeds = [] follows nothing"

    def parse(self, value: object) -> FeedRef:
        """One subscription."""
        from tui.sanitize import clean_line, is_openable_link, normalize_feed_url

        if not isinstance(value, dict):
            raise _Invalid
        url, title, folder = value.get("url"), value.get("title", ""), value.get("folder", "")
        if not isinstance(url, str) or not isinstance(title, str) or not isinstance(folder, str):
            raise _Invalid
        url = url.strip()
        if url.lower().startswith("file:///"):
            return FeedRef(url, title=clean_line(title), folder=_folder(folder))
        if not is_openable_link(url):
            raise _Invalid
        return FeedRef(normalize_feed_url(url), title=clean_line(title), folder=_folder(folder))


def _folder(text: str) -> str:
    from tui.sanitize import clean_line

    return " / ".join(part.strip() for part in clean_line(text).split("/") if part.strip())


# -- the settings -----------------------------------------------------------------

T = TypeVar("T")


def _setting(default: T, kind: Kind, doc: str) -> T:
    """Declare a setting: its default, what it accepts, and one line for the user."""
    return field(default=default, metadata={"kind": kind, "doc": doc})


def _no_keys() -> Mapping[str, tuple[str, ...]]:
    return MappingProxyType({})


DEFAULT_FEEDS: tuple[FeedRef, ...] = (FeedRef(DEFAULT_FEED_URL),)


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    refresh_minutes: float = _setting(
        30, Number(minimum=0), "Automatic refresh while the app runs, in minutes; 0 turns it off."
    )
    timeout_seconds: float = _setting(
        10.0, Number(minimum=0.1), "Network timeout for one request, in seconds."
    )
    max_parallel_fetches: int = _setting(
        8, Number(minimum=1, maximum=32, whole=True), "Feeds fetched at once by a refresh."
    )
    fetches_per_host: int = _setting(
        2,
        Number(minimum=1, maximum=8, whole=True),
        "Feeds fetched at once from any one server (be kind to small blogs).",
    )
    retention: int = _setting(
        2000,
        Number(minimum=1, whole=True),
        "Posts kept per feed, counting those gone from the feed (starred posts are always kept).",
    )
    mark_read_after_seconds: float = _setting(
        1.5,
        Number(),
        "Seconds on a post before it counts as read; a negative number turns this off.",
    )
    theme: str = _setting(
        "textual-dark",
        Text(),
        "The Textual theme; saved when you pick one in the command palette.",
    )
    date_format: str = _setting("%Y-%m-%d", DateFormat(), "How dates are shown.")
    list_width: int = _setting(
        45,
        Number(minimum=20, maximum=80, whole=True),
        "Width of the post list in the wide layout, in percent of the screen.",
    )
    # (ruff knows float, int and str as immutable, but not this Literal.)
    sort: SortOrder = _setting(  # noqa: RUF009
        "newest", Choice(get_args(SortOrder)), "Order of the post list."
    )
    keys: Mapping[str, tuple[str, ...]] = field(
        default_factory=_no_keys,
        hash=False,
        metadata={
            "kind": KeyTable(),
            "doc": "Key bindings, by binding id: a key, or a list of keys that all do it.",
        },
    )
    feeds: tuple[FeedRef, ...] = field(
        default=DEFAULT_FEEDS,
        metadata={
            "kind": FeedTable(),
            "doc": "The feeds you follow (rajpoot-tui add, remove and import edit this list).",
        },
    )

    notices: tuple[str, ...] = field(default=(), compare=False)
    """What was wrong with the file, one line each, for the UI."""
    load_error: str | None = field(default=None, compare=False)
    """Why the file could not be loaded at all (then every setting is its default)."""

    def __post_init__(self) -> None:
        if not isinstance(self.keys, MappingProxyType):
            frozen = MappingProxyType({k: tuple(v) for k, v in self.keys.items()})
            object.__setattr__(self, "keys", frozen)

    @property
    def writable(self) -> bool:
        """False when the file failed to load: save_setting refuses until it is fixed."""
        return self.load_error is None


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One setting's declaration, as read back from :class:`Settings`."""

    name: str
    default: object
    kind: Kind
    doc: str


def _specs() -> tuple[FieldSpec, ...]:
    specs = []
    for f in fields(Settings):
        if "kind" not in f.metadata:
            continue
        factory = f.default_factory
        default = factory() if callable(factory) else f.default
        specs.append(FieldSpec(f.name, default, f.metadata["kind"], f.metadata["doc"]))
    return tuple(specs)


FIELDS: tuple[FieldSpec, ...] = _specs()
_BY_NAME: dict[str, FieldSpec] = {spec.name: spec for spec in FIELDS}


def keymap(settings: Settings) -> dict[str, str]:
    """``[keys]`` in the form Textual's ``App.set_keymap`` takes: id -> "key1,key2"."""
    return {binding: ",".join(keys) for binding, keys in settings.keys.items()}


# -- loading ----------------------------------------------------------------------


def load_settings(path: Path | None = None) -> Settings:
    """The settings in ``path`` (the user's config.toml by default). Never writes."""
    path = path or paths.config_path()
    file = _display(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Settings()
    except OSError as error:
        reason = error.strerror or str(error)
        return _not_loaded(f"Could not read {file} ({reason})")
    try:
        text, data = _parse(raw, file)
    except _NotLoaded as error:
        return _not_loaded(str(error))
    values, notices = _validated(data, _Lines(text), file)
    return Settings(**values, notices=tuple(notices))


def _not_loaded(problem: str) -> Settings:
    notice = (
        f"{problem}; every setting uses its default until it is fixed (the file is left as it is)."
    )
    return Settings(notices=(notice,), load_error=problem)


class _NotLoaded(Exception):
    """The file is not UTF-8 TOML; the message says where."""


_TOML_ERROR = re.compile(
    r"^(?P<reason>.*?) \("
    r"(?:at line (?P<line>\d+), column (?P<column>\d+)|(?P<end>at end of document))\)$"
)


def _parse(raw: bytes, file: str) -> tuple[str, dict[str, Any]]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        byte = raw[error.start : error.start + 1].hex()
        raise _NotLoaded(
            f"{file} line {line}, column {column}: not UTF-8 text (byte 0x{byte})"
        ) from None
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        found = _TOML_ERROR.match(message)
        if found and found["end"]:
            where, message = f"{file} at the end", found["reason"]
        elif found:
            where = f"{file} line {found['line']}, column {found['column']}"
            message = found["reason"]
        else:
            where = file
        raise _NotLoaded(f"{where}: not valid TOML ({message})") from None


def _validated(data: dict[str, Any], lines: _Lines, file: str) -> tuple[dict[str, Any], list[str]]:
    """The usable values, and one notice for each value that was not."""
    values: dict[str, Any] = {}
    notices: list[str] = []
    for key, value in data.items():
        where = _where(file, lines.find(key))
        spec = _BY_NAME.get(key)
        if spec is None:
            notices.append(f"{where}: {_unknown(key)}")
            continue
        if isinstance(spec.kind, KeyTable):
            values[key] = _key_bindings(spec.kind, value, lines, file, notices)
            continue
        if isinstance(spec.kind, FeedTable):
            values[key] = _subscriptions(spec.kind, value, lines, file, notices)
            continue
        try:
            values[key] = spec.kind.parse(value)
        except _Invalid:
            notices.append(f"{where}: {_rejected(spec, value)}; using {_toml(spec.default)}")
    return values, notices


def _rejected(spec: FieldSpec, value: object) -> str:
    if isinstance(value, dict):
        return f"{spec.name} is a table, not {spec.kind.rule}"
    return f"{spec.name} = {_show(value)} is not {spec.kind.rule}"


def _unknown(key: str) -> str:
    import difflib

    names = [spec.name for spec in FIELDS]
    close = difflib.get_close_matches(key.lower(), names, n=1)
    if close:
        return f"unknown setting {_name(key)}; did you mean {_name(close[0])}?"
    return f"unknown setting {_name(key)}; the settings are {', '.join(names)}"


def _key_bindings(
    kind: KeyTable, value: object, lines: _Lines, file: str, notices: list[str]
) -> Mapping[str, tuple[str, ...]]:
    if not isinstance(value, dict):
        notices.append(
            f"{_where(file, lines.find('keys'))}: keys = {_show(value)} is not a table "
            f"([keys], then one line per binding: {kind.key_rule}); using the default keys"
        )
        return _no_keys()
    bindings: dict[str, tuple[str, ...]] = {}
    for binding, keys in value.items():
        where = _where(file, lines.find("keys", binding))
        if not _BINDING_ID.fullmatch(binding):
            notices.append(
                f"{where}: [keys] {_name(binding)} is not a binding id ({kind.id_rule}); ignored"
            )
            continue
        try:
            bindings[binding] = kind.parse(keys)
        except _Invalid:
            notices.append(
                f"{where}: [keys] {binding} = {_show(keys)} is not {kind.key_rule}; "
                f"{binding} keeps its default keys"
            )
    return MappingProxyType(bindings)


def _subscriptions(
    kind: FeedTable, value: object, lines: _Lines, file: str, notices: list[str]
) -> tuple[FeedRef, ...]:
    where = _where(file, lines.find("feeds"))
    if not isinstance(value, list):
        notices.append(
            f"{where}: feeds = {_show(value)} is not a list of feeds ({kind.entry_rule}); "
            "following the default feed"
        )
        return DEFAULT_FEEDS
    feeds: list[FeedRef] = []
    for number, entry in enumerate(value, start=1):
        try:
            feed = kind.parse(entry)
        except _Invalid:
            notices.append(
                f"{where}: feed {number} ({_show(entry)}) is not {kind.entry_rule}; skipped"
            )
            continue
        if any(known.url == feed.url for known in feeds):
            notices.append(f"{where}: feed {number} repeats {feed.url}; the first one is used")
            continue
        feeds.append(feed)
    return tuple(feeds)


# -- line numbers -----------------------------------------------------------------
# tomllib gives no positions, so the raw text is scanned for `key =` and `[table]`.
# Best effort: a wrong or missing line number never stops the settings loading.

_BARE_OR_QUOTED = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\\n]|\\.)*"|'[^'\n]*')"""
_DOTTED = rf"{_BARE_OR_QUOTED}(?:[ \t]*\.[ \t]*{_BARE_OR_QUOTED})*"
_ASSIGNMENT = re.compile(rf"^[ \t]*({_DOTTED})[ \t]*=")
_HEADER = re.compile(rf"^[ \t]*\[\[?[ \t]*({_DOTTED})[ \t]*\]")


def _split_lines(text: str) -> list[str]:
    """Lines with their endings, split only where TOML ends a line (\\n)."""
    parts = text.split("\n")
    return [part + "\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def _key_path(dotted: str) -> tuple[str, ...]:
    parts = re.findall(_BARE_OR_QUOTED, dotted)
    return tuple(part[1:-1] if part[0] in "\"'" else part for part in parts)


class _Lines:
    """The line (1-based) where each key path is first defined in the raw text."""

    def __init__(self, text: str) -> None:
        self._first: dict[tuple[str, ...], int] = {}
        self.top_level_assignments: list[int] = []  # 0-based indexes, before any table
        self.first_table: int | None = None  # 0-based index of the first [table] line
        section: tuple[str, ...] = ()
        open_string: str | None = None  # inside a multi-line string opened with this
        for index, line in enumerate(_split_lines(text)):
            line = line.rstrip("\r\n")
            if open_string is not None:
                if line.count(open_string) % 2 == 1:
                    open_string = None
                continue
            if header := _HEADER.match(line):
                section = _key_path(header[1])
                self._note(section, index + 1)
                if self.first_table is None:
                    self.first_table = index
            elif assignment := _ASSIGNMENT.match(line):
                self._note(section + _key_path(assignment[1]), index + 1)
                if self.first_table is None:
                    self.top_level_assignments.append(index)
                rest = line[assignment.end() :]
                for quotes in ('"""', "'''"):
                    if rest.count(quotes) % 2 == 1:
                        open_string = quotes
                        break

    def _note(self, path: tuple[str, ...], number: int) -> None:
        for end in range(1, len(path) + 1):
            self._first.setdefault(path[:end], number)

    def find(self, *path: str) -> int | None:
        return self._first.get(path)


def _where(file: str, line: int | None) -> str:
    return f"{file} line {line}" if line is not None else file


def _display(path: Path) -> str:
    """The path as the user would type it: ``~/.config/...`` under the home directory."""
    try:
        return f"~/{path.relative_to(Path.home())}"
    except (ValueError, RuntimeError, KeyError):
        return str(path)


# -- showing values ---------------------------------------------------------------


def _escaped(text: str) -> str:
    """``text`` with quotes, backslashes and anything a terminal could act on escaped."""
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co"):
            code = ord(char)
            out.append(f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}")
        else:
            out.append(char)
    return "".join(out)


def _toml(value: object) -> str:
    """``value`` written as TOML (good enough for messages and the template)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{_escaped(value)}"'
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{_bare_key(k)} = {_toml(v)}" for k, v in value.items())
        return "{" + inner + "}"
    if isinstance(value, Mapping):
        return _toml(dict(value))
    return _escaped(repr(value))


def _bare_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else f'"{_escaped(key)}"'


def _show(value: object, limit: int = 60) -> str:
    text = _toml(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _name(key: str) -> str:
    return f"'{_escaped(key)}'"


# -- the template and the README table ---------------------------------------------

_TEMPLATE_EXAMPLE_KEYS = {"star": "x"}


def config_template() -> str:
    """The file written on first run: every setting commented out, with its doc."""
    lines = [
        "# rajpoot-tui settings. Uncomment a line to change it.",
        "# A wrong value is reported with its line number; every other line still applies.",
    ]
    for spec in FIELDS:
        lines += ["", *_comment(spec.doc), *_comment(f"Allowed: {spec.kind.rule}.")]
        if isinstance(spec.kind, KeyTable):
            lines.append("# [keys]")
            lines += [f"# {k} = {_toml(v)}" for k, v in _TEMPLATE_EXAMPLE_KEYS.items()]
        elif isinstance(spec.kind, FeedTable):
            for feed in DEFAULT_FEEDS:
                lines += ["# [[feeds]]", f"# url = {_toml(feed.url)}"]
        else:
            lines.append(f"# {spec.name} = {_toml(spec.default)}")
    return "\n".join(lines) + "\n"


def _comment(text: str) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width=88, initial_indent="# ", subsequent_indent="# ")


def markdown_table() -> str:
    """The README's table of settings."""
    rows = ["| Setting | Default | Allowed | What it does |", "|---|---|---|---|"]
    for spec in FIELDS:
        if isinstance(spec.kind, KeyTable):
            name, default = "`[keys]`", "the app's keys"
        elif isinstance(spec.kind, FeedTable):
            name, default = "`[[feeds]]`", "the backend feed"
        else:
            name, default = f"`{spec.name}`", f"`{_toml(spec.default)}`"
        rows.append(f"| {name} | {default} | {spec.kind.rule} | {spec.doc} |")
    return "\n".join(rows) + "\n"


# -- writing ----------------------------------------------------------------------


def ensure_config_file(path: Path | None = None) -> Path:
    """Create the commented template when there is no file yet; never overwrites.

    Raises OSError when the file cannot be created.
    """
    path = path or paths.config_path()
    target = path.resolve()  # a symlinked config (dotfiles) is written where it points
    if target.exists():
        return path
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = _write_temp(target, config_template().encode(), mode=None)
    try:
        # link() never replaces an existing file, so a file that appeared meanwhile
        # (another process, the user's editor) wins over the template.
        os.link(tmp, target)
    except FileExistsError:
        pass
    except OSError:
        # A filesystem without hard links: the narrow check-then-replace will do.
        if not target.exists():
            tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(target.parent)
    return path


def save_setting(name: str, value: object, path: Path | None = None) -> None:
    """Set one top-level setting in the file, in place, changing nothing else.

    Comments, order, blank lines, unknown keys and tables are kept. A key
    commented out as in the template (``# theme = ...``) is uncommented; a
    missing key is added after the last top-level setting (before any table).
    Raises ValueError for a value the setting does not accept, and
    SettingsNotSaved when the file cannot be read, is not valid TOML, or cannot
    be written; the file is then unchanged.
    """
    spec = _BY_NAME.get(name)
    if spec is None or isinstance(spec.kind, KeyTable):
        raise ValueError(f"{_name(name)} is not a setting save_setting can change")
    try:
        value = spec.kind.parse(value)
    except _Invalid:
        raise ValueError(_rejected(spec, value)) from None

    refused = f"{name} was not saved and the file was not changed"
    config = ConfigForEdit.read(path, refused)
    text, data, file = config.text, config.data, config.file
    if isinstance(data.get(name), dict):
        where = _where(file, _Lines(text).find(name))
        raise SettingsNotSaved(f"{where}: {name} is a table; fix it by hand first: {refused}")
    edited = _edited(text, data, name, value)
    if edited is None:
        raise SettingsNotSaved(f"Could not change {name} in {file} safely; {refused}")
    config.write(edited, refused)


class ConfigForEdit:
    """The settings file as read for one in-place edit (or the template, when absent).

    A plain class, not a dataclass: this module is on the start-up path.
    """

    __slots__ = ("bom", "data", "file", "target", "text")

    def __init__(
        self, target: Path, file: str, text: str, data: dict[str, Any], bom: bytes
    ) -> None:
        self.target = target
        """Where the file really is (a symlinked config is written where it points)."""
        self.file = file
        """The path as the user would type it, for messages."""
        self.text = text
        self.data = data
        self.bom = bom

    @classmethod
    def read(cls, path: Path | None, refused: str) -> ConfigForEdit:
        """Raises SettingsNotSaved (ending in ``refused``) when the file cannot be read
        or does not load: a file that failed to load is never written."""
        path = path or paths.config_path()
        target = path.resolve()
        file = _display(path)
        try:
            raw = target.read_bytes()
        except FileNotFoundError:
            return cls(target, file, config_template(), {}, b"")
        except OSError as error:
            reason = error.strerror or str(error)
            raise SettingsNotSaved(f"Could not read {file} ({reason}); {refused}") from error
        try:
            text, data = _parse(raw, file)
        except _NotLoaded as error:
            raise SettingsNotSaved(f"{error}; fix it first: {refused}") from None
        bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
        return cls(target, file, text, data, bom)

    def write(self, text: str, refused: str) -> None:
        """Replace the file with ``text`` atomically, keeping its byte-order mark."""
        try:
            atomic_write(self.target, self.bom + text.encode())
        except OSError as error:
            reason = error.strerror or str(error)
            raise SettingsNotSaved(f"Could not write {self.file} ({reason}); {refused}") from error


def _edited(text: str, data: dict[str, Any], name: str, value: object) -> str | None:
    """``text`` with ``name`` set to ``value``, or None when no edit reads back right."""
    import tomlkit

    expected = {**data, name: value}
    rendered = tomlkit.item(value).as_string()
    attempts: list[Callable[[], str | None]]
    if name in data:
        attempts = [lambda: _set_in_place(text, name, value)]
    else:
        attempts = [
            lambda: _uncommented(text, name, rendered, expected),
            lambda: _inserted(text, name, rendered),
        ]
    for attempt in attempts:
        candidate = attempt()
        if candidate is not None and _reads_as(candidate, expected):
            return candidate
    return None


def _set_in_place(text: str, name: str, value: object) -> str:
    import tomlkit

    document = tomlkit.parse(text)
    document[name] = value  # tomlkit keeps the line's spacing and trailing comment
    return document.as_string()


def _uncommented(text: str, name: str, rendered: str, expected: dict[str, Any]) -> str | None:
    """Replace a commented-out ``# name = ...`` line (as in the template) with the value."""
    commented = re.compile(rf"[ \t]*#[ \t]*{re.escape(name)}[ \t]*=.*")
    lines = _split_lines(text)
    # The last one: a doc line above it could look the same.
    for index in reversed(range(len(lines))):
        line = lines[index]
        body = line.rstrip("\r\n")
        if not commented.fullmatch(body):
            continue
        ending = line[len(body) :]
        candidate = [*lines[:index], f"{name} = {rendered}{ending}", *lines[index + 1 :]]
        joined = "".join(candidate)
        # A commented line inside a table or a multi-line string would not read back.
        if _reads_as(joined, expected):
            return joined
    return None


def _inserted(text: str, name: str, rendered: str) -> str:
    """Add ``name = value`` at the end of the top-level settings, before any table."""
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = _split_lines(text)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += newline
    found = _Lines(text)
    if found.top_level_assignments:
        last = found.top_level_assignments[-1]
        # The value may go on over several lines: it ends where the text up to it parses.
        end = last + 1
        while end < len(lines) and not _parses("".join(lines[:end])):
            end += 1
        new = [f"{name} = {rendered}{newline}"]
        return "".join([*lines[:end], *new, *lines[end:]])
    # Only comments and blank lines come before the first table: go in front of it, or
    # of a commented-out one ("# [keys]"), and in front of the comments that lead it in.
    commented_table = re.compile(r"[ \t]*#[ \t]*\[")
    stop = len(lines) if found.first_table is None else found.first_table
    at = next((i for i in range(stop) if commented_table.match(lines[i])), stop)
    if at < len(lines):
        start = at
        while start > 0 and lines[start - 1].lstrip().startswith("#"):
            start -= 1
        if start > 0:  # a comment block that begins the file is the file's own
            at = start
    new = [f"{name} = {rendered}{newline}"]
    if at > 0 and lines[at - 1].strip():
        new.insert(0, newline)
    if at < len(lines) and lines[at].strip():
        new.append(newline)
    return "".join([*lines[:at], *new, *lines[at:]])


def _parses(text: str) -> bool:
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return False
    return True


def _reads_as(text: str, expected: dict[str, Any]) -> bool:
    try:
        return _same(tomllib.loads(text), expected)
    except tomllib.TOMLDecodeError:
        return False


def _same(a: object, b: object) -> bool:
    """Equal, counting nan as equal to nan (an unknown ``x = nan`` must survive)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data``: a crash leaves the old file or the new one, never half.

    A symlink is followed (the link itself stays). An existing file keeps its
    permission bits; a new one gets the usual ones (0666 less the umask).
    """
    target = path.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode: int | None = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = None
    tmp = _write_temp(target, data, mode)
    try:
        tmp.replace(target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)


def _write_temp(target: Path, data: bytes, mode: int | None) -> Path:
    """A synced file next to ``target`` holding ``data``."""
    while True:
        tmp = target.with_name(f".{target.name}.{os.urandom(4).hex()}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        break
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if mode is not None:
                os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# -- kept for the app until it moves to save_setting --------------------------------


def with_theme(settings: Settings, theme: str) -> Settings:
    """Kept for the app until it moves to save_setting."""
    return replace(settings, theme=theme, notices=())


def save_settings(settings: Settings, path: Path | None = None) -> None:
    """Kept for the app until it moves to save_setting: writes only the theme."""
    save_setting("theme", settings.theme, path)
