"""The computer tools: the beta `computer` versions, the GA toolset, the action table and scaling."""

from computer_use_demo.tools.computer.beta import (
    ComputerTool20241022,
    ComputerTool20250124,
    ComputerTool20251124,
)
from computer_use_demo.tools.computer.toolset import ComputerToolset20260801

__all__ = ["ComputerTool20241022", "ComputerTool20250124", "ComputerTool20251124", "ComputerToolset20260801"]
