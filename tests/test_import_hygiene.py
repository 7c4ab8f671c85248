"""Start-up stays light: heavy libraries load only where they are needed."""

from __future__ import annotations

import subprocess
import sys

import pytest


def _loaded_after(code: str) -> set[str]:
    probe = (
        f"{code}\nimport sys\n"
        "print(' '.join(m for m in ('textual', 'httpx', 'feedparser') if m in sys.modules))"
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
        "tui.sanitize",
        "tui.parse",
        "tui.refresh",
        "tui.settings",
        "tui.htmltext",
        "tui.opener",
        "tui.background",
        "tui.feedstatus",
        "tui.timefmt",
        "tui.paths",
        "tui.services",
        "tui.reading",
        "tui.__main__",
    ],
)
def test_core_modules_import_no_textual_and_no_network_or_xml_library(module: str) -> None:
    assert _loaded_after(f"import {module}") == set()


def test_fetch_needs_httpx_but_not_textual() -> None:
    assert _loaded_after("import tui.fetch") == {"httpx"}


def test_the_app_module_starts_without_httpx_or_feedparser() -> None:
    # Painting cached posts must not wait for the network or XML libraries.
    assert _loaded_after("import tui.app") == {"textual"}
