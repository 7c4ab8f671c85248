"""enter reads the whole post in the terminal: fetched, extracted, kept, and read offline."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.builders import OFFLINE, Item, make_app, rss, serve
from tests.conftest import DATA
from tests.pilot import Reader
from tui.screens.picker import PickerScreen

PAGE = (DATA / "articles" / "posts-code_syntax.html").read_text(encoding="utf-8")


def page_server(page: str = PAGE, status: int = 200) -> httpx.MockTransport:
    """The feed is unreachable (the seed is used); every post's page is ``page``."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("index.xml"):
            raise httpx.ConnectError(OFFLINE, request=request)
        return httpx.Response(status, text=page, headers={"content-type": "text/html"})

    return httpx.MockTransport(handler)


def article_text(reader: Reader) -> str:
    return "\n".join(str(line.content) for line in reader.screen.article.lines)


async def open_whole_post(reader: Reader) -> None:
    """enter on the highlighted post, then wait until its whole article is shown."""
    await reader.press("enter")
    await wait_for_article(reader)


async def wait_for_article(reader: Reader) -> None:
    for _ in range(400):  # a hang guard, not a timing
        await reader.settle(extra=0.05)
        if reader.screen.has_class("-article") and reader.screen.article.loaded:
            return
    raise AssertionError("the article never showed")


async def test_enter_fetches_the_page_and_shows_the_whole_article_with_its_code() -> None:
    app = make_app(page_server())
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await open_whole_post(reader)
        text = article_text(reader)
        assert "JWT vs Session Cookies" in text.splitlines()[0]  # the post's title on top
        assert '<html lang="en">' in text  # the page's code, exact
        assert "<title>Example HTML5 Document</title>" in text
        assert reader.has_focus(reader.screen.article)
        # Moving in the list goes back to the post's card.
        await pilot.press("tab", "j")
        await reader.settle()
        assert not reader.screen.has_class("-article")


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_the_next_whole_post_shows_too(size: tuple[int, int]) -> None:
    # QA: every whole post after the first in a session was blank, until a resize.
    app = make_app(page_server())
    async with app.run_test(size=size) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await open_whole_post(reader)
        first = reader.posts[0].title
        assert first[:20] in article_text(reader).splitlines()[0]
        await pilot.press("tab", "j")
        await reader.settle()
        assert not reader.screen.has_class("-article")
        await open_whole_post(reader)
        second = reader.posts[1].title
        assert second[:20] in article_text(reader).splitlines()[0]
        assert "<title>Example HTML5 Document</title>" in article_text(reader)
        # And drawn: the title is on screen, not only laid out.
        view = reader.screen.article
        drawn = [view.render_line(y).text for y in range(view.scrollable_content_region.height)]
        assert any(second[:20] in row for row in drawn), drawn[:3]


async def test_a_fetched_article_is_read_again_offline_after_a_restart() -> None:
    app = make_app(page_server())
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await open_whole_post(reader)
    offline = make_app(refresh_on_start=False)  # every request fails now
    async with offline.run_test(size=(120, 40), notifications=True) as pilot:
        reader = Reader(offline, pilot)
        await reader.settle()
        await open_whole_post(reader)
        assert "<title>Example HTML5 Document</title>" in article_text(reader)
        assert not reader.notice_messages(title="Article not available")


async def test_a_page_that_fails_leaves_the_description_with_one_notice_and_the_link() -> None:
    app = make_app(page_server("gone", status=404))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("enter")
        await reader.settle(extra=0.3)
        assert not reader.screen.has_class("-article")
        (notice,) = reader.notice_messages(title="Article not available")
        assert "o opens https://blog.rajpoot.dev/posts/backend/" in notice
        assert reader.detail.post is not None


async def test_t_lists_the_headings_and_jumps_to_one() -> None:
    app = make_app(page_server())
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await open_whole_post(reader)
        await pilot.press("t")
        await reader.settle()
        assert isinstance(app.screen, PickerScreen)
        assert len(app.screen.items) == len(reader.screen.article.headings) > 2
        await pilot.press("down", "down", "enter")
        await reader.settle()
        assert not isinstance(app.screen, PickerScreen)
        assert reader.screen.article.scroll_y > 0


