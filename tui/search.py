"""The ``/`` filter: which posts match what the user typed. No Textual here.

Superseded by :meth:`tui.store.Store.search` (SQLite FTS5 over the posts' plain text,
so ``MAX_POOL_SIZE`` or ``https://docs`` are found, not missed in the escaped Markdown;
~1-15 ms instead of ~120 ms at 10,000 posts) and :func:`tui.store.search.match_spans`
for highlighting. Kept until the UI switches over; then this module can go.
"""

from __future__ import annotations

from collections.abc import Iterable

from tui.models import Post


def filter_posts(posts: Iterable[Post], query: str) -> list[Post]:
    """Posts whose title, section, author or description contain every word of ``query``.

    Case-insensitive; an empty query matches everything.
    """
    words = query.casefold().split()
    if not words:
        return list(posts)
    found = []
    for post in posts:
        haystack = f"{post.title}\n{post.section}\n{post.author}\n{post.summary}".casefold()
        if all(word in haystack for word in words):
            found.append(post)
    return found
