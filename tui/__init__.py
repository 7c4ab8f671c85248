"""rajpoot-tui: a terminal reader for https://blog.rajpoot.dev/tags/backend/index.xml.

This module stays import-light on purpose: the CLI imports it for ``--version``
and the headless subcommands, which must not pay for Textual, httpx or feedparser.
"""

__version__ = "0.1.0"

DEFAULT_FEED_URL = "https://blog.rajpoot.dev/tags/backend/index.xml"
APP_NAME = "rajpoot-tui"
USER_AGENT = f"{APP_NAME}/{__version__} (+https://blog.rajpoot.dev)"
