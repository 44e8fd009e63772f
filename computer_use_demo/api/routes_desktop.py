"""Screenshots and the desktop: a stored screenshot by its address, the live screen, who holds the
desktop, and a reset (not while a run holds it; through the desktop tool server when there is one)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import Response

from computer_use_demo.api.deps import ConversationId, State
from computer_use_demo.api.errors import ApiError, busy_error
from computer_use_demo.desktop.run_lock import DesktopBusy, acquire_run_lock, current_holder
from computer_use_demo.store.stored_content import conversation_image
from computer_use_demo.tools.server.desktop_reset import reset_desktop

router = APIRouter(tags=["screenshots and desktop"])

IMAGE_RESPONSE: dict[int | str, dict[str, Any]] = {200: {"content": {"image/png": {}}}}


@router.get(
    "/conversations/{conversation_id}/screenshots/{sha256}",
    response_class=Response,
    responses=IMAGE_RESPONSE,
)
def stored_screenshot(
    conversation_id: ConversationId, sha256: Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")], state: State
) -> Response:
    """A screenshot of the conversation, as the tool took it. Its address never changes (the name is the
    image's SHA-256), so it may be cached for good."""
    state.store.get(conversation_id)
    image = conversation_image(state.store, conversation_id, sha256)
    if image is None:
        raise ApiError(404, "not_found", "The conversation has no screenshot with this hash.")
    return Response(
        image.data, media_type=image.media_type, headers={"Cache-Control": "private, max-age=31536000"}
    )


@router.get("/desktop/screenshot", response_class=Response, responses=IMAGE_RESPONSE)
async def live_screenshot(state: State) -> Response:
    """The desktop's screen now, as the computer tool takes it (through the desktop tool server when
    there is one), at the size the model sees."""
    try:
        data = await state.desktop.screenshot_png()
    except Exception as exc:  # no display, no tool server: say which
        raise ApiError(503, "no_display", f"Cannot capture the desktop: {exc}") from None
    return Response(data, media_type="image/png", headers={"Cache-Control": "no-store"})


@router.get("/desktop")
def desktop_status() -> dict[str, Any]:
    """Whether a run holds the desktop, and which (its owner and conversation)."""
    holder = current_holder()
    if holder is None:
        return {"busy": False}
    return {"busy": True, "owner": holder.get("owner"), "conversation_id": holder.get("conversation_id")}


@router.post("/desktop/reset")
async def reset() -> dict[str, Any]:
    """Restart the desktop (apps closed, X server and VNC restarted). Refused while a run holds it."""
    try:
        lock = acquire_run_lock(owner="a desktop reset (HTTP API)", task="reset the desktop")
    except DesktopBusy as busy:
        raise busy_error(busy) from None
    try:
        outcome = await asyncio.to_thread(reset_desktop)
    finally:
        lock.release()
    if not outcome.ok:
        raise ApiError(502, "reset_failed", outcome.message, output=outcome.output)
    return {"ok": True, "message": outcome.message}
