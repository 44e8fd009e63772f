"""The beta computer tools on a real Xvfb with real xdotool, xev and xterm."""

from __future__ import annotations

import asyncio
import base64
import io
import random
import time
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageChops

from computer_use_demo.desktop.settle import SettlePolicy
from computer_use_demo.tools import (
    ComputerTool20241022,
    ComputerTool20250124,
    ComputerTool20251124,
    ToolCollection,
    ToolError,
)
from computer_use_demo.tools.computer.scaling import Scaling
from tests.support.xclients import set_root_pattern, wait_until, xev_window, xterm_cat
from tests.support.xvfb import XDisplay, running_xvfb

BUTTON_EVENTS = ("ButtonPress", "ButtonRelease")


def image_of(result) -> Image.Image:
    return Image.open(io.BytesIO(base64.b64decode(result.base64_image)))


@pytest.fixture(scope="module")
def shared_display() -> Iterator[XDisplay]:
    with running_xvfb(1280, 800) as display:
        yield display


@pytest.fixture
def hd(xvfb_factory, monkeypatch) -> XDisplay:
    display = xvfb_factory(1920, 1080)
    monkeypatch.setenv("DISPLAY", display.name)
    return display


# -- identity and params -------------------------------------------------------------------------------


def test_to_params_advertise_the_scaled_screenshot_size(hd):
    standard = ComputerTool20250124().to_params()
    assert standard == {
        "name": "computer",
        "type": "computer_20250124",
        "display_width_px": 1430,
        "display_height_px": 804,
        "display_number": hd.number,
    }
    assert ComputerTool20241022().to_params()["type"] == "computer_20241022"
    high = ComputerTool20251124(image_tier="high").to_params()
    assert (high["display_width_px"], high["display_height_px"]) == (1920, 1080)
    assert high["enable_zoom"] is True and high["type"] == "computer_20251124"
    assert "enable_zoom" not in standard


async def test_screenshot_has_the_advertised_size(hd):
    tool = ComputerTool20250124()
    params = tool.to_params()
    result = await tool(action="screenshot")
    assert image_of(result).size == (params["display_width_px"], params["display_height_px"])
    assert result.output is None and not result.error


# -- clicks land on the right physical pixel ----------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "tier"),
    [
        ((1024, 768), "standard"),
        ((1920, 1080), "standard"),
        ((3840, 2160), "high"),
        ((3840, 2160), "standard"),
    ],
)
async def test_click_at_a_scaled_coordinate_lands_on_the_right_pixel(xvfb_factory, tmp_path, size, tier):
    display = xvfb_factory(*size)
    tool = ComputerTool20251124(display=display.name, image_tier=tier)
    shot = image_of(await tool(action="screenshot"))
    ratio_x, ratio_y = size[0] / shot.width, size[1] / shot.height
    window_x, window_y = size[0] // 2, size[1] // 3
    with xev_window(display, tmp_path, window_x, window_y, 400, 400) as window:
        model = (int((window_x + 137) / ratio_x), int((window_y + 211) / ratio_y))
        await tool(action="left_click", coordinate=list(model))
        press = window.wait_for("ButtonPress")[0]
    # an independent expectation: the model pixel's position in physical pixels
    assert abs(press.root_x - model[0] * ratio_x) <= 1
    assert abs(press.root_y - model[1] * ratio_y) <= 1
    result = await tool(action="cursor_position")
    assert result.output == f"X={model[0]},Y={model[1]}"


async def test_click_variants_and_modifiers(hd, tmp_path):
    tool = ComputerTool20250124(image_tier="high")
    with xev_window(hd, tmp_path, 100, 100) as window:
        await tool(action="left_click", coordinate=[150, 150], text="shift")
        await tool(action="right_click", coordinate=[160, 150], key="ctrl")
        await tool(action="middle_click", coordinate=[170, 150])
        await tool(action="double_click", coordinate=[180, 150])
        await tool(action="triple_click", coordinate=[190, 150], text="alt")
        presses = window.wait_for("ButtonPress", 8)
    assert [(e.button, e.root_x) for e in presses] == [
        (1, 150),
        (3, 160),
        (2, 170),
        (1, 180),
        (1, 180),
        (1, 190),
        (1, 190),
        (1, 190),
    ]
    assert presses[0].state & 0x1 and presses[1].state & 0x4 and presses[5].state & 0x8
    assert not presses[2].state & 0xD


