"""ArticleView: Markdown laid out off-thread, drawn line by line."""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult
from textual.pilot import Pilot

from tests.articles import SAMPLE, synthetic_article
from tui.article_layout import Heading, Lines, heading_id, iter_layout, pack, parse
from tui.widgets.article_view import ArticleView


class ArticleApp(App[None]):
    def __init__(self, markdown: str = "", *, base_url: str = "") -> None:
        super().__init__()
        self.markdown = markdown
        self.base_url = base_url
        self.activated: list[tuple[str, int]] = []
        self.rendered = 0

    def compose(self) -> ComposeResult:
        yield ArticleView()

    def on_mount(self) -> None:
        view = self.query_one(ArticleView)
        view.focus()
        if self.markdown:
            view.show(self.markdown, base_url=self.base_url)

    def on_article_view_link_activated(self, message: ArticleView.LinkActivated) -> None:
        self.activated.append((message.url, message.index))

    def on_article_view_rendered(self, message: ArticleView.Rendered) -> None:
        self.rendered += 1


async def settle(pilot: Pilot[Any]) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def view_of(pilot: Pilot[Any]) -> ArticleView:
    return pilot.app.query_one(ArticleView)


def texts(view: ArticleView) -> list[str]:
    return [line.plain for line in view.lines]


def screen(view: ArticleView) -> list[str]:
    return [view.render_line(y).text for y in range(view.scrollable_content_region.height)]


async def test_blocks_render_as_readable_text() -> None:
    app = ArticleApp(SAMPLE, base_url="https://blog.example/posts/one/")
    async with app.run_test(size=(100, 60)) as pilot:
        await settle(pilot)
        view = view_of(pilot)
        assert view.loaded and app.rendered == 1
        lines = texts(view)
        assert lines[0] == "Reading [b]offline[/b]"
        assert set(lines[1]) == {"━"}  # H1 rule
        assert "Lists" in lines and set(lines[lines.index("Lists") + 1]) == {"─"}
        assert "• apples" in lines
        assert "  ◦ conference pears" in lines
        assert "1. first step" in lines and "2. second step" in lines
        assert "▌ A quoted remark that spans two lines." in lines
        header = next(line for line in lines if line.startswith("tool"))
        assert "│" in header and "speed" in header and "notes" in header
        assert any(line.startswith("grep │") and "10" in line for line in lines)
        assert "[image: a chart][2]" in " ".join(lines)
        assert any(set(line) == {"─"} and len(line) == view.layout_width for line in lines)
        assert [h[:2] for h in view.headings] == [
            (1, "Reading [b]offline[/b]"),
            (2, "Lists"),
            (3, "A table"),
        ]
        assert lines[view.headings[2][2]] == "A table"
        # The screen shows the same lines.
        assert screen(view)[0].rstrip() == lines[0]


async def test_links_are_numbered_in_order_and_listed() -> None:
    app = ArticleApp(SAMPLE, base_url="https://blog.example/posts/one/")
    async with app.run_test(size=(100, 60)) as pilot:
        await settle(pilot)
        view = view_of(pilot)
        assert view.links == [
            "https://docs.example/start",
            "https://blog.example/img/chart.png",
            "https://blog.example/posts/one/next/page",
            "https://awk.example",
        ]
        joined = " ".join(texts(view))
        assert "link to the docs[1]" in joined
        assert "same docs[1]" in joined  # the same URL keeps its number
        assert "a relative one[3]" in joined
        assert "manual[4]" in joined
        # Links are underlined.
        row = next(i for i, line in enumerate(view.lines) if line.links)
        span = view.lines[row].links[0]
        styles = [
            seg.style for seg in view._strip(row).crop(span.start, span.end)._segments if seg.style
        ]
        assert styles and all(style.underline for style in styles)


async def test_clicking_a_link_posts_link_activated() -> None:
    app = ArticleApp(SAMPLE, base_url="https://blog.example/posts/one/")
    async with app.run_test(size=(100, 60)) as pilot:
        await settle(pilot)
        view = view_of(pilot)
        row = next(i for i, line in enumerate(view.lines) if "manual[4]" in line.plain)
        span = view.lines[row].links[0]
        left = view.styles.padding.left
        await pilot.click(ArticleView, offset=(left + span.start + 1, row))
        await pilot.pause()
        assert app.activated == [("https://awk.example", 3)]
        # A click on plain text activates nothing.
        await pilot.click(ArticleView, offset=(left, 0))
        await pilot.pause()
        assert len(app.activated) == 1


