"""The event stream of a conversation (Server-Sent Events); see `event_stream.py` for what it sends."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query
from fastapi.responses import StreamingResponse

from computer_use_demo.api.deps import ConversationId, State
from computer_use_demo.api.event_stream import EventStream

router = APIRouter(tags=["events"])

MAX_EVENT_ID = 2**62


@router.get(
    "/conversations/{conversation_id}/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "the event stream"}},
)
def stream_events(
    conversation_id: ConversationId,
    state: State,
    last_event_id: Annotated[int | None, Header(ge=0, le=MAX_EVENT_ID)] = None,
    after: Annotated[int | None, Query(ge=0, le=MAX_EVENT_ID, description="like Last-Event-ID")] = None,
    follow: Annotated[bool, Query(description="stay open after the run ends, for the next")] = False,
) -> StreamingResponse:
    """Every event after `Last-Event-ID` (or `after`; all of them without either), then the live run's
    until it ends. Each event's id is its sequence number in the conversation."""
    state.store.get(conversation_id)
    start = max(last_event_id or 0, after or 0)
    stream = EventStream(state, conversation_id, after=start, follow=follow)
    return StreamingResponse(
        stream.frames(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
