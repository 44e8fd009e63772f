"""The tools Claude calls: computer (beta tools and the GA toolset), bash and the file editor."""

from .base import BaseAnthropicTool, CLIResult, ToolError, ToolFailure, ToolResult
from .bash import BashTool20241022, BashTool20250124
from .collection import ToolCollection
from .computer import ComputerTool20241022, ComputerTool20250124, ComputerTool20251124
from .edit import EditTool20241022, EditTool20250124, EditTool20250728
from .groups import TOOL_GROUPS, TOOL_GROUPS_BY_VERSION, ToolGroup, ToolVersion
from .result_blocks import HALTED_TEXT, tool_result_block
from .toolset import ComputerToolset20260801

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
