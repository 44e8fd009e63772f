"""The live fan-out of a conversation's events to every stream watching it, inside one process.

Events are stored first (`store/events.py`) and published here second, so the store is the truth and this
is only the fast path: a subscriber that falls too far behind is not waited for (that would slow the run
down for everyone) but marked `lagged`, and reads what it missed back from the store. Publishing never
blocks and never raises. Everything runs on the event loop's thread.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict

from computer_use_demo.store.events import Event

DEFAULT_QUEUE_SIZE = 2000


class Subscription:
    def __init__(self, conversation_id: str, queue_size: int) -> None:
        self.conversation_id = conversation_id
        self.queue: asyncio.Queue[Event] = asyncio.Queue(queue_size)
        self.lagged = False  # events were dropped: read them back from the store
        self.wake = asyncio.Event()  # set on every publish and on `notify`

    async def next(self, within_s: float) -> Event | None:
        """The next published event, or None after `within_s` seconds (or when woken without one)."""
        if self.queue.empty():
            self.wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), within_s)
        try:
            return self.queue.get_nowait()
        except asyncio.QueueEmpty:
            return None

    def offer(self, event: Event) -> None:
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.lagged = True
            while not self.queue.empty():
                self.queue.get_nowait()
        self.wake.set()


class Broadcaster:
    def __init__(self, queue_size: int = DEFAULT_QUEUE_SIZE) -> None:
        self.queue_size = queue_size
        self._subscribers: defaultdict[str, set[Subscription]] = defaultdict(set)

    def subscribe(self, conversation_id: str) -> Subscription:
        subscription = Subscription(conversation_id, self.queue_size)
        self._subscribers[conversation_id].add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        subscribers = self._subscribers.get(subscription.conversation_id)
        if subscribers is None:
            return
        subscribers.discard(subscription)
        if not subscribers:
            del self._subscribers[subscription.conversation_id]

    def publish(self, conversation_id: str, event: Event) -> None:
        for subscription in tuple(self._subscribers.get(conversation_id, ())):
            subscription.offer(event)

    def notify(self, conversation_id: str) -> None:
        """Wake the conversation's streams without an event (a run ended: they may want to close)."""
        for subscription in tuple(self._subscribers.get(conversation_id, ())):
            subscription.wake.set()

    def subscriber_count(self, conversation_id: str) -> int:
        return len(self._subscribers.get(conversation_id, ()))
