"""The GA computer toolset on a real Xvfb: members, member schemas, batches that halt, closing screenshot."""

from __future__ import annotations

import asyncio
import base64
import io
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from PIL import Image

from computer_use_demo.desktop.xdotool import Xdotool
from computer_use_demo.tools import HALTED_TEXT, ComputerToolset20260801, ToolCollection, ToolError
from computer_use_demo.tools.computer.toolset import MEMBER_SCHEMAS
from tests.support.xclients import wait_until, xterm_cat
from tests.support.xvfb import XDisplay, running_xvfb

SPEC_MEMBERS = {
    "screenshot", "left_click", "right_click", "middle_click", "double_click", "triple_click", "mouse_move",
    "left_click_drag", "type", "key", "cursor_position", "scroll", "left_mouse_down", "left_mouse_up",
    "hold_key", "wait", "zoom",
}  # fmt: skip


def image_of(result) -> Image.Image:
    return Image.open(io.BytesIO(base64.b64decode(result.base64_image)))


def block(block_id: str, member: str, tool_input: dict) -> dict:
    return {
        "type": "tool_use",
        "id": block_id,
        "name": member,
        "toolset_name": "computer",
        "input": tool_input,
    }


@pytest.fixture(scope="module")
def shared_display() -> Iterator[XDisplay]:
    with running_xvfb(1024, 768) as display:
        yield display


def test_request_entry_is_only_the_type():
    assert ComputerToolset20260801(display=":1").to_params() == {"type": "computer_toolset_20260801"}
    configs = {"zoom": {"enabled": False}}
    assert ComputerToolset20260801(display=":1", configs=configs).to_params() == {
        "type": "computer_toolset_20260801",
        "configs": configs,
    }
    with pytest.raises(ValueError, match="unknown toolset members"):
        ComputerToolset20260801(display=":1", configs={"fly": {"enabled": True}})


def test_seventeen_members_with_their_own_schemas():
    assert set(ComputerToolset20260801.members) == SPEC_MEMBERS and len(SPEC_MEMBERS) == 17
    assert (
        ComputerToolset20260801.name == "computer"
        and ComputerToolset20260801(display=":1").image_tier == "high"
    )
    key = Draft202012Validator(MEMBER_SCHEMAS["key"])
    assert key.is_valid({"text": "a", "repeat": 100}) and not key.is_valid({"text": "a", "repeat": 101})
    assert not key.is_valid({"text": "a", "repeat": 0}) and not key.is_valid({"action": "key", "text": "a"})
    for member in ("hold_key", "wait"):
        schema = Draft202012Validator(MEMBER_SCHEMAS[member])
        base = {"text": "shift"} if member == "hold_key" else {}
        assert schema.is_valid({**base, "duration": 300}) and not schema.is_valid({**base, "duration": 300.5})
    assert "action" not in MEMBER_SCHEMAS["left_click"]["properties"]


async def test_unknown_or_disabled_member_is_an_error(shared_display):
    toolset = ComputerToolset20260801(display=shared_display.name, configs={"zoom": {"enabled": False}})
    with pytest.raises(ToolError, match="Unknown computer action"):
        await toolset.call_member("fly", {})
    with pytest.raises(ToolError, match="disabled"):
        await toolset.call_member("zoom", {"region": [0, 0, 10, 10]})
    with pytest.raises(ToolError, match="repeat"):
        await toolset.call_member("key", {"text": "a", "repeat": 101})
    with pytest.raises(ToolError, match="toolset is called through its members"):
        await toolset(action="screenshot")


async def test_members_answer_briefly_and_image_members_return_images(shared_display):
    toolset = ComputerToolset20260801(display=shared_display.name)
    moved = await toolset.call_member("mouse_move", {"coordinate": [10, 20]})
    assert (moved.output, moved.base64_image) == ("Moved the mouse.", None)
    clicked = await toolset.call_member("left_click", {"coordinate": [30, 40], "text": "shift"})
    assert clicked.output == "Clicked." and clicked.base64_image is None
    assert (await toolset.call_member("cursor_position", {})).output == "X=30,Y=40"
    shot = await toolset.call_member("screenshot", {})
    assert image_of(shot).size == (1024, 768)
    assert (await toolset.finish_batch(shot)) is shot  # already carries its image


