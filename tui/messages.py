"""Messages that workers and widgets post to the reader: typed, never tuples to unpack."""

from __future__ import annotations

from collections.abc import Sequence

from textual.message import Message

from tui.models import FeedInfo, Post
from tui.refresh import RefreshOutcome


class PostsLoaded(Message):
    """Posts read from the store off the UI thread, for the scope, view and sort named."""

    def __init__(
        self,
        posts: list[Post],
        *,
        key: tuple[str, str, str],
        unread: dict[str, int] | None,
        infos: dict[str, FeedInfo] | None,
    ) -> None:
        super().__init__()
        self.posts = posts
        self.key = key
        """(scope row id, view, sort) they were read for: a reader who moved on ignores them."""
        self.unread = unread
        self.infos = infos

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, PostsLoaded)


class PostsChanged(Message):
    """The store has new content for the shown feed (posted from worker threads).

    A burst of these (a seed import, then a merge) needs one reload, not one each.
    """

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, PostsChanged)


class ArticleReady(Message):
    """A post's whole article is here (from the store, the feed, or fetched)."""

    def __init__(self, post_id: str, markdown: str, *, base_url: str, note: str = "") -> None:
        super().__init__()
        self.post_id = post_id
        self.markdown = markdown
        self.base_url = base_url
        self.note = note


class ArticleFailed(Message):
    """The article could not be had; the description stays, with one notice."""

    def __init__(self, post_id: str, message: str, *, link: str) -> None:
        super().__init__()
        self.post_id = post_id
        self.message = message
        self.link = link


class PrefetchProgress(Message):
    """``articles 12/40``: how far the background prefetch is."""

    def __init__(self, done: int, total: int, *, finished: bool = False, summary: str = "") -> None:
        super().__init__()
        self.done = done
        self.total = total
        self.finished = finished
        self.summary = summary


class RefreshFinished(Message):
    """One refresh of the reader's feeds ended: an outcome per feed fetched.

    Empty when it fetched nothing (an offline start, or cancelled).
    """

    def __init__(self, outcomes: Sequence[RefreshOutcome], *, user_asked: bool) -> None:
        super().__init__()
        self.outcomes = list(outcomes)
        self.user_asked = user_asked


class RefreshRetrying(Message):
    """A fetch of the refresh failed and will be tried again: said on the status line."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class RefreshProgress(Message):
    """``refreshing 12/40``: feeds done out of all the refresh fetches."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__()
        self.done = done
        self.total = total

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, RefreshProgress)
