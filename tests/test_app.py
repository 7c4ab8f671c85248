"""The reader as a person uses it: launch, move, read, open, copy, refresh, quit."""

from __future__ import annotations

import httpx
import pytest

from tests.builders import OFFLINE, Item, RecordingBrowser, failing, make_app, rss, serve
from tests.pilot import Reader
from tui.screens.help import HelpScreen

SEED_FIRST_TITLE = "JWT vs Session Cookies in 2026 — The Authentication Choice That Matters"
SEED_FIRST_LINK = "https://blog.rajpoot.dev/posts/backend/auth-jwt-vs-session-2026/"
SEED_SECOND_TITLE = (
    "API Design in 2026 — Resource Naming, Errors, Pagination, and the Boring Discipline"
)


async def test_first_launch_offline_shows_all_seed_posts_and_one_calm_notice() -> None:
    app = make_app(failing(httpx.ConnectError, OFFLINE))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        posts = reader.post_list.posts
        assert len(posts) == 63
        assert posts[0].title == SEED_FIRST_TITLE
        assert reader.post_list.highlighted == 0
        assert reader.detail.post is not None and reader.detail.post.title == SEED_FIRST_TITLE
        assert app.title == "Backend on Manvendra Rajpoot"
        assert app.sub_title.startswith("built-in snapshot · fetch failed")
        shown = reader.notices()
        assert len(shown) == 1
        severity, title, message = shown[0]
        assert severity == "information"
        assert title == "Feed unreachable"
        assert "blog.rajpoot.dev" in message and "could not resolve" in message


async def test_keys_move_through_the_list_and_the_detail_follows() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        posts = reader.post_list
        await pilot.press("j")
        assert posts.highlighted == 1
        await pilot.press("down", "down")
        assert posts.highlighted == 3
        await pilot.press("k", "up")
        assert posts.highlighted == 1
        await pilot.pause(0.2)
        assert reader.detail.post is not None and reader.detail.post.title == SEED_SECOND_TITLE
        await pilot.press("G")
        assert posts.highlighted == 62
        await pilot.press("g")
        assert posts.highlighted == 0
        await pilot.press("end")
        assert posts.highlighted == 62
        await pilot.press("home")
        assert posts.highlighted == 0
        await pilot.press("pagedown")
        page = posts.highlighted
        assert page is not None and page > 10
        await pilot.press("pageup")
        assert posts.highlighted == 0


async def test_tab_switches_to_the_detail_pane_which_scrolls_with_the_same_keys() -> None:
    long_text = "\n\n".join(f"Paragraph {n} of a long description." for n in range(80))
    body = rss([Item("Long post", "https://example.com/long/", f"<p>{long_text}</p>")])
    app = make_app(serve(body), feed_url="https://example.com/feed.xml")
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        assert reader.post_list.has_focus
        await pilot.press("tab")
        assert reader.detail.has_focus
        await pilot.press("j", "j", "j")
        assert reader.detail.scroll_y == 3
        await pilot.press("G")
        assert reader.detail.scroll_y == reader.detail.max_scroll_y > 10
        await pilot.press("g")
        assert reader.detail.scroll_y == 0
        await pilot.press("pagedown")
        assert reader.detail.scroll_y > 10
        await pilot.press("tab")
        assert reader.post_list.has_focus


async def test_o_opens_the_post_in_the_browser() -> None:
    browser = RecordingBrowser()
    app = make_app(browser=browser)
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("o")
        await reader.settle()
        assert browser.opened == [SEED_FIRST_LINK]
        assert reader.post_list.posts[0].read


async def test_double_click_reads_the_whole_post_and_single_click_only_shows() -> None:
    browser = RecordingBrowser()
    app = make_app(browser=browser)
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        # Offsets are relative to the list: its border is y=0, the first row y=1.
        await pilot.click("#posts", offset=(10, 3))
        await pilot.pause(0.2)
        assert reader.post_list.highlighted == 2
        assert browser.opened == []
        await pilot.double_click("#posts", offset=(10, 3))
        await reader.settle()
        # Like enter: the whole post is fetched here (offline in this test), not the browser.
        assert browser.opened == []
        assert reader.notice_messages(title="Article not available")


async def test_without_a_browser_the_link_is_copied_and_shown() -> None:
    app = make_app()
    app.services.browser_finder = lambda: None
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("o")
        assert app.clipboard == SEED_FIRST_LINK
        assert any(SEED_FIRST_LINK in message for _, _, message in reader.notices())