async def test_code_is_byte_exact_and_highlighted() -> None:
    code = 'def greet(name):\n\treturn f"hello {name}"  # a comment'
    app = ArticleApp(SAMPLE)
    async with app.run_test(size=(100, 60)) as pilot:
        await settle(pilot)
        view = view_of(pilot)
        rows = [i for i, line in enumerate(view.lines) if line.code]
        code_rows = [
            i for i in rows if "greet" in view.lines[i].plain or "return" in view.lines[i].plain
        ]
        expected = code.expandtabs(4).split("\n")
        got = [
            view.lines[i].plain[1 : 1 + len(text)]
            for i, text in zip(code_rows, expected, strict=True)
        ]
        assert got == expected
        assert any(view.lines[i].plain.strip() == "python" for i in rows)  # language label
        colours = {
            seg.style.color
            for i in code_rows
            for seg in view._strip(i)._segments
            if seg.style and seg.text.strip()
        }
        assert len(colours) >= 3  # keyword, string, comment, names differ
        # ```text is not highlighted, and its brackets are literal.
        plain_row = next(i for i, line in enumerate(view.lines) if "plain [b]text" in line.plain)
        assert view.lines[plain_row].plain.startswith(" plain [b]text[/b] block")
        plain_colours = {
            seg.style.color
            for seg in view._strip(plain_row)._segments
            if seg.style and seg.text.strip()
        }
        assert len(plain_colours) == 1


async def test_long_code_line_scrolls_sideways() -> None:
    tail = "END_OF_THE_LONG_LINE"
    markdown = "Intro.\n\n```python\nx = [" + ", ".join(["1"] * 12) + f"]  # {tail}\n```\n"
    app = ArticleApp(markdown)
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot)
        view = view_of(pilot)
        row = next(i for i, line in enumerate(view.lines) if tail in line.plain)
        assert view.virtual_size.width > view.scrollable_content_region.width
        assert tail not in screen(view)[row]
        assert all(len(line.plain) <= view.layout_width for line in view.lines if not line.code)
        overflow = view.virtual_size.width - view.scrollable_content_region.width
        await pilot.press(*["l"] * overflow)
        await pilot.pause()
        assert tail in screen(view)[row]
        await pilot.press(*["h"] * overflow)
        await pilot.pause()
        assert view.scroll_x == 0


async def test_markup_and_escapes_are_literal_text() -> None:
    hostile = (
        "Press [@click=app.quit]here[/] or [b]bold[/b] or [red]x[/red].\n\n"
        "Escape \x1b[2J\x1b]52;c;aGk=\x07gone \x9bnot and \x07 bell.\n\n"
        "- [$accent]item[/]\n"
    )
    app = ArticleApp(hostile)
    async with app.run_test(size=(100, 20)) as pilot:
        await settle(pilot)
        view = view_of(pilot)
        lines = texts(view)
        assert lines[0] == "Press [@click=app.quit]here[/] or [b]bold[/b] or [red]x[/red]."
        assert "\x1b" not in "".join(lines) and "\x9b" not in "".join(lines)
        assert lines[2].startswith("Escape ") and "gone" in lines[2]
        assert "• [$accent]item[/]" in lines
        for y, _ in enumerate(lines):
            for segment in view._strip(y)._segments:
                assert not (segment.style and segment.style.meta)
        await pilot.click(ArticleView, offset=(8, 0))
        await pilot.pause()
        assert app.is_running and app.activated == []


async def test_resize_rewraps_and_keeps_the_block() -> None:
    app = ArticleApp(synthetic_article(20))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        view = view_of(pilot)
        wide = len(view.lines)
        view.scroll_to_heading(5)
        await pilot.pause()
        heading_text = view.headings[5][1]
        assert view.lines[int(view.scroll_y)].plain == heading_text
        await pilot.resize_terminal(60, 30)
        await settle(pilot)
        assert view.layout_width == view.scrollable_content_region.width < 60
        assert len(view.lines) > wide
        assert all(len(line.plain) <= view.layout_width for line in view.lines if not line.code)
        assert view.lines[int(view.scroll_y)].plain == heading_text
        assert app.rendered == 2


