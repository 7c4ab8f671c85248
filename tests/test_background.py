"""Blocking work can be abandoned: quitting never waits for a hung server."""

from __future__ import annotations

import asyncio
import threading

import httpx
import pytest

from tests.builders import make_app, serve
from tests.pilot import Reader
from tui.background import run_abandonable


async def test_result_and_errors_come_back_to_the_awaiting_task() -> None:
    assert await run_abandonable(lambda cancelled: 41 + 1, name="t") == 42

    def boom(cancelled: threading.Event) -> int:
        raise ValueError("nope")

    with pytest.raises(ValueError, match="nope"):
        await run_abandonable(boom, name="t")


async def test_cancelling_returns_at_once_and_tells_the_thread() -> None:
    started, release = threading.Event(), threading.Event()
    seen_cancel: list[bool] = []

    def blocked(cancelled: threading.Event) -> None:
        started.set()
        release.wait(30)
        seen_cancel.append(cancelled.is_set())

    task = asyncio.ensure_future(run_abandonable(blocked, name="t"))
    while not started.is_set():
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # The awaiting side is free while the thread is still blocked.
    assert not release.is_set()
    release.set()
    for _ in range(500):
        if seen_cancel:
            break
        await asyncio.sleep(0.01)
    assert seen_cancel == [True]


async def test_quitting_during_a_hung_refresh_does_not_wait_for_the_server() -> None:
    request_arrived, server_answers = threading.Event(), threading.Event()

    def hung(request: httpx.Request) -> httpx.Response:
        request_arrived.set()
        server_answers.wait(30)
        return httpx.Response(304)

    app = make_app(serve(hung))
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            reader = Reader(app, pilot)
            while not request_arrived.is_set():
                await pilot.pause(0.02)
            assert reader.status.busy
            await pilot.press("q")
        assert app.return_code == 0
        # The app is gone while the server still hasn't answered.
        assert not server_answers.is_set()
    finally:
        server_answers.set()
