"""Run blocking work in a daemon thread that an ``await`` can abandon. No Textual here.

Textual's thread workers run in asyncio's default executor, which the
interpreter joins at exit: quitting while a request hangs on a dead server
would freeze the app until the socket times out (10 s, times the retries).
A daemon thread is never waited for, and cancelling the awaiting task
returns at once; the thread is told through the event and stops at its next
check. Its store writes are transactions, so one cut off at exit rolls back.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


async def run_abandonable(work: Callable[[threading.Event], T], *, name: str) -> T:
    """Await ``work(cancelled)`` running in a daemon thread; cancelling sets ``cancelled``."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()
    cancelled = threading.Event()

    def settle(result: T | None, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]

    def target() -> None:
        try:
            result, error = work(cancelled), None
        except BaseException as caught:  # handed to the awaiting task, not swallowed
            result, error = None, caught
        # The loop may have closed while we worked: then nobody is waiting.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=target, name=name, daemon=True).start()
    try:
        return await future
    except asyncio.CancelledError:
        cancelled.set()
        raise
