"""The tools Claude calls: computer (beta tools and the GA toolset), bash and the file editor."""

from computer_use_demo.tools.base import BaseAnthropicTool, CLIResult, ToolError, ToolFailure, ToolResult
from computer_use_demo.tools.bash.tool import BashTool20241022, BashTool20250124
from computer_use_demo.tools.collection import ToolCollection
from computer_use_demo.tools.computer.beta import (
    ComputerTool20241022,
    ComputerTool20250124,
    ComputerTool20251124,
)
from computer_use_demo.tools.computer.toolset import ComputerToolset20260801
from computer_use_demo.tools.edit.tool import EditTool20241022, EditTool20250124, EditTool20250728
from computer_use_demo.tools.groups import TOOL_GROUPS, TOOL_GROUPS_BY_VERSION, ToolGroup, ToolVersion
from computer_use_demo.tools.result_blocks import HALTED_TEXT, tool_result_block

__all__ = [
    "HALTED_TEXT",
    "TOOL_GROUPS",
    "TOOL_GROUPS_BY_VERSION",
    "BaseAnthropicTool",
    "BashTool20241022",
    "BashTool20250124",
    "CLIResult",
    "ComputerTool20241022",
    "ComputerTool20250124",
    "ComputerTool20251124",
    "ComputerToolset20260801",
    "EditTool20241022",
    "EditTool20250124",
    "EditTool20250728",
    "ToolCollection",
    "ToolError",
    "ToolFailure",
    "ToolGroup",
    "ToolResult",
    "ToolVersion",
    "tool_result_block",
]
