"""The bash tool: a persistent shell session per tool, output capture and process-tree clean-up."""

from computer_use_demo.tools.bash.tool import BashTool20241022, BashTool20250124

__all__ = ["BashTool20241022", "BashTool20250124"]
