"""Runs: start one on a conversation, ask how it goes, stop it. One run per desktop: a second start is a
409 that names the conversation holding the desktop (whichever front end started it)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from computer_use_demo.api.deps import ConversationId, State
from computer_use_demo.api.errors import ApiError, invalid
from computer_use_demo.api.schemas import RunStatus, StartRun, settings_given
from computer_use_demo.models.credentials import MissingAPIKey
from computer_use_demo.service.run_manager import NothingToRun
from computer_use_demo.service.run_settings import setting_named_in
from computer_use_demo.service.state import ServiceState

router = APIRouter(prefix="/conversations/{conversation_id}/run", tags=["runs"])


def run_status(state: ServiceState, conversation_id: str) -> dict[str, Any]:
    return {
        "conversation_id": conversation_id,
        "status": state.runs.status(conversation_id),
        "events_url": f"/conversations/{conversation_id}/events",
    }


@router.post("", status_code=202, response_model=RunStatus)
async def start_run(
    conversation_id: ConversationId, state: State, body: StartRun | None = None
) -> dict[str, Any]:
    """Run the conversation: its pending task, or `task` added as the next user turn. Follow it on
    `events_url`."""
    body = body or StartRun()
    try:
        state.runs.start(conversation_id, task=body.task, overrides=settings_given(body.config))
    except NothingToRun as exc:
        raise invalid(["body", "task"], str(exc), "missing") from None
    except MissingAPIKey as exc:
        raise ApiError(400, "no_api_key", str(exc)) from None
    except ValueError as exc:
        name = setting_named_in(str(exc))
        raise invalid(["body", "config", *([name] if name else [])], str(exc)) from None
    return run_status(state, conversation_id)


@router.get("", response_model=RunStatus)
def get_run(conversation_id: ConversationId, state: State) -> dict[str, Any]:
    state.store.get(conversation_id)
    return run_status(state, conversation_id)


@router.post("/stop", response_model=RunStatus)
async def stop_run(conversation_id: ConversationId, state: State) -> dict[str, Any]:
    """Stop the run: it ends cleanly (every tool call answered), so the conversation can be continued."""
    state.store.get(conversation_id)
    if await state.runs.stop(conversation_id) is None:
        raise ApiError(409, "not_running", "The conversation has no run in progress on this server.")
    return run_status(state, conversation_id)
