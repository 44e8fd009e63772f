"""`RunConfig`: every setting of one run, in one frozen, validated value.

Front ends build it (the CLI from its flags, the chat from its sidebar, an HTTP API from a JSON body) and
hand it to a run session; the loop reads nothing else. The API key is not a setting: it is a credential,
passed beside the config, so a config can be logged, stored and shown.

    config = RunConfig.for_model("claude-sonnet-4-5")              # defaults from the model table
    config = RunConfig.from_overrides({"model": "claude-opus-4-8", "max_iterations": 20})
    config = config.replace(thinking_mode="adaptive")
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, get_args

from computer_use_demo.agent.history import DEFAULT_PRUNE_INTERVAL
from computer_use_demo.models.providers import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_MAX_RETRY_WAIT_S,
    DEFAULT_MODELS,
    APIProvider,
)
from computer_use_demo.models.specs import ImageTier, ModelSpec, ThinkingEffort, ThinkingMode, lookup_model
from computer_use_demo.models.thinking import thinking_request
from computer_use_demo.runs.policy import APPROVAL_MODES, ApprovalPolicy
from computer_use_demo.tools.groups import TOOL_GROUPS_BY_VERSION, ToolGroup, ToolVersion

DEFAULT_MAX_TOKENS = 16_384  # per call, unless the model allows less
DEFAULT_RECENT_IMAGES = 3
DEFAULT_MAX_ITERATIONS = 100
DEFAULT_APPROVAL_TIMEOUT_S = 300


@dataclass(frozen=True, kw_only=True)
class RunConfig:
    provider: str = "anthropic"  # anthropic, bedrock, vertex, or a registered one (replay)
    model: str
    tool_version: ToolVersion
    max_tokens: int  # asked for; the loop caps it at the model's output limit
    system_prompt_suffix: str = ""
    thinking_mode: ThinkingMode = "off"
    thinking_effort: ThinkingEffort = "medium"
    thinking_budget: int | None = None  # extended thinking; None: half of max_tokens
    only_n_most_recent_images: int | None = DEFAULT_RECENT_IMAGES  # None: send every screenshot
    image_prune_interval: int = DEFAULT_PRUNE_INTERVAL
    prompt_caching: bool | None = None  # None: wherever the provider and model support it
    token_efficient_tools_beta: bool = False  # Claude 3.7 Sonnet only
    image_tier: ImageTier | None = None  # None: the model's own
    max_iterations: int = DEFAULT_MAX_ITERATIONS  # model calls per run
    base_url: str | None = None  # None: the provider's endpoint (or its *_BASE_URL variable)
    max_retries: int = DEFAULT_MAX_RETRIES  # failed requests (408/409/429/5xx, connection errors) retried
    max_retry_wait_s: float = DEFAULT_MAX_RETRY_WAIT_S  # the longest wait before a retry (caps retry-after)
    approval_mode: str = "none"  # which calls wait for a person's OK: none, policy (the rules), all
    approval_rules: tuple[str, ...] | None = None  # `kind:pattern` rules (runs/policy.py); None: defaults
    approval_timeout_s: int = DEFAULT_APPROVAL_TIMEOUT_S  # no answer in this time is a denial

    def __post_init__(self) -> None:
        for name, value in dataclasses.asdict(self).items():
            _check_type(name, value)
        if self.tool_version not in TOOL_GROUPS_BY_VERSION:
            raise ValueError(
                f"unknown tool version {self.tool_version!r} (tool_version must be one of: "
                f"{', '.join(TOOL_GROUPS_BY_VERSION)})"
            )
        _check_choice("thinking_mode", self.thinking_mode, get_args(ThinkingMode))
        _check_choice("thinking_effort", self.thinking_effort, get_args(ThinkingEffort))
        if self.image_tier is not None:
            _check_choice("image_tier", self.image_tier, get_args(ImageTier))
        _check_at_least("max_tokens", self.max_tokens, 1)
        _check_at_least("max_iterations", self.max_iterations, 1)
        _check_at_least("image_prune_interval", self.image_prune_interval, 1)
        _check_at_least("max_retries", self.max_retries, 0)
        _check_at_least("max_retry_wait_s", self.max_retry_wait_s, 0)
        _check_at_least("only_n_most_recent_images", self.only_n_most_recent_images, 0)
        _check_at_least("thinking_budget", self.thinking_budget, 1)
        _check_at_least("approval_timeout_s", self.approval_timeout_s, 1)
        _check_choice("approval_mode", self.approval_mode, APPROVAL_MODES)
        try:  # the rules must parse
            ApprovalPolicy.from_settings(self.approval_mode, self.approval_rules)
        except ValueError as exc:
            raise ValueError(f"approval_rules: {exc}") from None
        if not self.provider or not self.model.strip():
            raise ValueError("provider and model must not be empty")
        # The thinking settings must fit the model and max_tokens (extended thinking needs room).
        thinking_request(
            self.spec,
            self.thinking_mode,
            effort=self.thinking_effort,
            budget=self.thinking_budget,
            max_tokens=self.effective_max_tokens,
        )

    # -- building ------------------------------------------------------------------------------------

    @classmethod
    def for_model(
        cls, model: str | None = None, *, provider: str = "anthropic", **overrides: Any
    ) -> RunConfig:
        """A config for `model` (default: the provider's), with the tool version and output limit from the
        model table unless `overrides` say otherwise. Unknown setting names are a ValueError."""
        _check_names(overrides)
        if model is None:
            if provider not in DEFAULT_MODELS:
                raise ValueError(f"no default model for provider {provider!r}: give a model")
            model = DEFAULT_MODELS[APIProvider(provider)]
        spec = lookup_model(model)
        overrides.setdefault("tool_version", spec.default_tool_version(provider))
        overrides.setdefault("max_tokens", min(DEFAULT_MAX_TOKENS, spec.max_output_tokens))
        return cls(provider=provider, model=model, **overrides)

    @classmethod
    def from_overrides(cls, values: Mapping[str, Any]) -> RunConfig:
        """`for_model` from a plain mapping (a JSON body, a settings file): every key must be a setting."""
        settings = dict(values)
        _check_names(settings)
        if isinstance(settings.get("approval_rules"), list):  # JSON has no tuples
            settings["approval_rules"] = tuple(settings["approval_rules"])
        model = settings.pop("model", None)
        provider = settings.pop("provider", "anthropic")
        return cls.for_model(model, provider=provider, **settings)

    def replace(self, **changes: Any) -> RunConfig:
        _check_names(changes)
        return dataclasses.replace(self, **changes)

    # -- what the settings resolve to ----------------------------------------------------------------

    @property
    def spec(self) -> ModelSpec:
        return lookup_model(self.model)

    @property
    def tool_group(self) -> ToolGroup:
        """The tools a request sends: the version's computer tool and bash, and the model's own editor."""
        return self.spec.tool_group(self.tool_version)

    @property
    def effective_max_tokens(self) -> int:
        return min(self.max_tokens, self.spec.max_output_tokens)

    @property
    def resolved_image_tier(self) -> ImageTier:
        if self.image_tier is not None:
            return self.image_tier
        return "high" if self.spec.uses_high_image_tier(self.tool_version) else "standard"

    @property
    def approval_policy(self) -> ApprovalPolicy:
        return ApprovalPolicy.from_settings(self.approval_mode, self.approval_rules)

    def summary(self) -> dict[str, Any]:
        """What a stored conversation notes about the run that wrote it."""
        return {"provider": self.provider, "model": self.model, "tool_version": self.tool_version}


SETTING_NAMES = tuple(f.name for f in dataclasses.fields(RunConfig))
_OPTIONAL = frozenset(
    {
        "thinking_budget",
        "only_n_most_recent_images",
        "prompt_caching",
        "image_tier",
        "base_url",
        "approval_rules",
    }
)
_STRING_TUPLES = frozenset({"approval_rules"})
_BOOLS = frozenset({"prompt_caching", "token_efficient_tools_beta"})
_FLOATS = frozenset({"max_retry_wait_s"})
_INTS = frozenset(
    {
        "max_tokens",
        "thinking_budget",
        "only_n_most_recent_images",
        "image_prune_interval",
        "max_iterations",
        "max_retries",
        "approval_timeout_s",
    }
)


def _check_names(values: Mapping[str, Any]) -> None:
    unknown = sorted(set(values) - set(SETTING_NAMES))
    if unknown:
        raise ValueError(
            f"unknown run setting{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
            f"known: {', '.join(SETTING_NAMES)}"
        )


def _check_type(name: str, value: Any) -> None:
    if value is None:
        if name not in _OPTIONAL:
            raise ValueError(f"{name} must be given")
        return
    if name in _STRING_TUPLES:
        if not isinstance(value, tuple) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"{name} must be a list of strings, got {value!r}")
        return
    if name in _FLOATS:
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise ValueError(f"{name} must be a number, got {value!r}")
        return
    if name in _BOOLS:
        wanted: type = bool
    elif name in _INTS:
        wanted = int
    else:
        wanted = str
    if not isinstance(value, wanted) or (wanted is int and isinstance(value, bool)):
        raise ValueError(f"{name} must be {'an' if wanted is int else 'a'} {wanted.__name__}, got {value!r}")


def _check_choice(name: str, value: Any, choices: tuple[Any, ...]) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}; got {value!r}")


def _check_at_least(name: str, value: float | None, minimum: int) -> None:
    if value is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
