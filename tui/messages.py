"""Messages that workers and widgets post to the reader: typed, never tuples to unpack."""

from __future__ import annotations

from textual.message import Message

from tui.refresh import RefreshOutcome


class PostsChanged(Message):
    """The store has new content for the shown feed (posted from worker threads).

    A burst of these (a seed import, then a merge) needs one reload, not one each.
    """

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, PostsChanged)


class RefreshFinished(Message):
    """One refresh ended; ``outcome`` is None when it fetched nothing (offline start)."""

    def __init__(self, outcome: RefreshOutcome | None, *, user_asked: bool) -> None:
        super().__init__()
        self.outcome = outcome
        self.user_asked = user_asked
