"""/ finds what is there: identifiers, URLs and punctuation as typed, highlighted in the list."""

from __future__ import annotations

from typing import Any

import pytest

from tests.builders import Item, make_app, rss, serve
from tests.pilot import Reader

ITEMS = [
    Item(
        title="Tuning the connection pool",
        link="https://example.com/pool/",
        description="<p>Set <code>MAX_POOL_SIZE</code> to twice the cores.</p>",
        pub_date="Tue, 05 May 2026 09:00:00 +0000",
    ),
    Item(
        title="Pointers in C++",
        link="https://example.com/cpp/",
        description="<p>Use <code>std::vector</code> and <em>a*b</em> carefully.</p>",
        pub_date="Mon, 04 May 2026 09:00:00 +0000",
    ),
    Item(
        title="Reading the Python docs",
        link="https://example.com/docs/",
        description='<p>See <a href="https://docs.python.org/3/">https://docs.python.org</a>.</p>',
        pub_date="Sun, 03 May 2026 09:00:00 +0000",
    ),
    Item(
        title="Café society",
        link="https://example.com/cafe/",
        description="<p>Nothing about code.</p>",
        pub_date="Sat, 02 May 2026 09:00:00 +0000",
    ),
]


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("MAX_POOL_SIZE", ["Tuning the connection pool"]),
        ("max_pool", ["Tuning the connection pool"]),
        ("std::vector", ["Pointers in C++"]),
        ("a*b", ["Pointers in C++"]),
        ("https://docs", ["Reading the Python docs"]),
        ("cafe", ["Café society"]),
        ("C++", ["Pointers in C++"]),
        ('"connection pool"', ["Tuning the connection pool"]),
        ("pool NOT", []),
    ],
)
async def test_slash_finds_identifiers_and_urls_as_typed(typed: str, found: list[str]) -> None:
    app = make_app(serve(rss(ITEMS)), feed_url="https://example.com/feed.xml")
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        assert len(reader.posts) == 4
        await pilot.press("slash", *typed)
        assert [p.title for p in reader.posts] == found


async def test_matched_words_are_highlighted_in_the_titles() -> None:
    app = make_app(serve(rss(ITEMS)), feed_url="https://example.com/feed.xml")
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("slash", *"pool")
        row: Any = reader.post_list.get_option_at_index(0).prompt
        text = str(row)
        highlighted = [text[s.start : s.end] for s in row.spans if "reverse" in str(s.style)]
        assert highlighted == ["pool"]
        await pilot.press("escape")
        row = reader.post_list.get_option_at_index(0).prompt
        assert not [s for s in row.spans if "reverse" in str(s.style)]


async def test_a_damaged_search_index_is_rebuilt_and_the_search_still_finds() -> None:
    import sqlite3
    from contextlib import closing

    from tui.services import StorePaths

    app = make_app(serve(rss(ITEMS)), feed_url="https://example.com/feed.xml")
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        with closing(sqlite3.connect(StorePaths.default().cache)) as raw:
            raw.execute("UPDATE posts_fts_data SET block = X'0102030405' WHERE id > 1")
            raw.commit()
        await pilot.press("slash", *"pool")
        assert [p.title for p in reader.posts] == ["Tuning the connection pool"]
        assert any("search index was damaged" in m for m in reader.notice_messages())
        await reader.settle()
        await pilot.press(*["backspace"] * 4, *"max_pool")
        assert [p.title for p in reader.posts] == ["Tuning the connection pool"]


@pytest.mark.parametrize("typed", ["a*", "C#", "py", "é", "p o", "zz"])
async def test_a_scan_in_a_worker_finds_what_the_store_finds(
    typed: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.pilot import search_off_the_ui_thread

    search_off_the_ui_thread(monkeypatch)
    app = make_app(serve(rss(ITEMS)), feed_url="https://example.com/feed.xml")
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("slash", *typed)
        await reader.settle()
        assert [p.id for p in reader.posts] == app.store.search(typed, app.feed_url)
        assert reader.search_bar.value == typed


async def test_a_scan_finished_after_more_typing_is_not_shown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.pilot import search_off_the_ui_thread

    search_off_the_ui_thread(monkeypatch)
    app = make_app(serve(rss(ITEMS)), feed_url="https://example.com/feed.xml")
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        # p and po are scans (workers), pool uses the index: however the workers
        # finish, the list ends as pool's.
        await pilot.press("slash", *"pool")
        assert [p.title for p in reader.posts] == ["Tuning the connection pool"]
        await reader.settle()
        assert [p.title for p in reader.posts] == ["Tuning the connection pool"]
        await pilot.press("escape")
        await reader.settle()
        assert len(reader.posts) == 4


async def test_short_terms_are_found_from_memory_once_slash_has_read_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``/`` reads the index's text into memory (a worker); a scan then needs no worker
    (the list is right as soon as the key is handled), and a change to the cache sends
    the next one back to a worker until it is read again."""
    from tests.pilot import search_off_the_ui_thread

    search_off_the_ui_thread(monkeypatch)
    app = make_app(serve(rss(ITEMS)), feed_url="https://example.com/feed.xml")
    async with app.run_test(size=(120, 40)) as pilot:
        reader = Reader(app, pilot)
        await reader.settle()
        await pilot.press("slash")
        await reader.settle()
        for typed in ("C#", "é", "p o", "zz"):
            assert app.store.quick_search(typed, app.feed_url) is not None
            await pilot.press(*typed)
            assert [p.id for p in reader.posts] == app.store.search(typed, app.feed_url)
            await pilot.press(*["backspace"] * len(typed))
        assert len(reader.posts) == 4
        post = reader.posts[0]
        app.store.save_article(
            post.id, url=post.link, title=post.title, markdown="m", text="qx", method="test"
        )
        assert app.store.quick_search("qx", app.feed_url) is None  # stale: not used
        await pilot.press(*"qx")
        await reader.settle()
        assert [p.id for p in reader.posts] == [post.id]
        assert app.store.quick_search("qx", app.feed_url) == [post.id]  # read again