async def test_scroll_with_modifier_and_drag(hd, tmp_path):
    tool = ComputerTool20251124(image_tier="high")
    with xev_window(hd, tmp_path, 100, 100) as window:
        await tool(
            action="scroll", coordinate=[200, 200], scroll_direction="down", scroll_amount=3, text="ctrl"
        )
        await tool(action="scroll", coordinate=[200, 200], scroll_direction="left", scroll_amount=1)
        await tool(action="left_click_drag", start_coordinate=[120, 130], coordinate=[300, 310])
        events = window.wait_for("ButtonRelease", 5)
        events = window.events(BUTTON_EVENTS)
    presses = [e for e in events if e.kind == "ButtonPress"]
    assert [e.button for e in presses] == [5, 5, 5, 6, 1]
    assert all(e.state & 0x4 for e in presses[:3])
    assert (presses[-1].root_x, presses[-1].root_y) == (120, 130)
    release = events[-1]
    assert (release.kind, release.button, release.root_x, release.root_y) == ("ButtonRelease", 1, 300, 310)


async def test_mouse_down_up_and_old_drag_from_the_cursor(hd, tmp_path):
    tool = ComputerTool20241022(display=hd.name)
    newer = ComputerTool20250124(display=hd.name, image_tier="high")
    with xev_window(hd, tmp_path, 100, 100) as window:
        scaling = Scaling.for_screen(1920, 1080, "standard")
        await tool(action="mouse_move", coordinate=list(scaling.to_model(150, 150)))
        await tool(action="left_click_drag", coordinate=list(scaling.to_model(250, 250)))
        await newer(action="left_mouse_down")
        await newer(action="mouse_move", coordinate=[200, 220])
        await newer(action="left_mouse_up")
        events = window.wait_for("ButtonRelease", 2)
        events = window.events(BUTTON_EVENTS)
    assert [(e.kind, e.root_x, e.root_y) for e in events] == [
        ("ButtonPress", 150, 150), ("ButtonRelease", 250, 250),
        ("ButtonPress", 250, 250), ("ButtonRelease", 200, 220),
    ]  # fmt: skip


async def test_hold_key_and_wait(hd, tmp_path):
    tool = ComputerTool20250124()
    with xev_window(hd, tmp_path, 0, 0) as window:
        await tool(action="mouse_move", coordinate=[50, 50])
        start = time.monotonic()
        await tool(action="hold_key", text="shift", duration=0.3)
        assert time.monotonic() - start >= 0.3
        down = window.wait_for("KeyPress")[0]
        up = window.wait_for("KeyRelease")[0]
    assert down.keysym == up.keysym == "Shift_L"
    assert up.time_ms - down.time_ms >= 290
    start = time.monotonic()
    result = await tool(action="wait", duration=0.2)
    assert time.monotonic() - start >= 0.2 and result.base64_image


# -- typing reaches a real window -----------------------------------------------------------------------


async def test_typed_text_reaches_an_xterm(hd, tmp_path):
    out = tmp_path / "typed.txt"
    tool = ComputerTool20250124()
    with xterm_cat(hd, out, geometry="80x24+0+0"):
        await tool(action="mouse_move", coordinate=[100, 100])  # no WM: focus follows the pointer
        await tool(action="type", text="Hello, world! $(id) ~/x;'\"")
        await tool(action="key", text="Return")
        await tool(action="type", text="second line\n")
        await asyncio.to_thread(wait_until, lambda: out.read_text().count("\n") >= 2)
    assert out.read_text() == "Hello, world! $(id) ~/x;'\"\nsecond line\n"


async def test_hostile_key_text_runs_nothing(hd, tmp_path):
    marker = tmp_path / "pwned"
    tool = ComputerTool20250124()
    for text in [f"ctrl+s; touch {marker}", f"$(touch {marker})", f"Return`touch {marker}`"]:
        with pytest.raises(ToolError, match="Invalid key"):
            await tool(action="key", text=text)
    await asyncio.sleep(0.1)
    assert not marker.exists()


# -- zoom ------------------------------------------------------------------------------------------------


@pytest.fixture
def hd_pattern(hd, tmp_path):
    rng = random.Random(3)
    pattern = Image.new("1", (61, 43))
    pattern.putdata([rng.randint(0, 1) * 255 for _ in range(61 * 43)])
    expected = set_root_pattern(hd, tmp_path, pattern)
    time.sleep(0.1)
    return expected


async def test_zoom_returns_the_true_region_at_native_resolution(hd, hd_pattern):
    tool = ComputerTool20251124(image_tier="high")  # the screenshot is 1920x1080, unscaled
    result = await tool(action="zoom", region=[480, 270, 960, 540])
    zoomed = image_of(result)
    assert zoomed.size == (1920, 1080)  # magnified 4x to fill the screenshot budget
    native = zoomed.resize((480, 270), Image.Resampling.NEAREST)
    assert (
        ImageChops.difference(native.convert("RGB"), hd_pattern.crop((480, 270, 960, 540))).getbbox() is None
    )