async def test_theme_change_recolours_code() -> None:
    app = ArticleApp(SAMPLE)
    async with app.run_test(size=(100, 60)) as pilot:
        await settle(pilot)
        view = view_of(pilot)
        row = next(i for i, line in enumerate(view.lines) if "def greet" in line.plain)

        def colours() -> list[Any]:
            return [seg.style.color for seg in view.render_line(row)._segments if seg.style]

        before = colours()
        app.theme = "textual-light"
        await settle(pilot)
        after = colours()
        assert before != after
        assert view.lines[row].plain.startswith(" def greet(name):")


async def test_ansi_theme_relayouts_off_thread() -> None:
    app = ArticleApp(SAMPLE)
    async with app.run_test(size=(100, 60)) as pilot:
        await settle(pilot)
        view = view_of(pilot)
        app.theme = "ansi-dark"
        await settle(pilot)
        assert app.rendered == 2 and view.loaded
        row = next(i for i, line in enumerate(view.lines) if "def greet" in line.plain)
        assert view.render_line(row).text.startswith(" def greet(name):")


async def test_a_100_kb_article_loads_and_scrolls_to_the_end() -> None:
    markdown = synthetic_article(100)
    assert len(markdown) >= 100 * 1024
    app = ArticleApp(markdown)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        view = view_of(pilot)
        assert view.loaded and app.rendered == 1
        assert len(view.headings) > 50
        assert sum(1 for line in view.lines if line.code) > 500
        await pilot.press("G")
        await pilot.pause()
        assert view.scroll_y == view.max_scroll_y > 0
        assert any(text.strip() for text in screen(view))
        await pilot.press("g", "space", "j", "j", "k")
        await pilot.pause()
        assert view.scroll_y == view.scrollable_content_region.height + 1
        view.scroll_to_heading(30)
        await pilot.pause()
        assert screen(view)[0].rstrip() == view.headings[30][1]
        view.scroll_to_heading(len(view.headings) - 1)  # near the end: as far as it goes
        await pilot.pause()
        assert view.headings[-1][1] in [text.rstrip() for text in screen(view)]


async def test_show_again_replaces_the_article() -> None:
    app = ArticleApp(synthetic_article(30))
    async with app.run_test(size=(80, 24)) as pilot:
        view = view_of(pilot)
        view.show("# Second\n\nOnly [this](https://x.example).")
        await settle(pilot)
        assert texts(view)[0] == "Second"
        assert view.links == ["https://x.example"]
        assert view.loaded


def test_heading_ids_follow_hugo_and_github() -> None:
    doc = parse(
        "# Intro\n\n## Hugo’s *code* — `v2` [docs](https://d.example)\n\n## Intro\n\n"
        "## Ünïcode & 42_x\n\n- ## not top level\n\n## !!!\n"
    )
    ids = [block.id for block in doc.blocks if isinstance(block, Heading)]
    assert ids == ["intro", "hugos-code--v2-docs", "intro-1", "ünïcode--42_x", "heading"]
    assert heading_id("  Other Elements — abbr, sub  ") == "other-elements--abbr-sub"


def test_packed_lines_round_trip_and_are_not_tracked_by_the_gc() -> None:
    import gc

    doc = parse(SAMPLE, base_url="https://blog.example/posts/one/")
    laid_out = [line for _, lines in iter_layout(doc.blocks, 60) for line in lines]
    packed = [pack(line) for line in laid_out]
    store = Lines(packed)
    assert len(store) == len(laid_out)
    for line, again in zip(laid_out, store, strict=True):
        assert again.content.plain == line.content.plain
        assert again.content.spans == line.content.spans
        assert (again.links, again.block, again.code) == (line.links, line.block, line.code)
    assert [line.plain for line in store[2:4]] == [line.plain for line in laid_out[2:4]]
    assert store.block(len(store) - 1) == laid_out[-1].block
    for _ in range(3):  # each pass untracks one level of nesting at worst
        gc.collect()
    assert not any(gc.is_tracked(line) for line in packed)


ANCHORED = (
    "# Top\n\nJump to [the end](#the-end), to [the middle](https://blog.example/p/#middle),"
    " to a [footnote](#fn:1), or [elsewhere](https://other.example/p/#middle).\n\n"
    + "".join(f"Filler paragraph {n}.\n\n" for n in range(60))
    + "## Middle\n\n"
    + "".join(f"More filler {n}.\n\n" for n in range(60))
    + "## The end\n\nLast words.\n"
)


