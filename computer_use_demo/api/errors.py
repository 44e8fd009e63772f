"""Every error the API answers, in one shape: `{"error": code, "message": one line, ...details}`.

Bad input is a 422 whose `errors` list names each field's path (`["body", "config", "max_tokens"]`) and
never echoes the value back. A failure of our own is logged with its traceback and answered with a 500
that says nothing more than that; the fuzz tests make sure no input gets there.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse

from computer_use_demo.desktop.run_lock import DesktopBusy
from computer_use_demo.store import ConversationNotFound

log = logging.getLogger(__name__)

Loc = Sequence[str | int]


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


def invalid(loc: Loc, message: str, type_: str = "value_error") -> ApiError:
    """A 422 about one field."""
    return ApiError(
        422, "invalid_request", message, errors=[{"loc": list(loc), "message": message, "type": type_}]
    )


def error_response(
    status: int, code: str, message: str, *, headers: Mapping[str, str] | None = None, **details: Any
) -> JSONResponse:
    return JSONResponse({"error": code, "message": message, **details}, status, headers=dict(headers or {}))


def busy_error(busy: DesktopBusy) -> ApiError:
    return ApiError(
        409,
        "desktop_busy",
        str(busy),
        conversation_id=busy.holder.get("conversation_id"),
        holder=busy.holder.get("owner"),
    )


def _validation_errors(errors: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"loc": list(error.get("loc", ())), "message": str(error.get("msg", "")), "type": error.get("type")}
        for error in errors
    ]


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _validation_errors(exc.errors())
        first = errors[0] if errors else {"loc": [], "message": "invalid request"}
        where = ".".join(str(part) for part in first["loc"])
        return error_response(422, "invalid_request", f"{where}: {first['message']}", errors=errors)

    @app.exception_handler(ApiError)
    async def on_api_error(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, **exc.details)

    @app.exception_handler(ConversationNotFound)
    async def on_not_found(request: Request, exc: ConversationNotFound) -> JSONResponse:
        return error_response(404, "not_found", f"No conversation {exc.conversation_id!r}.")

    @app.exception_handler(DesktopBusy)
    async def on_busy(request: Request, exc: DesktopBusy) -> JSONResponse:
        error = busy_error(exc)
        return error_response(error.status, error.code, error.message, **error.details)

    @app.exception_handler(HTTPException)
    async def on_http(request: Request, exc: HTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, str(exc.detail), headers=exc.headers)

    @app.exception_handler(Exception)
    async def on_crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("%s %s failed", request.method, request.url.path)
        return error_response(500, "internal_error", "The server failed to answer this request.")