async def test_zoom_crops_in_physical_space_when_screenshots_are_scaled(hd, hd_pattern):
    tool = ComputerTool20251124()  # standard tier: screenshots are 1430x804
    await tool(action="screenshot")
    region = [100, 100, 229, 181]  # model space; physical = region / (1430/1920)
    zoomed = image_of(await tool(action="zoom", region=region))
    left, top, right, bottom = Scaling.for_screen(1920, 1080, "standard").region_to_screen(*region)
    assert abs(left - 100 * 1920 / 1430) <= 1 and abs(right - 229 * 1920 / 1430) <= 1
    expected = hd_pattern.crop((left, top, right, bottom))
    assert zoomed.width <= 1430 and zoomed.height <= 804
    assert abs(zoomed.width / zoomed.height - expected.width / expected.height) < 0.02
    native = zoomed.resize(expected.size, Image.Resampling.NEAREST).convert("RGB")
    diff = ImageChops.difference(native, expected).convert("L")
    mismatched = sum(1 for v in diff.tobytes() if v > 64)
    assert mismatched < 0.02 * expected.width * expected.height


async def test_zoom_of_the_whole_4k_screen_fits_the_budget(xvfb_factory):
    display = xvfb_factory(3840, 2160)
    tool = ComputerTool20251124(display=display.name, image_tier="high")
    zoomed = image_of(await tool(action="zoom", region=[0, 0, 2576, 1449]))
    assert zoomed.size == (2576, 1449)


@pytest.mark.parametrize(
    ("region", "message"),
    [([10, 10, 10, 50], "x1 < x2"), ([10, 60, 50, 50], "y1 < y2"), ([0, 0, 1431, 100], "not inside")],
)
async def test_zoom_validates_the_region(hd, region, message):
    with pytest.raises(ToolError, match=message):
        await ComputerTool20251124()(action="zoom", region=region)


async def test_zoom_needs_enable_zoom(hd):
    tool = ComputerTool20251124(enable_zoom=False)
    assert tool.to_params()["enable_zoom"] is False
    with pytest.raises(ToolError, match="disabled"):
        await tool(action="zoom", region=[0, 0, 10, 10])


# -- validation ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tool_class", "tool_input", "message"),
    [
        (ComputerTool20250124, {"action": "left_click", "coordinate": [1430, 5]}, "outside the screenshot"),
        (ComputerTool20250124, {"action": "mouse_move"}, "requires coordinate"),
        (
            ComputerTool20250124,
            {"action": "mouse_move", "coordinate": [1, 2], "text": "x"},
            "does not take text",
        ),
        (ComputerTool20250124, {"action": "fly"}, "action"),
        (ComputerTool20250124, {"action": "left_click", "text": "hyper"}, "Invalid modifier"),
        (ComputerTool20250124, {"action": "wait", "duration": 101}, "duration"),
        (ComputerTool20250124, {"action": "scroll", "scroll_direction": "up"}, "requires scroll_amount"),
        (ComputerTool20250124, {"action": "type", "text": ""}, "non-empty"),
        (
            ComputerTool20241022,
            {"action": "scroll", "scroll_direction": "up", "scroll_amount": 1},
            "is not one of",
        ),
        (ComputerTool20241022, {"action": "left_click", "text": "shift"}, "takes no text"),
        (ComputerTool20250124, {"action": "zoom", "region": [0, 0, 5, 5]}, "region"),
        (ComputerTool20251124, {"action": "key", "text": "NoSuchKey"}, "Unknown key name"),
    ],
)
async def test_invalid_input_is_a_clear_tool_error(hd, tool_class, tool_input, message):
    with pytest.raises(ToolError, match=message):
        await tool_class()(**tool_input)


ACTIONS = [
    "screenshot", "left_click", "right_click", "middle_click", "double_click", "triple_click", "mouse_move",
    "left_click_drag", "type", "key", "cursor_position", "scroll", "left_mouse_down", "left_mouse_up",
    "hold_key", "wait", "zoom",
]  # fmt: skip
JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True), st.text(max_size=20),
    st.lists(st.integers(-5000, 5000), max_size=5),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)  # fmt: skip
