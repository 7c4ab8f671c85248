"""The headless CLI as a user runs it: ``python -m tui ...`` in a real subprocess.

Every subprocess gets its own XDG homes under tmp_path and no proxy variables,
so it talks only to the local test server. In-process ``main([...])`` calls use
the same homes (the autouse fixture points the XDG variables at them) and are
used where a subprocess would add nothing but start-up time.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.builders import numbered_item, rss
from tests.httpserver import FeedServer, Response, retry_after
from tui import DEFAULT_FEED_URL, __version__, paths
from tui.__main__ import main
from tui.refresh import refresh_feed
from tui.settings import config_template
from tui.store import Store

SEED_POSTS = 63
FEED_HEADERS = {"Content-Type": "application/rss+xml; charset=utf-8"}
ETAG = '"v1"'
JSON_KEYS = {"id", "feed", "feed_title", "title", "link", "published", "read", "starred"}
SEED_TITLE = "Backend on Manvendra Rajpoot"
# Anything a terminal could act on: C0 except newline, DEL, C1.
CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")
TIMEOUT = 60  # a hung CLI fails the test instead of hanging the run

# Runs main() with the given argv and reports, as the last stdout line, which heavy
# modules got imported. --version and --help end in SystemExit, which is caught.
REPORT_IMPORTS = """
import json, sys
from tui.__main__ import main
try:
    code = main(sys.argv[1:])
except SystemExit as exit:
    code = exit.code
sys.stdout.flush()
heavy = sorted(m for m in ("textual", "httpx", "feedparser") if m in sys.modules)
print(json.dumps({"code": code, "heavy": heavy}))
"""

# Runs main() with every way of reaching the network disabled and recorded;
# reports on stderr (stdout carries the listing).
REPORT_NETWORK = """
import json, socket, sys
attempts = []
def refuse(*args, **kwargs):
    attempts.append(repr(args[1:]))
    raise OSError("the network was used")
socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.getaddrinfo = refuse
socket.create_connection = refuse
from tui.__main__ import main
code = main(sys.argv[1:])
sys.stdout.flush()
heavy = sorted(m for m in ("textual", "httpx") if m in sys.modules)
print(json.dumps({"code": code, "heavy": heavy, "attempts": attempts}), file=sys.stderr)
"""


V1 = rss([numbered_item(1), numbered_item(2), numbered_item(3)], title="Local Feed")


def ok(body: bytes = V1, /, **headers: str) -> Response:
    return Response(200, {**FEED_HEADERS, **headers}, body)


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    """The environment for a CLI subprocess: homes under tmp_path, no proxies."""
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    for name in ("XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "HOME"):
        # The same directories the autouse fixture gives in-process code.
        home = tmp_path / name.lower()
        home.mkdir(exist_ok=True)
        env[name] = str(home)
    env["TZ"] = "UTC"
    return env


def run_cli(
    env: dict[str, str], *args: str, code: str | None = None
) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-c", code, *args] if code else [sys.executable, "-m", "tui", *args]
    return subprocess.run(
        argv,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=TIMEOUT,
        check=False,
    )


def open_store() -> Store:
    return Store.open(paths.cache_db_path(), paths.state_db_path())


def list_json(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, Any]]:
    capsys.readouterr()
    assert main(["list", "--json", *args]) == 0
    out = capsys.readouterr().out
    rows = json.loads(out)
    assert isinstance(rows, list)
    return rows


def assert_no_control(text: str) -> None:
    assert "\x1b" not in text
    assert not CONTROL.search(text), repr(CONTROL.search(text))


# ------------------------------------------------------------------ --version / --help


def test_version_prints_name_and_version(cli_env: dict[str, str]) -> None:
    result = run_cli(cli_env, "--version")
    assert result.returncode == 0
    assert result.stdout == f"rajpoot-tui {__version__}\n"
    assert result.stderr == ""


def test_help_names_the_commands_and_the_feed_option(cli_env: dict[str, str]) -> None:
    result = run_cli(cli_env, "--help")
    assert result.returncode == 0
    for word in ("refresh", "list", "--feed"):
        assert word in result.stdout


def test_list_help_names_its_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit:
        main(["list", "--help"])
    assert exit.value.code == 0
    out = capsys.readouterr().out
    for word in ("--unread", "--starred", "--json", "--feed"):
        assert word in out


@pytest.mark.parametrize("flag", ["--version", "--help"])
def test_version_and_help_import_no_heavy_library(cli_env: dict[str, str], flag: str) -> None:
    result = run_cli(cli_env, flag, code=REPORT_IMPORTS)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.splitlines()[-1])
    assert report == {"code": 0, "heavy": []}


# ------------------------------------------------------------------ list


def test_list_on_a_fresh_home_shows_the_seed_posts(cli_env: dict[str, str]) -> None:
    result = run_cli(cli_env, "list")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == SEED_POSTS
    for line in lines:
        marker, date, rest = line[:2], *line[3:].split(" ", 1)
        assert marker == "● "  # all unread, none starred
        assert datetime.strptime(date, "%Y-%m-%d")
        assert rest.rstrip().split()[-1].startswith("https://blog.rajpoot.dev/")
    assert_no_control(result.stdout)
    # The list reflects the store it filled: the files exist where XDG says.
    assert (Path(cli_env["XDG_CACHE_HOME"]) / "rajpoot-tui" / "posts.sqlite3").exists()
    assert (Path(cli_env["XDG_DATA_HOME"]) / "rajpoot-tui" / "state.sqlite3").exists()


def test_list_never_touches_the_network_nor_imports_httpx(cli_env: dict[str, str]) -> None:
    result = run_cli(cli_env, "list", "--json", code=REPORT_NETWORK)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stderr.splitlines()[-1])
    assert report == {"code": 0, "heavy": [], "attempts": []}
    assert len(json.loads(result.stdout)) == SEED_POSTS


def test_list_of_another_feed_sends_no_request(
    cli_env: dict[str, str], feed_server: FeedServer
) -> None:
    url = feed_server.route("/feed.xml", ok())
    result = run_cli(cli_env, "list", "--json", "--feed", url)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []
    assert feed_server.requests == []


def test_list_json_is_one_array_with_exactly_the_documented_keys(
    cli_env: dict[str, str],
) -> None:
    result = run_cli(cli_env, "list", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)  # the whole output is one document
    assert isinstance(rows, list)
    assert len(rows) == SEED_POSTS
    assert len({row["id"] for row in rows}) == SEED_POSTS
    published = []
    for row in rows:
        assert set(row) == JSON_KEYS
        assert row["feed"] == DEFAULT_FEED_URL
        assert row["feed_title"] == SEED_TITLE
        assert isinstance(row["id"], str) and row["id"]
        assert isinstance(row["title"], str) and row["title"]
        assert row["link"].startswith("https://blog.rajpoot.dev/")
        assert row["read"] is False
        assert row["starred"] is False
        when = datetime.fromisoformat(row["published"])
        assert when.utcoffset() is not None
        published.append(when)
    assert published == sorted(published, reverse=True)  # newest first


def test_unread_and_starred_filter_the_list(capsys: pytest.CaptureFixture[str]) -> None:
    everything = list_json(capsys)
    assert len(everything) == SEED_POSTS
    read_id, starred_id = everything[0]["id"], everything[5]["id"]
    with open_store() as store:
        store.set_read([read_id])
        store.set_starred(starred_id, True)

    unread = list_json(capsys, "--unread")
    assert len(unread) == SEED_POSTS - 1
    assert read_id not in {row["id"] for row in unread}
    assert [row["id"] for row in list_json(capsys, "--starred")] == [starred_id]
    assert list_json(capsys, "--starred", "--unread") == [{**everything[5], "starred": True}]
    after = {row["id"]: row for row in list_json(capsys)}
    assert after[read_id]["read"] is True
    assert after[starred_id]["starred"] is True

    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("   ")  # read, not starred: no marker
    assert lines[5].startswith("●★ ")  # a starred post still shows it is unread
    assert all(line.startswith("●  ") for i, line in enumerate(lines) if i not in (0, 5))
    assert main(["list", "--unread"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == SEED_POSTS - 1


@pytest.mark.parametrize("where", ["after", "before"])
def test_feed_option_works_before_and_after_the_command(
    cli_env: dict[str, str], feed_server: FeedServer, where: str
) -> None:
    url = feed_server.route("/feed.xml", ok())
    with open_store() as store:
        assert refresh_feed(store, url).ok
    feed = ["--feed", url]
    args = ["list", "--json", *feed] if where == "after" else [*feed, "list", "--json"]

    result = run_cli(cli_env, *args)

    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [row["title"] for row in rows] == ["Post 3", "Post 2", "Post 1"]
    assert {row["feed"] for row in rows} == {url}


def test_feed_after_the_command_wins_over_one_before(
    capsys: pytest.CaptureFixture[str], feed_server: FeedServer
) -> None:
    url = feed_server.route("/feed.xml", ok())
    with open_store() as store:
        refresh_feed(store, url)
    capsys.readouterr()
    assert main(["--feed", DEFAULT_FEED_URL, "list", "--json", "--feed", url]) == 0
    assert {row["feed"] for row in json.loads(capsys.readouterr().out)} == {url}
    # And without --feed the feeds followed are listed: a feed looked at once with
    # --feed is not one of them.
    assert {row["feed"] for row in list_json(capsys)} == {DEFAULT_FEED_URL}
    assert main(["add", url]) == 0
    assert {row["feed"] for row in list_json(capsys)} == {DEFAULT_FEED_URL, url}


def test_refresh_without_feed_fetches_every_feed_followed_one_line_each(
    capsys: pytest.CaptureFixture[str], feed_server: FeedServer
) -> None:
    url = feed_server.route("/feed.xml", ok())
    assert main(["add", url, "--folder", "Local"]) == 0
    capsys.readouterr()

    # The default feed can't be reached here (tests have no internet): exit 1.
    assert main(["refresh"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith(f"{SEED_TITLE}: blog.rajpoot.dev: could not resolve")
    assert lines[1] == "Local Feed: no new posts"
    assert lines[2] == "1 of 2 feeds refreshed, 1 failed"
    assert feed_server.hits("/feed.xml") == 2  # once to add it, once now


@pytest.mark.parametrize(
    "args",
    [
        ["list", "--feed", "ftp://example.com/feed.xml"],
        ["--feed", "javascript:x", "list"],
        ["refresh", "--feed", "javascript:alert(1)"],
    ],
)
def test_an_invalid_feed_exits_2_with_a_message(
    cli_env: dict[str, str], feed_server: FeedServer, args: list[str]
) -> None:
    result = run_cli(cli_env, *args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "--feed" in result.stderr
    assert "http" in result.stderr
    assert_no_control(result.stderr)


@pytest.mark.parametrize(
    "bad",
    ["ftp://example.com/feed.xml", "not a feed", "http://", "", "http://a b/", "file://host/f"],
)
@pytest.mark.parametrize("command", [["list"], ["refresh"], []])
def test_invalid_feeds_are_refused_before_anything_runs(
    capsys: pytest.CaptureFixture[str], bad: str, command: list[str]
) -> None:
    # With no command this would start the reader; it must not get that far.
    assert main([*command, "--feed", bad] if command else ["--feed", bad]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "--feed" in captured.err
    assert not paths.cache_db_path().exists()


# ------------------------------------------------------------------ refresh


def test_refresh_prints_one_summary_line_then_up_to_date(
    cli_env: dict[str, str], feed_server: FeedServer
) -> None:
    url = feed_server.route_sequence(
        "/feed.xml", [ok(ETag=ETAG), Response(304, {"ETag": ETAG}, b"")]
    )

    first = run_cli(cli_env, "refresh", "--feed", url)
    assert first.returncode == 0, first.stderr
    assert first.stdout == "Local Feed: 3 new\n"
    assert first.stderr == ""

    second = run_cli(cli_env, "--feed", url, "refresh")
    assert second.returncode == 0, second.stderr
    assert second.stdout == "Local Feed: up to date\n"
    assert feed_server.requests_for("/feed.xml")[1].header("if-none-match") == ETAG


@pytest.mark.parametrize(
    ("response", "says"),
    [
        pytest.param(Response(404, {"Content-Type": "text/plain"}, b"gone"), "404", id="404"),
        # Retry-After: 0 keeps the retries (which a 500 gets) instant.
        pytest.param(Response(500, {"Retry-After": "0"}, b"oops"), "500", id="500"),
    ],
)
def test_refresh_of_a_failing_feed_exits_1_with_the_error_in_the_line(
    cli_env: dict[str, str], feed_server: FeedServer, response: Response, says: str
) -> None:
    url = feed_server.route("/feed.xml", response)
    result = run_cli(cli_env, "refresh", "--feed", url)
    assert result.returncode == 1
    [line] = result.stdout.splitlines()
    assert says in line
    assert url in line  # a feed never fetched has no title yet: its URL names it
    assert len(line) <= 200
    assert "Traceback" not in result.stderr


def test_a_failed_refresh_keeps_the_posts_and_names_the_feed(
    cli_env: dict[str, str], feed_server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    url = feed_server.route_sequence("/feed.xml", [ok(), Response(404, {}, b"")])
    assert run_cli(cli_env, "refresh", "--feed", url).returncode == 0
    result = run_cli(cli_env, "refresh", "--feed", url)
    assert result.returncode == 1
    assert result.stdout.startswith("Local Feed: ")
    assert "404" in result.stdout
    assert len(list_json(capsys, "--feed", url)) == 3


def test_read_and_starred_marks_survive_a_refresh(
    cli_env: dict[str, str], feed_server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    v2 = rss(
        [numbered_item(4), numbered_item(3), numbered_item(2, "Edited."), numbered_item(1)],
        title="Local Feed",
    )
    url = feed_server.route_sequence("/feed.xml", [ok(), ok(v2)])
    assert run_cli(cli_env, "refresh", "--feed", url).returncode == 0
    ids = {row["title"]: row["id"] for row in list_json(capsys, "--feed", url)}
    with open_store() as store:
        store.set_read([ids["Post 1"], ids["Post 2"]])
        store.set_starred(ids["Post 2"], True)

    result = run_cli(cli_env, "refresh", "--feed", url)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "Local Feed: 1 new, 1 updated\n"
    rows = {row["title"]: row for row in list_json(capsys, "--feed", url)}
    assert (rows["Post 1"]["read"], rows["Post 1"]["starred"]) == (True, False)
    assert (rows["Post 2"]["read"], rows["Post 2"]["starred"]) == (True, True)
    assert (rows["Post 3"]["read"], rows["Post 4"]["read"]) == (False, False)
    assert [row["title"] for row in list_json(capsys, "--feed", url, "--unread")] == [
        "Post 4",
        "Post 3",
    ]


def test_two_refreshes_at_once_both_succeed(
    cli_env: dict[str, str], feed_server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    many = rss([numbered_item(n) for n in range(1, 28)], title="Local Feed")
    # A small delay keeps both processes in flight together against a fresh store.
    url = feed_server.route("/feed.xml", Response(200, FEED_HEADERS, many, headers_delay=0.1))
    argv = [sys.executable, "-m", "tui", "refresh", "--feed", url]
    procs = [
        subprocess.Popen(
            argv,
            env=cli_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        for _ in range(2)
    ]
    results = [(proc, *proc.communicate(timeout=TIMEOUT)) for proc in procs]

    for proc, out, err in results:
        assert proc.returncode == 0, err
        assert "locked" not in err
        assert err == ""
        assert out.startswith("Local Feed: ")
    rows = list_json(capsys, "--feed", url)
    assert len(rows) == 27
    assert len({row["id"] for row in rows}) == 27


HOSTILE_FEEDS = {
    # Numeric references to ESC/BEL: not allowed in XML 1.0, so the lenient parser reads it.
    "char-refs": (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        "<title>Evil &#x1b;]0;owned&#x7; feed &#x1b;[31m</title><link>https://e.com/</link>"
        "<item><title>Clear &#27;[2J&#27;[H screen</title><link>https://e.com/a</link>"
        "<description>x &#x1b;[31m red</description></item></channel></rss>"
    ),
    # Raw ESC/BEL inside CDATA (also invalid XML, also read leniently).
    "cdata": (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        "<title><![CDATA[Raw \x1b]0;pwned\x07 feed]]></title><link>https://e.com/</link>"
        "<item><title><![CDATA[Clear \x1b[2J\x1b[H screen]]></title>"
        "<link>https://e.com/c\x1b[0m</link></item></channel></rss>"
    ),
    # C1 controls (8-bit CSI/OSC/ST, NEL) are *valid* XML 1.0 characters.
    "c1": (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        "<title>C1 \u009b2J feed \u009d0;owned\u009c</title><link>https://e.com/</link>"
        "<item><title>Red \u009b31m \u0085 text</title><link>https://e.com/b</link>"
        "<author>\u009b5m</author></item></channel></rss>"
    ),
}


@pytest.mark.parametrize("name", list(HOSTILE_FEEDS))
def test_a_hostile_feed_never_puts_control_characters_in_the_output(
    cli_env: dict[str, str],
    feed_server: FeedServer,
    capsys: pytest.CaptureFixture[str],
    name: str,
) -> None:
    url = feed_server.route("/feed.xml", ok(HOSTILE_FEEDS[name].encode()))

    result = run_cli(cli_env, "refresh", "--feed", url)

    assert result.returncode == 0, result.stderr
    assert "1 new" in result.stdout
    assert "feed" in result.stdout.splitlines()[0]  # the (cleaned) feed title is shown
    assert_no_control(result.stdout)
    assert_no_control(result.stderr)
    capsys.readouterr()
    assert main(["list", "--feed", url]) == 0
    assert main(["list", "--json", "--feed", url]) == 0
    out = capsys.readouterr().out
    assert_no_control(out)
    assert "\\u001b" not in out  # not even escaped inside the JSON strings


def test_a_closed_pipe_ends_list_quietly(cli_env: dict[str, str]) -> None:
    # `rajpoot-tui list | head -1`: the reader goes away; no traceback for the user.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "tui", "list"],
            env=cli_env,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            timeout=TIMEOUT,
            check=False,
        )
    finally:
        os.close(write_end)
    assert result.stderr == ""
    assert result.returncode == 1


def test_a_feed_looked_at_with_feed_is_never_refreshed_later(
    capsys: pytest.CaptureFixture[str], feed_server: FeedServer
) -> None:
    """The old trap: one mistyped --feed made every later `refresh` fail for ever."""
    typo = feed_server.route("/fed.xml", Response(404, {}, b"not found"))
    assert main(["refresh", "--feed", typo]) == 1
    url = feed_server.route("/feed.xml", ok())
    assert main(["add", url]) == 0
    assert main(["remove", DEFAULT_FEED_URL]) == 0
    capsys.readouterr()
    assert main(["refresh"]) == 0
    assert capsys.readouterr().out.splitlines() == ["Local Feed: no new posts"]
    assert feed_server.hits("/fed.xml") == 1


# ------------------------------------------------------------------ config

# A stand-in editor: records its argv (and a copy of the file as it found it), writes
# what FAKE_WRITE holds into the file it was given (when set), and exits with FAKE_EXIT.
FAKE_EDITOR = """
import json, os, shutil, sys
with open(os.environ["FAKE_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
if os.path.exists(sys.argv[-1]):
    shutil.copyfile(sys.argv[-1], os.environ["FAKE_LOG"] + ".seen")
if "FAKE_WRITE" in os.environ:
    with open(sys.argv[-1], "w", encoding="utf-8") as config:
        config.write(os.environ["FAKE_WRITE"])
sys.exit(int(os.environ.get("FAKE_EXIT", "0")))
"""


@pytest.fixture
def fake_editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An editor script, and the log of its calls (one JSON argv per line)."""
    script = tmp_path / "fake editor.py"  # a space, so splitting $EDITOR matters
    script.write_text(FAKE_EDITOR, encoding="utf-8")
    log = tmp_path / "editor.log"
    monkeypatch.setenv("FAKE_LOG", str(log))
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("FAKE_WRITE", raising=False)
    return script


def editor_calls(tmp_path: Path) -> list[list[str]]:
    log = tmp_path / "editor.log"
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def test_config_prints_the_path_and_writes_the_commented_template(
    cli_env: dict[str, str],
) -> None:
    result = run_cli(cli_env, "config")
    assert result.returncode == 0, result.stderr
    expected = Path(cli_env["XDG_CONFIG_HOME"]) / "rajpoot-tui" / "config.toml"
    assert result.stdout == f"{expected}\n"
    assert result.stderr == ""
    assert expected.read_text(encoding="utf-8") == config_template()


def test_config_never_overwrites_and_reports_mistakes_on_stderr(
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = paths.config_path()
    path.parent.mkdir(parents=True)
    path.write_text('theme = "nord"\nsort = "newst"\n', encoding="utf-8")
    assert main(["config"]) == 0
    captured = capsys.readouterr()
    assert captured.out == f"{path}\n"  # stdout stays just the path, for $(rajpoot-tui config)
    assert captured.err == (
        f'rajpoot-tui: {path} line 2: sort = "newst" is not one of newest, oldest, title, '
        'unread-first; using "newest"\n'
    )
    assert path.read_text(encoding="utf-8") == 'theme = "nord"\nsort = "newst"\n'


def test_config_imports_no_heavy_library_and_no_tomlkit(cli_env: dict[str, str]) -> None:
    probe = REPORT_IMPORTS.replace(
        '("textual", "httpx", "feedparser")', '("textual", "httpx", "feedparser", "tomlkit")'
    )
    result = run_cli(cli_env, "config", code=probe)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == {"code": 0, "heavy": []}


def test_config_edit_runs_editor_with_its_arguments_on_the_file(
    tmp_path: Path,
    fake_editor: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(
        "EDITOR", f"{shlex.quote(sys.executable)} {shlex.quote(str(fake_editor))} -w"
    )
    assert main(["config", "--edit"]) == 0
    path = paths.config_path()
    assert editor_calls(tmp_path) == [["-w", str(path)]]
    # The editor opened the commented template, not an empty new file.
    assert (tmp_path / "editor.log.seen").read_text(encoding="utf-8") == config_template()
    assert path.read_text(encoding="utf-8") == config_template()
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", "")


def test_config_edit_reports_the_mistakes_just_made_and_returns_the_editors_code(
    tmp_path: Path,
    fake_editor: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("EDITOR", shlex.join([sys.executable, str(fake_editor)]))
    monkeypatch.setenv("FAKE_WRITE", 'theme = "nord"\nrefresh_minute = 5\nretention = 0\n')
    monkeypatch.setenv("FAKE_EXIT", "3")
    assert main(["config", "--edit"]) == 3
    path = paths.config_path()
    assert capsys.readouterr().err == (
        f"rajpoot-tui: {path} line 2: unknown setting 'refresh_minute'; "
        "did you mean 'refresh_minutes'?\n"
        f"rajpoot-tui: {path} line 3: retention = 0 is not a whole number of at least 1; "
        "using 2000\n"
    )


def test_config_edit_says_where_a_file_stopped_being_toml(
    tmp_path: Path,
    fake_editor: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("EDITOR", shlex.join([sys.executable, str(fake_editor)]))
    monkeypatch.setenv("FAKE_WRITE", "theme = nord\n")
    # Exit 1: the file as saved does not load, and a script should know.
    assert main(["config", "--edit"]) == 1
    path = paths.config_path()
    assert capsys.readouterr().err == (
        f"rajpoot-tui: {path} line 1, column 9: not valid TOML (Invalid value); every setting "
        "uses its default until it is fixed (the file is left as it is).\n"
    )
    assert path.read_text(encoding="utf-8") == "theme = nord\n"


def test_config_edit_prefers_visual_over_editor(
    tmp_path: Path, fake_editor: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VISUAL", shlex.join([sys.executable, str(fake_editor), "visual"]))
    monkeypatch.setenv("EDITOR", shlex.join([sys.executable, str(fake_editor), "editor"]))
    assert main(["config", "--edit"]) == 0
    assert editor_calls(tmp_path) == [["visual", str(paths.config_path())]]


def test_config_edit_falls_back_to_nano_on_the_path(
    tmp_path: Path, fake_editor: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    nano = bin_dir / "nano"
    nano.write_text(f"#!{sys.executable}\n{FAKE_EDITOR}", encoding="utf-8")
    nano.chmod(0o755)
    monkeypatch.delenv("EDITOR", raising=False)
    monkeypatch.setenv("PATH", str(bin_dir))
    assert main(["config", "--edit"]) == 0
    assert editor_calls(tmp_path) == [[str(paths.config_path())]]


def test_config_edit_without_any_editor_says_so_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("VISUAL", "EDITOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    assert main(["config", "--edit"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "rajpoot-tui: no editor found: set $VISUAL or $EDITOR (nano and vi are not installed)\n"
    )
    assert paths.config_path().exists()  # the template is there for whatever editor comes


def test_config_edit_with_a_missing_editor_program_fails_cleanly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", str(tmp_path / "no-such-editor"))
    assert main(["config", "--edit"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"rajpoot-tui: could not run {tmp_path / 'no-such-editor'}: ")
    assert err.count("\n") == 1


def test_config_edit_never_runs_editor_through_a_shell(
    tmp_path: Path, fake_editor: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = tmp_path / "shell-ran"
    command = shlex.join([sys.executable, str(fake_editor)]) + f" ';' touch {marker} $HOME"
    monkeypatch.setenv("EDITOR", command)
    assert main(["config", "--edit"]) == 0
    assert not marker.exists()
    # Split like a shell would, but nothing was run or expanded by one.
    assert editor_calls(tmp_path) == [
        [";", "touch", str(marker), "$HOME", str(paths.config_path())]
    ]


# ------------------------------------------------------------------ politeness


def test_refresh_never_asks_again_inside_a_retry_after_and_says_until_when(
    capsys: pytest.CaptureFixture[str], feed_server: FeedServer
) -> None:
    url = feed_server.route_sequence("/feed.xml", [ok(), retry_after(429, 3600)])
    assert main(["add", url]) == 0
    assert main(["remove", DEFAULT_FEED_URL]) == 0
    assert main(["refresh"]) == 1
    first = capsys.readouterr().out.splitlines()[-1]
    assert first.startswith("Local Feed: 127.0.0.1: rate limited (429 Too Many Requests)")
    assert "the server asked to wait until " in first
    # Straight away again, as a cron job or an impatient person would: nothing is sent.
    assert main(["refresh"]) == 0
    again = capsys.readouterr().out.splitlines()
    assert len(again) == 1
    assert again[0].startswith("Local Feed: 127.0.0.1: the server asked to wait until ")
    assert again[0].endswith("; not fetched")
    assert feed_server.hits("/feed.xml") == 2


def test_refresh_says_each_retry_on_stderr(
    capsys: pytest.CaptureFixture[str], feed_server: FeedServer
) -> None:
    url = feed_server.route_sequence("/feed.xml", [retry_after(503, 0), ok()])
    assert main(["refresh", "--feed", url]) == 0
    captured = capsys.readouterr()
    assert captured.out == "Local Feed: 3 new\n"
    assert "127.0.0.1: server error 503 Service Unavailable" in captured.err
    assert "try 2 of 3 in 0 s" in captured.err
