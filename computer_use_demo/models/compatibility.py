"""Whether the API would reject a model with a tool version, said before any request is made.

What counts is the computer tool (or toolset) a version sends: the editor follows the model
(`ModelSpec.tool_group`), and bash is the same for every model we know. So `computer_use_20250124` is fine
for Claude Sonnet 4.5 (same computer tool as its own `computer_use_20250429`), but `computer_use_20251124`
is not. Models we do not know, and providers that are no platform (replay), get no warning.
Every front end asks before its first request: the sidebar shows the line; the CLI is to print it.
"""

from __future__ import annotations

from computer_use_demo.models.specs import lookup_model
from computer_use_demo.tools.groups import TOOL_GROUPS_BY_VERSION, ToolVersion

PLATFORMS = {"anthropic": "the Claude API", "bedrock": "Amazon Bedrock", "vertex": "Google Vertex AI"}


def compatibility_warning(
    model: str, tool_version: ToolVersion | str, provider: str = "anthropic"
) -> str | None:
    """One line saying why the API would reject `model` with `tool_version` on `provider`, or None."""
    spec = lookup_model(model)
    group = TOOL_GROUPS_BY_VERSION.get(tool_version)  # type: ignore[call-overload]
    if not spec.known or group is None or provider not in PLATFORMS:
        return None
    accepted = spec.accepted_tool_versions(provider)
    if group.computer_api_type in {TOOL_GROUPS_BY_VERSION[v].computer_api_type for v in accepted}:
        return None
    where = PLATFORMS[provider]
    if not accepted:
        return f"{model} has no computer tool on {where}."
    return (
        f"{model} does not take {group.computer_api_type} ({tool_version}) on {where}: the request would be "
        f"rejected. Use {accepted[0]}."
    )
