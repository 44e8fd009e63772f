"""A turn's tool calls as the loop runs them: what the request offers, what a cancelled turn keeps, the
closing screenshot of each toolset batch, and what the log says when a tool breaks."""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from computer_use_demo.tools import HALTED_TEXT, BaseAnthropicTool, ToolCollection, ToolError, ToolResult
from tests.unit.tools.test_collection import EchoTool, RecordingToolset, use


class PlainToolset(BaseAnthropicTool):
    """A toolset without a closing screenshot: its finish_batch hands the last result back unchanged."""

    name: ClassVar[str] = "plain"
    api_type: ClassVar[str] = "plain_toolset_test"

    async def execute(self, **tool_input: Any) -> ToolResult:
        raise ToolError("members only")

    def to_params(self) -> dict[str, Any]:
        return {"type": self.api_type}

    async def call_member(self, member: str, tool_input: dict[str, Any]) -> ToolResult:
        if tool_input.get("fail"):
            raise ToolError(f"{member} failed")
        return ToolResult(output=f"{member} ok")

    async def finish_batch(self, last_result: ToolResult) -> ToolResult:
        return last_result


class SecondToolset(RecordingToolset):
    name: ClassVar[str] = "second"


def member(
    block_id: str, name: str, toolset: str, tool_input: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "type": "tool_use",
        "id": block_id,
        "name": name,
        "input": tool_input or {},
        "toolset_name": toolset,
    }


def test_the_request_offers_every_tool_in_the_order_given():
    collection = ToolCollection(EchoTool(), RecordingToolset())
    assert collection.to_params() == [
        {"name": "echo", "type": "echo_test"},
        {"type": "computer_toolset_test"},
    ]


async def test_a_cancelled_turn_knows_each_finished_calls_result_block():
    completed: list[dict[str, Any]] = []
    collection = ToolCollection(RecordingToolset(), EchoTool())
    results = await collection.run_turn(
        [use("1", "left_click", {}, toolset=True), use("2", "echo", {"text": "hi"})], completed=completed
    )
    assert completed == [
        {
            "type": "tool_result",
            "tool_use_id": "1",
            "content": [{"type": "text", "text": "left_click done"}],
            "toolset_name": "computer",
        },
        {"type": "tool_result", "tool_use_id": "2", "content": [{"type": "text", "text": "hi"}]},
    ]
    assert results[1] == completed[1]  # the closing screenshot is added to the returned blocks only


async def test_a_tool_call_without_input_runs_with_no_arguments():
    block = {"type": "tool_use", "id": "1", "name": "screenshot", "toolset_name": "computer"}
    [result] = await ToolCollection(RecordingToolset()).run_turn([block])
    assert "is_error" not in result and result["content"][0] == {"type": "text", "text": "screenshot done"}


async def test_a_toolset_without_a_closing_screenshot_still_answers_its_batch():
    results = await ToolCollection(PlainToolset()).run_turn([member("1", "left_click", "plain")])
    assert results == [
        {
            "type": "tool_result",
            "tool_use_id": "1",
            "content": [{"type": "text", "text": "left_click ok"}],
            "toolset_name": "plain",
        }
    ]


async def test_a_toolset_whose_calls_all_failed_does_not_keep_another_from_its_screenshot():
    # Both roles for both toolsets, so the outcome cannot hang on the order they are finished in.
    for failing, working in (("computer", "second"), ("second", "computer")):
        collection = ToolCollection(RecordingToolset(), SecondToolset())
        results = await collection.run_turn([
            member("1", "left_click", working),
            member("2", "key", failing, {"fail": True}),
        ])  # fmt: skip
        assert results[0]["content"][-1]["source"]["data"] == "SCREENSHOT"
        assert results[1]["content"] == [{"type": "text", "text": "key failed"}]


async def test_a_toolset_without_a_closing_screenshot_does_not_keep_another_from_its_own():
    # Toolsets are finished in set order, which depends on the names' hashes: many pairs cover both orders.
    for pair in range(12):
        plain = type(f"Plain{pair}", (PlainToolset,), {"name": f"plain{pair}"})()
        working = type(f"Working{pair}", (RecordingToolset,), {"name": f"working{pair}"})()
        results = await ToolCollection(plain, working).run_turn([
            member("1", "left_click", working.name),
            member("2", "left_click", plain.name),
        ])  # fmt: skip
        assert results[0]["content"][-1]["source"]["data"] == "SCREENSHOT", pair


async def test_a_list_as_input_is_refused_with_its_type_named():
    result = await ToolCollection(EchoTool()).run(name="echo", tool_input=["text"])
    assert result.error == "Tool input must be a JSON object, got list."


async def test_the_log_names_the_tool_that_crashed_and_the_toolset_that_could_not_finish(caplog):
    caplog.set_level(logging.ERROR, logger="computer_use_demo.tools.collection")
    await ToolCollection(EchoTool()).run(name="echo", tool_input={"text": "x", "crash": True})
    await ToolCollection(RecordingToolset(finish_fails=True)).run_turn(
        [use("1", "left_click", {}, toolset=True)]
    )
    messages = [r.getMessage() for r in caplog.records]
    assert messages == ["tool echo crashed", "toolset computer could not finish its batch"]
    assert all(r.exc_info for r in caplog.records), "the traceback is logged for the developer"


async def test_a_halted_member_is_answered_with_the_apis_halt_text():
    results = await ToolCollection(RecordingToolset()).run_turn(
        [use("1", "key", {"fail": True}, toolset=True), use("2", "type", {}, toolset=True)]
    )
    assert results[1]["content"] == [{"type": "text", "text": HALTED_TEXT}]
