"""Feed descriptions to Markdown: what the reader actually sees in the Markdown widget.

Most checks render the produced Markdown with the same markdown-it preset Textual uses
("gfm-like") and inspect the tokens, because that is what decides whether a user sees
text, a link, a code block, or a stray tag.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from tui.htmltext import (
    CONVERTER_VERSION,
    convert_description,
    description_to_markdown,
    description_to_text,
    html_to_markdown,
    html_to_text,
    looks_like_html,
    text_to_markdown,
)

DATA = Path(__file__).parent / "data"
FEEDS = DATA / "feeds"
ARTICLES = DATA / "articles"
BASE = "https://blog.example.org/posts/entry/"

_MD = MarkdownIt("gfm-like")


# --- helpers -----------------------------------------------------------------------------


def _tokens(markdown: str) -> Iterator[Token]:
    pending = list(reversed(_MD.parse(markdown)))
    while pending:
        token = pending.pop()
        yield token
        if token.children:
            pending.extend(reversed(token.children))


def rendered_text(markdown: str) -> str:
    """The visible text of *markdown*, whitespace-folded, as a reader would see it."""
    parts: list[str] = []
    for token in _tokens(markdown):
        if token.type in ("text", "code_inline"):
            parts.append(token.content)
        elif token.type in ("softbreak", "hardbreak", "paragraph_close", "heading_close"):
            parts.append(" ")
        elif token.type in ("fence", "code_block"):
            parts.append(f" {token.content} ")
        elif token.type in ("html_inline", "html_block"):
            parts.append(token.content)
    return " ".join("".join(parts).split())


def raw_html_tokens(markdown: str) -> list[str]:
    """HTML markdown-it would pass through: Textual drops it, so its text would vanish."""
    return [t.content for t in _tokens(markdown) if t.type in ("html_inline", "html_block")]


def links(markdown: str) -> list[str]:
    return [str(t.attrs["href"]) for t in _tokens(markdown) if t.type == "link_open"]


def fences(markdown: str) -> list[Token]:
    return [t for t in _tokens(markdown) if t.type == "fence"]


def outside_fences(markdown: str) -> str:
    return re.sub(r"^(`{3,}).*?^\1$", "CODE", markdown, flags=re.S | re.M)


def post_content(name: str) -> str:
    page = (ARTICLES / name).read_text(encoding="utf-8")
    start = page.index('<div class="post-content')
    return page[start : page.index('<footer class="post-footer">', start)]


_FIELD = re.compile(r"<(description|content:encoded|content|summary)\b([^>]*)>(.*?)</\1>", re.S)
_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.S)


def feed_descriptions(path: Path) -> list[str]:
    """Descriptions as a feed parser would hand them over: CDATA raw, the rest unescaped."""
    data = path.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
    found: list[str] = []
    for match in _FIELD.finditer(text):
        attrs, inner = match.group(2), match.group(3)
        if 'type="xhtml"' in attrs:
            found.append(inner)
            continue
        parts: list[str] = []
        position = 0
        for cdata in _CDATA.finditer(inner):
            parts.append(html.unescape(inner[position : cdata.start()]))
            parts.append(cdata.group(1))
            position = cdata.end()
        parts.append(html.unescape(inner[position:]))
        found.append("".join(parts))
    return found


FEED_FILES = sorted(p for p in FEEDS.iterdir() if p.name != "SOURCES.tsv")


# --- looks_like_html ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "<p>Hello</p>",
        "line<br>break",
        "line<br/>break",
        '<a href="https://x.org">x</a>',
        '<div class="c">x</div>',
        '<img src="a.png">',
        "text <!-- comment -->",
        "<P>upper case</P>",
    ],
)
def test_looks_like_html_detects_markup(text: str) -> None:
    assert looks_like_html(text)


@pytest.mark.parametrize(
    "text",
    [
        "plain text",
        "&lt;p&gt;escaped&lt;/p&gt;",
        "<not a tag>",
        "List<int> and Map<K, V>",
        "a < b > c",
        "x <= y",
        "",
    ],
)
def test_looks_like_html_rejects_non_markup(text: str) -> None:
    assert not looks_like_html(text)


# --- text_to_markdown --------------------------------------------------------------------

TRICKY_TEXTS = [
    "List[int] and *args and a_b_c",
    "1. not a list",
    "2) not a list either",
    "# not a heading",
    "- not a bullet",
    "+ nor this",
    "> not a quote",
    "<not a tag> <b>literal</b> <!-- not a comment -->",
    "[b]x[/b] and [@click=app.quit]x[/]",
    "[link](https://example.org) ![img](x.png)",
    "`code` ``more`` ~~strike~~ **bold** __bold__",
    "| a | b |",
    "back\\slash at end\\",
    "&amp; &lt;p&gt; &#169; stay literal",
    "===",
    "---",
    "***",
    "    four spaces of indent",
    "http://example.org/a_b_c?x=1&y=2",
    "C# and F# are languages #hashtag",
    "1986. A great year.",
]


@pytest.mark.parametrize("text", TRICKY_TEXTS)
def test_text_to_markdown_round_trips(text: str) -> None:
    markdown = text_to_markdown(text)
    assert rendered_text(markdown) == " ".join(text.split())
    assert not raw_html_tokens(markdown)
    # Nothing but paragraphs: no accidental list, heading, quote, rule or table.
    block_types = {t.type for t in _MD.parse(markdown) if t.level == 0}
    assert block_types <= {"paragraph_open", "paragraph_close", "inline"}


def test_text_to_markdown_keeps_line_breaks_and_paragraphs() -> None:
    markdown = text_to_markdown("first line\nsecond line\n\n\n\nnew paragraph\r\n- dash")
    assert markdown == "first line\\\nsecond line\n\nnew paragraph\\\n\\- dash"
    hardbreaks = [t for t in _tokens(markdown) if t.type == "hardbreak"]
    assert len(hardbreaks) == 2
    assert sum(t.type == "paragraph_open" for t in _tokens(markdown)) == 2


def test_text_to_markdown_empty() -> None:
    assert text_to_markdown("") == ""
    assert text_to_markdown(" \n\n \n") == ""


# --- html_to_markdown: inline ------------------------------------------------------------


def test_paragraphs_breaks_and_emphasis() -> None:
    markdown = html_to_markdown(
        "<p>One <b>bold</b> and <i>italic</i>, <strong>strong</strong> <em>em</em>"
        " <del>gone</del>.</p><p>Line<br>break<br><br>New para</p>"
    )
    assert markdown == (
        "One **bold** and *italic*, **strong** *em* ~~gone~~.\n\nLine\\\nbreak\n\nNew para"
    )


def test_emphasis_keeps_spaces_outside_markers_and_drops_empty() -> None:
    assert html_to_markdown("a<b> bold </b>b<i> </i>c<em></em>") == "a **bold** b c"


def test_inline_code_uses_enough_backticks() -> None:
    markdown = html_to_markdown("<p><code>x = `y`</code> and <code>a``b</code></p>")
    assert markdown == "`` x = `y` `` and ```a``b```"
    assert [t.content for t in _tokens(markdown) if t.type == "code_inline"] == [
        "x = `y`",
        "a``b",
    ]


def test_inline_code_content_is_literal() -> None:
    # Whitespace folds as a browser folds it in <code>.
    markdown = html_to_markdown("<code>&lt;div class=&quot;x&quot;&gt;  *a*</code>")
    assert [t.content for t in _tokens(markdown) if t.type == "code_inline"] == [
        '<div class="x"> *a*'
    ]


def test_headings() -> None:
    markdown = html_to_markdown("<h1>Title</h1><h3>Sub <code>x</code></h3><h6>Deep</h6>")
    assert markdown == "# Title\n\n### Sub `x`\n\n###### Deep"


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ("<p>List[int] and *args</p>", "List[int] and *args"),
        ("<p>a_b_c</p>", "a_b_c"),
        ("<p>1. not a list</p>", "1. not a list"),
        ("<p># not a heading</p>", "# not a heading"),
        ("<p>&lt;not a tag&gt;</p>", "<not a tag>"),
        ("<p>[b]x[/b]</p>", "[b]x[/b]"),
        ("<p>[@click=app.quit]x[/]</p>", "[@click=app.quit]x[/]"),
        ("<p>x<br>- y<br>+ z<br>2) w<br>===</p>", "x - y + z 2) w ==="),
        ("<p>a | b</p>", "a | b"),
        ("<p>&amp;amp; is an entity</p>", "&amp; is an entity"),
        ("<p>`tick` ~~not struck~~</p>", "`tick` ~~not struck~~"),
    ],
)
def test_literal_text_renders_literally(fragment: str, expected: str) -> None:
    markdown = html_to_markdown(fragment)
    assert rendered_text(markdown) == expected
    assert not links(markdown)
    block_types = {t.type for t in _MD.parse(markdown) if t.level == 0}
    assert block_types <= {"paragraph_open", "paragraph_close", "inline"}


def test_whitespace_is_collapsed_outside_pre() -> None:
    assert html_to_markdown("<p>  a \n\t b  </p>\n\n\n<p>c</p>") == "a b\n\nc"


def test_nbsp_spacer_lines_do_not_become_blank_paragraphs() -> None:
    assert html_to_markdown("<p>a</p><p>&nbsp;</p><p>b<br>&nbsp;<br>c</p>") == "a\n\nb\\\nc"


def test_sup_and_sub() -> None:
    markdown = html_to_markdown(
        "<p>X<sup>n</sup> H<sub>2</sub>O 2<sup>l+1</sup> 1<sup>st</sup></p>"
    )
    assert markdown == "Xⁿ H₂O 2^(l+1) 1st"


def test_footnote_reference_keeps_its_number() -> None:
    markdown = html_to_markdown(
        '<p>Rob Pike<sup id="fnref:1"><a href="#fn:1" class="footnote-ref">1</a></sup></p>',
        base_url=BASE,
    )
    assert rendered_text(markdown) == "Rob Pike[1]"
    assert links(markdown) == [BASE + "#fn:1"]


# --- links, images, media ----------------------------------------------------------------


def test_links_resolve_against_base_url() -> None:
    markdown = html_to_markdown(
        '<a href="/about">About</a> <a href="next.html">Next</a> <a href="https://x.org/">X</a>',
        base_url=BASE,
    )
    assert markdown == (
        "[About](https://blog.example.org/about) "
        "[Next](https://blog.example.org/posts/entry/next.html) [X](https://x.org/)"
    )


@pytest.mark.parametrize(
    "href",
    ["javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,hi", "file:///etc/passwd"],
)
def test_unsafe_links_keep_only_their_text(href: str) -> None:
    markdown = html_to_markdown(f'<p>see <a href="{href}">here</a></p>', base_url=BASE)
    assert markdown == "see here"
    assert not links(markdown)


def test_mailto_links_survive() -> None:
    assert links(html_to_markdown('<a href="mailto:a@b.org">mail</a>')) == ["mailto:a@b.org"]


def test_link_urls_are_escaped() -> None:
    markdown = html_to_markdown('<a href="https://x.org/a b_(c)">t</a>')
    assert links(markdown) == ["https://x.org/a%20b_%28c%29"]
    assert rendered_text(markdown) == "t"


def test_empty_link_text_shows_the_url() -> None:
    markdown = html_to_markdown('<a href="https://x.org/a_b"></a>')
    assert rendered_text(markdown) == "https://x.org/a_b"
    assert links(markdown) == ["https://x.org/a_b"]


def test_link_text_with_markup_characters() -> None:
    markdown = html_to_markdown('<a href="https://x.org">[b]x[/b] <b>bold</b></a>')
    assert rendered_text(markdown) == "[b]x[/b] bold"
    assert links(markdown) == ["https://x.org"]


def test_images_become_text_links() -> None:
    markdown = html_to_markdown(
        '<p><img src="/i.png" alt="A diagram"> <img src="x.png"></p>', base_url=BASE
    )
    assert markdown == (
        "[image: A diagram](https://blog.example.org/i.png) "
        "[image](https://blog.example.org/posts/entry/x.png)"
    )


def test_images_without_safe_source_keep_alt_text() -> None:
    markdown = html_to_markdown('<img src="data:image/png;base64,AAAA" alt="chart">')
    assert rendered_text(markdown) == "[image: chart]"
    assert not links(markdown)


def test_tracking_pixels_are_dropped() -> None:
    markdown = html_to_markdown(
        '<p>text<img src="http://t.example/p.gif" width="1" height="1"></p>'
    )
    assert markdown == "text"


def test_image_inside_link_is_not_a_nested_link() -> None:
    markdown = html_to_markdown(
        '<a href="https://x.org/big.jpg"><img src="small.jpg" alt="pic"></a>'
    )
    assert links(markdown) == ["https://x.org/big.jpg"]
    assert rendered_text(markdown) == "[image: pic]"


def test_embedded_media_become_links_and_fallback_text_is_dropped() -> None:
    markdown = html_to_markdown(
        '<p>Watch:</p><iframe src="https://www.youtube.com/embed/abc">no frames</iframe>'
        '<video controls><source src="https://x.org/v.mp4">Your browser is old</video>'
        '<iframe src="javascript:evil()"></iframe>'
    )
    assert markdown == (
        "Watch:\n\n[embedded media](https://www.youtube.com/embed/abc)\n\n"
        "[embedded media](https://x.org/v.mp4)"
    )


# --- blocks ------------------------------------------------------------------------------


def test_pre_becomes_fenced_code_with_language() -> None:
    code = 'func main() {\n\tfmt.Println("hi")  // two spaces\n}'
    markdown = html_to_markdown(
        f'<pre><code class="language-go">{html.escape(code)}\n</code></pre>'
    )
    assert markdown == f"```go\n{code}\n```"
    [fence] = fences(markdown)
    assert fence.info == "go"
    assert fence.content == code + "\n"


@pytest.mark.parametrize(
    ("attrs", "language"),
    [
        ('<pre><code class="lang-rust">', "rust"),
        ('<pre class="language-python"><code>', "python"),
        ('<pre><code data-lang="sh">', "sh"),
        ('<pre><code class="hljs language-c++">', "c++"),
        # Untagged code is plain text: an untagged fence makes the highlighter guess.
        ("<pre><code>", "text"),
        ('<pre><code class="language-`bad`">', "text"),
        ('<pre><code class="language-plaintext">', "text"),
        ('<pre><code class="nohighlight">', "text"),
        ('<pre lang="ruby"><code>', "ruby"),
        ('<pre class="brush: js;"><code>', "js"),
        ('<pre><code class="language-Go">', "go"),
        # Wrappers naming the language: Sphinx, GitHub, Jekyll/Rouge, MkDocs.
        ('<div class="highlight-python notranslate"><div class="highlight"><pre><code>', "python"),
        ('<div class="highlight highlight-source-rust"><pre><code>', "rust"),
        ('<div class="language-ruby highlighter-rouge"><div class="highlight"><pre><code>', "ruby"),
        ('<div class="language-py highlight"><pre><span></span><code>', "py"),
        ('<div class="highlight-default notranslate"><div class="highlight"><pre><code>', "text"),
        ('<div class="language-go"><pre><code class="language-sh">', "sh"),
    ],
)
def test_code_language_detection(attrs: str, language: str) -> None:
    [fence] = fences(html_to_markdown(f"{attrs}x = 1</code></pre>"))
    assert fence.info == language


def test_fence_is_longer_than_backtick_runs_in_code() -> None:
    code = "Markdown:\n```go\nx\n```\n````\n"
    markdown = html_to_markdown(f"<pre>{html.escape(code)}</pre>")
    assert markdown.startswith("`````text\n")
    [fence] = fences(markdown)
    assert fence.content == code


def test_pre_preserves_blank_lines_and_leading_whitespace() -> None:
    code = "    indented\n\n\n  after two blank lines"
    [fence] = fences(html_to_markdown(f"<pre>\n{code}</pre>"))
    assert fence.content == code + "\n"


def test_lists_nested_and_numbered() -> None:
    markdown = html_to_markdown(
        "<ol start='3'><li>three<ul><li>dot</li><li>dash</li></ul></li>"
        "<li>four<ol><li>a</li><li>b</li></ol></li><li value='10'>ten</li><li>eleven</li></ol>"
    )
    assert markdown == (
        "3. three\n   - dot\n   - dash\n4. four\n   1. a\n   2. b\n10. ten\n11. eleven"
    )
    ordered = [t for t in _tokens(markdown) if t.type == "ordered_list_open"]
    assert ordered[0].attrs.get("start") == 3
    assert sum(t.type == "list_item_open" for t in _tokens(markdown)) == 8


def test_list_item_with_blocks_and_unclosed_items() -> None:
    markdown = html_to_markdown("<ul><li><p>para</p><pre>code\n  more</pre><li>next</ul>")
    assert markdown == "- para\n\n  ```text\n  code\n    more\n  ```\n- next"
    [fence] = fences(markdown)
    assert fence.content == "code\n  more\n"


def test_blockquotes_nest() -> None:
    markdown = html_to_markdown("<blockquote><p>a</p><blockquote>b</blockquote></blockquote>")
    assert markdown == "> a\n>\n> > b"


def test_horizontal_rule() -> None:
    assert html_to_markdown("<p>a</p><hr><p>b</p>") == "a\n\n---\n\nb"


def test_table_becomes_pipe_table() -> None:
    markdown = html_to_markdown(
        "<table><thead><tr><th>Name</th><th>Note</th></tr></thead><tbody>"
        "<tr><td>a|b</td><td><code>x|y</code><br>second line</td></tr>"
        "<tr><td colspan=2>wide</td></tr><tr><td>short</td></tr></tbody></table>"
    )
    assert markdown == (
        "| Name | Note |\n| --- | --- |\n| a\\|b | `x\\|y` second line |\n"
        "| wide |   |\n| short |   |"
    )
    cells = [t.content for t in _tokens(markdown) if t.type in ("text", "code_inline")]
    assert cells == ["Name", "Note", "a|b", "x|y", " second line", "wide", "short"]


def test_layout_table_is_flattened_not_piped() -> None:
    markdown = html_to_markdown(
        "<table><tr><td><p>only cell</p><ul><li>item</li></ul></td></tr></table>"
    )
    assert markdown == "only cell\n\n- item"


def test_definition_list_and_figure() -> None:
    markdown = html_to_markdown(
        "<dl><dt>Term</dt><dd>Meaning</dd></dl>"
        '<figure><img src="https://x.org/f.png" alt="F"><figcaption>Fig. 1</figcaption></figure>'
    )
    assert markdown == "- **Term**\n\n  Meaning\n\n[image: F](https://x.org/f.png)\n\n*Fig. 1*"


def test_invisible_content_is_dropped() -> None:
    markdown = html_to_markdown(
        "<html><head><title>T</title><style>p{color:red}</style></head><body>"
        "<script>alert('x')</script><template><p>tpl</p></template><noscript>ns</noscript>"
        "<!-- a comment --><p>visible<span hidden>secret</span>"
        "<span style='display: none'>gone</span></p><svg><text>svg</text></svg></body></html>"
    )
    assert markdown == "visible"


def test_unknown_tags_keep_their_text() -> None:
    assert html_to_markdown("<custom-el>keep <o:p>me</o:p></custom-el>") == "keep me"


def test_inline_wrapper_around_blocks_keeps_paragraphs() -> None:
    assert html_to_markdown("<font><p>one</p><p>two</p></font>") == "one\n\ntwo"


def test_cdata_text_is_kept() -> None:
    assert html_to_markdown("<p><![CDATA[a < b]]></p>") == "a \\< b"


@pytest.mark.parametrize(
    "soup",
    [
        "<p>unclosed <b>bold <i>both",
        "</div></p></li>stray closers",
        "<table><td>cell<tr><td>x</table>",
        "<ul><li>a<li>b</ol>",
        "<a href=",
        "<p x='unterminated>text",
        "<!DOCTYPE x [ <!ENTITY y 'z'> ]>text",
        "<![if !IE]>conditional<![endif]>",
        "<" * 50 + "text",
        "<div>" * 3000 + "deep" + "</div>" * 10,
        "<ul><li>" * 500 + "nested",
        "<blockquote>" * 50 + "quoted",
        "<b><i>" * 200 + "emph",
        "<pre>" + "<span>" * 300 + "code",
        "\x00<p>nul\x00</p>",
    ],
)
def test_malformed_html_never_raises_and_keeps_text(soup: str) -> None:
    markdown = html_to_markdown(soup)
    words = re.findall(r"[a-z]{3,}", re.sub(r"<[^>]*>", " ", soup))
    visible = rendered_text(markdown)
    for word in words:
        if word not in {"div", "table", "doctype", "entity", "endif"}:
            assert word in visible
    assert not raw_html_tokens(markdown)


def test_output_shape_rules() -> None:
    markdown = html_to_markdown("<p> </p><div>\n\n</div><p>a</p><br><br><br><p>b</p><p>\n</p>")
    assert markdown == "a\n\nb"
    assert html_to_markdown("") == ""
    assert html_to_markdown("<p> </p>") == ""


def test_large_document_is_handled() -> None:
    # Speed is measured in benchmarks; here, only that size causes no pathology.
    para = "<p>Some <b>bold</b> text with <a href='https://x.org/'>a link</a>.</p>\n"
    code = "<pre><code class='language-py'>" + "x = 1\n" * 20 + "</code></pre>\n"
    document = (para * 10 + code) * 500
    assert len(document) > 400_000
    markdown = html_to_markdown(document)
    assert markdown.count("```py\n") == 500
    assert markdown.count("[a link](https://x.org/)") == 5000


# --- PaperMod articles -------------------------------------------------------------------

HTML_DOC = """<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Example HTML5 Document</title>
    <meta
      name="description"
      content="Sample article showcasing basic Markdown syntax and formatting for HTML elements."
    />
  </head>
  <body>
    <p>Test</p>
  </body>
