"""A conversation's events as Server-Sent Events: first what is stored after the client's last event id,
then what the run publishes live, until the run ends.

The stream subscribes before it reads the store, so an event published meanwhile is in the queue and the
sequence number drops the duplicate: nothing is missed, nothing sent twice. A client that fell behind is
caught up from the store. A run in another process (an MCP server over stdio) publishes nothing here, so
while the desktop's lock names this conversation the store is polled instead. With `follow` the stream
stays open across runs (comment lines keep proxies from closing it).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

from computer_use_demo.service.broadcaster import Subscription
from computer_use_demo.service.run_manager import STATUS_EVENT, TERMINAL_STATES
from computer_use_demo.service.state import ServiceState
from computer_use_demo.store.events import MAX_PAGE, Event

HEARTBEAT_S = 15.0
ELSEWHERE_POLL_S = 0.5
KEEP_ALIVE = b": keep-alive\n\n"


def sse_frame(event: Event) -> bytes:
    # The data is one line of JSON (newlines inside text are escaped), so no text can end the frame.
    return f"id: {event.seq}\nevent: {event.type}\ndata: {event.data_json}\n\n".encode()


def ends_run(event: Event) -> bool:
    return event.type == STATUS_EVENT and event.data.get("status") in TERMINAL_STATES


class EventStream:
    def __init__(self, state: ServiceState, conversation_id: str, *, after: int, follow: bool) -> None:
        self.state = state
        self.conversation_id = conversation_id
        self.last = after
        self.follow = follow
        self.ended = False  # the run this stream followed has ended
        self.last_write = time.monotonic()

    def _stored(self) -> list[bytes]:
        """Every stored event after the last one sent, in order."""
        frames: list[bytes] = []
        while True:
            page = self.state.events.after(self.conversation_id, self.last)
            for event in page:
                frames.append(sse_frame(event))
                self.last = event.seq
            if len(page) < MAX_PAGE:
                return frames

    def _running(self) -> tuple[bool, bool]:
        """(a run of this conversation is live here, it runs in another process)."""
        here = self.state.runs.live(self.conversation_id) is not None
        return here, (not here and self.state.runs.running_elsewhere(self.conversation_id))

    async def frames(self) -> AsyncIterator[bytes]:
        broadcaster = self.state.broadcaster
        subscription = broadcaster.subscribe(self.conversation_id)
        try:
            for frame in self._stored():
                yield frame
            while not self.ended:
                here, elsewhere = self._running()  # asked when the stream is quiet, not per event
                if not (here or elsewhere or self.follow):
                    for frame in self._stored():  # what came between the last read and the run's end
                        yield frame
                    return
                async for frame in self._until_quiet(
                    subscription, ELSEWHERE_POLL_S if elsewhere else HEARTBEAT_S
                ):
                    yield frame
        finally:
            broadcaster.unsubscribe(subscription)

    async def _until_quiet(self, subscription: Subscription, wait_s: float) -> AsyncIterator[bytes]:
        """Published events until none comes for `wait_s` (then what the store has, or a keep-alive), or
        until the run ends."""
        while True:
            if subscription.lagged:
                subscription.lagged = False
                for frame in self._stored():
                    yield frame
            event = await subscription.next(wait_s)
            if event is None:
                frames = self._stored()
                if not frames and time.monotonic() - self.last_write >= HEARTBEAT_S:
                    frames = [KEEP_ALIVE]
                for frame in frames:
                    yield frame
                    self.last_write = time.monotonic()
                return
            if event.seq <= self.last:
                continue
            if event.seq == self.last + 1:
                self.last = event.seq
                yield sse_frame(event)
            else:  # a gap (never expected): the store has everything in order
                for frame in self._stored():
                    yield frame
            self.last_write = time.monotonic()
            if ends_run(event) and not self.follow:
                self.ended = True
                return