async def test_batch_halts_at_the_failing_block(shared_display):
    toolset = ComputerToolset20260801(display=shared_display.name)
    collection = ToolCollection(toolset)
    xdo = Xdotool(shared_display.name)
    results = await collection.run_turn([
        block("a", "left_click", {"coordinate": [100, 100]}),
        block("b", "key", {"text": "ctrl+s; rm -rf ~"}),
        block("c", "left_click", {"coordinate": [500, 500]}),
        block("d", "mouse_move", {"coordinate": [600, 600]}),
    ])  # fmt: skip
    assert [r["tool_use_id"] for r in results] == ["a", "b", "c", "d"]
    assert all(r["toolset_name"] == "computer" for r in results)
    first, failed, *skipped = results
    assert "is_error" not in first
    assert [c["type"] for c in first["content"]] == ["text", "image"]  # the batch's closing screenshot
    assert first["content"][0]["text"] == "Clicked."
    assert failed["is_error"] is True and "Invalid key" in failed["content"][0]["text"]
    assert [c["type"] for c in failed["content"]] == ["text"]
    for result in skipped:
        assert result["is_error"] is True
        assert result["content"] == [{"type": "text", "text": HALTED_TEXT}]
    assert await xdo.mouse_location() == (100, 100)  # the later blocks really did not run


async def test_closing_screenshot_goes_to_the_last_good_block_at_high_resolution(xvfb_factory):
    display = xvfb_factory(3840, 2160)
    collection = ToolCollection(ComputerToolset20260801(display=display.name))
    results = await collection.run_turn([
        block("a", "mouse_move", {"coordinate": [10, 10]}),
        block("b", "left_click", {"coordinate": [2575, 1448]}),
    ])  # fmt: skip
    assert [c["type"] for c in results[0]["content"]] == ["text"]
    image = results[1]["content"][1]
    assert image["type"] == "image" and image["source"]["media_type"] == "image/png"
    assert Image.open(io.BytesIO(base64.b64decode(image["source"]["data"]))).size == (2576, 1449)
    x, y = await Xdotool(display.name).mouse_location()
    assert abs(x - 2575 * 3840 / 2576) <= 1 and abs(y - 1448 * 2160 / 1449) <= 1


async def test_key_repeat_and_type_reach_an_xterm(xdisplay, tmp_path):
    out = tmp_path / "typed.txt"
    collection = ToolCollection(ComputerToolset20260801())
    with xterm_cat(xdisplay, out):
        results = await collection.run_turn([
            block("1", "mouse_move", {"coordinate": [100, 100]}),
            block("2", "type", {"text": "go "}),
            block("3", "key", {"text": "a", "repeat": 5}),
            block("4", "key", {"text": "Return"}),
        ])  # fmt: skip
        await asyncio.to_thread(wait_until, lambda: out.read_text() != "")
    assert not any(r.get("is_error") for r in results)
    assert results[2]["content"][0]["text"] == "Pressed a 5 times."
    assert out.read_text() == "go aaaaa\n"


MEMBERS = sorted(SPEC_MEMBERS)
JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.text(max_size=10),
    st.lists(st.integers(-10**5, 10**5), max_size=5),
)  # fmt: skip


@st.composite
def malformed_member_calls(draw):
    member = draw(st.sampled_from([*MEMBERS, "fly", "", "Screenshot"]))
    tool_input = draw(
        st.dictionaries(st.sampled_from(["coordinate", "text", "duration", "region", "x"]), JUNK)
    )
    tool_input["bogus"] = draw(JUNK)  # ignored (and named in the result), so never the defect
    properties = sorted(MEMBER_SCHEMAS[member]["properties"]) if member in MEMBER_SCHEMAS else []
    if properties:  # one of the member's own fields gets a value no schema type accepts
        tool_input[draw(st.sampled_from(properties))] = draw(st.one_of(st.booleans(), st.just({"a": 1})))
    elif member in MEMBER_SCHEMAS:  # a member without inputs has no field to get wrong
        member = member.upper()
    return member, tool_input


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(malformed_member_calls())
async def test_malformed_member_inputs_are_error_results(shared_display, call):
    member, tool_input = call
    collection = ToolCollection(ComputerToolset20260801(display=shared_display.name))
    result = await collection.run(name=member, tool_input=tool_input, toolset_name="computer")
    assert result.error and not result.base64_image
