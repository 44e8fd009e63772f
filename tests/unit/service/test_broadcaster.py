"""The live fan-out: every subscriber gets every event; one that falls behind is caught up from the store,
in order, without slowing the publisher."""

from __future__ import annotations

import re

from computer_use_demo.api.event_stream import EventStream
from computer_use_demo.service.broadcaster import Broadcaster
from computer_use_demo.service.event_hooks import EventSink
from computer_use_demo.service.state import ServiceState


def ids(frames: list[bytes]) -> list[int]:
    return [int(m) for frame in frames for m in re.findall(rb"^id: (\d+)$", frame, re.M)]


async def test_publish_reaches_each_subscriber_and_never_blocks():
    hub = Broadcaster(queue_size=2)
    first, second = hub.subscribe("c"), hub.subscribe("c")
    other = hub.subscribe("d")
    for n in range(5):
        hub.publish("c", f"event {n}")  # type: ignore[arg-type] - any payload travels
    assert first.lagged and second.lagged and not other.lagged
    assert await other.next(0.01) is None
    hub.unsubscribe(first)
    hub.unsubscribe(second)
    assert hub.subscriber_count("c") == 0 and hub.subscriber_count("d") == 1


async def test_a_stream_that_fell_behind_is_caught_up_from_the_store(tmp_path):
    state = ServiceState.open(owner="test", database=tmp_path / "c.db")
    state.broadcaster = Broadcaster(queue_size=3)
    cid = state.store.create().id
    sink = EventSink(state.events, state.broadcaster, cid)
    sink.emit("status", {"status": "running"})
    stream = EventStream(state, cid, after=0, follow=True).frames()
    frames = [await anext(stream)]  # replayed from the store; now subscribed and waiting
    waiting = anext(stream)
    for n in range(50):  # published faster than the stream reads: its queue overflows
        sink.emit("text_delta", {"text": f"piece {n}"})
    sink.emit("status", {"status": "completed"})
    frames.append(await waiting)
    while ids(frames)[-1] < 52:
        frames.append(await anext(stream))
    await stream.aclose()
    assert ids(frames) == list(range(1, 53))
    await state.close()
