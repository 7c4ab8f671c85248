"""The caps on stored articles, apart from :mod:`tui.store.articles` so that opening a
:class:`~tui.store.Store` (whose defaults they are) does not load that module."""

from __future__ import annotations

from typing import Final

MAX_ARTICLE_BYTES: Final = 2 * 1024 * 1024
"""Most UTF-8 bytes of Markdown one stored article may have."""
MAX_TOTAL_BYTES: Final = 200 * 1024 * 1024
"""Most bytes (Markdown + text) all stored articles may have together."""
