"""`run_task`: Claude carries out a whole task on this desktop, as a stored conversation.

The run is started by the same run manager as the HTTP API's (so it holds the desktop, is stored, and
its events stream at `/conversations/{id}/events` too); this tool follows the run's events and reports a
progress notification per step (each model call and each tool call). It answers with Claude's final text
and the conversation id, which `conversation_id` takes to continue the conversation. If the client
cancels the call, the run is stopped cleanly.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from jsonschema import Draft202012Validator
from mcp import types

from computer_use_demo.desktop.run_lock import DesktopBusy
from computer_use_demo.mcp.desktop_tools import check_input
from computer_use_demo.mcp.results import error_result
from computer_use_demo.models.credentials import MissingAPIKey
from computer_use_demo.service.broadcaster import Subscription
from computer_use_demo.service.run_manager import LiveRun, outcome_state
from computer_use_demo.service.state import ServiceState
from computer_use_demo.store import ConversationNotFound
from computer_use_demo.store.events import Event
from computer_use_demo.store.stored_content import stored_messages
from computer_use_demo.tools.blocks import texts_of

NAME = "run_task"
MAX_TASK_CHARS = 100_000
Progress = Callable[[float, str], Awaitable[None]]

INPUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "task": {"type": "string", "minLength": 1, "maxLength": MAX_TASK_CHARS, "description": "what to do"},
        "conversation_id": {
            "type": "string",
            "pattern": "^[A-Za-z0-9_-]{1,64}$",
            "description": "continue this stored conversation (default: a new one)",
        },
        "model": {"type": "string", "minLength": 1, "maxLength": 200, "description": "a Claude model id"},
        "max_iterations": {"type": "integer", "minimum": 1, "maximum": 1000, "description": "model calls"},
    },
    "required": ["task"],
    "additionalProperties": False,
}
_VALIDATOR = Draft202012Validator(INPUT_SCHEMA)

LISTING = types.Tool(
    name=NAME,
    description="Have Claude carry out a whole task on this desktop (it sees the screen, uses the mouse, "
    "keyboard, bash and an editor). Progress is reported per step; the answer is Claude's final text "
    "and the conversation id (pass it as conversation_id to continue).",
    input_schema=INPUT_SCHEMA,
    annotations=types.ToolAnnotations(destructive_hint=True, open_world_hint=True),
)


def describe_step(event: Event) -> str | None:
    """The progress message for an event that is a step, None for the rest."""
    if event.type == "turn":
        return f"Claude is thinking (model call {event.data.get('turn')})"
    if event.type == "tool_call":
        shown = {k: v for k, v in (event.data.get("input") or {}).items() if k != "text"}
        return f"{event.data.get('name')} {shown}" if shown else str(event.data.get("name"))
    return None


class TaskRunner:
    def __init__(self, state: ServiceState) -> None:
        self.state = state

    async def call(self, arguments: dict[str, Any], progress: Progress) -> types.CallToolResult:
        problem = check_input(_VALIDATOR, arguments)
        if problem is not None:
            return error_result(f"{NAME}: {problem}")
        overrides = {k: arguments[k] for k in ("model", "max_iterations") if k in arguments}
        given = arguments.get("conversation_id")
        conversation_id = given or self.state.store.create().id
        subscription = self.state.broadcaster.subscribe(conversation_id)
        try:
            live = self.state.runs.start(conversation_id, task=arguments["task"], overrides=overrides)
        except (ConversationNotFound, DesktopBusy, MissingAPIKey, ValueError) as exc:
            self.state.broadcaster.unsubscribe(subscription)
            if not given:  # refused: leave nothing behind
                self.state.store.delete(conversation_id)
            if isinstance(exc, ConversationNotFound):
                return error_result(f"{NAME}: no conversation {given!r}")
            return error_result(f"{NAME}: {exc}")
        try:
            return await self._follow(live, subscription, progress)
        finally:
            self.state.broadcaster.unsubscribe(subscription)

    async def _follow(
        self, live: LiveRun, subscription: Subscription, progress: Progress
    ) -> types.CallToolResult:
        steps = 0
        try:
            while True:
                event = await subscription.next(1.0)
                if event is None:
                    if live.worker is None or live.worker.done():
                        break  # every event is published before the run's task ends
                    continue
                step = describe_step(event)
                if step is not None:
                    steps += 1
                    await progress(steps, step)
            outcome = await live.finished()
        except asyncio.CancelledError:
            live.cancel_event.set()  # the client gave up: stop the run cleanly, then let go
            with contextlib.suppress(Exception):
                await asyncio.wait_for(live.finished(), 30)
            raise
        state = outcome_state(outcome)
        text = self._answer(live.conversation_id) or "(Claude gave no final text.)"
        structured = {"conversation_id": live.conversation_id, "status": state, "answer": text}
        if state != "completed":
            message = outcome.check_failure or outcome.stop.message
            return types.CallToolResult(
                content=[types.TextContent(type="text", text=f"The run {state}: {message}\n{text}")],
                structured_content={**structured, "message": message},
                is_error=True,
            )
        reply = f"{text}\n\nconversation_id: {live.conversation_id}"
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=reply)], structured_content=structured
        )

    def _answer(self, conversation_id: str) -> str:
        """The text of Claude's last message."""
        messages = stored_messages(self.state.store, conversation_id, lambda ref: {"type": "stored"})
        last = next((m for m in reversed(messages) if m["role"] == "assistant"), None)
        return "\n".join(texts_of(last)).strip() if last else ""
