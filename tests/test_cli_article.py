"""``rajpoot-tui article URL|ID`` against the local server, with a fake extractor.

In-process runs monkeypatch ``tui.articles.service.default_extractor``; subprocess
runs patch it in a small prelude before calling ``main``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.builders import Item, rss
from tests.httpserver import FeedServer, Response, retry_after
from tests.test_articles_service import fake_extract, page
from tui import paths
from tui.__main__ import main
from tui.articles import service
from tui.store import Store

HTML_HEADERS = {"Content-Type": "text/html; charset=utf-8"}
TIMEOUT = 60

PRELUDE = """
import json, re, sys
from dataclasses import dataclass
from tui.articles import service

@dataclass(frozen=True)
class A:
    title: str
    markdown: str
    text: str
    method: str = "fake"

def fake(html, *, url):
    body = re.search(r"<article>(.*?)</article>", html, re.S).group(1)
    return A("T", body * 2000, body)

service.default_extractor = fake
from tui.__main__ import main
code = main(sys.argv[1:])
heavy = sorted(m for m in ("textual", "httpx", "feedparser") if m in sys.modules)
print(json.dumps({"code": code, "heavy": heavy}), file=sys.stderr)
sys.exit(code)
"""


@pytest.fixture(autouse=True)
def fake_extractor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service, "default_extractor", fake_extract)


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    for name in ("XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "HOME"):
        home = tmp_path / name.lower()
        home.mkdir(exist_ok=True)
        env[name] = str(home)
    return env


def stored_feed(feed_server: FeedServer, links: list[str]) -> list[str]:
    """Follow a local feed whose posts link to ``links``; return their ids (list --json)."""
    items = [
        Item(title=f"Post {i}", link=link, description="short") for i, link in enumerate(links)
    ]
    feed_url = feed_server.route(
        "/feed.xml", Response(200, {"Content-Type": "application/rss+xml"}, rss(items))
    )
    assert main(["add", feed_url]) == 0
    with Store.open(paths.cache_db_path(), paths.state_db_path()) as store:
        by_link = {p.link: p.id for p in store.posts(feed_url)}
    return [by_link[link] for link in links]


def test_article_url_prints_markdown(
    capsys: pytest.CaptureFixture[str], feed_server: FeedServer
) -> None:
    url = feed_server.route("/post/", Response(200, HTML_HEADERS, page("Hello", "Pangolin")))

    assert main(["article", url]) == 0

    out, err = capsys.readouterr()
    assert out == "# Hello\n\nPangolin\n"
    assert err == ""
    with Store.open(paths.cache_db_path(), paths.state_db_path()) as store:
        assert store.articles_size() == 0  # a bare URL is not kept


def test_article_url_failure_is_one_line_and_exit_1(
    capsys: pytest.CaptureFixture[str], feed_server: FeedServer
) -> None:
    url = feed_server.route("/a.pdf", Response(200, {"Content-Type": "application/pdf"}, b"%PDF"))
    assert main(["article", url]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "rajpoot-tui: 127.0.0.1: not an HTML page (application/pdf)\n"

    url = feed_server.route("/nothing", Response(200, HTML_HEADERS, b"<html><body>x</body></html>"))
    assert main(["article", url]) == 1
    assert capsys.readouterr().err == "rajpoot-tui: 127.0.0.1: extraction found no article text\n"


def test_article_id_fetches_stores_and_then_reads_the_store(
    capsys: pytest.CaptureFixture[str], feed_server: FeedServer
) -> None:
    link = feed_server.route("/posts/1/", Response(200, HTML_HEADERS, page("One", "Axolotl")))
    [pid] = stored_feed(feed_server, [link])
    capsys.readouterr()
    ids = [row["id"] for row in json.loads(_run(capsys, "list", "--json"))]
    assert pid in ids

    assert main(["article", pid]) == 0
    assert capsys.readouterr().out == "# One\n\nAxolotl\n"
    assert main(["article", pid]) == 0
    assert capsys.readouterr().out == "# One\n\nAxolotl\n"

    assert feed_server.hits("/posts/1/") == 1
    with Store.open(paths.cache_db_path(), paths.state_db_path()) as store:
        assert store.search("axolotl") == [pid]


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(list(args)) == 0
    return capsys.readouterr().out


def test_article_of_an_unknown_id(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["article", "0123456789abcdef"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert "no stored post has the id '0123456789abcdef'" in err


def test_article_says_the_server_asked_to_wait(
    capsys: pytest.CaptureFixture[str], feed_server: FeedServer
) -> None:
    url = feed_server.route_sequence(
        "/busy", [retry_after(429, 0), Response(200, HTML_HEADERS, page("T", "waited"))]
    )

    assert main(["article", url]) == 0

    out, err = capsys.readouterr()
    assert out == "# T\n\nwaited\n"
    assert err == "rajpoot-tui: 127.0.0.1 asked to wait 0 s; retrying then\n"


def test_article_output_has_no_terminal_escapes(
    capsys: pytest.CaptureFixture[str], feed_server: FeedServer
) -> None:
    url = feed_server.route("/esc", Response(200, HTML_HEADERS, page("T", "red\x1b[31m\x07 text")))

    assert main(["article", url]) == 0

    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert "red text" in out


def test_article_in_a_closed_pipe_ends_quietly_without_textual(
    cli_env: dict[str, str], feed_server: FeedServer
) -> None:
    url = feed_server.route("/long", Response(200, HTML_HEADERS, page("T", "line of text\n" * 50)))
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [sys.executable, "-c", PRELUDE, "article", url],
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
    assert result.returncode == 1
    report = json.loads(result.stderr.strip().splitlines()[-1])
    assert result.stderr.strip().splitlines() == [json.dumps(report)]  # no traceback
    assert report == {"code": 1, "heavy": ["httpx"]}


def test_article_in_a_subprocess_prints_to_stdout(
    cli_env: dict[str, str], feed_server: FeedServer
) -> None:
    url = feed_server.route("/p", Response(200, HTML_HEADERS, page("T", "ok")))
    result = subprocess.run(
        [sys.executable, "-c", PRELUDE, "article", url],
        env=cli_env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 0
    assert result.stdout.startswith("# T\n\n<p>ok</p>")
    assert json.loads(result.stderr.strip().splitlines()[-1]) == {"code": 0, "heavy": ["httpx"]}


def test_article_url_of_a_stored_post_reads_its_kept_article_offline(
    capsys: pytest.CaptureFixture[str], feed_server: FeedServer
) -> None:
    # QA: `article ID` printed the kept article offline, `article URL` failed.
    link = feed_server.route("/posts/2/", Response(200, HTML_HEADERS, page("Two", "Okapi")))
    [pid] = stored_feed(feed_server, [link])
    assert main(["article", pid]) == 0
    capsys.readouterr()
    feed_server.route("/posts/2/", Response(503, HTML_HEADERS, b"down"))

    assert main(["article", link + "#the-middle"]) == 0

    out, err = capsys.readouterr()
    assert out == "# Two\n\nOkapi\n"
    assert err == ""
    assert feed_server.hits("/posts/2/") == 1


def test_article_id_of_a_post_whose_feed_carries_it_whole_fetches_nothing(
    capsys: pytest.CaptureFixture[str], feed_server: FeedServer
) -> None:
    # QA: the reader showed such a post whole, the CLI went to the network for it.
    body = "Every word of the article is in the feed. " * 60
    items = [Item(title="Whole", link="https://unreachable.invalid/whole/", description=body)]
    feed_url = feed_server.route(
        "/whole.xml", Response(200, {"Content-Type": "application/rss+xml"}, rss(items))
    )
    assert main(["add", feed_url]) == 0
    with Store.open(paths.cache_db_path(), paths.state_db_path()) as store:
        [post] = store.posts(feed_url)
    capsys.readouterr()

    assert main(["article", post.id]) == 0

    out, err = capsys.readouterr()
    assert out.startswith("# Whole\n\nEvery word of the article is in the feed.")
    assert err == ""


def test_the_title_is_on_top_when_the_page_starts_with_a_section_heading(
    capsys: pytest.CaptureFixture[str], feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # QA: a page whose body begins "### Inline Code" was printed without its title.
    from tests.test_articles_service import FakeArticle

    def sections(html: str, *, url: str) -> FakeArticle:
        return FakeArticle(title="Code Syntax Guide", markdown="### Inline Code\n\nx", text="x")

    monkeypatch.setattr(service, "default_extractor", sections)
    url = feed_server.route("/code/", Response(200, HTML_HEADERS, page("Code", "x")))

    assert main(["article", url]) == 0

    assert capsys.readouterr().out == "# Code Syntax Guide\n\n### Inline Code\n\nx\n"
