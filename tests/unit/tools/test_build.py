from __future__ import annotations

from typing import Any, ClassVar

from computer_use_demo.tools import BaseAnthropicTool, ToolGroup, ToolResult, tool_result_block
from computer_use_demo.tools.build import build_tool_collection, tool_result_from_block
from tests.support.loop_tools import RecordingShell


class TieredScreen(BaseAnthropicTool):
    name: ClassVar[str] = "computer"
    api_type: ClassVar[str] = "computer_20251124"
    input_schema: ClassVar[dict[str, Any]] = {"type": "object", "properties": {}}

    def __init__(self, *, image_tier: str = "standard") -> None:
        self.image_tier = image_tier

    async def execute(self) -> ToolResult:
        return ToolResult(output="ok")

    def to_params(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.api_type}


def test_computer_tools_get_the_image_tier_and_others_no_arguments() -> None:
    group = ToolGroup(version="computer_use_20251124", tools=(TieredScreen, RecordingShell), beta_flag=None)
    collection = build_tool_collection(group, image_tier="high")
    screen, shell = collection.tools
    assert isinstance(screen, TieredScreen) and screen.image_tier == "high"
    assert isinstance(shell, RecordingShell)
    assert [t["name"] for t in collection.to_params()] == ["computer", "bash"]


def test_results_read_back_from_blocks() -> None:
    image = ToolResult(output="clicked", base64_image="QUJD")
    assert tool_result_from_block(tool_result_block(image, "t1")) == image
    failed = ToolResult(error="no such file")
    assert tool_result_from_block(tool_result_block(failed, "t2")) == failed
    assert (
        tool_result_from_block({"tool_use_id": "t3", "content": "plain", "type": "tool_result"}).output
        == "plain"
    )
    assert (
        tool_result_from_block({"tool_use_id": "t4", "is_error": True, "content": []}).error
        == "The tool failed."
    )
