"""What routes take from the app: the service state, and a conversation id from the path, checked."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from computer_use_demo.service.state import ServiceState

CONVERSATION_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"


def service(request: Request) -> ServiceState:
    return request.app.state.service


State = Annotated[ServiceState, Depends(service)]
ConversationId = Annotated[str, Path(pattern=CONVERSATION_ID_PATTERN, description="a conversation id")]
