"""What every request of a run carries, worked out once from its `RunConfig`: betas, thinking, system
prompt, tools, caching and image pruning; `RequestPlan.request(messages)` builds each turn's request."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from computer_use_demo.agent.history import (
    CONTEXT_MANAGEMENT_BETA,
    MAX_CACHE_BREAKPOINTS,
    count_cache_breakpoints,
    prepare_messages,
    server_side_clearing,
    system_blocks,
)
from computer_use_demo.agent.prompts import build_system_prompt
from computer_use_demo.models.providers import APIProvider, TurnRequest
from computer_use_demo.models.specs import supports_prompt_caching
from computer_use_demo.models.thinking import thinking_request
from computer_use_demo.runs.config import RunConfig

log = logging.getLogger(__name__)

TOKEN_EFFICIENT_TOOLS_BETA = "token-efficient-tools-2025-02-19"


@dataclass(frozen=True)
class RequestPlan:
    model: str
    max_tokens: int
    system: list[dict[str, Any]]
    tools: list[dict[str, Any]]
    betas: list[str]
    extra: dict[str, Any]  # thinking, output_config, context_management
    keep_images: int | None  # client-side pruning; None when off or done on the server
    prune_interval: int
    cache: bool

    @classmethod
    def build(cls, config: RunConfig, tool_params: list[dict[str, Any]]) -> RequestPlan:
        spec = config.spec
        max_tokens = config.effective_max_tokens
        if max_tokens < config.max_tokens:
            log.info(
                "max_tokens %d is above %s's limit; using %d", config.max_tokens, spec.family, max_tokens
            )
        thinking = thinking_request(
            spec,
            config.thinking_mode,
            effort=config.thinking_effort,
            budget=config.thinking_budget,
            max_tokens=max_tokens,
        )
        group = config.tool_group
        betas = [group.beta_flag] if group.beta_flag else []
        betas += [b for b in thinking.betas if b not in betas]
        if config.token_efficient_tools_beta and spec.family == "claude-3-7-sonnet":
            betas.append(TOKEN_EFFICIENT_TOOLS_BETA)  # only Claude 3.7 Sonnet ever used it
        extra = dict(thinking.params)
        keep_images = config.only_n_most_recent_images
        if (
            keep_images is not None
            and spec.edits_invalidate_thinking
            and thinking.mode != "off"
            and config.provider == APIProvider.ANTHROPIC
        ):
            # Pruning here would invalidate the thinking blocks after the first edit: let the API clear.
            other_tools = [t.name for t in group.tools if t.name != "computer"]
            extra["context_management"] = server_side_clearing(
                keep_images, config.image_prune_interval, keep_tools=other_tools
            )
            betas.append(CONTEXT_MANAGEMENT_BETA)
            keep_images = None
        cache = (
            supports_prompt_caching(config.provider, config.model)
            if config.prompt_caching is None
            else config.prompt_caching
        )
        return cls(
            model=config.model,
            max_tokens=max_tokens,
            system=system_blocks(build_system_prompt(suffix=config.system_prompt_suffix), cache=cache),
            tools=tool_params,
            betas=betas,
            extra=extra,
            keep_images=keep_images,
            prune_interval=config.image_prune_interval,
            cache=cache,
        )

    def request(self, messages: list[dict[str, Any]]) -> TurnRequest:
        """This turn's request: the history as it should be sent (pruned, with cache breakpoints)."""
        prepared = prepare_messages(
            messages, keep_images=self.keep_images, prune_interval=self.prune_interval, cache=self.cache
        )
        request = TurnRequest(
            model=self.model,
            max_tokens=self.max_tokens,
            system=self.system,
            messages=prepared.messages,
            tools=self.tools,
            betas=self.betas,
            extra=self.extra,
        )
        breakpoints = count_cache_breakpoints(request.body())
        assert breakpoints <= MAX_CACHE_BREAKPOINTS, f"{breakpoints} cache breakpoints in one request"
        return request
