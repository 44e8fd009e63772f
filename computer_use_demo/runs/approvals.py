"""Asking a person before a risky tool call runs, and waiting for their answer.

`Approvals` is the seam every front end uses: the engine calls `review` before a call runs; when the policy
(or a recorded decision, in a replay) says so, the request is announced through `RunHooks.
on_approval_requested`, listed by `pending()`, and answered by `decide(call_id, approve, reason)` from any
thread (a chat button, a terminal prompt, an HTTP request). No answer within the timeout is a denial. The
decision goes to `on_approval_decided` (the store and the trajectory keep it) and back to the engine,
which answers a denied call with an error tool result that carries the person's reason.

    approvals = Approvals(ApprovalPolicy("policy"), timeout_s=300)
    approvals.pending()                          # [ApprovalRequest(call_id="toolu_...", reason=...)]
    approvals.decide("toolu_...", False, "not that folder")
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from computer_use_demo.runs.hooks import RunHooks, ToolCall, call_hook
from computer_use_demo.runs.human_records import ApprovalDecision, ApprovalRequest
from computer_use_demo.runs.policy import ApprovalPolicy
from computer_use_demo.runs.signals import Answer

__all__ = ["ApprovalDecision", "ApprovalRequest", "Approvals", "UnknownApproval", "deny_everything"]

DEFAULT_APPROVAL_TIMEOUT_S = 300
POINT_FIELDS = ("coordinate", "start_coordinate")


class UnknownApproval(LookupError):
    """No pending approval has that id (never asked, or already decided)."""


Answerer = Callable[[ApprovalRequest], ApprovalDecision | None]


def deny_everything(why: str, by: str = "unattended") -> Answerer:
    """An answerer for runs with no one to ask: every request is denied with `why`."""
    return lambda request: ApprovalDecision(request.call_id, False, why, by, asked_because=request.reason)


class Approvals:
    """Pending approvals of one run (thread-safe). `answer`: decides requests itself where it can
    (None: leave it to a person); `recorded`: decisions to reproduce by call id (a replay)."""

    def __init__(
        self,
        policy: ApprovalPolicy,
        *,
        timeout_s: float = DEFAULT_APPROVAL_TIMEOUT_S,
        answer: Answerer | None = None,
        recorded: Mapping[str, ApprovalDecision] | None = None,
    ) -> None:
        if timeout_s <= 0:
            raise ValueError(f"the approval timeout must be positive, got {timeout_s}")
        self.policy = policy
        self.timeout_s = timeout_s
        self.answer = answer
        self.recorded = dict(recorded or {})
        self._lock = threading.Lock()
        self._pending: dict[str, tuple[ApprovalRequest, Answer[ApprovalDecision]]] = {}

    def pending(self) -> list[ApprovalRequest]:
        with self._lock:
            return [request for request, _ in self._pending.values()]

    def decide(self, call_id: str, approve: bool, reason: str = "", *, by: str = "user") -> ApprovalDecision:
        """Answer a pending request (from any thread); UnknownApproval when none has that id."""
        with self._lock:
            entry = self._pending.get(call_id)
        if entry is None:
            raise UnknownApproval(f"no approval is pending for call {call_id!r}")
        request, answer = entry
        decision = ApprovalDecision(call_id, approve, reason.strip(), by, asked_because=request.reason)
        if not answer.give(decision):
            raise UnknownApproval(f"the approval for call {call_id!r} was already decided")
        with self._lock:  # no longer pending, even before the run has woken up to it
            self._pending.pop(call_id, None)
        return decision

    async def review(
        self,
        call: ToolCall,
        messages: Sequence[Mapping[str, Any]],
        hooks: RunHooks,
        *,
        interrupt: Answer[Any] | None = None,
    ) -> ApprovalDecision | None:
        """The decision on `call`, or None when it needs none. `interrupt` (a takeover) ends the wait."""
        reason = self.policy.reason_for(call)
        recorded = self.recorded.get(call.tool_use_id)
        if recorded is None and reason is None:
            return None
        request = ApprovalRequest(
            call.tool_use_id,
            call,
            reason or (recorded.asked_because if recorded else "") or "recorded decision",
            time.time(),
            self.timeout_s,
            latest_screenshot(messages),
            click_point(call),
        )
        answer: Answer[ApprovalDecision] = Answer()
        with self._lock:
            self._pending[call.tool_use_id] = (request, answer)
        try:
            await call_hook(hooks.on_approval_requested, request)
            early = (
                _replayed(recorded, request) if recorded else (self.answer(request) if self.answer else None)
            )
            if early is not None:
                answer.give(early)
            decision = await self._wait(request, answer, interrupt)
        except asyncio.CancelledError:
            answer.give(ApprovalDecision(call.tool_use_id, False, "the run was stopped", "cancelled"))
            raise
        finally:
            with self._lock:
                self._pending.pop(call.tool_use_id, None)
        await call_hook(hooks.on_approval_decided, decision)
        return decision

    async def _wait(
        self, request: ApprovalRequest, answer: Answer[ApprovalDecision], interrupt: Answer[Any] | None
    ) -> ApprovalDecision:
        waits = [asyncio.ensure_future(answer.wait(self.timeout_s))]
        if interrupt is not None:
            waits.append(asyncio.ensure_future(interrupt.wait()))
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await wait
        by = "takeover" if interrupt is not None and interrupt.given else "timeout"
        answer.give(ApprovalDecision(request.call_id, False, "", by, asked_because=request.reason))
        assert answer.value is not None  # given above, or by a person just before
        return answer.value


def _replayed(recorded: ApprovalDecision, request: ApprovalRequest) -> ApprovalDecision:
    """The recorded decision again (same words, so the model is told what it was told then)."""
    return dataclasses.replace(recorded, call_id=request.call_id, decided_at=time.time())


def latest_screenshot(messages: Sequence[Mapping[str, Any]]) -> str | None:
    """The newest screenshot in the history (base64 PNG): what the model saw when it made the call."""
    for message in reversed(messages):
        content = message.get("content")
        for block in reversed(content if isinstance(content, list) else []):
            found = _image_data(block)
            if found is None and isinstance(block, dict) and block.get("type") == "tool_result":
                inner = block.get("content")
                found = next(
                    (d for d in map(_image_data, reversed(inner if isinstance(inner, list) else [])) if d),
                    None,
                )
            if found:
                return found
    return None


def _image_data(block: Any) -> str | None:
    if isinstance(block, dict) and block.get("type") == "image":
        source = block.get("source") or {}
        if source.get("type") == "base64":
            return source.get("data")
    return None


def click_point(call: ToolCall) -> tuple[int, int] | None:
    """Where the call would act, in the model's screenshot pixels (a drag: where it ends)."""
    params = call.input if isinstance(call.input, dict) else {}
    for name in POINT_FIELDS:
        value = params.get(name)
        if isinstance(value, list | tuple) and len(value) == 2 and all(isinstance(v, int) for v in value):
            return int(value[0]), int(value[1])
    return None
