"""asyncio helpers."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


async def bounded(awaitable: Awaitable[T], seconds: float) -> T:
    """``await awaitable`` for at most ``seconds`` (TimeoutError after).

    Used instead of ``asyncio.wait_for``, which on Python 3.11 can swallow a cancellation that
    arrives as the inner awaitable completes, leaving a background loop running at shutdown.
    """
    async with asyncio.timeout(seconds):
        return await awaitable


def stopping() -> bool:
    """True when the current task has been asked to stop. A background loop that catches ``Exception``
    checks it: a library may turn the cancellation into another error (a driver closing its
    connection), and catching that and looping on would keep the loop alive through shutdown."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0
