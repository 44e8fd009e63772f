"""Model ids as the three platforms spell them in full, and the tool version chosen per platform."""

from __future__ import annotations

import pytest

from computer_use_demo.models.specs import TOOLSET, ModelSpec, lookup_model, normalize_model_id


@pytest.mark.parametrize(
    ("raw", "family"),
    [
        (
            "projects/my-proj/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929",
            "claude-sonnet-4-5",
        ),
        (
            "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/team/us.anthropic.claude-opus-4-7",
            "claude-opus-4-7",
        ),
    ],
    ids=["vertex-resource-path", "bedrock-arn-with-several-slashes"],
)
def test_a_full_resource_path_is_recognised_as_its_model(raw: str, family: str) -> None:
    assert normalize_model_id(raw).startswith(family)
    assert lookup_model(raw).family == family and lookup_model(raw).known


def test_without_a_platform_the_claude_apis_tool_version_is_chosen() -> None:
    assert lookup_model("claude-opus-4-8").default_tool_version() == TOOLSET


def test_a_model_with_only_the_toolset_keeps_it_on_every_platform() -> None:
    spec = ModelSpec(
        family="claude-next",
        tool_versions=(TOOLSET,),
        thinking_modes=frozenset({"off"}),
        max_output_tokens=8192,
    )
    assert [spec.default_tool_version(p) for p in ("anthropic", "bedrock", "vertex")] == [TOOLSET] * 3