async def test_a_browser_that_fails_to_start_falls_back_to_copying() -> None:
    browser = RecordingBrowser(works=False)
    app = make_app(browser=browser)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("o")
        await reader.settle()
        assert browser.opened == [SEED_FIRST_LINK]
        assert app.clipboard == SEED_FIRST_LINK


@pytest.mark.parametrize(
    "link",
    ["javascript:alert(1)", "file:///etc/passwd", "data:text/html,hi", "ftp://example.com/x"],
)
async def test_only_http_links_are_opened(link: str) -> None:
    browser = RecordingBrowser()
    body = rss([Item("Sneaky", link, "a post")])
    app = make_app(serve(body), feed_url="https://example.com/feed.xml", browser=browser)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("o")
        await reader.settle()
        assert browser.opened == []
        refused = [n for n in reader.notices() if n[1] == "Link refused"]
        assert len(refused) == 1
        assert "only http and https" in refused[0][2]


async def test_y_copies_the_link_and_shows_it() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("j", "y")
        link = reader.post_list.posts[1].link
        assert app.clipboard == link
        assert ("information", "Link copied", link) in reader.notices()


async def test_refresh_adds_new_posts_in_place_and_keeps_the_highlight(seed_bytes: bytes) -> None:
    newer = rss(
        [
            Item(
                "Brand new post",
                "https://blog.rajpoot.dev/posts/backend/new/",
                pub_date="Thu, 07 May 2026 10:00:00 +0000",
            ),
            Item(SEED_FIRST_TITLE, SEED_FIRST_LINK),
        ],
        title="Backend on Manvendra Rajpoot",
    )
    responses = iter([seed_bytes, newer])

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=next(responses))

    app = make_app(serve(handler))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        assert len(reader.post_list.posts) == 63
        await pilot.press("j", "j")
        kept = reader.post_list.current_post
        assert kept is not None
        await pilot.press("r")
        await reader.settle()
        posts = reader.post_list.posts
        assert len(posts) == 64
        assert posts[0].title == "Brand new post"
        assert posts[0].is_new
        assert reader.post_list.current_post is not None
        assert reader.post_list.current_post.id == kept.id
        # The re-published first post lost its description: that is an update.
        assert ("information", "Feed refreshed", "1 new, 1 updated.") in reader.notices()
        assert "fetched" in app.sub_title


def _status(code: int) -> httpx.MockTransport:
    return serve(lambda request: httpx.Response(code))


def _redirect_loop() -> httpx.MockTransport:
    return serve(lambda request: httpx.Response(302, headers={"location": str(request.url)}))


@pytest.mark.parametrize(
    ("transport", "expected"),
    [
        (failing(httpx.ConnectError, OFFLINE), "could not resolve"),
        (failing(httpx.ConnectError, "[Errno 111] Connection refused"), "blog.rajpoot.dev"),
        (failing(httpx.ReadTimeout, "timed out"), "timed out"),
        (_status(404), "404"),
        (_status(500), "500"),
        (_redirect_loop(), "redirects"),
        (
            serve(b"<html><body><form>Log in</form></body></html>", content_type="text/html"),
            "not a feed",
        ),
        (serve(b"<rss><channel><title>x</broken>"), "not valid XML"),
        (serve(b"x" * (10 * 1024 * 1024 + 1)), "larger than 10 MB"),
        (serve(b""), "empty"),
    ],
    ids=[
        "dns",
        "refused",
        "timeout",
        "404",
        "500",
        "redirect-loop",
        "html-page",
        "malformed",
        "oversize",
        "empty",
    ],
)
async def test_each_refresh_failure_gives_one_short_notice_and_keeps_the_posts(
    transport: httpx.MockTransport, expected: str
) -> None:
    app = make_app(transport)
    # Retries would only slow this test down; their behaviour is tested in test_fetch.
    app.services.settings = app.settings.__class__(mark_read_after_seconds=-1, timeout_seconds=0.5)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        assert len(reader.post_list.posts) == 63
        shown = reader.notices()
        assert len(shown) == 1, shown
        _, _, message = shown[0]
        assert expected in message
        assert len(message.splitlines()) <= 3
        assert app.store is not None
        feed = app.store.feed(app.feed_url)
        assert feed is not None and feed.last_error


async def test_the_refresh_indicator_runs_while_fetching() -> None:
    import threading

    release = threading.Event()

    def slow(request: httpx.Request) -> httpx.Response:
        release.wait(10)
        return httpx.Response(304)

    app = make_app(serve(slow))
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        # The built-in snapshot is listed while the fetch hangs on the server.
        await reader.wait_until(lambda: reader.status.busy and len(reader.posts) > 1)
        assert reader.status.busy
        assert reader.status.has_class("-busy")
        # The keyboard never waits for the network.
        await pilot.press("j")
        assert reader.post_list.highlighted == 1
        release.set()
        await reader.settle()
        assert not reader.status.busy


