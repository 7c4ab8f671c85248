"""Whole articles: a post's web page fetched, its article extracted, kept in the cache.

``service`` (load one, prefetch many; no Textual, httpx only when fetching) ·
``extract`` (HTML to an article's Markdown and text; lxml and readability only inside).
"""
