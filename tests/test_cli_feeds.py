"""The subscription commands as a user runs them: add, remove, feeds, import, export, mark.

Mostly in-process ``main([...])`` calls (the autouse fixture gives every test its own
XDG homes); a real subprocess only where the process itself matters (its working
directory, for ``add PATH``). Feeds come from the local test server or local files.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import tomllib
from pathlib import Path

import pytest

from tests.builders import numbered_item, rss
from tests.httpserver import FeedServer, Response, closed_port
from tests.test_cli import (
    SEED_TITLE,
    cli_env,  # noqa: F401
    list_json,
    ok,
    run_cli,
)
from tui import DEFAULT_FEED_URL, paths
from tui.__main__ import feed_location, main
from tui.cli_feeds import _offer_blog_feeds
from tui.feedlist import FeedRef
from tui.opml import parse_opml
from tui.settings import load_settings

ROOT = Path(__file__).parent.parent
FEEDS_DATA = Path(__file__).parent / "data" / "feeds"
OPML = Path(__file__).parent / "fixtures" / "opml"
MANTON = "rsparser__manton.rss"  # 10 items, titled "Manton Reece"
HTML_HEADERS = {"Content-Type": "text/html; charset=utf-8"}
DEFAULT = FeedRef(DEFAULT_FEED_URL)
FEEDS_JSON_KEYS = {"url", "title", "folder", "unread", "last_error", "failed_at", "fetched"}

# A settings file as a user keeps it: comments everywhere, other settings, and the
# default feed written out with a folder of their own.
USER_CONFIG = """\
# my settings, by hand
theme = "nord"   # the one I like

[keys]
star = "x"  # like mutt

# the feed I installed this for
[[feeds]]
url = "https://blog.rajpoot.dev/tags/backend/index.xml"
folder = "Blogs"  # keep it on top
"""
USER_COMMENTS = [line for line in USER_CONFIG.splitlines() if "#" in line]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``main(args)``: exit code, stdout, stderr (only what this call printed)."""
    capsys.readouterr()
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def followed() -> tuple[FeedRef, ...]:
    return load_settings().feeds


def config_bytes() -> bytes | None:
    path = paths.config_path()
    return path.read_bytes() if path.exists() else None


def write_config(text: str = USER_CONFIG) -> Path:
    path = paths.config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def html_page(*links: tuple[str, str, str]) -> Response:
    """A web page naming feeds with ``<link rel="alternate">`` (type, href, title)."""
    heads = "".join(
        f'<link rel="alternate" type="{kind}" href="{href}" title="{title}">'
        for kind, href, title in links
    )
    body = (
        f"<!doctype html><html><head><title>A blog</title>{heads}</head>"
        "<body><h1>A blog</h1><p>Posts go here.</p></body></html>"
    )
    return Response(200, HTML_HEADERS, body.encode())


def local_feed(folder: Path, name: str = "manton.rss") -> Path:
    path = folder / name
    shutil.copyfile(FEEDS_DATA / MANTON, path)
    return path


# ------------------------------------------------------------------ add: feeds


def test_add_follows_the_feed_after_the_default_one_and_lists_its_posts(
    capsys: pytest.CaptureFixture[str], feed_server: FeedServer
) -> None:
    url = feed_server.route("/feed.xml", ok())

    code, out, err = run(capsys, "add", url)

    assert (code, err) == (0, "")
    assert out.splitlines() == [f"Following Local Feed ({url}): 3 posts"]
    assert followed() == (DEFAULT, FeedRef(url))
    rows = list_json(capsys)
    mine = [row for row in rows if row["feed"] == url]
    assert [row["title"] for row in mine] == ["Post 3", "Post 2", "Post 1"]
    assert {row["feed_title"] for row in mine} == {"Local Feed"}
    # The feed followed before is still listed with its own title.
    assert {row["feed_title"] for row in rows if row["feed"] == DEFAULT_FEED_URL} == {SEED_TITLE}


def test_adding_a_feed_again_says_so_and_leaves_the_file_alone(
    capsys: pytest.CaptureFixture[str], feed_server: FeedServer
) -> None:
    url = feed_server.route("/feed.xml", ok())
    assert main(["add", url]) == 0
    before = config_bytes()

    code, out, err = run(capsys, "add", url)

    assert (code, err) == (0, "")
    assert out.startswith("Already following ")
    assert url in out
    assert config_bytes() == before
    assert followed() == (DEFAULT, FeedRef(url))
    assert feed_server.hits("/feed.xml") == 1  # not fetched again just to say so


