"""The thinking part of a request: `thinking`, `output_config` and betas, chosen per model and mode.

- `off`: nothing, or `{"type": "disabled"}` for models that think by default.
- `extended`: a token budget (1024 <= budget < max_tokens), plus the interleaved-thinking beta on
  Claude 4 models so the model can think between tool calls. Adaptive-only models never get a
  budget: they fall back to adaptive.
- `adaptive`: `{"type": "adaptive"}` with `output_config.effort`. Models without adaptive thinking
  fall back to a budget.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, get_args

from computer_use_demo.models.specs import ModelSpec, ThinkingEffort, ThinkingMode

log = logging.getLogger(__name__)

INTERLEAVED_THINKING_BETA = "interleaved-thinking-2025-05-14"
MIN_THINKING_BUDGET = 1024


@dataclass(frozen=True)
class ThinkingRequest:
    params: dict[str, Any] = field(default_factory=dict)  # `thinking` / `output_config` request fields
    betas: tuple[str, ...] = ()
    mode: ThinkingMode = "off"  # the mode actually sent
    note: str | None = None  # why the mode differs from the one asked for


def thinking_request(
    spec: ModelSpec,
    mode: ThinkingMode,
    *,
    effort: ThinkingEffort = "medium",
    budget: int | None = None,
    max_tokens: int,
) -> ThinkingRequest:
    if mode not in get_args(ThinkingMode):
        raise ValueError(f"thinking_mode must be one of {get_args(ThinkingMode)}, got {mode!r}")
    if effort not in get_args(ThinkingEffort):
        raise ValueError(f"thinking_effort must be one of {get_args(ThinkingEffort)}, got {effort!r}")
    note = None
    if mode != "off" and mode not in spec.thinking_modes:
        fallback: ThinkingMode = "adaptive" if mode == "extended" else "extended"
        if fallback not in spec.thinking_modes:
            fallback = "off"
        note = f"{spec.family} does not support {mode} thinking; using {fallback}."
        log.info(note)
        mode = fallback
    if mode == "off":
        disabled = {"thinking": {"type": "disabled"}} if spec.thinks_by_default else {}
        return ThinkingRequest(params=disabled, mode="off", note=note)
    if mode == "adaptive":
        return ThinkingRequest(
            params={"thinking": {"type": "adaptive"}, "output_config": {"effort": effort}},
            mode="adaptive",
            note=note,
        )
    return ThinkingRequest(
        params={"thinking": {"type": "enabled", "budget_tokens": _budget(budget, max_tokens)}},
        betas=(INTERLEAVED_THINKING_BETA,) if spec.interleaved_thinking_beta else (),
        mode="extended",
        note=note,
    )


def _budget(budget: int | None, max_tokens: int) -> int:
    if max_tokens <= MIN_THINKING_BUDGET:
        raise ValueError(
            f"extended thinking needs max_tokens above {MIN_THINKING_BUDGET} (got {max_tokens}); "
            "raise max_tokens or turn thinking off"
        )
    wanted = budget if budget is not None else max_tokens // 2
    return max(MIN_THINKING_BUDGET, min(wanted, max_tokens - 1))
