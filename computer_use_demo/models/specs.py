"""What we know about each Claude model: its tools, thinking modes, output limit and image tier.

Ids arrive in three spellings: the Claude API's (`claude-sonnet-4-5-20250929`),
Bedrock's (`us.anthropic.claude-sonnet-4-5-20250929-v1:0`) and Vertex's
(`claude-sonnet-4-5@20250929`). `normalize_model_id` turns them into one, and
`lookup_model` takes the longest known family prefix, so dated snapshots and
aliases of a family share one entry. An unknown id gets `DEFAULT_SPEC`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from computer_use_demo.tools.groups import EDITORS, TOOL_GROUPS_BY_VERSION, ToolGroup, ToolVersion

ThinkingMode = Literal["off", "extended", "adaptive"]
ThinkingEffort = Literal["low", "medium", "high", "xhigh", "max"]
ImageTier = Literal["standard", "high"]

TOOLSET: ToolVersion = "computer_use_20260801"


@dataclass(frozen=True, kw_only=True)
class ModelSpec:
    family: str
    # The versions this model accepts, preferred first.
    tool_versions: tuple[ToolVersion, ...]
    # The text editor it takes with any of them: Claude 4 and later reject the editors of 2024-10 and
    # 2025-01, Claude 3.x know only their own. None: the group's editor (a model we do not know).
    editor: str | None = "text_editor_20250728"
    # On the Claude API it takes the GA toolset only (the beta tool still works on Bedrock).
    api_toolset_only: bool = False
    thinking_modes: frozenset[ThinkingMode]
    max_output_tokens: int
    image_tier: ImageTier = "standard"
    # Claude 4 models need a beta header to think between tool calls with a budget.
    interleaved_thinking_beta: bool = False
    # The model thinks unless told `{"type": "disabled"}` (Sonnet 5).
    thinks_by_default: bool = False
    # Editing earlier turns (as client-side pruning does) invalidates its thinking blocks: prune on the
    # server instead (context editing) when thinking is on.
    edits_invalidate_thinking: bool = False
    known: bool = True

    @property
    def adaptive_only(self) -> bool:
        return "adaptive" in self.thinking_modes and "extended" not in self.thinking_modes

    @property
    def tool_version(self) -> ToolVersion:
        return self.tool_versions[0]

    def default_tool_version(self, provider: str = "anthropic") -> ToolVersion:
        """The toolset is GA on the Claude API only; on Bedrock and Vertex take the newest beta tool."""
        accepted = self.accepted_tool_versions(provider)
        return accepted[0] if accepted else self.tool_versions[0]

    def uses_high_image_tier(self, tool_version: ToolVersion) -> bool:
        return self.image_tier == "high" or tool_version == TOOLSET

    def tool_group(self, tool_version: ToolVersion) -> ToolGroup:
        """The tools a request of this model sends for `tool_version`: the version's computer tool and
        bash, and the editor this model takes."""
        group = TOOL_GROUPS_BY_VERSION[tool_version]
        return group.with_editor(EDITORS[self.editor]) if self.editor else group

    def accepted_tool_versions(self, provider: str = "anthropic") -> tuple[ToolVersion, ...]:
        """The versions this model takes on a platform (the toolset is GA on the Claude API only)."""
        if provider == "anthropic":
            return (TOOLSET,) if self.api_toolset_only else self.tool_versions
        return tuple(v for v in self.tool_versions if v != TOOLSET)


_OFF: frozenset[ThinkingMode] = frozenset({"off"})
_EXTENDED: frozenset[ThinkingMode] = frozenset({"off", "extended"})
_BOTH: frozenset[ThinkingMode] = frozenset({"off", "extended", "adaptive"})
_ADAPTIVE: frozenset[ThinkingMode] = frozenset({"off", "adaptive"})

_CLAUDE_4 = ("computer_use_20250429",)
_BETA_NOV = ("computer_use_20251124",)
_TOOLSET_FIRST: tuple[ToolVersion, ...] = (TOOLSET, "computer_use_20251124")


def _spec(
    family: str,
    versions: tuple[ToolVersion, ...],
    modes: frozenset[ThinkingMode],
    max_out: int,
    **extra: object,
) -> ModelSpec:
    return ModelSpec(
        family=family, tool_versions=versions, thinking_modes=modes, max_output_tokens=max_out, **extra
    )  # type: ignore[arg-type]


_C4 = {"interleaved_thinking_beta": True}
_HIGH = {"image_tier": "high"}
_NEWEST = {**_HIGH, "edits_invalidate_thinking": True}
_API_TOOLSET_ONLY = {**_NEWEST, "api_toolset_only": True}

MODEL_SPECS: tuple[ModelSpec, ...] = (
    _spec("claude-3-5-sonnet", ("computer_use_20241022",), _OFF, 8_192, editor="text_editor_20241022"),
    _spec("claude-3-7-sonnet", ("computer_use_20250124",), _EXTENDED, 64_000, editor="text_editor_20250124"),
    _spec("claude-sonnet-4", _CLAUDE_4, _EXTENDED, 64_000, **_C4),
    _spec("claude-opus-4", _CLAUDE_4, _EXTENDED, 32_000, **_C4),
    _spec("claude-opus-4-1", _CLAUDE_4, _EXTENDED, 32_000, **_C4),
    _spec("claude-sonnet-4-5", _CLAUDE_4, _EXTENDED, 64_000, **_C4),
    _spec("claude-haiku-4-5", _CLAUDE_4, _EXTENDED, 64_000, **_C4),
    _spec("claude-opus-4-5", _BETA_NOV, _EXTENDED, 64_000, **_C4),
    _spec("claude-opus-4-6", _BETA_NOV, _BOTH, 128_000, **_C4),
    _spec("claude-sonnet-4-6", _BETA_NOV, _BOTH, 64_000, **_C4),
    _spec("claude-opus-4-7", _BETA_NOV, _ADAPTIVE, 128_000, **_HIGH),
    _spec("claude-opus-4-8", _TOOLSET_FIRST, _ADAPTIVE, 128_000, **_HIGH),
    _spec("claude-opus-5", _TOOLSET_FIRST, _ADAPTIVE, 128_000, **_HIGH),
    _spec("claude-sonnet-5", _TOOLSET_FIRST, _ADAPTIVE, 128_000, thinks_by_default=True, **_HIGH),
    _spec("claude-fable-5", _TOOLSET_FIRST, _ADAPTIVE, 128_000, **_HIGH),
    _spec("claude-mythos-5", _TOOLSET_FIRST, _ADAPTIVE, 128_000, **_HIGH),
    _spec("claude-fable-5-1", _TOOLSET_FIRST, _ADAPTIVE, 128_000, **_NEWEST),
    _spec("claude-mythos-5-1", _TOOLSET_FIRST, _ADAPTIVE, 128_000, **_NEWEST),
    _spec("claude-fable-5-2", _TOOLSET_FIRST, _ADAPTIVE, 128_000, **_NEWEST),
    _spec("claude-mythos-5-2", _TOOLSET_FIRST, _ADAPTIVE, 128_000, **_NEWEST),
    _spec("claude-opus-5-5", _TOOLSET_FIRST, _ADAPTIVE, 128_000, **_API_TOOLSET_ONLY),
    _spec(
        "claude-sonnet-5-5", _TOOLSET_FIRST, _ADAPTIVE, 128_000, thinks_by_default=True, **_API_TOOLSET_ONLY
    ),
    _spec("claude-haiku-5-5", _TOOLSET_FIRST, _ADAPTIVE, 64_000, **_API_TOOLSET_ONLY),
)
_BY_FAMILY = {spec.family: spec for spec in MODEL_SPECS}

# An id we have never seen: the newest beta tool, every thinking mode left to the user, a modest output
# cap, and standard-size screenshots, which every model accepts.
DEFAULT_SPEC = ModelSpec(
    family="unknown",
    tool_versions=("computer_use_20251124",),
    editor=None,
    thinking_modes=_BOTH,
    max_output_tokens=32_000,
    known=False,
)

_REGION_PREFIX = re.compile(r"^(?:[a-z]{2,6}\.)+(?=anthropic\.|claude)")


def normalize_model_id(model_id: str) -> str:
    """`us.anthropic.claude-x-20250101-v1:0` / `claude-x@20250101` / `claude-x` -> `claude-x[-20250101]`."""
    model = model_id.strip().lower()
    model = model.rsplit("/", 1)[-1]  # ARNs and Vertex resource paths end with the id
    model = _REGION_PREFIX.sub("", model)
    model = model.removeprefix("anthropic.")
    model = re.sub(r"-v\d+(?::\d+)?$", "", model)
    return model.replace("@", "-")


def lookup_model(model_id: str) -> ModelSpec:
    """The spec of the longest known family that the normalised id starts with (at a `-` boundary)."""
    model = normalize_model_id(model_id)
    best: ModelSpec | None = None
    for family, spec in _BY_FAMILY.items():
        if (model == family or model.startswith(family + "-")) and (
            best is None or len(family) > len(best.family)
        ):
            best = spec
    return best or DEFAULT_SPEC


def supports_prompt_caching(provider: str, model_id: str) -> bool:
    """Prompt caching works for every Claude model from 3.5 on, on the Claude API, Bedrock and Vertex.

    Other providers (a replay of a recording, a test client) get the same request shape as a real run.
    """
    del provider  # all three platforms support it today; kept so a platform without it can opt out here
    return normalize_model_id(model_id).startswith("claude")
