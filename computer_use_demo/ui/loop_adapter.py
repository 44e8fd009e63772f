"""The UI's view of the model table: model choices, limits, thinking modes and tool versions.

The sidebar speaks in plain values; the run itself goes through `Settings.run_config()` and a
`RunSession` (see runner.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import get_args

from computer_use_demo.models import specs as model_table
from computer_use_demo.models.providers import DEFAULT_MODELS, APIProvider
from computer_use_demo.models.thinking import MIN_THINKING_BUDGET
from computer_use_demo.tools.groups import TOOL_GROUPS_BY_VERSION

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