def test_add_saves_the_folder_and_title_given(
    capsys: pytest.CaptureFixture[str], feed_server: FeedServer
) -> None:
    url = feed_server.route("/feed.xml", ok())

    code, out, err = run(capsys, "add", url, "--folder", "Tech / Go", "--title", "My Go")

    assert (code, err) == (0, "")
    assert out.splitlines() == [f"Following My Go ({url}) in Tech / Go: 3 posts"]
    assert followed() == (DEFAULT, FeedRef(url, title="My Go", folder="Tech / Go"))
    # The reader's own name for its posts is the one given.
    assert {row["feed_title"] for row in list_json(capsys, "--feed", url)} == {"Local Feed"}
    assert {row["feed_title"] for row in list_json(capsys) if row["feed"] == url} == {"My Go"}


def test_add_with_a_folder_typed_without_spaces_saves_it_as_the_reader_shows_it(
    capsys: pytest.CaptureFixture[str], feed_server: FeedServer
) -> None:
    url = feed_server.route("/feed.xml", ok())

    code, out, err = run(capsys, "add", url, "--folder", "Tech/Go ")

    assert (code, err) == (0, "")
    assert out.splitlines() == [f"Following Local Feed ({url}) in Tech / Go: 3 posts"]
    assert followed() == (DEFAULT, FeedRef(url, folder="Tech / Go"))


# ------------------------------------------------------------------ add: web pages


def test_add_of_a_web_page_follows_the_feed_it_links_to(
    capsys: pytest.CaptureFixture[str], feed_server: FeedServer
) -> None:
    page = feed_server.route("/blog/", html_page(("application/rss+xml", "/feed.xml", "RSS")))
    feed = feed_server.route("/feed.xml", ok())

    code, out, err = run(capsys, "add", page)

    assert (code, err) == (0, "")
    assert out.splitlines() == [
        f"{page} is a web page; its feed is {feed}",
        f"Following Local Feed ({feed}): 3 posts",
    ]
    assert followed() == (DEFAULT, FeedRef(feed))
    assert {row["title"] for row in list_json(capsys, "--feed", feed)} == {
        "Post 1",
        "Post 2",
        "Post 3",
    }

    # The page again: its feed is already followed, and nothing changes.
    before = config_bytes()
    code, out, err = run(capsys, "add", page)
    assert (code, err) == (0, "")
    assert out.splitlines()[-1] == f"Already following {feed}, the feed of {page}."
    assert config_bytes() == before


def test_a_page_offering_two_feeds_follows_the_first_and_names_the_other(
    capsys: pytest.CaptureFixture[str], feed_server: FeedServer
) -> None:
    page = feed_server.route(
        "/",
        html_page(
            ("application/rss+xml", "/feed.xml", "Posts"),
            ("application/atom+xml", "/comments.atom", "Comments"),
        ),
    )
    feed = feed_server.route("/feed.xml", ok())
    comments = feed_server.url("/comments.atom")

    code, out, err = run(capsys, "add", page)

    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert f"  the page also offers: Comments {comments}" in lines
    assert f"{page} is a web page; its feed is {feed}" in lines
    assert lines[-1] == f"Following Local Feed ({feed}): 3 posts"
    assert followed() == (DEFAULT, FeedRef(feed))
    assert feed_server.hits("/comments.atom") == 0  # named, not fetched nor followed


def test_a_page_naming_no_feed_is_not_added(
    capsys: pytest.CaptureFixture[str], feed_server: FeedServer
) -> None:
    write_config()
    before = config_bytes()
    page = feed_server.route("/about/", html_page())

    code, out, err = run(capsys, "add", page)

    assert code == 1
    assert out == ""
    assert err.startswith("rajpoot-tui: ")
    assert page in err
    assert "names no feed" in err
    assert err.count("\n") == 1
    assert config_bytes() == before


