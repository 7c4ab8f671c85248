"""Start-up stays light: heavy libraries load only where they are needed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def _loaded_after(code: str) -> set[str]:
    probe = (
        f"{code}\nimport sys\n"
        "heavy = ('textual', 'httpx', 'feedparser', 'tomlkit')\n"
        "print(' '.join(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
    ).stdout
    return set(out.split())


@pytest.mark.parametrize(
    "module",
    [
        "tui",
        "tui.models",
        "tui.store",
        "tui.store.search",
        "tui.store.articles",
        "tui.articles",
        "tui.articles.service",
        "tui.sanitize",
        "tui.parse",
        "tui.refresh",
        "tui.settings",
        "tui.htmltext",
        "tui.opener",
        "tui.background",
        "tui.feedstatus",
        "tui.feedlist",
        "tui.timefmt",
        "tui.paths",
        "tui.services",
        "tui.reading",
        "tui.keys",
        "tui.articles",
        "tui.articles.extract",
        "tui.__main__",
    ],
)
def test_core_modules_import_no_textual_and_no_network_or_xml_library(module: str) -> None:
    assert _loaded_after(f"import {module}") == set()


def test_articles_load_lxml_and_readability_only_when_a_page_is_read() -> None:
    code = (
        "import sys, tui.articles\n"
        "print(' '.join(m for m in ('lxml', 'readability') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    assert out.split() == []


def test_fetch_needs_httpx_but_not_textual() -> None:
    assert _loaded_after("import tui.fetch") == {"httpx"}


def test_the_app_module_starts_without_httpx_or_feedparser() -> None:
    # Painting cached posts must not wait for the network or XML libraries.
    assert _loaded_after("import tui.app") == {"textual"}


def test_the_first_paint_imports_no_network_xml_toml_writing_or_article_library() -> None:
    # Start the real app headless on a stored feed and look at sys.modules as
    # the first frame is drawn: tomlkit (saving settings), httpx and feedparser
    # (refreshing) all load later, where they are used.
    probe = """
import asyncio, sys
from tui.app import RajpootApp
from tui.services import Services

seen = {}

class Probe(RajpootApp):
    def _after_first_frame(self) -> None:
        # (Pygments is not in the list: Textual's Markdown widget, the post card's body,
        # imports it.)
        heavy = ("tomlkit", "httpx", "feedparser", "lxml", "readability", "tui.parse")
        # Deferred to where they are used: the palette's providers (with its first
        # opening), the browser finder (with the first link), stored articles, hashing
        # (merges) and the seed feed's file (its import runs after the first frame).
        deferred = ("tui.commands", "tui.feed_commands", "tui.opener", "webbrowser",
                    "tui.store.articles", "hashlib", "importlib.resources")
        seen.update((m, m in sys.modules) for m in heavy + deferred)
        self.exit(0)

async def main() -> None:
    app = Probe(services=Services(browser_finder=lambda: None), refresh_on_start=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.5)

asyncio.run(main())
print(" ".join(sorted(m for m, loaded in seen.items() if loaded)) or "none", len(seen))
"""
    out = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
    ).stdout.split()
    assert out == ["none", "13"]


def test_our_key_names_match_textuals() -> None:
    # tui.keys names single-character keys itself, so the CLI can check a keymap
    # without importing Textual; it must agree with Textual's own naming.
    from textual.keys import _character_to_key

    from tui.keys import normal_keys

    for character in "?/<>.@-+_!#$%^&*()[]{}|;:'\"~`=aZ9é":  # (a comma separates keys)
        assert normal_keys(character) == [_character_to_key(character)]


def test_start_up_collects_no_garbage_until_the_first_frame(tmp_path: Path) -> None:
    # The command line turns cycle collection off before importing the app, and the
    # first frame turns it back on (after freezing what is alive).
    probe = """
import asyncio, gc, sys
import tui.__main__, tui.app
from tui.services import Services

seen = []

class Probe(tui.app.RajpootApp):
    def run(self, *args, **kwargs):
        seen.append(gc.isenabled())  # what main() runs the app with
        gc.enable()

    def _after_first_frame(self) -> None:
        super()._after_first_frame()
        seen.append(gc.isenabled())
        self.exit(0)

tui.app.RajpootApp = Probe
tui.__main__.main(["--feed", "http://127.0.0.1:9/feed.xml"])

async def main() -> None:
    gc.disable()
    app = Probe(services=Services(browser_finder=lambda: None), refresh_on_start=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.5)

asyncio.run(main())
print(seen)
"""
    env = {
        **os.environ,
        **{f"XDG_{d}_HOME": str(tmp_path / d) for d in ("CACHE", "DATA", "CONFIG")},
    }
    out = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True, env=env
    ).stdout.split("\n")
    assert out[0] == "[False, True]"
