"""A pool of desktops: a warm set kept ready, handed out one session at a time, reset between sessions.

    pool = DesktopPool(LocalBackend(), warm=2, limit=8)
    await pool.start()                      # makes the warm desktops
    lease = await pool.acquire("task-17")   # a ready desktop (warm when one is), bound to that holder
    ...                                     # tools_for(lease.handle, group, image_tier=...)
    await pool.release(lease)               # reset and checked clean in the background, or destroyed
    await pool.close()                      # every desktop destroyed

Backends block (start processes, talk to dockerd), so their calls run in threads. A desktop that fails its
reset or its check is destroyed, never handed out again; warm desktops idle for longer than `idle_expiry_s`
are destroyed down to `warm`; the warm set is topped up in the background.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from computer_use_demo.fleet.desktop import DesktopBackend, DesktopError, DesktopHandle

log = logging.getLogger(__name__)


class PoolExhausted(DesktopError):
    """Every desktop the pool may have is in use, and none was released in time."""


@dataclass
class Lease:
    handle: DesktopHandle
    holder: str
    acquired_at: float = field(default_factory=time.time)


@dataclass
class _Slot:
    handle: DesktopHandle
    state: str  # "ready", "leased", "resetting"
    holder: str = ""
    since: float = field(default_factory=time.monotonic)


class DesktopPool:
    def __init__(
        self,
        backend: DesktopBackend,
        *,
        warm: int = 1,
        limit: int = 4,
        idle_expiry_s: float = 600.0,
        acquire_timeout_s: float = 120.0,
    ) -> None:
        if warm < 0 or limit < 1 or warm > limit:
            raise ValueError(f"need 0 <= warm <= limit and limit >= 1 (warm={warm}, limit={limit})")
        self.backend = backend
        self.warm = warm
        self.limit = limit
        self.idle_expiry_s = idle_expiry_s
        self.acquire_timeout_s = acquire_timeout_s
        self._slots: dict[str, _Slot] = {}
        self._creating = 0
        self._changed = asyncio.Condition()
        self._background: set[asyncio.Task[Any]] = set()
        self._closed = False

    # -- life cycle ------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Make the warm desktops (all at once) and wait for them."""
        await asyncio.gather(*(self._create_one() for _ in range(self.warm)), return_exceptions=True)
        self._spawn(self._maintain())

    async def close(self) -> None:
        self._closed = True
        for task in list(self._background):
            task.cancel()
        for task in list(self._background):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        slots, self._slots = list(self._slots.values()), {}
        await asyncio.gather(*(self._destroy(slot.handle) for slot in slots))

    # -- sessions --------------------------------------------------------------------------------------

    async def acquire(self, holder: str) -> Lease:
        """A ready desktop for `holder`: a warm one at once, else a new one (within `limit`), else the
        next one released; `PoolExhausted` after `acquire_timeout_s`."""
        deadline = time.monotonic() + self.acquire_timeout_s
        while True:
            async with self._changed:
                slot = self._ready_slot()
                if slot is not None:
                    slot.state, slot.holder, slot.since = "leased", holder, time.monotonic()
                    self._spawn(self._top_up())
                    return Lease(slot.handle, holder)
                may_create = len(self._slots) + self._creating < self.limit
                if not may_create:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise PoolExhausted(f"all {self.limit} desktops are in use")
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._changed.wait(), remaining)
                    continue
            await self._create_one()

    async def release(self, lease: Lease, *, reuse: bool = True) -> None:
        """Give the desktop back: reset and checked in the background (or destroyed, `reuse=False`)."""
        slot = self._slots.get(lease.handle.desktop_id)
        if slot is None or slot.state != "leased":
            return
        async with self._changed:
            slot.state, slot.holder, slot.since = "resetting", "", time.monotonic()
        self._spawn(self._recycle(slot, reuse=reuse))

    async def replace(self, lease: Lease, holder: str) -> Lease:
        """A dead desktop out, a fresh one in (the batch runner's retry)."""
        await self.release(lease, reuse=False)
        return await self.acquire(holder)

    def state(self) -> dict[str, Any]:
        """Every desktop with its state and holder, for the API and the pool page."""
        now = time.monotonic()
        return {
            "backend": self.backend.name,
            "warm": self.warm,
            "limit": self.limit,
            "starting": self._creating,
            "desktops": [_describe(slot, now) for slot in self._slots.values()],
        }

    # -- internals -------------------------------------------------------------------------------------

    def _ready_slot(self) -> _Slot | None:
        return next((s for s in self._slots.values() if s.state == "ready"), None)

    async def _create_one(self) -> None:
        self._creating += 1
        try:
            handle = await asyncio.to_thread(self.backend.create)
        except DesktopError as exc:
            log.warning("a %s desktop could not start: %s", self.backend.name, exc)
            return
        finally:
            self._creating -= 1
        if self._closed:
            await self._destroy(handle)
            return
        async with self._changed:
            self._slots[handle.desktop_id] = _Slot(handle, "ready")
            self._changed.notify_all()

    async def _recycle(self, slot: _Slot, *, reuse: bool) -> None:
        problems: list[str] = ["not reused"] if not reuse else []
        if reuse:
            try:
                await asyncio.to_thread(self.backend.reset, slot.handle)
                problems = await asyncio.to_thread(self.backend.problems, slot.handle)
            except DesktopError as exc:
                problems = [str(exc)]
        if problems:
            log.info("destroying desktop %s: %s", slot.handle.desktop_id, "; ".join(problems))
            await self._forget(slot)
            self._spawn(self._top_up())
            return
        async with self._changed:
            slot.state, slot.since = "ready", time.monotonic()
            self._changed.notify_all()

    async def _forget(self, slot: _Slot) -> None:
        async with self._changed:
            self._slots.pop(slot.handle.desktop_id, None)
            self._changed.notify_all()
        await self._destroy(slot.handle)

    async def _destroy(self, handle: DesktopHandle) -> None:
        try:
            await asyncio.to_thread(self.backend.destroy, handle)
        except DesktopError as exc:
            log.warning("desktop %s could not be destroyed: %s", handle.desktop_id, exc)

    async def _top_up(self) -> None:
        """Warm desktops back up to `warm`, within `limit`."""
        while not self._closed:
            ready = sum(1 for s in self._slots.values() if s.state in ("ready", "resetting"))
            if ready + self._creating >= self.warm or len(self._slots) + self._creating >= self.limit:
                return
            await self._create_one()

    async def _maintain(self, period_s: float = 5.0) -> None:
        """Idle warm desktops beyond `warm` expire."""
        while not self._closed:
            await asyncio.sleep(period_s)
            now = time.monotonic()
            idle = [s for s in self._slots.values() if s.state == "ready"]
            expired = [s for s in idle if now - s.since > self.idle_expiry_s][: max(0, len(idle) - self.warm)]
            for slot in expired:
                await self._forget(slot)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)


def _describe(slot: _Slot, now: float) -> dict[str, Any]:
    return {
        **slot.handle.describe(),
        "state": slot.state,
        "holder": slot.holder,
        "for_s": round(now - slot.since, 1),
    }
