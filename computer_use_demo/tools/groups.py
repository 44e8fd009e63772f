"""Tool versions: which tool classes and which beta flag each `tool_version` sends.

A group names the editor of its date, but the editor a request carries follows the model (Claude 4 and
later reject the `str_replace_editor` of 2025-01): `models.specs.ModelSpec.tool_group` swaps it in with
`with_editor`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal, get_args

from computer_use_demo.tools.base import BaseAnthropicTool
from computer_use_demo.tools.bash.tool import BashTool20241022, BashTool20250124
from computer_use_demo.tools.computer.beta import (
    ComputerTool20241022,
    ComputerTool20250124,
    ComputerTool20251124,
)
from computer_use_demo.tools.computer.toolset import ComputerToolset20260801
from computer_use_demo.tools.edit.tool import EditTool20241022, EditTool20250124, EditTool20250728

ToolVersion = Literal[
    "computer_use_20241022",
    "computer_use_20250124",
    "computer_use_20250429",
    "computer_use_20251124",
    "computer_use_20260801",
]
BetaFlag = Literal["computer-use-2024-10-22", "computer-use-2025-01-24", "computer-use-2025-11-24"]


EDITORS: dict[str, type[BaseAnthropicTool]] = {
    editor.api_type: editor for editor in (EditTool20241022, EditTool20250124, EditTool20250728)
}


@dataclass(frozen=True, kw_only=True)
class ToolGroup:
    version: ToolVersion
    tools: tuple[type[BaseAnthropicTool], ...]
    beta_flag: BetaFlag | None

    @property
    def computer_api_type(self) -> str:
        """The `type` of the group's computer tool (or toolset), which decides what a model accepts."""
        return next(tool.api_type for tool in self.tools if tool.name == "computer")

    def with_editor(self, editor: type[BaseAnthropicTool]) -> ToolGroup:
        """The same group with `editor` in place of its text editor."""
        editors = set(EDITORS.values())
        return replace(self, tools=tuple(editor if tool in editors else tool for tool in self.tools))


TOOL_GROUPS: tuple[ToolGroup, ...] = (
    # Claude 3.5 Sonnet (new), retired.
    ToolGroup(
        version="computer_use_20241022",
        tools=(ComputerTool20241022, EditTool20241022, BashTool20241022),
        beta_flag="computer-use-2024-10-22",
    ),
    # Claude 3.7 Sonnet: the last model that takes the `str_replace_editor` of this date.
    ToolGroup(
        version="computer_use_20250124",
        tools=(ComputerTool20250124, EditTool20250124, BashTool20250124),
        beta_flag="computer-use-2025-01-24",
    ),
    # Claude 4 family up to Sonnet 4.5 / Haiku 4.5 / Opus 4.1: same computer tool, the Claude 4 editor.
    ToolGroup(
        version="computer_use_20250429",
        tools=(ComputerTool20250124, EditTool20250728, BashTool20250124),
        beta_flag="computer-use-2025-01-24",
    ),
    # Opus 4.5 and later on the beta tool (zoom available).
    ToolGroup(
        version="computer_use_20251124",
        tools=(ComputerTool20251124, EditTool20250728, BashTool20250124),
        beta_flag="computer-use-2025-11-24",
    ),
    # The GA toolset: no beta header, no tool named `computer` beside it.
    ToolGroup(
        version="computer_use_20260801",
        tools=(ComputerToolset20260801, EditTool20250728, BashTool20250124),
        beta_flag=None,
    ),
)

TOOL_GROUPS_BY_VERSION: dict[ToolVersion, ToolGroup] = {group.version: group for group in TOOL_GROUPS}

assert set(TOOL_GROUPS_BY_VERSION) == set(get_args(ToolVersion)), "every ToolVersion needs a group"
