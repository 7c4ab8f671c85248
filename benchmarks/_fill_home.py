"""Fill a benchmark home's store with N synthetic posts, with whichever ``tui`` is importable.

``startup.py`` runs this in a subprocess, with ``PYTHONPATH`` set to the source tree being
measured and ``XDG_*`` set to that tree's temporary home, so each revision's store is
written by its own code (the store's schema changes between revisions). Only what the
current code and older revisions (``0e500e0`` and later) both have is used:
``tui.paths``, ``Store.open``/``merge``/``posts``, ``ParsedFeed`` and ``Entry`` (through
``_synthetic.entries``).

    XDG_CACHE_HOME=... XDG_DATA_HOME=... PYTHONPATH=TREE \\
        python benchmarks/_fill_home.py SIZE FEED_URL NEWEST_TITLE [--long]

``--long``: summaries of 1-2.5 kB (``_synthetic.description_text``) instead of a few
hundred characters.

Where the code has ``Store.rederive_stale``, it is run until nothing is stale, as the
app's first start would. Prints where the ``tui`` that did it was imported from.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import UTC, datetime

from _synthetic import entries

import tui
from tui import paths
from tui.models import ParsedFeed
from tui.store import Store


def main(argv: list[str]) -> int:
    size, url, newest = int(argv[0]), argv[1], argv[2]
    items = entries(size, long="--long" in argv[3:])
    items[0] = replace(items[0], title=newest)
    feed = ParsedFeed(url, f"Bench feed ({size})", "https://bench.example/", "", items)
    with Store.open(paths.cache_db_path(), paths.state_db_path(), retention=size) as store:
        store.merge(
            url,
            feed,
            etag=None,
            last_modified=None,
            not_before=None,
            now=datetime.now(UTC),
            mark_new=False,
        )
        # Hand-made entries are stored as "converter 0", which the current code re-indexes
        # in a worker after the first frame (rederive_stale) until none are left. Do it
        # here, so every launch starts from a settled store, as a person's second start does.
        rederive = getattr(store, "rederive_stale", None)
        while rederive is not None and rederive(limit=1000):
            pass
        stored = len(store.posts(url))
    if stored != size:
        print(f"_fill_home.py: stored {stored} posts, not {size}", file=sys.stderr)
        return 1
    print(tui.__file__)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