FIELDS = {"action", "coordinate", "start_coordinate", "text", "key", "scroll_direction", "scroll_amount"}
FIELDS |= {"duration", "region"}
BAD_COORDINATE = st.one_of(
    st.lists(st.integers(-5000, 5000), min_size=0, max_size=4).filter(lambda c: len(c) != 2),
    st.tuples(st.integers(1280, 10**6), st.integers(0, 799)).map(list),
    st.tuples(st.integers(0, 1279), st.integers(800, 10**6)).map(list),
    st.tuples(st.integers(-(10**6), -1), st.integers(0, 799)).map(list),
    JUNK.filter(lambda v: not isinstance(v, list)),
)


@st.composite
def malformed_inputs(draw):
    """(a computer input with at least one certain defect, the beta version it is for); the rest is random."""
    version = draw(st.sampled_from([0, 1, 2]))
    action = draw(st.sampled_from(ACTIONS))
    tool_input = {"action": action}
    defect = draw(
        st.sampled_from(["action", "coordinate", "extra", "type", "key_text", "duration", "region"])
    )
    if defect == "action":
        tool_input["action"] = draw(JUNK.filter(lambda v: v not in ACTIONS))
    elif defect == "coordinate":
        tool_input["action"] = draw(st.sampled_from(["left_click", "mouse_move", "scroll", "double_click"]))
        tool_input["coordinate"] = draw(BAD_COORDINATE)
        tool_input.update(scroll_direction="up", scroll_amount=1)
        if tool_input["action"] != "scroll":
            del tool_input["scroll_direction"], tool_input["scroll_amount"]
    elif defect == "extra":
        # A field of another action (a key no action takes is ignored, so it is never the defect).
        tool_input["action"] = draw(st.sampled_from(["screenshot", "cursor_position", "left_mouse_up"]))
        tool_input["coordinate"] = [1, 1]
        tool_input[draw(st.text(min_size=1, max_size=10).filter(lambda k: k not in FIELDS))] = draw(JUNK)
    elif defect == "type":
        # A field the version knows (computer_20241022 knows only these two; others it ignores).
        known = ["text", "coordinate"]
        if version:
            known += ["scroll_amount", "scroll_direction", "duration", "start_coordinate"]
        field = draw(st.sampled_from(known))
        tool_input[field] = draw(
            st.one_of(st.lists(st.booleans(), min_size=1), st.dictionaries(st.text(), JUNK))
        )
    elif defect == "key_text":
        tool_input["action"] = draw(st.sampled_from(["key", "hold_key"]))
        # two or more shell characters in one chord never name a key
        tool_input["text"] = "ctrl+" + draw(st.text(alphabet=";|&$`()-", min_size=2, max_size=20))
        tool_input["duration"] = 0.01
        if tool_input["action"] == "key":
            del tool_input["duration"]
    elif defect == "duration":
        tool_input["action"] = draw(st.sampled_from(["wait", "hold_key"]))
        tool_input["text"] = "shift"
        valid = lambda v: isinstance(v, int | float) and not isinstance(v, bool) and 0 <= v <= 100  # noqa: E731
        tool_input["duration"] = draw(
            st.one_of(
                st.floats(max_value=-0.001), st.floats(min_value=100.001), JUNK.filter(lambda v: not valid(v))
            )
        )
        if tool_input["action"] == "wait":
            del tool_input["text"]
    else:
        tool_input["action"] = "zoom"
        x1, y1 = draw(st.integers(-50, 1400)), draw(st.integers(-50, 900))
        tool_input["region"] = draw(
            st.one_of(
                st.just([x1, y1, x1, y1 + 5]),
                st.just([x1, y1, x1 + 5, y1 - 1]),
                st.just([0, 0, 1281, 800]),
                st.lists(st.integers(), max_size=3),
                JUNK,
            )
        )
    return tool_input, version


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(call=malformed_inputs())
async def test_malformed_inputs_give_error_results_never_exceptions(shared_display, call):
    tool_input, version = call
    tool_class = (ComputerTool20241022, ComputerTool20250124, ComputerTool20251124)[version]
    tool = tool_class(display=shared_display.name, settle=SettlePolicy(cap=0.3))
    result = await ToolCollection(tool).run(name="computer", tool_input=tool_input)
    assert result.error, f"{tool_input} was accepted: {result.output}"
    assert not result.base64_image


@settings(max_examples=150, deadline=None)
@given(st.one_of(JUNK, st.dictionaries(st.text(max_size=12), JUNK, max_size=5)))
async def test_any_json_input_never_raises_out_of_run(tool_input):
    tool = ComputerTool20251124(display=":9999")  # no server: anything that got past validation fails cleanly
    result = await ToolCollection(tool).run(name="computer", tool_input=tool_input)
    assert result.error
