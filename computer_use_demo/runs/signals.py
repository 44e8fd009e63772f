"""A one-shot answer that any thread may give and a run's event loop awaits.

Approvals and takeovers are decided from other threads (the chat's script thread, an HTTP server's), while
the run waits in its own asyncio loop. `Answer` bridges the two without polling: `give` from any thread,
`wait` in the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import Generic, TypeVar

T = TypeVar("T")


class Answer(Generic[T]):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value: T | None = None
        self._given = False
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []

    @property
    def given(self) -> bool:
        return self._given

    @property
    def value(self) -> T | None:
        return self._value

    def give(self, value: T) -> bool:
        """Set the answer once; False when it was already given (the later one is ignored)."""
        with self._lock:
            if self._given:
                return False
            self._value, self._given = value, True
            waiters, self._waiters = self._waiters, []
        for loop, future in waiters:
            with contextlib.suppress(RuntimeError):  # that loop has closed: nobody waits there any more
                loop.call_soon_threadsafe(_resolve, future)
        return True

    async def wait(self, within: float | None = None) -> bool:
        """True once the answer is given; False when `within` seconds passed first."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        with self._lock:
            if self._given:
                return True
            self._waiters.append((loop, future))
        try:
            await asyncio.wait_for(asyncio.shield(future), within)
            return True
        except TimeoutError:
            return self._given
        finally:
            with self._lock:
                self._waiters = [(lp, f) for lp, f in self._waiters if f is not future]


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
