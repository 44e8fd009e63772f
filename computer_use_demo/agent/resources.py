"""The model client and tools of one run: the ones the caller brought, or new ones made from the config."""

from __future__ import annotations

import contextlib
import inspect
import logging
from typing import Any

from anthropic import AnthropicError

from computer_use_demo.agent.stops import LoopStop, client_failed_stop, tools_failed_stop
from computer_use_demo.models.providers import ModelClient, create_client
from computer_use_demo.runs.config import RunConfig
from computer_use_demo.runs.hooks import RunHooks, call_hook
from computer_use_demo.tools import ToolCollection
from computer_use_demo.tools.build import build_tool_collection

log = logging.getLogger(__name__)


def client_for(config: RunConfig, api_key: str | None) -> ModelClient:
    """A new client for the config's provider; ValueError (or an SDK error) when it cannot be made."""
    return create_client(
        config.provider,
        api_key=api_key,
        base_url=config.base_url,
        max_retries=config.max_retries,
        max_retry_wait_s=config.max_retry_wait_s,
    )


class RunResources:
    """Makes what was not given (`open`) and closes what it made (`close`), or everything with `close_all`."""

    def __init__(
        self,
        config: RunConfig,
        api_key: str | None,
        *,
        client: ModelClient | None = None,
        tools: ToolCollection | None = None,
        close_all: bool = False,
    ) -> None:
        self.config = config
        self._api_key = api_key
        self.client = client
        self.tools = tools
        self._close_client = close_all or client is None
        self._close_tools = close_all or tools is None

    async def open(self, hooks: RunHooks) -> LoopStop | None:
        """Make the missing client and tools; on failure, the stop that explains it (nothing raised)."""
        config = self.config
        if self.client is None:
            try:
                self.client = client_for(config, self._api_key)
            except (AnthropicError, ValueError) as exc:
                await call_hook(hooks.on_http, None, None, exc)
                return client_failed_stop(config.provider, exc)
        if self.tools is None:
            try:
                group = config.tool_group
                self.tools = build_tool_collection(group, image_tier=config.resolved_image_tier)
            except Exception as exc:  # e.g. no X display: the user must see it, the history stays as it was
                log.info("could not set up the %s tools", config.tool_version, exc_info=True)
                return tools_failed_stop(exc)
        return None

    async def close(self) -> None:
        if self._close_tools and self.tools is not None:
            await close_tools(self.tools)
        if self._close_client and self.client is not None:
            with contextlib.suppress(Exception):
                await self.client.close()


async def close_tools(tools: ToolCollection) -> None:
    for tool in tools.tools:
        close = getattr(tool, "close", None)
        if close is None:
            continue
        try:
            result: Any = close()
            if inspect.isawaitable(result):
                await result
        except Exception:
            log.exception("closing tool %s failed", getattr(tool, "name", tool))
