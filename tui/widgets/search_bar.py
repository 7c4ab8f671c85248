"""The ``/`` search line under the panes."""

from __future__ import annotations

from textual.widgets import Input


class SearchBar(Input):
    """Filters the list as you type. The App handles enter (keep the filter) and
    escape (clear it) as priority keys, so keys typed right after them are not
    swallowed by the box."""

    def __init__(self, *, id: str | None = None) -> None:
        # Cursor at the end on focus, not the text selected: "/" refines a search.
        super().__init__(
            placeholder="search titles and descriptions…", id=id, select_on_focus=False
        )
