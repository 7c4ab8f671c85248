"""Command line: ``rajpoot-tui`` starts the reader; ``refresh``, ``list``, ``article``,
``config`` run headless.

Textual is imported only when the UI starts, and httpx/feedparser only when a
fetch or a parse is needed, so ``--version``, ``--help`` and ``list`` are quick.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from tui import DEFAULT_FEED_URL, __version__
from tui.sanitize import is_openable_link, normalize_feed_url

if TYPE_CHECKING:
    from tui.fetch import FetchError


def build_parser() -> argparse.ArgumentParser:
    feed_help = (
        f"use this RSS/Atom feed instead of the default ({DEFAULT_FEED_URL}); "
        "without it, refresh and list cover the feeds you follow"
    )
    parser = argparse.ArgumentParser(
        prog="rajpoot-tui",
        description="A terminal reader for the blog.rajpoot.dev backend feed.",
        epilog="Run without a command to open the reader. Press ? inside it for the keys.",
    )
    parser.add_argument("--version", action="version", version=f"rajpoot-tui {__version__}")
    parser.add_argument("--feed", metavar="URL", default=None, help=feed_help)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    # SUPPRESS lets --feed also come after the command without resetting an earlier one.
    feed_after = argparse.ArgumentParser(add_help=False)
    feed_after.add_argument("--feed", metavar="URL", default=argparse.SUPPRESS, help=feed_help)
    commands.add_parser(
        "refresh",
        parents=[feed_after],
        help="fetch the feeds now, one summary line each; exit 1 if any failed",
    )
    listing = commands.add_parser(
        "list", parents=[feed_after], help="print stored posts (never touches the network)"
    )
    listing.add_argument("--unread", action="store_true", help="only unread posts")
    listing.add_argument("--starred", action="store_true", help="only starred posts")
    listing.add_argument("--json", action="store_true", help="print one JSON array")
    article = commands.add_parser(
        "article",
        help="print a post's whole article as Markdown (fetching it when it is not kept)",
        description=(
            "Fetch a web page, extract its article and print it as Markdown. Given the id "
            "of a stored post (as `list --json` prints it), use the article kept for it, "
            "else fetch the post's page and keep the article. Problems: one line on "
            "stderr, exit 1."
        ),
    )
    article.add_argument(
        "target", metavar="URL|ID", help="an http(s) page URL, or the id of a stored post"
    )
    marking = commands.add_parser(
        "mark",
        help="mark posts read, unread, starred or not, by id (as list --json prints it)",
        description="Mark stored posts, for scripts: rajpoot-tui mark read ID [ID ...].",
    )
    marking.add_argument("mark", choices=list(MARKS), help="the mark to set")
    marking.add_argument("ids", metavar="ID", nargs="+", help="post ids from list --json")
    adding = commands.add_parser(
        "add",
        help="follow a feed (given a web page, the feed it links to)",
        description=(
            "Follow a feed: an http(s) URL (https:// may be left out), a web page that "
            "links to its feed, a file path or a file:// URL. It is fetched once to check it."
        ),
    )
    adding.add_argument("location", metavar="URL|PATH")
    adding.add_argument("--folder", default="", help="put it in this folder (a / b nests)")
    adding.add_argument("--title", default="", help="call it this instead of its own title")
    removing = commands.add_parser("remove", help="stop following a feed (its stars stay)")
    removing.add_argument("location", metavar="URL")
    listing_feeds = commands.add_parser(
        "feeds", help="the feeds you follow, with unread counts and the last error"
    )
    listing_feeds.add_argument("--json", action="store_true", help="print one JSON array")
    importing = commands.add_parser("import", help="follow the feeds of an OPML file")
    importing.add_argument("file", metavar="FILE.opml")
    exporting = commands.add_parser(
        "export", help="write the feeds you follow as OPML (to stdout without FILE)"
    )
    exporting.add_argument("file", metavar="FILE", nargs="?", default=None)
    config = commands.add_parser(
        "config",
        help="print the settings file's path (creating a commented one if there is none)",
        description=(
            "Print the path of the settings file, creating one with every setting "
            "commented out if there is none. Mistakes in it are reported on stderr."
        ),
    )
    config.add_argument(
        "--edit",
        action="store_true",
        help="open it in $VISUAL or $EDITOR (else nano or vi), then report any mistakes",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.feed is not None:
        try:
            args.feed = feed_location(args.feed)
        except ValueError as error:
            print(f"rajpoot-tui: --feed: {error}", file=sys.stderr)
            return 2
    if args.command == "config":
        return config_command(edit=args.edit)
    if args.command in ("refresh", "list", "article", "mark", *FEED_COMMANDS):
        try:
            if args.command in FEED_COMMANDS:
                code = _feed_command(args)
            elif args.command == "mark":
                code = mark_command(args.mark, args.ids)
            elif args.command == "refresh":
                code = refresh_command(args.feed)
            elif args.command == "article":
                code = article_command(args.target)
            else:
                code = list_command(
                    args.feed, unread=args.unread, starred=args.starred, as_json=args.json
                )
            sys.stdout.flush()  # here, not at exit, so a closed pipe is caught below
        except BrokenPipeError:
            # The reader went away (`rajpoot-tui list | head`): stop quietly.
            _detach_stdout()
            return 1
        return code
    import gc

    # No cycle collection until the first frame: nearly everything start-up allocates
    # stays alive, so the ~180 collections that would run meanwhile are 4-5% of the
    # instructions to the first frame for little. RajpootApp._after_first_frame freezes
    # what is alive then and turns collection back on; the start-up garbage frozen with
    # it (some 6,000 of 100,000 objects, ~0.7 MB, mostly Textual's render caches) is
    # never collected.
    gc.disable()
    from tui.app import RajpootApp

    app = RajpootApp(args.feed)
    app.run()
    return app.return_code or 0


FEED_COMMANDS = ("add", "remove", "feeds", "import", "export")


def _feed_command(args: argparse.Namespace) -> int:
    from tui import cli_feeds

    if args.command == "add":
        return cli_feeds.add_command(args.location, folder=args.folder, title=args.title)
    if args.command == "remove":
        return cli_feeds.remove_command(args.location)
    if args.command == "feeds":
        return cli_feeds.feeds_command(as_json=args.json)
    if args.command == "import":
        return cli_feeds.import_command(args.file)
    return cli_feeds.export_command(args.file)


def feed_location(typed: str) -> str:
    """What the user typed as a feed (URL, host/path, file path) as the URL it is stored under.

    Raises ValueError with the message to show.
    """
    from tui.discover import normalise_location

    url = normalise_location(typed)
    return url if url.startswith("file:") else normalize_feed_url(url)


def _detach_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _open_store() -> Any:
    from tui import paths
    from tui.store import Store

    store = Store.open(paths.cache_db_path(), paths.state_db_path())
    for notice in store.notices:
        print(f"rajpoot-tui: {notice}", file=sys.stderr)
    return store


def config_command(*, edit: bool) -> int:
    """Print the settings path, or edit the file; mistakes in it go to stderr."""
    from tui import paths
    from tui.settings import ensure_config_file, load_settings

    path = paths.config_path()
    try:
        ensure_config_file(path)
    except OSError as error:
        print(f"rajpoot-tui: could not create {path}: {error.strerror or error}", file=sys.stderr)
        return 1
    code = 0
    if edit:
        import subprocess

        try:
            editor = editor_command(os.environ)
        except LookupError as error:
            print(f"rajpoot-tui: {error}", file=sys.stderr)
            return 1
        try:
            # An argv list, never a shell: $EDITOR is split the way a shell would split it.
            returncode = subprocess.run([*editor, str(path)], check=False).returncode
        except OSError as error:
            print(
                f"rajpoot-tui: could not run {shlex.join(editor)}: {error.strerror or error}",
                file=sys.stderr,
            )
            return 1
        code = returncode if returncode >= 0 else 128 - returncode  # killed by a signal
    else:
        print(path)
    settings = load_settings(path)
    from tui.keys import check_keymap  # binding ids live with the UI's keys
    from tui.settings import keymap

    _, key_problems = check_keymap(keymap(settings))
    for notice in (*settings.notices, *key_problems):
        print(f"rajpoot-tui: {notice}", file=sys.stderr)
    if edit and code == 0 and not settings.writable:
        return 1  # the file as saved does not load: say so to scripts too
    return code


def editor_command(environ: Mapping[str, str]) -> list[str]:
    """$VISUAL, else $EDITOR, else nano or vi; raises LookupError saying why there is none."""
    for name in ("VISUAL", "EDITOR"):
        value = environ.get(name, "").strip()
        if value:
            try:
                argv = shlex.split(value)
            except ValueError as error:
                raise LookupError(f"could not read ${name} ({value!r}): {error}") from None
            if argv:
                return argv
    import shutil

    for fallback in ("nano", "vi"):
        found = shutil.which(fallback)
        if found:
            return [found]
    raise LookupError("no editor found: set $VISUAL or $EDITOR (nano and vi are not installed)")


def refresh_command(feed_url: str | None) -> int:
    """Refresh ``feed_url``, or every feed the user follows when None."""
    from tui.fetch import FetchPolicy
    from tui.refresh import RefreshOutcome, Status, import_seed_if_empty
    from tui.scheduler import Progress, refresh_many
    from tui.settings import load_settings

    feeds = [_FeedLine(feed_url, "")] if feed_url else _subscribed()
    settings = load_settings()
    finished: dict[str, RefreshOutcome] = {}
    printed = 0
    with _open_store() as store:

        def progress(step: Progress) -> None:
            # Fetched in parallel, printed in the order of the list as soon as each
            # line's turn comes, so the output is the same from run to run.
            nonlocal printed
            finished[step.outcome.url] = step.outcome
            while printed < len(feeds) and feeds[printed].url in finished:
                feed = feeds[printed]
                outcome = finished[feed.url]
                print(f"{_feed_title(store, feed)}: {outcome.message}", flush=True)
                for warning in outcome.warnings:
                    print(f"  warning: {warning}")
                printed += 1

        for feed in feeds:
            import_seed_if_empty(store, feed.url)
        outcomes = refresh_many(
            store,
            [feed.url for feed in feeds],
            policy=FetchPolicy(timeout=settings.timeout_seconds),
            parallel=settings.max_parallel_fetches,
            per_host=settings.fetches_per_host,
            on_progress=progress,
            on_retry=_say_retry,
        )
    failed = sum(1 for outcome in outcomes if outcome.status is Status.FAILED)
    if len(outcomes) > 1:
        waiting = sum(1 for outcome in outcomes if outcome.status is Status.WAITING)
        summary = f"{len(outcomes) - failed - waiting} of {len(outcomes)} feeds refreshed"
        if failed:
            summary += f", {failed} failed"
        if waiting:
            summary += f", {waiting} asked to wait"
        print(summary, flush=True)
    # Waiting out a server's Retry-After is being polite, not failing.
    return 1 if failed else 0


def _say_retry(url: str, attempt: int, tries: int, delay: float, error: FetchError) -> None:
    """Each retry is said on stderr as it happens: a pause is never a mystery."""
    print(
        f"rajpoot-tui: {url}: {error.message}; try {attempt} of {tries} in {_seconds(delay)}",
        file=sys.stderr,
        flush=True,
    )


class _FeedLine:
    """A feed as the CLI names it: its subscription title, else its own."""

    __slots__ = ("title", "url")

    def __init__(self, url: str, title: str) -> None:
        self.url = url
        self.title = title


def _subscribed() -> list[_FeedLine]:
    from tui.settings import load_settings

    settings = load_settings()
    for notice in settings.notices:
        print(f"rajpoot-tui: {notice}", file=sys.stderr)
    return [_FeedLine(feed.url, feed.title) for feed in settings.feeds]


def _feed_title(store: Any, feed: _FeedLine) -> str:
    from tui.sanitize import clean_line

    if feed.title:
        return feed.title
    info = store.feed(feed.url)
    return clean_line(info.title) if info and info.title else feed.url


def article_command(target: str) -> int:
    """Print the article at ``target`` (a URL, or a stored post's id) as Markdown."""
    from tui.articles.service import fetch_article, load_article
    from tui.sanitize import clean_text

    def say_retry(delay: float, error: FetchError) -> None:
        # Shown as it happens, so a pause of the CLI is never a mystery.
        if error.retry_after is not None:
            print(
                f"rajpoot-tui: {error.message.partition(': ')[0]} asked to wait "
                f"{_seconds(delay)}; retrying then",
                file=sys.stderr,
                flush=True,
            )
        else:
            print(
                f"rajpoot-tui: {error.message}; retrying in {_seconds(delay)}",
                file=sys.stderr,
                flush=True,
            )

    from tui import paths
    from tui.parse import has_full_content
    from tui.reading import post_at

    if is_openable_link(target) and not paths.cache_db_path().exists():
        outcome = fetch_article(target, on_retry=say_retry)  # nothing stored to look in
    else:
        with _open_store() as store:
            if is_openable_link(target):
                # A stored post's page is read from the store, as the reader does.
                post = post_at(store.posts(), target)
            else:
                post = store.post(target)
                if post is None:
                    print(
                        f"rajpoot-tui: no stored post has the id {target!r} "
                        "(see rajpoot-tui list --json), and it is not an http(s) URL",
                        file=sys.stderr,
                    )
                    return 1
            if post is not None and has_full_content(post):
                # The feed carried the whole article: nothing to fetch.
                return _print_article(post.display_title, post.summary)
            if post is None:
                outcome = fetch_article(target, on_retry=say_retry)
            else:
                outcome = load_article(store, post, on_retry=say_retry)
    if not outcome.ok or outcome.article is None:
        print(f"rajpoot-tui: {clean_text(outcome.message)}", file=sys.stderr)
        return 1
    if outcome.message:  # shown, but not kept
        print(f"rajpoot-tui: {clean_text(outcome.message)}", file=sys.stderr)
    return _print_article(outcome.article.title, outcome.article.markdown)


def _print_article(title: str, body: str) -> int:
    """The article as Markdown on stdout, its title on top as a ``#`` heading."""
    from tui.sanitize import clean_text

    markdown = clean_text(body).strip("\n")
    title = " ".join(clean_text(title).split())
    # The page's own first heading is often a section ("## Inline Code"), not the title.
    if title and markdown.partition("\n")[0].strip() != f"# {title}":
        markdown = f"# {title}\n\n{markdown}"
    sys.stdout.write(markdown + "\n")
    return 0


def _seconds(delay: float) -> str:
    return f"{delay:.0f} s" if delay >= 10 else f"{delay:.1f} s".replace(".0 s", " s")


def list_command(feed_url: str | None, *, unread: bool, starred: bool, as_json: bool) -> int:
    """Print the posts of ``feed_url``, or of every feed followed when None; newest first."""
    from tui.refresh import import_seed_if_empty
    from tui.timefmt import list_date

    feeds = [_FeedLine(feed_url, "")] if feed_url else _subscribed()
    with _open_store() as store:
        if DEFAULT_FEED_URL in {feed.url for feed in feeds}:
            import_seed_if_empty(store, DEFAULT_FEED_URL)
        titles = {feed.url: _feed_title(store, feed) for feed in feeds}
        # Every starred post too, even of a feed no longer followed: its star stays.
        posts = [
            post
            for post in store.posts(feed_url, unread_only=unread, starred_only=starred)
            if post.feed_url in titles or (feed_url is None and post.starred)
        ]
        for post in posts:
            if post.feed_url not in titles:
                titles[post.feed_url] = _feed_title(store, _FeedLine(post.feed_url, ""))
        never_fetched = feed_url is not None and not posts and not store.has_posts(feed_url)
    if never_fetched:
        print(
            f"rajpoot-tui: nothing stored for {feed_url} yet; "
            f"run: rajpoot-tui refresh --feed {feed_url}",
            file=sys.stderr,
        )
    if as_json:
        rows = [
            {
                "id": post.id,
                "feed": post.feed_url,
                "feed_title": titles[post.feed_url],
                "title": post.title,
                "link": post.link,
                "published": post.published.isoformat() if post.published else None,
                "read": post.read,
                "starred": post.starred,
            }
            for post in posts
        ]
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    width = min(24, max((len(title) for title in titles.values()), default=0))
    for post in posts:
        # Two columns, as in the app: unread, then starred.
        marker = (" " if post.read else "●") + ("★" if post.starred else " ")
        feed = _fit(titles[post.feed_url], width)
        print(f"{marker} {list_date(post.published)}  {feed}  {post.display_title}  {post.link}")
    return 0


def _fit(text: str, width: int) -> str:
    return text.ljust(width) if len(text) <= width else text[: width - 1] + "…"


MARKS = {
    "read": ("read", True),
    "unread": ("read", False),
    "star": ("starred", True),
    "unstar": ("starred", False),
}


def mark_command(mark: str, post_ids: Sequence[str]) -> int:
    """Mark stored posts (ids as ``list --json`` prints them); exit 1 if one is unknown."""
    what, on = MARKS[mark]
    unknown: list[str] = []
    with _open_store() as store:
        known = []
        for post_id in dict.fromkeys(post_ids):
            if store.post(post_id) is None:
                unknown.append(post_id)
            else:
                known.append(post_id)
        if what == "read":
            store.set_read(known, on)
        else:
            for post_id in known:
                store.set_starred(post_id, on)
    for post_id in unknown:
        print(
            f"rajpoot-tui: no stored post has the id {post_id!r} (see rajpoot-tui list --json)",
            file=sys.stderr,
        )
    return 1 if unknown else 0


if __name__ == "__main__":
    sys.exit(main())
