"""A person's part in a run over HTTP: the calls waiting for approval and their answers, and taking the
desktop over and handing it back. Each of these also appears in the run's event stream
(`approval_requested`, `approval_decided`, `takeover_started`, `takeover_ended`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from computer_use_demo.api.deps import ConversationId, State
from computer_use_demo.api.errors import ApiError
from computer_use_demo.api.schemas import STRICT, Text
from computer_use_demo.runs.approvals import UnknownApproval
from computer_use_demo.runs.controls import RunControls
from computer_use_demo.runs.takeover import NotHolding, TakeoverRefused
from computer_use_demo.service.event_hooks import approval_data
from computer_use_demo.service.state import ServiceState

router = APIRouter(prefix="/conversations/{conversation_id}/run", tags=["human in the loop"])
API_HOLDER = "the API client"
CallId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,128}$", description="the tool_use id")]


class Decision(BaseModel):
    model_config = STRICT
    approve: bool
    reason: Annotated[Text, Field(max_length=2000)] = ""


class TakeOver(BaseModel):
    model_config = STRICT
    who: Annotated[Text, Field(min_length=1, max_length=200)] = API_HOLDER


def _controls(state: ServiceState, conversation_id: str) -> RunControls:
    state.store.get(conversation_id)
    live = state.runs.live(conversation_id)
    if live is None:
        raise ApiError(409, "not_running", "The conversation has no run in progress on this server.")
    return live.controls


@router.get("/approvals")
def pending_approvals(conversation_id: ConversationId, state: State) -> dict[str, Any]:
    """The calls waiting for a person's OK (each with the screenshot it was made from, as an address)."""
    controls = _controls(state, conversation_id)
    return {"pending": [approval_data(conversation_id, r) for r in controls.approvals.pending()]}


@router.post("/approvals/{call_id}")
def decide(conversation_id: ConversationId, call_id: CallId, body: Decision, state: State) -> dict[str, Any]:
    """Approve the call (it runs) or deny it (Claude is told, with `reason`, and goes on)."""
    controls = _controls(state, conversation_id)
    try:
        decision = controls.approvals.decide(call_id, body.approve, body.reason, by="user")
    except UnknownApproval as exc:
        raise ApiError(404, "no_such_approval", str(exc)) from None
    return decision.to_dict()


@router.get("/takeover")
def takeover_state(conversation_id: ConversationId, state: State) -> dict[str, Any]:
    """Who controls the desktop: the agent, someone waiting for its next safe point, or a person."""
    return _controls(state, conversation_id).takeover.state().to_dict()


@router.post("/takeover", status_code=202)
def take_over(conversation_id: ConversationId, state: State, body: TakeOver | None = None) -> dict[str, Any]:
    """Ask for the desktop: the agent pauses at its next safe point (`takeover_started` says when). While
    it is yours, your input is recorded; hand it back and Claude is told what you did. 409 when someone
    else holds (or asked for) it."""
    controls = _controls(state, conversation_id)
    try:
        return controls.takeover.request((body or TakeOver()).who).to_dict()
    except TakeoverRefused as exc:
        raise ApiError(409, "desktop_held", str(exc)) from None


@router.post("/takeover/hand-back")
def hand_back(conversation_id: ConversationId, state: State, body: TakeOver | None = None) -> dict[str, Any]:
    """Give the desktop back (or withdraw a request not yet granted); the run goes on once the recording
    has stopped (`takeover_ended`). With `who`, only if that is who holds it."""
    controls = _controls(state, conversation_id)
    try:
        controls.takeover.hand_back(body.who if body is not None else None)
    except NotHolding as exc:
        raise ApiError(409, "not_holding", str(exc)) from None
    return controls.takeover.state().to_dict()
