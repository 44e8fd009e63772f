"""The editor follows the model, and a model/tool-version pair the API would reject is named up front."""

from __future__ import annotations

from typing import get_args

import pytest

from computer_use_demo.models.compatibility import compatibility_warning
from computer_use_demo.models.specs import MODEL_SPECS, lookup_model
from computer_use_demo.tools import EditTool20241022, EditTool20250124, EditTool20250728, ToolVersion
from computer_use_demo.tools.build import build_tool_collection
from computer_use_demo.tools.groups import EDITORS, TOOL_GROUPS_BY_VERSION

VERSIONS = get_args(ToolVersion)
CLAUDE_4_AND_LATER = [spec for spec in MODEL_SPECS if not spec.family.startswith("claude-3")]


def editor_of(group) -> type:
    [editor] = [tool for tool in group.tools if tool in EDITORS.values()]
    return editor


@pytest.mark.parametrize("version", VERSIONS)
def test_claude_4_and_later_get_the_claude_4_editor_in_every_group(version):
    for spec in CLAUDE_4_AND_LATER:
        group = spec.tool_group(version)
        assert editor_of(group) is EditTool20250728, (spec.family, version)
        # Only the editor changes: the computer tool, bash and the beta flag are the version's own.
        own = TOOL_GROUPS_BY_VERSION[version]
        assert group.version == version and group.beta_flag == own.beta_flag
        assert [t for t in group.tools if t not in EDITORS.values()] == [
            t for t in own.tools if t not in EDITORS.values()
        ]


def test_picking_computer_use_20250124_for_claude_4_sends_the_editor_it_accepts():
    """The case that broke: Claude 4 models reject `text_editor_20250124` / `str_replace_editor`."""
    group = lookup_model("claude-sonnet-4-5-20250929").tool_group("computer_use_20250124")
    editor = build_tool_collection(group, image_tier="standard").tool_map["str_replace_based_edit_tool"]
    assert editor.to_params() == {"type": "text_editor_20250728", "name": "str_replace_based_edit_tool"}
    assert group.beta_flag == "computer-use-2025-01-24"


@pytest.mark.parametrize(
    ("model", "editor"),
    [("claude-3-7-sonnet-20250219", EditTool20250124), ("claude-3-5-sonnet-20241022", EditTool20241022)],
)
def test_claude_3_models_keep_their_editors(model, editor):
    for version in VERSIONS:
        assert editor_of(lookup_model(model).tool_group(version)) is editor


def test_an_unknown_model_gets_each_groups_own_editor():
    for version in VERSIONS:
        group = lookup_model("my-fine-tune").tool_group(version)
        assert group == TOOL_GROUPS_BY_VERSION[version]


@pytest.mark.parametrize(
    ("model", "version", "provider", "expected"),
    [
        # Accepted pairs: the model's own versions, and other versions with the same computer tool.
        ("claude-sonnet-4-5", "computer_use_20250429", "anthropic", None),
        ("claude-sonnet-4-5", "computer_use_20250124", "anthropic", None),
        ("claude-3-7-sonnet-20250219", "computer_use_20250429", "anthropic", None),
        ("claude-opus-4-8", "computer_use_20260801", "anthropic", None),
        ("claude-opus-5-5", "computer_use_20251124", "bedrock", None),
        ("my-fine-tune", "computer_use_20241022", "anthropic", None),  # unknown: nothing to say
        ("claude-sonnet-4-5", "computer_use_20251124", "replay", None),  # no platform
        # Rejected pairs.
        ("claude-sonnet-4-5", "computer_use_20251124", "anthropic", "does not take computer_20251124"),
        ("claude-sonnet-4", "computer_use_20241022", "anthropic", "Use computer_use_20250429"),
        ("claude-opus-5-5", "computer_use_20251124", "anthropic", "Use computer_use_20260801"),
        ("claude-opus-4-8", "computer_use_20260801", "bedrock", "on Amazon Bedrock"),
        ("claude-3-7-sonnet", "computer_use_20251124", "vertex", "on Google Vertex AI"),
    ],
)
def test_compatibility_warning(model, version, provider, expected):
    warning = compatibility_warning(model, version, provider)
    if expected is None:
        assert warning is None
    else:
        assert warning is not None and expected in warning and "\n" not in warning


def test_every_models_default_version_is_accepted_on_every_platform():
    for spec in MODEL_SPECS:
        for provider in ("anthropic", "bedrock", "vertex"):
            assert compatibility_warning(spec.family, spec.default_tool_version(provider), provider) is None