async def test_the_contents_move_with_the_list_keys() -> None:
    # QA: only the arrow keys moved in the t and f dialogs; j, k, g, G did nothing.
    from textual.widgets import OptionList

    app = make_app(page_server())
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await open_whole_post(reader)
        await pilot.press("t")
        await reader.settle()
        picker = app.screen.query_one(OptionList)
        await pilot.press("j", "j")
        assert picker.highlighted == 2
        await pilot.press("k")
        assert picker.highlighted == 1
        await pilot.press("G")
        assert picker.highlighted == len(reader.screen.article.headings) - 1
        await pilot.press("g", "j", "enter")
        await reader.settle()
        _level, _text, line = reader.screen.article.headings[1]
        assert reader.screen.article.scroll_y == line


async def test_f_lists_the_links_and_opens_one_in_the_browser() -> None:
    from tests.builders import RecordingBrowser

    page = PAGE.replace(
        "</article>", '<p>See <a href="https://example.org/more">more</a>.</p></article>', 1
    )
    browser = RecordingBrowser()
    app = make_app(page_server(page), browser=browser)
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await open_whole_post(reader)
        links = reader.screen.article.links
        assert links
        await pilot.press("f")
        await reader.settle()
        assert isinstance(app.screen, PickerScreen)
        await pilot.press("enter")
        await reader.settle()
        assert browser.opened == [links[0]]


async def test_a_link_to_another_stored_post_opens_it_here_whatever_its_fragment() -> None:
    # QA: a link to a stored post with a #fragment went to the browser instead.
    from tests.builders import RecordingBrowser

    browser = RecordingBrowser()
    app = make_app(page_server(), browser=browser)
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        other = reader.posts[5]
        assert other.link
        link = other.link.rstrip("/").replace("blog.rajpoot.dev", "Blog.Rajpoot.dev") + "#section-2"
        await open_whole_post(reader)
        reader.screen.follow_link(link)
        await reader.settle()
        assert browser.opened == []
        assert reader.post_list.current_post == other


async def test_an_in_page_link_scrolls_the_article_to_its_heading() -> None:
    from tests.builders import RecordingBrowser

    page = PAGE.replace(
        "<p><code>This is Inline Code</code></p>",
        '<p>Skip to <a href="#code-block-with-hugos-internal-highlight-shortcode">the'
        " shortcode</a>.</p>",
        1,
    )
    browser = RecordingBrowser()
    app = make_app(page_server(page), browser=browser)
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await open_whole_post(reader)
        article = reader.screen.article
        assert article.links[0].endswith("#code-block-with-hugos-internal-highlight-shortcode")
        await pilot.press("f")
        await reader.settle()
        assert isinstance(app.screen, PickerScreen)
        await pilot.press("enter")
        await reader.settle()
        assert browser.opened == []
        heading = article.anchors["code-block-with-hugos-internal-highlight-shortcode"]
        assert article.lines[heading].plain == "Code block with Hugo’s internal highlight shortcode"
        assert int(article.scroll_y) == min(heading, article.max_scroll_y) > 0


async def test_the_links_list_names_each_link_by_its_text() -> None:
    # QA: the list showed bare addresses, so "[3]" meant nothing until you read the URL.
    page = PAGE.replace(
        "<p><code>This is Inline Code</code></p>",
        '<p>See <a href="https://example.org/more">the longer story</a> and'
        ' <a href="https://example.org/日本">日本語の記事</a>.</p>',
        1,
    )
    app = make_app(page_server(page))
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await open_whole_post(reader)
        links = reader.screen.article.links
        await pilot.press("f")
        await reader.settle()
        assert isinstance(app.screen, PickerScreen)
        items = [item.plain for item in app.screen.items]
        more = links.index("https://example.org/more") + 1
        assert f"[{more}] the longer story — https://example.org/more" in items
        # Wide characters: the label is cut by cells, as the article draws it.
        (japanese,) = [n for n, url in enumerate(links, 1) if "%E6%97%A5" in url]
        assert items[japanese - 1].startswith(f"[{japanese}] 日本語の記事 — https://example.org/")


async def test_a_feed_with_full_content_needs_no_fetch() -> None:
    body = "<p>" + ("Every word of the article is in the feed. " * 60) + "</p>"
    item = Item(title="Whole", link="https://example.com/whole/", description=body)
    requests: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(str(request.url))
        return httpx.Response(200, content=rss([item]), headers={"content-type": "text/xml"})

    app = make_app(serve(handler), feed_url="https://example.com/feed.xml")
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await open_whole_post(reader)
        assert requests == ["https://example.com/feed.xml"]
        assert "Every word of the article" in article_text(reader)


def test_the_fixture_page_is_papermod() -> None:
    assert 'class="post-single"' in PAGE or "post-single" in PAGE
    assert Path(DATA / "articles" / "PAPERMOD-LICENSE").exists()
