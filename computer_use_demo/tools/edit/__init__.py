"""The file editor tool: its commands, the pure text edits, and safe file operations."""

from computer_use_demo.tools.edit.tool import EditTool20241022, EditTool20250124, EditTool20250728

__all__ = ["EditTool20241022", "EditTool20250124", "EditTool20250728"]