</html>
"""


def test_papermod_code_syntax_post() -> None:
    markdown = html_to_markdown(post_content("posts-code_syntax.html"), base_url=BASE)
    assert not raw_html_tokens(markdown)
    blocks = fences(markdown)
    assert [f.info for f in blocks] == [
        "text",
        "text",
        "html",
        "html",
        "html",
        "html",
        "text",
        "html",
    ]
    assert blocks[0].content == "This is pre text\n"
    # Chroma's spans, line-number tables and inline line numbers are gone; code is exact.
    for index in (1, 2, 3, 4, 5):
        assert blocks[index].content == HTML_DOC
    assert blocks[6].content.startswith('<!doctype html>\n<html lang="en">\n<head>\n')
    assert "### Inline Code\n\n`This is Inline Code`" in markdown
    assert "### Only `pre`" in markdown
    assert "- ~~With `linenos=inline` line **might not** get highlighted properly.~~" in markdown
    # Hugo's hidden heading anchors ("#") must not leak into headings.
    assert "Inline Code #" not in rendered_text(markdown)
    assert " 1\n 2\n" not in markdown


def test_papermod_markdown_syntax_post() -> None:
    markdown = html_to_markdown(post_content("posts-markdown-syntax.html"), base_url=BASE)
    assert not raw_html_tokens(markdown)
    assert "| Name | Age |\n| --- | --- |\n| Bob | 27 |\n| Alice | 23 |" in markdown
    assert "| Italics | Bold | Code |\n| --- | --- | --- |\n| *italics* | **bold** | `code` |" in (
        markdown
    )
    assert "- Fruit\n  - Apple\n  - Orange\n  - Banana\n- Dairy\n  - Milk\n  - Cheese" in markdown
    assert "1. Fruit\n   - Apple\n   - Orange\n   - Banana\n2. Dairy\n   1. Milk\n   2. Cheese" in (
        markdown
    )
    assert "> Don’t communicate by sharing memory, share memory by communicating." in markdown
    assert "The following HTML `<h1>`—`<h6>` elements" in markdown
    assert "\n# H1\n\n## H2\n\n### H3\n\n#### H4\n\n##### H5\n\n###### H6\n" in markdown
    assert "H₂O" in markdown
    assert "Press `CTRL+ALT+Delete` to end the session." in markdown
    tables = [t for t in _tokens(markdown) if t.type == "table_open"]
    assert len(tables) == 2


@pytest.mark.parametrize(
    "name",
    [
        "posts-code_syntax.html",
        "posts-markdown-syntax.html",
        "posts-inner-section-md-lists.html",
        "posts-rich-content.html",
    ],
)
def test_papermod_posts_keep_all_words_and_no_tags(name: str) -> None:
    content = post_content(name)
    markdown = html_to_markdown(content, base_url=BASE)
    assert not raw_html_tokens(markdown)
    assert "\n\n\n" not in outside_fences(markdown)
    assert markdown == markdown.strip()
    assert not re.search(r"[ \t]+$", outside_fences(markdown), flags=re.M)
    visible = rendered_text(markdown)
    for word in _visible_words(content):
        assert word in visible


def _visible_words(fragment: str) -> set[str]:
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", fragment, flags=re.S | re.I)
    text = re.sub(r"<a hidden[^>]*>#</a>", " ", text)
    text = re.sub(r"<span class=\"lnt?\">[^<]*</span>", " ", text)
    text = re.sub(
        r"<td class=\"lntd\">\s*<pre[^>]*><code>(?:<span[^>]*>[\s\d]*</span>)+", " ", text
    )
    text = html.unescape(re.sub(r"<[^>]*>", " ", text))
    return set(re.findall(r"[A-Za-z]{2,}", text))


# --- real feeds --------------------------------------------------------------------------


@pytest.mark.parametrize("path", FEED_FILES, ids=[p.name for p in FEED_FILES])
def test_real_feed_descriptions_show_no_tags(path: Path) -> None:
    for description in feed_descriptions(path):
        markdown = description_to_markdown(description, base_url=BASE)
        assert not raw_html_tokens(markdown), path.name
        assert "\n\n\n" not in outside_fences(markdown)
        assert markdown == markdown.strip()
        for href in links(markdown):
            assert href.split(":", 1)[0] in ("http", "https", "mailto")


def test_feed_fixture_set_is_complete() -> None:
    listed = {
        line.split("\t", 1)[0]
        for line in (FEEDS / "SOURCES.tsv").read_text(encoding="utf-8").splitlines()[1:]
        if line.strip()
    }
    assert listed == {p.name for p in FEED_FILES}
    assert len(listed) == 30


def test_escaped_html_in_pre_from_atom_feed() -> None:
    [description] = feed_descriptions(FEEDS / "feedjira__AtomEscapedHTMLInPreTag.xml")
    markdown = description_to_markdown(description)
    assert markdown == "This is escaped html:\n\n```text\n<b>test<b>\n```"


def test_russ_cox_relative_links_and_images_resolve() -> None:
    descriptions = feed_descriptions(FEEDS / "rsparser__russcox.atom")
    markdown = "\n\n".join(description_to_markdown(d, base_url=BASE) for d in descriptions)
    hrefs = links(markdown)
    assert f"{BASE}treenum-b2-pre.png" in hrefs
    assert all(h.startswith(("http://", "https://", "mailto:")) for h in hrefs)


def test_cloudblog_entity_escaped_descriptions_are_converted() -> None:
    descriptions = feed_descriptions(FEEDS / "rsparser__cloudblog.rss")
    converted = [description_to_markdown(d, base_url=BASE) for d in descriptions]
    assert any(links(m) for m in converted)
    for markdown in converted:
        assert "<p>" not in markdown
        assert "&lt;" not in markdown


# --- description_to_markdown -------------------------------------------------------------


def test_papermod_entity_escaped_summary_still_escaped() -> None:
    raw = "&lt;p&gt;Hello &lt;code&gt;x&lt;/code&gt; &amp;amp; &lt;em&gt;y&lt;/em&gt;&lt;/p&gt;"
    assert description_to_markdown(raw) == "Hello `x` & *y*"


def test_papermod_entity_escaped_summary_unescaped_once() -> None:
    raw = "<p>Hello <code>x</code> &amp; <em>y</em></p>"
    assert description_to_markdown(raw) == "Hello `x` & *y*"


def test_double_escaped_summary() -> None:
    assert description_to_markdown("&amp;lt;p&amp;gt;Hi&amp;lt;/p&amp;gt;") == "Hi"


def test_plain_description_is_escaped_not_parsed() -> None:
    raw = "Use List<int> and *args — see [docs]\n# not a heading"
    markdown = description_to_markdown(raw)
    assert rendered_text(markdown) == "Use List<int> and *args — see [docs] # not a heading"
    assert not links(markdown)


def test_plain_description_decodes_entities() -> None:
    assert rendered_text(description_to_markdown("Don&rsquo;t &lt;panic&gt;")) == "Don’t <panic>"


def test_real_tags_win_over_escaped_ones() -> None:
    # Escaped markup inside real HTML is literal text the author wanted shown.
    markdown = description_to_markdown("<p>Write &lt;p&gt; for a paragraph</p>")
    assert rendered_text(markdown) == "Write <p> for a paragraph"


def test_description_empty() -> None:
    assert description_to_markdown("") == ""
    assert description_to_markdown("   ") == ""


# --- plain text (search, titles of untitled posts) ---------------------------------------


def test_plain_text_keeps_identifiers_exactly_as_written() -> None:
    text = html_to_text(
        "<p>Set <code>MAX_POOL_SIZE</code>, a*b, std::vector, C# and node.js; see "
        "https://docs.python.org/3/ and [x](y) `tick` &lt;tag&gt; \\back</p>"
    )
    assert text == (
        "Set MAX_POOL_SIZE, a*b, std::vector, C# and node.js; see "
        "https://docs.python.org/3/ and [x](y) `tick` <tag> \\back"
    )


def test_plain_text_keeps_link_text_and_drops_targets() -> None:
    text = html_to_text(
        '<p>Read <a href="https://e.com/very/long?utm=1">the post</a> or '
        '<a href="/rel"></a> or <a href="javascript:x()">this</a>.</p>',
        base_url=BASE,
    )
    assert text == "Read the post or https://blog.example.org/rel or this."


def test_plain_text_keeps_code_blocks_verbatim() -> None:
    code = "def f(x):\n    if x  >  1:\n        return x * 2\n"
    text = html_to_text(
        f"<p>Before</p><pre><code class='language-py'>{code}</code></pre><p>After</p>"
    )
    assert text == f"Before\n\n{code.rstrip()}\n\nAfter"


def test_plain_text_structure_without_markup() -> None:
    text = html_to_text(
        "<h2>Title</h2><p>one\n  two<br>three</p><ul><li>a</li><li>b<ul><li>c</li></ul></li></ul>"
        "<blockquote><p>quoted</p></blockquote><hr><table><tr><th>k</th><th>v</th></tr>"
        "<tr><td>1</td><td></td></tr></table>"
        "<p>x<sup>2</sup> H<sub>2</sub>O<sup><a href='#fn1'>1</a></sup></p>"
    )
    assert text == "Title\n\none two\nthree\n\na\nb\n\nc\n\nquoted\n\nk\tv\n1\n\nx² H₂O[1]"


def test_plain_text_images_media_and_invisible_content() -> None:
    text = html_to_text(
        '<p>A <img src="a.png" alt="diagram"> B <img src="t.gif" width="1"> C <img src="x.png">'
        '</p><iframe src="https://v.example/e" title="Demo"></iframe><script>alert(1)</script>'
        '<p hidden>secret</p><style>p{}</style><p style="display:none">gone</p>'
    )
    assert text == "A diagram B C\n\nDemo"


def test_plain_text_of_descriptions_read_like_the_markdown() -> None:
    assert description_to_text("&lt;p&gt;Hello &lt;b&gt;there&lt;/b&gt;&lt;/p&gt;") == "Hello there"
    assert description_to_text("&amp;lt;p&amp;gt;twice&amp;lt;/p&amp;gt;") == "twice"
    assert description_to_text("Plain *text* a_b &amp; more\n\n\nNext  para") == (
        "Plain *text* a_b & more\n\nNext para"
    )
    assert description_to_text("") == description_to_text("  \n ") == ""
    assert html_to_text("\x00<p>nul\x00</p>") == "nul"


@pytest.mark.parametrize(
    "soup",
    [
        "<p>unclosed <b>bold <i>both",
        "<div>" * 3000 + "deep" + "</div>" * 10,
        "<ul><li>" * 500 + "nested",
        "<!DOCTYPE x [ <!ENTITY y 'z'> ]>text",
    ],
)
def test_plain_text_of_malformed_html_keeps_the_words(soup: str) -> None:
    text = html_to_text(soup)
    for word in ("unclosed", "bold", "both", "deep", "nested", "text"):
        if word in soup:
            assert word in text


def test_convert_description_gives_both_from_one_parse() -> None:
    raw = '<p>Use <code>a_b</code> <a href="https://x.org/">here</a></p>'
    both = convert_description(raw, base_url=BASE)
    assert both.markdown == description_to_markdown(raw, base_url=BASE)
    assert both.text == description_to_text(raw, base_url=BASE) == "Use a_b here"
    assert isinstance(CONVERTER_VERSION, int) and CONVERTER_VERSION >= 1


def _without_space_and_stars(text: str) -> str:
    # "*": markdown-it leaves some of our emphasis markers literal (next to punctuation);
    # that is a display matter, and the plain text rightly has none.
    return "".join(text.split()).replace("*", "")


@pytest.mark.parametrize("path", FEED_FILES, ids=[p.name for p in FEED_FILES])
def test_plain_text_is_what_the_markdown_shows(path: Path) -> None:
    """Same walk, two outputs: the words a reader sees are the words search finds."""
    media = re.compile(r"(?:<|&lt;)(?:img|iframe|video|audio|embed)\b", re.I)
    for description in feed_descriptions(path):
        if media.search(description):
            continue  # the Markdown labels those ("image: ..."); the text keeps only alt/title
        both = convert_description(description, base_url=BASE)
        assert _without_space_and_stars(both.text) == _without_space_and_stars(
            rendered_text(both.markdown)
        ), path.name


# --- Chroma inline-styled output (Hugo markup.highlight.noClasses) ---------------------

GO_PROGRAM = (
    'package main\n\nimport "fmt"\n\n// Greet says hello to <name> & friends.\n'
    'func main() {\n\tfor i := 0; i < 3; i++ {\n\t\tfmt.Println("hello, world", i)\n\t}\n}\n'
)


def test_inline_styled_chroma_code_drops_line_numbers_and_stays_exact() -> None:
    # Hand-built in Chroma's noClasses shape: gutters are <span style="…user-select:none…">
    # with no class, inline (linenos=inline) and in a table (linenos=table).
    markdown = html_to_markdown(post_content("chroma-inline-styles.html"), base_url=BASE)
    assert not raw_html_tokens(markdown)
    blocks = fences(markdown)
    assert [f.info for f in blocks] == ["go", "go", "go", "sh"]
    assert [f.content for f in blocks[:3]] == [GO_PROGRAM] * 3
    assert blocks[3].content == "go run .\n# hello, world 0\n"
    assert "1package" not in markdown
    assert " 9\t}" not in markdown


def test_unselectable_spans_in_code_are_dropped_but_other_styles_kept() -> None:
    markdown = html_to_markdown(
        '<pre><code><span style="-webkit-user-select: none">$ </span>'
        '<span style="color:red">ls</span>\n</code></pre>'
    )
    assert markdown == "```text\nls\n```"
