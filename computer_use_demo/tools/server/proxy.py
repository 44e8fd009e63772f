"""The app's side of the tool server: stand-ins for the tools that forward every call.

`remote_tool_collection` opens a tool group on the server and returns a `ToolCollection` of proxies with
the same names and the same `to_params()` as the real tools (the server describes them, so the computer
tool advertises the desktop's real screen size). A toolset proxy keeps `call_member` and `finish_batch`,
so `ToolCollection.run_turn` batches exactly as in-process. All proxies of a collection share one
connection: closing any of them closes it, and the server then kills that connection's shell.

A connection lost mid-call is an error result for that call; the next call reconnects and reopens the
group (a new shell, so the message says the old one's state is gone).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from computer_use_demo.tools.base import BaseAnthropicTool, ToolError, ToolFailure, ToolResult
from computer_use_demo.tools.collection import ToolCollection
from computer_use_demo.tools.groups import ToolGroup
from computer_use_demo.tools.server.address import ServerAddress
from computer_use_demo.tools.server.client import ConnectionLost, ToolServerClient, ToolServerError
from computer_use_demo.tools.server.protocol import result_from_wire, result_to_wire

LOST_TEXT = (
    "The connection to the desktop tool server was lost during this call ({reason}), so it may or may not "
    "have run. The next call reconnects; the shell session is new, so its working directory, variables and "
    "background jobs are lost."
)


class RemoteTools:
    """One server connection serving a run's tools."""

    def __init__(
        self, address: ServerAddress, *, token: str | None, tool_version: str, image_tier: str
    ) -> None:
        self.address = address
        self.token = token
        self.tool_version = tool_version
        self.image_tier = image_tier
        self._client: ToolServerClient | None = None
        self._reconnect_lock = asyncio.Lock()
        self._closed = False
        self.descriptions = self._connect_and_open()

    def _connect_and_open(self) -> list[dict[str, Any]]:
        client = ToolServerClient(self.address, token=self.token).connect()
        try:
            tools = client.request_blocking(
                "open", tool_version=self.tool_version, image_tier=self.image_tier
            )
        except BaseException:
            client.close_blocking()
            raise
        self._client = client
        return list(tools.get("tools") or [])

    async def _live_client(self) -> ToolServerClient:
        if self._closed:
            raise ToolError("The tools of this run are closed.")
        async with self._reconnect_lock:
            if self._client is None or self._client.lost is not None:
                old, self._client = self._client, None
                if old is not None:
                    await old.close()
                try:
                    await asyncio.to_thread(self._connect_and_open)
                except (ToolServerError, OSError) as exc:
                    raise ToolError(
                        f"Cannot reach the desktop tool server at {self.address}: {exc}"
                    ) from None
            assert self._client is not None
            return self._client

    async def call(
        self, name: str, tool_input: dict[str, Any], toolset_name: str | None = None
    ) -> ToolResult:
        client = await self._live_client()
        fields: dict[str, Any] = {"name": name, "input": tool_input}
        if toolset_name is not None:
            fields["toolset_name"] = toolset_name
        try:
            response = await client.request("call", **fields)
        except ConnectionLost as exc:
            return ToolFailure(error=LOST_TEXT.format(reason=exc))
        except ToolServerError as exc:
            return ToolFailure(error=f"The desktop tool server could not run {name}: {exc}")
        return result_from_wire(response.get("result"))

    async def finish_batch(self, toolset_name: str, last_result: ToolResult) -> ToolResult:
        client = await self._live_client()
        response = await client.request(
            "finish_batch", toolset_name=toolset_name, result=result_to_wire(last_result)
        )
        return result_from_wire(response.get("result"))

    async def close(self) -> None:
        self._closed = True
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(Exception):
                await client.close()


class RemoteTool(BaseAnthropicTool):
    """A tool that runs on the desktop tool server; same name and parameters as the real one."""

    def __init__(self, remote: RemoteTools, description: dict[str, Any]) -> None:
        self.remote = remote
        self._params = dict(description["params"])
        self.name = str(description["name"])  # type: ignore[misc]
        self.api_type = str(self._params.get("type", ""))  # type: ignore[misc]

    def to_params(self) -> dict[str, Any]:
        return dict(self._params)

    async def __call__(self, **tool_input: Any) -> ToolResult:
        return await self.remote.call(self.name, tool_input)

    async def execute(self, **tool_input: Any) -> ToolResult:
        return await self(**tool_input)

    async def close(self) -> None:
        await self.remote.close()


class RemoteToolset(RemoteTool):
    """The GA toolset: members are called one by one, and the batch's last result gets a screenshot."""

    def __init__(self, remote: RemoteTools, description: dict[str, Any]) -> None:
        super().__init__(remote, description)
        self.members = tuple(description.get("members") or ())

    async def call_member(self, member: str, tool_input: dict[str, Any]) -> ToolResult:
        return await self.remote.call(member, tool_input, toolset_name=self.name)

    async def finish_batch(self, last_result: ToolResult) -> ToolResult:
        return await self.remote.finish_batch(self.name, last_result)


def remote_tool_collection(
    address: ServerAddress, group: ToolGroup, *, image_tier: str, token: str | None = None
) -> ToolCollection:
    remote = RemoteTools(address, token=token, tool_version=group.version, image_tier=image_tier)
    tools = [
        (RemoteToolset if description.get("toolset") else RemoteTool)(remote, description)
        for description in remote.descriptions
    ]
    return ToolCollection(*tools)
