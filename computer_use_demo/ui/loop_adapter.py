"""The UI's one point of contact with the agent loop and the model table.

Everything the UI needs to know about models (choices, limits, thinking modes, tool versions) and the exact
`sampling_loop` call live here, so the rest of the UI speaks in plain values (`Settings`, deltas, blocks).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, get_args

from computer_use_demo.agent.loop import LoopStop, sampling_loop
from computer_use_demo.models import specs as model_table
from computer_use_demo.models.providers import DEFAULT_MODELS, APIProvider, StreamDelta
from computer_use_demo.models.thinking import MIN_THINKING_BUDGET
from computer_use_demo.models.usage import TurnUsage
from computer_use_demo.tools.groups import TOOL_GROUPS_BY_VERSION
from computer_use_demo.tools.result_blocks import tool_result_block
from computer_use_demo.ui.state import Settings
from computer_use_demo.ui.usage_meter import UsageRecord

PROVIDERS: tuple[str, ...] = tuple(p.value for p in APIProvider)
TOOL_VERSIONS: list[str] = list(TOOL_GROUPS_BY_VERSION)
THINKING_EFFORTS: tuple[str, ...] = get_args(model_table.ThinkingEffort)
THINKING_ORDER = ("off", "extended", "adaptive")
__all__ = ["MIN_THINKING_BUDGET"]


@dataclass(frozen=True)
class ModelProfile:
    tool_version: str
    thinking_modes: tuple[str, ...]
    max_output_tokens: int
    known: bool
    token_efficient_tools: bool


def model_profile(model: str, provider: str) -> ModelProfile:
    spec = model_table.lookup_model(model)
    return ModelProfile(
        tool_version=spec.default_tool_version(provider),
        thinking_modes=tuple(m for m in THINKING_ORDER if m in spec.thinking_modes),
        max_output_tokens=spec.max_output_tokens,
        known=spec.known,
        token_efficient_tools=spec.family == "claude-3-7-sonnet",
    )


def default_model(provider: str) -> str:
    return DEFAULT_MODELS.get(APIProvider(provider) if provider in PROVIDERS else APIProvider.ANTHROPIC)


def known_models(provider: str) -> list[str]:
    """Newest first. The Claude API takes family aliases; cloud ids differ, so only the default is listed."""
    if provider != "anthropic":
        return [default_model(provider)]
    families = [spec.family for spec in model_table.MODEL_SPECS if not spec.family.startswith("claude-3")]
    return list(reversed(families))


@dataclass(frozen=True)
class LoopCallbacks:
    on_block: Callable[[Any], None]
    on_tool_result: Callable[[Any, str], None]
    on_http: Callable[[Any, Any, BaseException | None], None]
    on_delta: Callable[[int, str, str], None]  # (block index, "text" | "thinking" | "restart", text)
    on_usage: Callable[[Any], None]
    on_stop: Callable[[str, str], None]  # (kind, message for the user)


def _delta_forwarder(on_delta: Callable[[int, str, str], None]) -> Callable[[StreamDelta], None]:
    def forward(delta: StreamDelta) -> None:
        on_delta(delta.index, delta.kind, delta.text)

    return forward


async def call_sampling_loop(
    settings: Settings,
    messages: list[dict[str, Any]],
    callbacks: LoopCallbacks,
    cancel_event: asyncio.Event,
) -> list[dict[str, Any]]:
    """Run the loop on `messages` (changed in place). Setting `cancel_event` stops it cleanly."""

    def on_stop(stop: LoopStop) -> None:
        callbacks.on_stop(stop.kind, stop.message)

    return await sampling_loop(
        model=settings.model,
        provider=settings.provider,
        system_prompt_suffix=settings.system_prompt_suffix,
        messages=messages,
        output_callback=callbacks.on_block,
        tool_output_callback=callbacks.on_tool_result,
        api_response_callback=callbacks.on_http,
        api_key=settings.api_key,
        only_n_most_recent_images=settings.only_n_most_recent_images,
        max_tokens=settings.max_tokens,
        tool_version=settings.tool_version,
        thinking_mode=settings.thinking_mode,
        thinking_effort=settings.thinking_effort,
        thinking_budget=settings.thinking_budget,
        token_efficient_tools_beta=settings.token_efficient_tools_beta,
        stream_callback=_delta_forwarder(callbacks.on_delta),
        usage_callback=lambda turn, _run: callbacks.on_usage(turn),
        stop_callback=on_stop,
        cancel_event=cancel_event,
    )


def tool_result_as_block(result: Any, tool_use_id: str) -> dict[str, Any]:
    if isinstance(result, dict):
        return result
    return tool_result_block(result, tool_use_id)


def usage_record(usage: Any, turn: int, model: str) -> UsageRecord:
    """One API response's usage, priced by the project's one pricing table."""
    counts = usage if isinstance(usage, TurnUsage) else TurnUsage.from_api(usage)
    return UsageRecord(
        turn=turn,
        input_tokens=counts.input_tokens,
        output_tokens=counts.output_tokens,
        cache_creation_input_tokens=counts.cache_creation_input_tokens,
        cache_read_input_tokens=counts.cache_read_input_tokens,
        cost_usd=counts.cost(model),
    )