async def test_question_mark_opens_help_built_from_the_bindings() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        rows = {(keys, description) for _, keys, description in app.screen.rows}
        assert ("o", "Open") in rows
        assert ("enter", "Read the whole post here") in rows
        assert ("y", "Copy link") in rows
        assert ("j / ↓", "Down") in rows or ("↓ / j", "Down") in rows
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


async def test_help_scrolls_with_the_keys_it_lists() -> None:
    # QA: the help lists "G / end  Last / bottom", but only end and pgdn scrolled it.
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("question_mark")
        await reader.settle()
        box = app.screen.query_one("#help-box")
        assert box.max_scroll_y > 0  # 80x24 is too small for the whole help
        await pilot.press("G")
        await reader.settle()
        assert box.scroll_y == box.max_scroll_y
        await pilot.press("g")
        await reader.settle()
        assert box.scroll_y == 0
        await pilot.press("j")
        await reader.settle()
        assert box.scroll_y == 1


async def test_q_quits_with_exit_code_zero() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("q")
    assert app.return_code == 0


HOSTILE_TITLES = [
    "[b]x[/b]",
    "[@click=app.quit]x[/]",
    "List[int] and Dict[str, Any]",
    "[/]",
    "C# [/r/programming] post",
    "[ @click=app.quit]spaced[/]",
    "$title and [$accent]var[/]",
]


async def test_hostile_titles_show_literally_and_run_nothing() -> None:
    items = [
        Item(t, f"https://example.com/{n}/", f"body {t}") for n, t in enumerate(HOSTILE_TITLES)
    ]
    items.append(Item("esc\x1b]52;c;ZXZpbA==\x07ape\x1b[2J end", "https://example.com/e/"))
    body = rss(items, raw_titles=True, title="[@click=app.quit]Evil feed[/]")
    browser = RecordingBrowser()
    app = make_app(serve(body), feed_url="https://example.com/feed.xml", browser=browser)
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        titles = [p.title for p in reader.post_list.posts]
        for title in HOSTILE_TITLES:
            assert title in titles
        assert "escape end" in titles
        rendered = "\n".join(
            "".join(s.text for s in reader.post_list.render_line(y)) for y in range(10)
        )
        assert "[@click=app.quit]x[/]" in rendered
        assert "[b]x[/b]" in rendered
        assert "\x1b" not in rendered
        # Clicking every row and the detail pane must not trigger an embedded action.
        for row in range(len(items)):
            await pilot.click("#posts", offset=(14, row + 1))
            await pilot.click("#detail-title", offset=(2, 0))
        await pilot.pause(0.2)
        assert app.is_running
        assert app.title == "[@click=app.quit]Evil feed[/]"


@pytest.mark.parametrize("size", [(99, 30), (80, 24), (60, 20), (40, 12)])
async def test_narrow_terminals_stack_the_panes_without_crashing(size: tuple[int, int]) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        assert app.screen.has_class("-narrow")
        posts, detail = reader.post_list.region, reader.detail.region
        assert detail.y >= posts.bottom
        await pilot.press("j", "tab", "j", "question_mark", "escape", "tab", "G")
        await pilot.pause()
        assert reader.post_list.highlighted == 62


async def test_wide_terminal_shows_panes_side_by_side() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        assert app.screen.has_class("-wide")
        assert reader.detail.region.x >= reader.post_list.region.right


async def test_r_inside_a_retry_after_sends_nothing_and_says_until_when() -> None:
    from tests.builders import numbered_item, rss

    answers = [
        httpx.Response(200, content=rss([numbered_item(1)])),
        httpx.Response(429, headers={"Retry-After": "3600"}),
    ]
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return answers[min(len(requests), len(answers)) - 1]

    app = make_app(httpx.MockTransport(handler), feed_url="https://example.com/feed.xml")
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("r")
        await reader.settle()
        [limited] = reader.notice_messages(title="Refresh failed")
        assert "the server asked to wait until " in limited
        await pilot.press("r")
        await reader.settle()
        [waiting] = reader.notice_messages(title="Not refreshed")
        assert waiting.startswith("example.com: the server asked to wait until ")
        assert len(requests) == 2
        assert [p.title for p in reader.posts] == ["Post 1"]
