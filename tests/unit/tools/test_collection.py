"""ToolCollection: `run` never raises, `run_turn` halts toolset batches and echoes `toolset_name`."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from computer_use_demo.tools import HALTED_TEXT, BaseAnthropicTool, ToolCollection, ToolError, ToolResult


class EchoTool(BaseAnthropicTool):
    name: ClassVar[str] = "echo"
    api_type: ClassVar[str] = "echo_test"
    input_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {"text": {"type": "string"}, "crash": {"type": "boolean"}},
        "required": ["text"],
        "additionalProperties": False,
    }

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def execute(self, *, text: str, crash: bool = False) -> ToolResult:
        self.calls.append(text)
        if crash:
            raise RuntimeError("kaboom")
        if text == "refuse":
            raise ToolError("refused on purpose")
        return ToolResult(output=text)

    def to_params(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.api_type}


class RecordingToolset(BaseAnthropicTool):
    """A toolset test double with the real interface: members, call_member, finish_batch."""

    name: ClassVar[str] = "computer"
    api_type: ClassVar[str] = "computer_toolset_test"

    def __init__(self, *, finish_fails: bool = False) -> None:
        self.ran: list[str] = []
        self.finish_fails = finish_fails

    async def execute(self, **tool_input: Any) -> ToolResult:
        raise ToolError("members only")

    def to_params(self) -> dict[str, Any]:
        return {"type": self.api_type}

    async def call_member(self, member: str, tool_input: dict[str, Any]) -> ToolResult:
        self.ran.append(member)
        if tool_input.get("fail"):
            raise ToolError(f"{member} failed")
        if tool_input.get("crash"):
            raise ValueError("unexpected bug")
        return ToolResult(output=f"{member} done")

    async def finish_batch(self, last_result: ToolResult) -> ToolResult:
        if self.finish_fails:
            raise RuntimeError("no screen")
        return last_result.replace(base64_image="SCREENSHOT")


def use(block_id: str, name: str, tool_input: Any, toolset: bool = False) -> dict[str, Any]:
    block = {"type": "tool_use", "id": block_id, "name": name, "input": tool_input}
    if toolset:
        block["toolset_name"] = "computer"
    return block


async def test_run_returns_outputs_and_turns_every_failure_into_an_error_result():
    collection = ToolCollection(EchoTool())
    assert (await collection.run(name="echo", tool_input={"text": "hi"})).output == "hi"
    refused = await collection.run(name="echo", tool_input={"text": "refuse"})
    assert refused.error == "refused on purpose"
    crashed = await collection.run(name="echo", tool_input={"text": "x", "crash": True})
    assert "RuntimeError: kaboom" in crashed.error
    invalid = await collection.run(name="echo", tool_input={"text": 5})
    assert "Invalid tool input at 'text'" in invalid.error
    missing = await collection.run(name="nope", tool_input={})
    assert "not available" in missing.error and "echo" in missing.error
    not_object = await collection.run(name="echo", tool_input=["text"])
    assert "JSON object" in not_object.error
    not_toolset = await collection.run(name="x", tool_input={}, toolset_name="echo")
    assert "not a toolset" in not_toolset.error


@settings(max_examples=300, deadline=None)
@given(
    name=st.sampled_from(["echo", "computer", "other"]),
    tool_input=st.one_of(
        st.none(), st.integers(), st.text(), st.lists(st.integers()),
        st.dictionaries(st.text(max_size=8), st.one_of(st.none(), st.booleans(), st.integers(), st.text())),
    ),
    toolset_name=st.sampled_from([None, "computer", "echo"]),
)  # fmt: skip
async def test_run_never_raises(name, tool_input, toolset_name):
    collection = ToolCollection(EchoTool(), RecordingToolset())
    result = await collection.run(name=name, tool_input=tool_input, toolset_name=toolset_name)
    assert isinstance(result, ToolResult)


def test_duplicate_names_are_refused():
    with pytest.raises(ValueError, match="duplicate"):
        ToolCollection(EchoTool(), EchoTool())


async def test_run_turn_halts_the_toolset_at_the_first_failure_but_runs_other_tools():
    toolset, echo = RecordingToolset(), EchoTool()
    collection = ToolCollection(toolset, echo)
    results = await collection.run_turn([
        use("1", "left_click", {}, toolset=True),
        use("2", "key", {"fail": True}, toolset=True),
        use("3", "type", {}, toolset=True),
        use("4", "echo", {"text": "still runs"}),
        use("5", "screenshot", {}, toolset=True),
    ])  # fmt: skip
    assert toolset.ran == ["left_click", "key"]
    assert echo.calls == ["still runs"]
    by_id = {r["tool_use_id"]: r for r in results}
    assert [r["tool_use_id"] for r in results] == ["1", "2", "3", "4", "5"]
    assert by_id["1"]["content"][1]["source"]["data"] == "SCREENSHOT"  # last good toolset block
    assert by_id["2"] == {
        "type": "tool_result", "tool_use_id": "2", "is_error": True, "toolset_name": "computer",
        "content": [{"type": "text", "text": "key failed"}],
    }  # fmt: skip
    for halted in ("3", "5"):
        assert by_id[halted]["content"] == [{"type": "text", "text": HALTED_TEXT}]
        assert by_id[halted]["is_error"] is True and by_id[halted]["toolset_name"] == "computer"
    assert "toolset_name" not in by_id["4"] and by_id["4"]["content"] == [
        {"type": "text", "text": "still runs"}
    ]
    assert HALTED_TEXT == "Not executed: an earlier computer action in this turn failed."


async def test_a_crashing_member_also_halts_and_a_failed_finish_loses_nothing():
    collection = ToolCollection(RecordingToolset(finish_fails=True))
    results = await collection.run_turn([
        use("1", "mouse_move", {}, toolset=True),
        use("2", "left_click", {"crash": True}, toolset=True),
        use("3", "left_click", {}, toolset=True),
    ])  # fmt: skip
    assert results[0]["content"] == [{"type": "text", "text": "mouse_move done"}]
    assert "ValueError: unexpected bug" in results[1]["content"][0]["text"]
    assert results[2]["content"][0]["text"] == HALTED_TEXT


async def test_a_turn_that_fails_at_once_gets_no_screenshot():
    collection = ToolCollection(RecordingToolset())
    results = await collection.run_turn([use("1", "key", {"fail": True}, toolset=True)])
    assert results[0]["content"] == [{"type": "text", "text": "key failed"}]


async def test_error_results_never_carry_images():
    collection = ToolCollection(EchoTool())
    [result] = await collection.run_turn([use("1", "echo", {"text": 3})])
    assert result["is_error"] is True and all(c["type"] == "text" for c in result["content"])


async def test_unknown_input_keys_are_ignored_and_named_but_wrong_types_still_fail():
    collection = ToolCollection(EchoTool())
    done = await collection.run(name="echo", tool_input={"text": "hi", "size": 3, "colour": "red"})
    assert not done.is_error and done.output == "hi\nIgnored unknown input key(s): colour, size"
    wrong = await collection.run(name="echo", tool_input={"text": 5, "colour": "red"})
    assert wrong.error == (
        "Invalid tool input at 'text': 5 is not of type 'string'\nIgnored unknown input key(s): colour"
    )
    refused = await collection.run(name="echo", tool_input={"text": "refuse", "colour": "red"})
    assert refused.error == "refused on purpose\nIgnored unknown input key(s): colour"


class ReferenceStyleTool(BaseAnthropicTool):
    """Written as for the reference demo: class attributes, its own `__call__` and `to_params`, no
    schema and no `execute`."""

    name = "weather"
    api_type = "custom"

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    async def __call__(self, **kwargs: Any) -> ToolResult:
        self.calls.append(kwargs)
        if kwargs.get("city") == "nowhere":
            raise ToolError("no such city")
        return ToolResult(output=f"sunny in {kwargs['city']}")

    def to_params(self) -> dict[str, Any]:
        schema = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
        return {"name": self.name, "description": "The weather in a city.", "input_schema": schema}


async def test_a_reference_style_tool_runs_beside_ours():
    weather = ReferenceStyleTool()
    collection = ToolCollection(weather, EchoTool(), RecordingToolset())
    assert [p.get("name") for p in collection.to_params()] == ["weather", "echo", None]
    results = await collection.run_turn([
        use("1", "weather", {"city": "Oslo", "units": "C"}),
        use("2", "echo", {"text": "ours"}),
        use("3", "weather", {"city": "nowhere"}),
        use("4", "weather", {}),
    ])  # fmt: skip
    assert [r["content"][0]["text"] for r in results[:3]] == ["sunny in Oslo", "ours", "no such city"]
    assert weather.calls[0] == {"city": "Oslo", "units": "C"}  # its input is its own business
    assert results[2]["is_error"] and results[3]["is_error"]
    assert "KeyError" in results[3]["content"][0]["text"]  # its own bug is a tool error, not a crash


def test_only_a_toolset_satisfies_the_toolset_protocol():
    from computer_use_demo.tools import ComputerToolset20260801
    from computer_use_demo.tools.base import Toolset

    assert isinstance(RecordingToolset(), Toolset)
    assert isinstance(ComputerToolset20260801(display=":9999"), Toolset)
    assert not isinstance(EchoTool(), Toolset) and not isinstance(ReferenceStyleTool(), Toolset)


def test_a_tool_with_a_schema_but_no_execute_is_refused_when_defined():
    with pytest.raises(TypeError, match="do not match"):

        class Forgetful(BaseAnthropicTool):  # pragma: no cover - the class statement itself fails
            name = "forgetful"
            api_type = "custom"
            input_schema = {"type": "object", "properties": {"x": {"type": "string"}}}

            def to_params(self) -> dict[str, Any]:
                return {}
