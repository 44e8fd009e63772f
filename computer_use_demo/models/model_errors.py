"""The exceptions a model client raises when a call fails without an API error to show for it.

An API that answers with an error status (or an `error` event) still raises the SDK's
`anthropic.APIStatusError`, and one that cannot be reached `anthropic.APIConnectionError`, as
before. What the SDK has no good exception for - an answer stream that keeps breaking off, an
event that is not JSON, events out of order - raises `ModelStreamError`. Every `ModelCallError`'s
`str()` is one line written for the user; the underlying exception is its `__cause__`.
"""

from __future__ import annotations

from typing import Literal

import httpx2

StreamFault = Literal["dropped", "invalid_json", "out_of_order", "malformed"]


class ModelCallError(Exception):
    """A model call failed; `str()` is one line for the user. `http_response` is the answer, if any."""

    def __init__(
        self,
        message: str,
        *,
        http_request: httpx2.Request | None = None,
        http_response: httpx2.Response | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.http_request = http_request
        self.http_response = http_response


class ModelStreamError(ModelCallError):
    """The answer stream (after HTTP 200) was unusable. `kind`:

    - "dropped": it broke off (connection lost, or ended before `message_stop`) on every attempt;
    - "invalid_json": an event's data (or a tool input the SDK parses as it streams) is not JSON;
    - "out_of_order": an event for a block that was never started or already stopped, a delta of the
      wrong type for its block, or content before `message_start`;
    - "malformed": an event the SDK could not use for another reason.

    `detail` is the cause in a few words, without the sentence around it.
    """

    def __init__(
        self,
        kind: StreamFault,
        message: str,
        *,
        detail: str = "",
        http_request: httpx2.Request | None = None,
        http_response: httpx2.Response | None = None,
    ) -> None:
        super().__init__(message, http_request=http_request, http_response=http_response)
        self.kind: StreamFault = kind
        self.detail = detail or message