async def _click_link(pilot: Pilot[Any], view: ArticleView, label: str) -> None:
    row = next(i for i, line in enumerate(view.lines) if label in line.plain)
    line = view.lines[row]
    start = line.plain.index(label)
    span = next(s for s in line.links if s.start <= start < s.end)
    await pilot.click(
        ArticleView, offset=(view.styles.padding.left + span.start, row - int(view.scroll_y))
    )
    await pilot.pause()


async def test_in_page_links_scroll_to_their_heading() -> None:
    app = ArticleApp(ANCHORED, base_url="https://blog.example/p/")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        view = view_of(pilot)
        assert view.anchors["middle"] == view.headings[1][2]
        assert view.links[0] == "https://blog.example/p/#the-end"
        await _click_link(pilot, view, "the end")
        assert int(view.scroll_y) == min(view.anchors["the-end"], view.max_scroll_y)
        assert "The end" in [text.rstrip() for text in screen(view)]
        view.scroll_home(animate=False, immediate=True)
        await pilot.pause()
        await _click_link(pilot, view, "the middle")
        assert screen(view)[0].rstrip() == "Middle"
        assert app.activated == []
        # An id that is no heading, and another page's anchor, are followed as links.
        view.scroll_home(animate=False, immediate=True)
        await pilot.pause()
        await _click_link(pilot, view, "footnote")
        await _click_link(pilot, view, "elsewhere")
        assert app.activated == [
            ("https://blog.example/p/#fn:1", 2),
            ("https://other.example/p/#middle", 3),
        ]
        assert int(view.scroll_y) == 0


def test_anchor_of_accepts_only_this_page() -> None:
    view = ArticleView()
    view.base_url = "https://blog.example/p/#top"
    assert view.anchor_of("#a%20b") == "a b"
    assert view.anchor_of("https://blog.example/p#x") == "x"
    assert view.anchor_of("https://blog.example/p/") is None
    assert view.anchor_of("https://blog.example/q/#x") is None


async def test_an_in_page_link_followed_while_loading_jumps_once_laid_out() -> None:
    app = ArticleApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = view_of(pilot)
        view.show(ANCHORED, base_url="https://blog.example/p/")
        assert view.follow_anchor("#middle")  # nothing is laid out yet
        await settle(pilot)
        assert screen(view)[0].rstrip() == "Middle"
        view.show(ANCHORED, base_url="https://blog.example/p/")
        assert view.follow_anchor("https://blog.example/p/#fn:1")  # not known yet ...
        await settle(pilot)
        assert app.activated == [("https://blog.example/p/#fn:1", 2)]  # ... and never a heading
        assert not view.follow_anchor("#fn:1")
        assert not view.follow_anchor("https://other.example/#middle")


SNAPSHOT_ARTICLE = (
    SAMPLE
    + """
## Code wider than the view

```go
func main() {
\tfmt.Println("a line of Go that is much longer than eighty columns, so it is clipped, not wrapped")
}
```
"""
)


async def _loaded(pilot: Pilot[Any]) -> None:
    await settle(pilot)


def test_snapshot_article_120x40(snap_compare: Any) -> None:
    """120x40: headings with rules, lists, quote, table, highlighted code."""
    assert snap_compare(ArticleApp(SNAPSHOT_ARTICLE), terminal_size=(120, 40), run_before=_loaded)


def test_snapshot_article_80x24_scrolled_to_code(snap_compare: Any) -> None:
    """80x24, scrolled to the end: the long Go line is clipped, a horizontal scrollbar shows."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("G")
        await pilot.pause()

    assert snap_compare(ArticleApp(SNAPSHOT_ARTICLE), terminal_size=(80, 24), run_before=run_before)


def test_a_code_blocks_language_stays_in_view_when_its_lines_are_wider_than_the_pane() -> None:
    # QA: the label was right-aligned to the widest line, so a long line put it off
    # screen, leaving an empty row above the code.
    long_line = "x = " + "1 + " * 40 + "1"
    doc = parse(f"```python\n{long_line}\nprint(x)\n```\n", base_url="https://blog.example/")
    (lines,) = [lines for _, lines in iter_layout(doc.blocks, 50)]
    label, first, second = lines
    assert label.content.plain[:50] == " " * 43 + "python "
    # Every row of the block is as wide as its widest line, so h/l scroll it as one.
    assert label.content.cell_length == first.content.cell_length == second.content.cell_length
    assert long_line in first.content.plain
