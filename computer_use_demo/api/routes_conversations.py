"""Conversations: create one with a task (and run settings), list them, read one, delete one.

They live in the store the chat and the CLI use, so a conversation made here is in the chat's list and
can be continued there, and one started there can be read and continued here. Reads run in the thread
pool (SQLite is synchronous), so a long history never holds up the event streams.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from computer_use_demo.api.deps import ConversationId, State
from computer_use_demo.api.errors import ApiError, invalid
from computer_use_demo.api.schemas import (
    ConversationDetail,
    ConversationOut,
    CreateConversation,
    settings_given,
)
from computer_use_demo.service.event_hooks import screenshot_path
from computer_use_demo.service.run_settings import SETTINGS_EVENT, run_config, setting_named_in
from computer_use_demo.service.state import ServiceState
from computer_use_demo.store import ConversationSummary
from computer_use_demo.store.images import ImageRef
from computer_use_demo.store.stored_content import stored_messages

router = APIRouter(prefix="/conversations", tags=["conversations"])


def summary_out(state: ServiceState, summary: ConversationSummary) -> dict[str, Any]:
    return {
        "id": summary.id,
        "title": summary.title,
        "created_at": summary.created_at,
        "updated_at": summary.updated_at,
        "message_count": summary.message_count,
        "settings": summary.settings,
        "status": state.runs.status(summary.id),
    }


def checked_config(settings: dict[str, Any]) -> None:
    """A 422 naming the setting when these settings do not make a run config."""
    try:
        run_config(settings)
    except ValueError as exc:
        name = setting_named_in(str(exc))
        raise invalid(["body", "config", *([name] if name else [])], str(exc)) from None


@router.post("", status_code=201, response_model=ConversationOut)
def create_conversation(body: CreateConversation, state: State) -> dict[str, Any]:
    """A new conversation whose first message is the task; start it with `POST .../run`."""
    settings = settings_given(body.config)
    checked_config(settings)  # before anything is stored
    summary = state.store.create(title=body.title)
    task_message = {"role": "user", "content": [{"type": "text", "text": body.task}]}
    state.store.save_messages(summary.id, [task_message])
    if settings:
        state.events.append(summary.id, SETTINGS_EVENT, {"settings": settings})
    return summary_out(state, state.store.get(summary.id))


@router.get("", response_model=list[ConversationOut])
def list_conversations(
    state: State, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[dict[str, Any]]:
    """Newest activity first: those of the chat and the CLI too."""
    return [summary_out(state, summary) for summary in state.store.list(limit=limit)]


@router.get("/{conversation_id}", response_model=ConversationDetail)
def get_conversation(
    conversation_id: ConversationId,
    state: State,
) -> dict[str, Any]:
    """Messages (screenshots as addresses), usage per model call and in total, tool timings, run status."""

    def image_source(ref: ImageRef) -> dict[str, Any]:
        return {"type": "url", "url": screenshot_path(conversation_id, ref.sha256)}

    messages = stored_messages(state.store, conversation_id, image_source)
    return {
        **summary_out(state, state.store.get(conversation_id)),
        "messages": messages,
        "usage": {
            "total": state.store.usage_totals(conversation_id),
            "per_call": state.store.usage_records(conversation_id),
        },
        "tool_calls": state.store.tool_calls(conversation_id),
    }


@router.delete("/{conversation_id}", status_code=204)
def delete_conversation(conversation_id: ConversationId, state: State) -> None:
    """Delete it with its screenshots and events; not while it runs."""
    state.store.get(conversation_id)
    if state.runs.status(conversation_id).get("state") == "running":
        raise ApiError(409, "conversation_running", "The conversation is running: stop the run first.")
    state.store.delete(conversation_id)