@pytest.mark.parametrize("failure", ["404", "dead port"])
def test_a_feed_that_cannot_be_fetched_is_not_added(
    capsys: pytest.CaptureFixture[str],
    feed_server: FeedServer,
    monkeypatch: pytest.MonkeyPatch,
    failure: str,
) -> None:
    waits: list[float] = []
    monkeypatch.setattr(time, "sleep", waits.append)  # retries of a refused connection
    if failure == "404":
        url = feed_server.route("/feed.xml", Response(404, {"Content-Type": "text/plain"}, b"no"))
        says = "404"
    else:
        url = f"http://127.0.0.1:{closed_port()}/feed.xml"
        says = "connection refused"

    code, out, err = run(capsys, "add", url)

    assert code == 1
    assert out == ""
    assert says in err
    assert err.rstrip("\n").endswith(f"{url} was not added")
    assert followed() == (DEFAULT,)
    assert config_bytes() is None  # no settings file was written for a feed not added


def test_a_failed_add_leaves_the_users_file_as_it_was(
    capsys: pytest.CaptureFixture[str], feed_server: FeedServer
) -> None:
    write_config()
    url = feed_server.route("/feed.xml", Response(404, {}, b""))
    assert main(["add", url]) == 1
    assert config_bytes() == USER_CONFIG.encode()


# ------------------------------------------------------------------ add: files


