"""Whole articles: a web page reduced to its post, as Markdown for the reader."""

from __future__ import annotations

from tui.articles.extract import (
    MAX_PAGE_CHARS,
    Article,
    ExtractionError,
    extract_article,
    html_title,
)

__all__ = ["MAX_PAGE_CHARS", "Article", "ExtractionError", "extract_article", "html_title"]
