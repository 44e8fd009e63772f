"""One client of the tool server: its handshake, its requests, and the tools it opened.

The tools are the ordinary in-process classes; each connection has its own set, so its bash shell, its
editor history and the scaling of its last screenshot belong to it alone. When the client goes away
(closed, crashed, killed with -9), its running calls are cancelled and its tools closed: the bash
session's whole process tree is killed, so nothing the model started through that client lingers.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from computer_use_demo.desktop.reset import DEFAULT_SCRIPT, run_reset_script
from computer_use_demo.tools.build import local_tool_collection
from computer_use_demo.tools.collection import ToolCollection
from computer_use_demo.tools.groups import TOOL_GROUPS_BY_VERSION
from computer_use_demo.tools.server.protocol import (
    MAX_FRAME_BYTES,
    MAX_HELLO_BYTES,
    PROTOCOL_VERSION,
    ProtocolError,
    encode_frame,
    read_frame,
    result_from_wire,
    result_to_wire,
)

log = logging.getLogger(__name__)

HELLO_TIMEOUT_S = 10.0
IMAGE_TIERS = ("standard", "high")


@dataclass(frozen=True)
class SessionConfig:
    token: str | None = None  # when set, `hello` must present it
    reset_script: Path = DEFAULT_SCRIPT


class RequestError(Exception):
    """A request this session cannot serve; the client gets the message, the connection stays."""


class ClientSession:
    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        config: SessionConfig,
        *,
        peer: str,
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.config = config
        self.peer = peer
        self.tools: ToolCollection | None = None
        self._running: dict[int, asyncio.Task[None]] = {}
        self._write_lock = asyncio.Lock()

    async def run(self) -> None:
        try:
            if await self._authenticate():
                await self._serve()
        except ProtocolError as exc:
            log.warning("%s: %s", self.peer, exc)
            await self._send_quietly({"id": None, "ok": False, "error": str(exc), "fatal": True})
        except (ConnectionError, TimeoutError) as exc:
            log.info("%s: connection ended: %s", self.peer, exc)
        finally:
            await self._shut_down()

    # -- the handshake ---------------------------------------------------------------------------------

    async def _authenticate(self) -> bool:
        hello = await asyncio.wait_for(read_frame(self.reader, max_bytes=MAX_HELLO_BYTES), HELLO_TIMEOUT_S)
        if hello is None:
            return False
        request_id = hello.get("id")
        if hello.get("op") != "hello":
            raise ProtocolError(f"the first request must be 'hello', not {hello.get('op')!r}")
        expected = self.config.token
        given = hello.get("token")
        if expected is not None and not (
            isinstance(given, str) and hmac.compare_digest(given.encode(), expected.encode())
        ):
            log.warning("%s: refused: bad or missing token", self.peer)
            await self._send_quietly(
                {"id": request_id, "ok": False, "error": "the tool server token is wrong or missing"}
            )
            return False
        server = {"protocol": PROTOCOL_VERSION, "pid": os.getpid(), "display": os.environ.get("DISPLAY")}
        await self._send({"id": request_id, "ok": True, "server": server})
        log.info("%s: connected", self.peer)
        return True

    # -- requests --------------------------------------------------------------------------------------

    async def _serve(self) -> None:
        while True:
            message = await read_frame(self.reader, max_bytes=MAX_FRAME_BYTES)
            if message is None:
                return
            request_id = message.get("id")
            if message.get("op") == "cancel":
                task = self._running.get(message.get("target"))  # type: ignore[arg-type]
                if task is not None:
                    task.cancel()
                continue
            if not isinstance(request_id, int) or isinstance(request_id, bool):
                raise ProtocolError(f"a request needs an integer id, got {request_id!r}")
            if request_id in self._running:
                await self._send({"id": request_id, "ok": False, "error": f"request {request_id} is running"})
                continue
            task = asyncio.create_task(self._answer(request_id, message))
            self._running[request_id] = task
            task.add_done_callback(lambda _t, i=request_id: self._running.pop(i, None))

    async def _answer(self, request_id: int, message: dict[str, Any]) -> None:
        try:
            response = {"id": request_id, "ok": True, **await self._perform(message)}
        except asyncio.CancelledError:
            response = {"id": request_id, "ok": False, "error": "cancelled", "cancelled": True}
        except (RequestError, ProtocolError) as exc:
            response = {"id": request_id, "ok": False, "error": str(exc)}
        except Exception as exc:  # a bug on this side must not end the client's session
            log.exception("%s: %s failed", self.peer, message.get("op"))
            response = {"id": request_id, "ok": False, "error": f"{type(exc).__name__}: {exc}"}
        try:
            await self._send(response)
        except ProtocolError as exc:  # e.g. a result over the frame limit
            await self._send_quietly({"id": request_id, "ok": False, "error": str(exc)})
        except (ConnectionError, RuntimeError):
            pass  # the client is gone; the session is shutting down

    async def _perform(self, message: dict[str, Any]) -> dict[str, Any]:
        op = message.get("op")
        if op == "ping":
            return {}
        if op == "open":
            return await self._open(message.get("tool_version"), message.get("image_tier"))
        if op == "call":
            return await self._call(message.get("name"), message.get("input"), message.get("toolset_name"))
        if op == "finish_batch":
            return await self._finish_batch(message.get("toolset_name"), message.get("result"))
        if op == "reset_desktop":
            outcome = await asyncio.to_thread(run_reset_script, self.config.reset_script)
            return {"reset": asdict(outcome)}
        raise RequestError(f"unknown op {op!r}")

    async def _call(self, name: Any, tool_input: Any, toolset_name: Any) -> dict[str, Any]:
        if not isinstance(name, str) or not (toolset_name is None or isinstance(toolset_name, str)):
            raise RequestError("a call needs a string `name` (and `toolset_name`, if any)")
        result = await self._opened().run(name=name, tool_input=tool_input, toolset_name=toolset_name)
        return {"result": result_to_wire(result)}

    async def _finish_batch(self, toolset_name: Any, result: Any) -> dict[str, Any]:
        toolset = self._opened().tool_map.get(toolset_name) if isinstance(toolset_name, str) else None
        finish = getattr(toolset, "finish_batch", None)
        if finish is None:
            raise RequestError(f"{toolset_name!r} is not an open toolset")
        return {"result": result_to_wire(await finish(result_from_wire(result)))}

    async def _open(self, tool_version: Any, image_tier: Any) -> dict[str, Any]:
        group = TOOL_GROUPS_BY_VERSION.get(tool_version)  # type: ignore[call-overload]
        if group is None:
            raise RequestError(
                f"unknown tool version {tool_version!r}; known: {', '.join(TOOL_GROUPS_BY_VERSION)}"
            )
        if image_tier not in IMAGE_TIERS:
            raise RequestError(f"image_tier must be one of {IMAGE_TIERS}, not {image_tier!r}")
        await self._close_tools()
        self.tools = local_tool_collection(group, image_tier=image_tier)
        # to_params may read the screen size: not on the event loop.
        described = await asyncio.to_thread(lambda: [_describe(tool) for tool in self.tools.tools])  # type: ignore[union-attr]
        log.info("%s: opened %s (%s tier)", self.peer, tool_version, image_tier)
        return {"tools": described}

    def _opened(self) -> ToolCollection:
        if self.tools is None:
            raise RequestError("no tools are open: send 'open' first")
        return self.tools

    # -- plumbing --------------------------------------------------------------------------------------

    async def _send(self, message: dict[str, Any]) -> None:
        frame = encode_frame(message)
        async with self._write_lock:
            self.writer.write(frame)
            await self.writer.drain()

    async def _send_quietly(self, message: dict[str, Any]) -> None:
        with contextlib.suppress(Exception):
            await self._send(message)

    async def _shut_down(self) -> None:
        running = list(self._running.values())
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        await self._close_tools()
        self.writer.close()
        with contextlib.suppress(Exception):
            await self.writer.wait_closed()
        log.info("%s: disconnected", self.peer)

    async def _close_tools(self) -> None:
        tools, self.tools = self.tools, None
        for tool in tools.tools if tools else ():
            try:
                await tool.close()
            except Exception:
                log.exception("%s: closing %s failed", self.peer, tool.name)


def _describe(tool: Any) -> dict[str, Any]:
    description: dict[str, Any] = {"name": tool.name, "params": tool.to_params(), "toolset": False}
    if callable(getattr(tool, "call_member", None)):
        description["toolset"] = True
        description["members"] = list(getattr(tool, "members", ()))
    return description