def test_add_of_a_relative_file_path_follows_it_as_a_file_url(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = local_feed(tmp_path)
    monkeypatch.chdir(tmp_path)
    url = path.resolve().as_uri()

    code, out, err = run(capsys, "add", "manton.rss")

    assert (code, err) == (0, "")
    assert url.startswith("file:///")
    assert out.splitlines() == [f"Following Manton Reece ({url}): 10 posts"]
    assert followed() == (DEFAULT, FeedRef(url))
    assert len(list_json(capsys, "--feed", url)) == 10


def test_refresh_of_a_followed_file_uses_its_mtime_as_last_modified(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = local_feed(tmp_path)
    url = path.as_uri()
    assert main(["add", url]) == 0
    assert main(["remove", DEFAULT_FEED_URL]) == 0  # unreachable here; keep refresh to the file
    assert followed() == (FeedRef(url),)

    # Unchanged since add read it: like a 304.
    assert run(capsys, "refresh") == (0, "Manton Reece: up to date\n", "")
    # Touched (same content, new mtime): read again, nothing new in it.
    stat = path.stat()
    os.utime(path, (stat.st_atime, stat.st_mtime - 3600))
    assert run(capsys, "refresh") == (0, "Manton Reece: no new posts\n", "")
    assert run(capsys, "refresh") == (0, "Manton Reece: up to date\n", "")
    assert len(list_json(capsys)) == 10


def test_add_of_a_file_url_follows_it_as_given(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    url = local_feed(tmp_path, "my feed.rss").as_uri()  # a space: %20 in the URL
    assert "%20" in url

    code, out, err = run(capsys, "add", url)

    assert (code, err) == (0, "")
    assert out.splitlines() == [f"Following Manton Reece ({url}): 10 posts"]
    assert followed() == (DEFAULT, FeedRef(url))


def test_add_of_a_relative_path_works_from_the_working_directory_of_a_real_process(
    cli_env: dict[str, str],  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = tmp_path / "feeds"
    folder.mkdir()
    path = local_feed(folder)
    monkeypatch.chdir(folder)  # the subprocess starts here
    env = {**cli_env, "PYTHONPATH": str(ROOT)}  # this checkout's tui, from any folder

    result = run_cli(env, "add", "./manton.rss", "--folder", "Local")

    assert result.returncode == 0, result.stderr
    url = path.resolve().as_uri()
    assert result.stdout == f"Following Manton Reece ({url}) in Local: 10 posts\n"
    assert followed() == (DEFAULT, FeedRef(url, folder="Local"))
    listed = run_cli(env, "list", "--json", "--feed", url)
    assert listed.returncode == 0, listed.stderr
    assert len(json.loads(listed.stdout)) == 10


# ------------------------------------------------------------------ add: locations


def test_a_schemeless_address_is_taken_as_https() -> None:
    assert (
        feed_location("blog.rajpoot.dev/tags/go/index.xml")
        == "https://blog.rajpoot.dev/tags/go/index.xml"
    )


@pytest.mark.parametrize("bad", ["ftp://x", "javascript:alert(1)", "not a feed", "http://"])
def test_add_of_a_bad_location_exits_2_with_a_message(
    capsys: pytest.CaptureFixture[str], bad: str
) -> None:
    code, out, err = run(capsys, "add", bad)

    assert code == 2
    assert out == ""
    assert err.startswith("rajpoot-tui: not a feed address")
    assert "http" in err
    assert err.count("\n") == 1
    assert config_bytes() is None
    assert not paths.cache_db_path().exists()  # refused before anything ran


def test_add_of_a_folder_says_it_is_a_folder(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "feeds").mkdir()
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "add", "feeds")
    assert (code, out) == (2, "")
    assert "is a folder" in err


def test_the_blog_offers_its_other_feeds(capsys: pytest.CaptureFixture[str]) -> None:
    _offer_blog_feeds("https://blog.rajpoot.dev/tags/backend/index.xml")

    assert capsys.readouterr().out.splitlines() == [
        "The blog has more feeds; add any with rajpoot-tui add URL:",
        "  https://blog.rajpoot.dev/index.xml",
        "  https://blog.rajpoot.dev/posts/index.xml",
        "  https://blog.rajpoot.dev/tags/rust/index.xml",
        "  https://blog.rajpoot.dev/tags/go/index.xml",
        "  https://blog.rajpoot.dev/tags/django/index.xml",
        "  https://blog.rajpoot.dev/tags/postgresql/index.xml",
    ]


def test_the_blog_does_not_offer_feeds_already_followed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    write_config(
        '[[feeds]]\nurl = "https://blog.rajpoot.dev/tags/backend/index.xml"\n'
        '[[feeds]]\nurl = "https://blog.rajpoot.dev/tags/go/index.xml"\n'
    )
    _offer_blog_feeds("https://blog.rajpoot.dev/tags/go/index.xml")
    offered = capsys.readouterr().out.splitlines()[1:]
    assert "  https://blog.rajpoot.dev/tags/go/index.xml" not in offered
    assert "  https://blog.rajpoot.dev/tags/backend/index.xml" not in offered
    assert len(offered) == 5


def test_another_site_gets_no_offer(capsys: pytest.CaptureFixture[str]) -> None:
    _offer_blog_feeds("https://example.com/index.xml")
    assert capsys.readouterr().out == ""


# ------------------------------------------------------------------ remove


def test_remove_stops_following_but_keeps_the_posts_and_stars(
    capsys: pytest.CaptureFixture[str], feed_server: FeedServer
) -> None:
    url = feed_server.route("/feed.xml", ok())
    assert main(["add", url]) == 0
    starred = list_json(capsys, "--feed", url)[1]["id"]
    assert main(["mark", "star", starred]) == 0

    code, out, err = run(capsys, "remove", url)

    assert (code, err) == (0, "")
    assert out == f"No longer following {url}; its starred posts stay starred.\n"
    assert followed() == (DEFAULT,)
    # Its posts are no longer listed with the feeds followed, except the starred
    # one: a star outlives the subscription (and the cache).
    listed = list_json(capsys)
    assert [row["id"] for row in listed if row["feed"] == url] == [starred]
    assert {row["feed"] for row in listed} == {DEFAULT_FEED_URL, url}
    assert len(list_json(capsys, "--feed", url)) == 3
    rows = list_json(capsys, "--starred", "--feed", url)
    assert [(row["id"], row["starred"]) for row in rows] == [(starred, True)]


def test_remove_of_a_feed_not_followed_exits_1_and_changes_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    write_config()
    url = "https://example.com/feed.xml"

    code, out, err = run(capsys, "remove", url)

    assert (code, out) == (1, "")
    assert err == (f"rajpoot-tui: not following {url} (rajpoot-tui feeds lists what you follow)\n")
    assert config_bytes() == USER_CONFIG.encode()


def test_removing_the_last_feed_follows_nothing_rather_than_the_default(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(capsys, "remove", DEFAULT_FEED_URL)[0] == 0

    assert followed() == ()
    assert tomllib.loads(paths.config_path().read_text(encoding="utf-8"))["feeds"] == []
    assert run(capsys, "feeds") == (
        0,
        "You follow no feeds. Add one with: rajpoot-tui add URL\n",
        "",
    )
    assert list_json(capsys) == []


def test_remove_accepts_the_address_the_way_add_does(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = local_feed(tmp_path).as_uri()
    assert main(["add", url]) == 0
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "remove", "manton.rss")[0] == 0
    assert followed() == (DEFAULT,)


# ------------------------------------------------------------------ feeds


def test_feeds_prints_one_line_per_feed_with_folder_title_unread_and_url(
    capsys: pytest.CaptureFixture[str], feed_server: FeedServer
) -> None:
    local = feed_server.route("/feed.xml", ok())
    go = feed_server.route("/go.xml", ok(rss([numbered_item(7)], title="Go Feed")))
    assert main(["add", local]) == 0
    assert main(["add", go, "--folder", "Tech / Go", "--title", "My Go"]) == 0

    code, out, err = run(capsys, "feeds")

    assert (code, err) == (0, "")
    width = len(SEED_TITLE)
    assert out.splitlines() == [
        f"{SEED_TITLE}     63 unread  {DEFAULT_FEED_URL}  (not fetched yet)",
        f"{'Local Feed'.ljust(width)}      3 unread  {local}",
        f"{'Tech / Go / My Go'.ljust(width)}      1 unread  {go}",
    ]


def test_feeds_shows_the_error_of_a_feed_whose_last_refresh_failed(
    capsys: pytest.CaptureFixture[str], feed_server: FeedServer
) -> None:
    url = feed_server.route_sequence("/feed.xml", [ok(), Response(404, {}, b"")])
    assert main(["add", url]) == 0
    code, out, _ = run(capsys, "refresh", "--feed", url)
    assert code == 1
    error = out.removeprefix("Local Feed: ").rstrip("\n")
    assert "404" in error

    code, out, err = run(capsys, "feeds")

    assert (code, err) == (0, "")
    [line] = [line for line in out.splitlines() if url in line]
    assert line.startswith("Local Feed")
    assert "3 unread" in line  # the posts stay
    assert "  ! failed " in line
    assert line.endswith(f": {error}")

    [row] = [row for row in json.loads(run(capsys, "feeds", "--json")[1]) if row["url"] == url]
    assert row["last_error"] == error
    assert row["failed_at"] is not None
    assert row["fetched"] is True

    # Once it works again, the error is gone.
    feed_server.route("/feed.xml", ok())
    assert main(["refresh", "--feed", url]) == 0
    [line] = [line for line in run(capsys, "feeds")[1].splitlines() if url in line]
    assert "failed" not in line


def test_feeds_json_has_the_documented_keys_and_counts_follow_mark_read(
    capsys: pytest.CaptureFixture[str], feed_server: FeedServer
) -> None:
    url = feed_server.route("/feed.xml", ok())
    assert main(["add", url, "--folder", "Local"]) == 0

    code, out, err = run(capsys, "feeds", "--json")

    assert (code, err) == (0, "")
    rows = json.loads(out)
    assert [set(row) for row in rows] == [FEEDS_JSON_KEYS, FEEDS_JSON_KEYS]
    assert rows == [
        {
            "url": DEFAULT_FEED_URL,
            "title": SEED_TITLE,
            "folder": "",
            "unread": 63,
            "last_error": None,
            "failed_at": None,
            "fetched": False,
        },
        {
            "url": url,
            "title": "Local Feed",
            "folder": "Local",
            "unread": 3,
            "last_error": None,
            "failed_at": None,
            "fetched": True,
        },
    ]

    ids = [row["id"] for row in list_json(capsys, "--feed", url)]
    assert main(["mark", "read", ids[0], ids[2]]) == 0
    unread = {row["url"]: row["unread"] for row in json.loads(run(capsys, "feeds", "--json")[1])}
    assert unread == {DEFAULT_FEED_URL: 63, url: 1}
    [line] = [line for line in run(capsys, "feeds")[1].splitlines() if url in line]
    assert "    1 unread  " in line


# ------------------------------------------------------------------ import


def test_import_of_a_feedly_export_keeps_its_folders(capsys: pytest.CaptureFixture[str]) -> None:
    file = str(OPML / "feedly.opml")

    code, out, err = run(capsys, "import", file)

    assert (code, err) == (0, "")
    # Its backend feed is the one followed already.
    assert out == (
        f"Imported 4 feeds from {file} (1 already followed); fetch them with: rajpoot-tui refresh\n"
    )
    # The default feed had no folder of its own: it takes the one the export gives it.
    assert [(feed.url, feed.folder) for feed in followed()] == [
        (DEFAULT_FEED_URL, "Backend"),
        ("https://martinfowler.com/feed.atom", "Backend"),
        ("https://feeds.arstechnica.com/arstechnica/index", "Tech News"),
        ("https://lwn.net/headlines/rss", "Tech News"),
        ("https://xkcd.com/atom.xml", "Comics & Fun"),
    ]
    assert followed()[1].title == "Martin Fowler"


def test_import_of_an_inoreader_export_adds_a_feed_in_two_folders_once(
    capsys: pytest.CaptureFixture[str],
) -> None:
    file = str(OPML / "inoreader.opml")

    code, out, err = run(capsys, "import", file)

    assert (code, err) == (0, "")
    assert out.startswith(f"Imported 5 feeds from {file}; ")
    urls = [feed.url for feed in followed()]
    assert urls.count("https://blog.rust-lang.org/feed.xml") == 1
    assert [(feed.url, feed.folder) for feed in followed()][1:] == [
        ("https://blog.rust-lang.org/feed.xml", "Programming"),
        ("https://go.dev/blog/feed.atom", "Programming"),
        ("https://blog.rajpoot.dev/posts/index.xml", "Programming"),
        ("https://this-week-in-rust.org/atom.xml", "Rust"),
        ("https://hnrss.org/frontpage", "News"),
    ]

    # Again: nothing new, nothing written.
    before = config_bytes()
    code, out, err = run(capsys, "import", file)
    assert (code, err) == (0, "")
    assert out == f"Imported 0 feeds from {file} (5 already followed)\n"
    assert config_bytes() == before


def test_import_skips_file_outlines_with_a_message(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    file = tmp_path / "shared.opml"
    file.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head><title>x</title></head><body>'
        '<outline type="rss" text="Secrets" xmlUrl="file:///etc/passwd"/>'
        '<outline type="rss" text="Go" xmlUrl="https://go.dev/blog/feed.atom"/>'
        "</body></opml>",
        encoding="utf-8",
    )

    code, out, err = run(capsys, "import", str(file))

    assert code == 0
    assert out.startswith(f"Imported 1 feed from {file}; ")
    assert err.startswith("rajpoot-tui: skipped file:///etc/passwd: ")
    assert "rajpoot-tui add PATH" in err
    assert [feed.url for feed in followed()] == [
        DEFAULT_FEED_URL,
        "https://go.dev/blog/feed.atom",
    ]


def test_import_saves_urls_folders_and_titles_the_way_the_reader_reads_them(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Exporters write what their users typed: hosts in capitals, no path, a fragment,
    # the same feed twice in two spellings, "/" inside a folder's name.
    file = tmp_path / "typed.opml"
    file.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head><title>x</title></head><body>'
        '<outline text="News/Tech">'
        '<outline type="rss" text="  Martin\tFowler " xmlUrl="https://MartinFowler.com"/>'
        '<outline type="rss" text="LWN" xmlUrl="HTTPS://LWN.net/headlines/rss#top"/>'
        '<outline type="rss" text="LWN again" xmlUrl="https://lwn.net/headlines/rss"/>'
        "</outline></body></opml>",
        encoding="utf-8",
    )

    code, out, err = run(capsys, "import", str(file))

    assert (code, err) == (0, "")
    assert out.startswith(f"Imported 2 feeds from {file}")
    assert followed() == (
        DEFAULT,
        FeedRef("https://martinfowler.com/", title="Martin Fowler", folder="News / Tech"),
        FeedRef("https://lwn.net/headlines/rss", title="LWN", folder="News / Tech"),
    )
    # And again: the same feeds, already followed.
    before = config_bytes()
    code, out, _ = run(capsys, "import", str(file))
    assert (code, config_bytes()) == (0, before)
    assert out.startswith(f"Imported 0 feeds from {file}")


@pytest.mark.parametrize(
    ("name", "says"),
    [("billion_laughs.opml", "entities"), ("garbage.opml", "not an OPML file")],
)
def test_import_of_a_hostile_or_broken_file_exits_1_and_changes_nothing(
    capsys: pytest.CaptureFixture[str], name: str, says: str
) -> None:
    write_config()
    file = str(OPML / name)

    code, out, err = run(capsys, "import", file)

    assert (code, out) == (1, "")
    assert err.startswith(f"rajpoot-tui: {file}: ")
    assert says in err
    assert err.count("\n") == 1
    assert config_bytes() == USER_CONFIG.encode()


def test_import_of_a_missing_file_exits_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    file = str(tmp_path / "nowhere.opml")

    code, out, err = run(capsys, "import", file)

    assert (code, out) == (1, "")
    assert err.startswith(f"rajpoot-tui: could not read {file}: ")
    assert config_bytes() is None


# ------------------------------------------------------------------ export


def test_export_to_stdout_and_to_a_file_reads_back_as_the_feeds_followed(
    capsys: pytest.CaptureFixture[str], feed_server: FeedServer, tmp_path: Path
) -> None:
    url = feed_server.route("/feed.xml", ok())
    assert main(["import", str(OPML / "feedly.opml")]) == 0
    assert main(["add", url, "--folder", "Tech / Local"]) == 0
    expected = [(feed.url, feed.folder) for feed in followed()]
    assert len(expected) == 6

    code, out, err = run(capsys, "export")
    assert (code, err) == (0, "")
    exported = parse_opml(out.encode())
    assert [(feed.url, feed.folder) for feed in exported] == expected
    # A feed without a title of its own is exported under the feed's.
    assert {feed.url: feed.title for feed in exported}[url] == "Local Feed"

    file = tmp_path / "subscriptions.opml"
    code, out, err = run(capsys, "export", str(file))
    assert (code, err) == (0, "")
    assert out == f"Wrote 6 feeds to {file}\n"
    again = parse_opml(file.read_bytes())
    assert [(feed.url, feed.folder) for feed in again] == expected


def test_export_remove_everything_import_gives_back_the_same_feeds(
    capsys: pytest.CaptureFixture[str], feed_server: FeedServer, tmp_path: Path
) -> None:
    write_config()
    url = feed_server.route("/feed.xml", ok())
    assert main(["import", str(OPML / "netnewswire.opml")]) == 0
    assert main(["add", url, "--title", "Mine"]) == 0
    # Folders are written as nested outlines, so a folder's feeds come back together
    # (the default feed's "Blogs" gets the imported blog feed next to it): same feeds,
    # same folders, grouped.
    before = sorted((feed.url, feed.folder) for feed in followed())
    assert ("https://this-week-in-rust.org/atom.xml", "Tech / Rust") in before
    file = tmp_path / "backup.opml"
    assert main(["export", str(file)]) == 0

    for feed_url, _ in before:
        assert main(["remove", feed_url]) == 0
    assert followed() == ()

    code, out, err = run(capsys, "import", str(file))

    assert (code, err) == (0, "")
    assert out.startswith(f"Imported {len(before)} feeds from {file}; ")
    assert sorted((feed.url, feed.folder) for feed in followed()) == before
    assert {feed.url: feed.title for feed in followed()}[url] == "Mine"


def test_export_of_no_feeds_is_an_empty_opml_document(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["remove", DEFAULT_FEED_URL]) == 0
    code, out, _ = run(capsys, "export")
    assert code == 0
    assert parse_opml(out.encode()) == []


def test_export_of_one_feed_to_a_new_folder_says_one_feed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    file = tmp_path / "backups" / "feeds.opml"
    assert run(capsys, "export", str(file)) == (0, f"Wrote 1 feed to {file}\n", "")
    assert [feed.url for feed in parse_opml(file.read_bytes())] == [DEFAULT_FEED_URL]


def test_export_onto_a_folder_exits_1_and_leaves_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = tmp_path / "exports"
    (folder / "kept.txt").parent.mkdir()
    (folder / "kept.txt").write_text("mine", encoding="utf-8")

    code, out, err = run(capsys, "export", str(folder))

    assert (code, out) == (1, "")
    assert err.startswith(f"rajpoot-tui: could not write {folder}: ")
    assert err.count("\n") == 1
    assert [entry.name for entry in folder.iterdir()] == ["kept.txt"]


# ------------------------------------------------------------------ mark


def test_mark_sets_and_clears_read_and_starred(
    capsys: pytest.CaptureFixture[str], feed_server: FeedServer
) -> None:
    url = feed_server.route("/feed.xml", ok())
    assert main(["add", url]) == 0
    ids = [row["id"] for row in list_json(capsys, "--feed", url)]

    def marks() -> list[tuple[bool, bool]]:
        rows = {row["id"]: row for row in list_json(capsys, "--feed", url)}
        return [(rows[post]["read"], rows[post]["starred"]) for post in ids]

    assert run(capsys, "mark", "read", ids[0], ids[1]) == (0, "", "")
    assert marks() == [(True, False), (True, False), (False, False)]
    assert run(capsys, "mark", "star", ids[1], ids[2]) == (0, "", "")
    assert marks() == [(True, False), (True, True), (False, True)]
    assert run(capsys, "mark", "unread", ids[1]) == (0, "", "")
    assert run(capsys, "mark", "unstar", ids[2]) == (0, "", "")
    assert marks() == [(True, False), (False, True), (False, False)]
    assert [row["id"] for row in list_json(capsys, "--unread", "--feed", url)] == ids[1:]
    assert [row["id"] for row in list_json(capsys, "--starred", "--feed", url)] == [ids[1]]


def test_mark_with_an_unknown_id_names_it_and_still_marks_the_others(
    capsys: pytest.CaptureFixture[str], feed_server: FeedServer
) -> None:
    url = feed_server.route("/feed.xml", ok())
    assert main(["add", url]) == 0
    ids = [row["id"] for row in list_json(capsys, "--feed", url)]

    code, out, err = run(capsys, "mark", "read", ids[0], "no-such-post", ids[2])

    assert (code, out) == (1, "")
    assert err == (
        "rajpoot-tui: no stored post has the id 'no-such-post' (see rajpoot-tui list --json)\n"
    )
    rows = {row["id"]: row["read"] for row in list_json(capsys, "--feed", url)}
    assert rows == {ids[0]: True, ids[1]: False, ids[2]: True}


def test_mark_works_on_the_default_feeds_stored_posts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    first = list_json(capsys)[0]["id"]  # the seed snapshot
    assert main(["mark", "star", first]) == 0
    assert [row["id"] for row in list_json(capsys, "--starred")] == [first]


@pytest.mark.parametrize("args", [["mark", "hide", "x"], ["mark", "read"]])
def test_mark_with_a_bad_mark_or_no_id_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    with pytest.raises(SystemExit) as exit:
        main(args)
    assert exit.value.code == 2
    err = capsys.readouterr().err
    assert "usage:" in err
    assert "mark" in err


# ------------------------------------------------------------------ the user's file


def test_the_users_comments_and_settings_survive_add_import_and_remove(
    capsys: pytest.CaptureFixture[str], feed_server: FeedServer
) -> None:
    path = write_config()
    url = feed_server.route("/feed.xml", ok())

    assert main(["add", url, "--folder", "Local"]) == 0
    text = path.read_text(encoding="utf-8")
    assert text.startswith(USER_CONFIG)  # appended, nothing above touched
    assert main(["import", str(OPML / "newsboat.opml")]) == 0
    text = path.read_text(encoding="utf-8")
    assert text.startswith(USER_CONFIG)
    assert main(["remove", url]) == 0
    assert main(["remove", "https://lwn.net/headlines/rss"]) == 0

    text = path.read_text(encoding="utf-8")
    for comment in USER_COMMENTS:
        assert comment in text.splitlines()
    assert url not in text
    settings = load_settings()
    assert settings.notices == ()
    assert settings.theme == "nord"
    assert settings.feeds[0] == FeedRef(DEFAULT_FEED_URL, folder="Blogs")
    assert [feed.url for feed in settings.feeds] == [
        DEFAULT_FEED_URL,
        "https://blog.rajpoot.dev/index.xml",
        "https://blog.rajpoot.dev/posts/index.xml",
        "https://xkcd.com/atom.xml",
        "https://hnrss.org/newest?points=300",
    ]
    data = tomllib.loads(text)
    assert data["keys"] == {"star": "x"}

    # Removing the feed the file had from the start keeps the comment above it
    # leading into whatever follows, and every other comment.
    assert main(["remove", DEFAULT_FEED_URL]) == 0
    text = path.read_text(encoding="utf-8")
    for comment in USER_COMMENTS:
        if "keep it on top" not in comment:
            assert comment in text.splitlines()
    assert DEFAULT_FEED_URL not in [feed.url for feed in load_settings().feeds]
