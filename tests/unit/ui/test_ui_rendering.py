"""Every content block renders: known types their own way, anything else as collapsed JSON."""

from __future__ import annotations

import base64
import io

from PIL import Image
from streamlit.testing.v1 import AppTest

from computer_use_demo.tools.blocks import decode_base64_image
from computer_use_demo.ui.rendering import as_dict, tool_call_title


def png_b64() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), "red").save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def render_script(messages, hide_screenshots=False):
    from computer_use_demo.ui.rendering import render_messages

    render_messages(messages, hide_screenshots=hide_screenshots)


def run(messages, hide=False) -> AppTest:
    at = AppTest.from_function(render_script, kwargs={"messages": messages, "hide_screenshots": hide})
    at.run(timeout=30)
    assert not at.exception, at.exception
    return at


def image_count(at: AppTest) -> int:
    return len(at.get("image"))


CONVERSATION = [
    {"role": "user", "content": "Open the **editor**"},
    {
        "role": "assistant",
        "content": [
            {"type": "thinking", "thinking": "I should look first.", "signature": "sig"},
            {"type": "redacted_thinking", "data": "ENCRYPTED"},
            {"type": "text", "text": "Taking a screenshot."},
            {"type": "tool_use", "id": "t1", "name": "computer", "input": {"action": "screenshot"}},
            {
                "type": "tool_use",
                "id": "t2",
                "name": "left_click",
                "toolset_name": "computer",
                "input": {"coordinate": [1, 2]},
            },
            {"type": "server_tool_use", "id": "s1", "name": "web_search", "input": {"query": "x"}},
            {"type": "brand_new_block", "payload": 1},
        ],
    },
    {
        "role": "user",
        "content": [
            {
                "type": "tool_result",
                "tool_use_id": "t1",
                "content": [
                    {"type": "text", "text": "screen captured"},
                    {
                        "type": "image",
                        "source": {"type": "base64", "media_type": "image/png", "data": png_b64()},
                    },
                ],
            },
            {
                "type": "tool_result",
                "tool_use_id": "t2",
                "is_error": True,
                "content": [{"type": "text", "text": "Coordinates out of bounds"}],
            },
        ],
    },
]


def test_every_block_type_renders():
    at = run(CONVERSATION)
    markdown = " ".join(m.value for m in at.markdown)
    assert "Open the **editor**" in markdown and "Taking a screenshot." in markdown
    assert "`computer · screenshot`" in markdown and "`computer.left_click`" in markdown
    labels = [e.label for e in at.expander]
    assert "Thinking" in labels
    assert any(label.startswith("Redacted thinking") for label in labels)
    assert "server_tool_use block" in labels and "brand_new_block block" in labels
    assert [e.value for e in at.error] == ["Coordinates out of bounds"]
    assert "screen captured" in [c.value for c in at.code]
    assert image_count(at) == 1
    assert [m.name for m in at.chat_message] == ["user", "assistant", "tool"]


def test_generic_views_are_collapsed():
    at = run(CONVERSATION)
    generic = [e for e in at.expander if e.label.endswith(" block") or e.label.startswith("Redacted")]
    assert generic and all(not e.proto.expanded for e in generic)


def test_hide_screenshots_replaces_images():
    at = run(CONVERSATION, hide=True)
    assert image_count(at) == 0
    assert "(screenshot hidden)" in [c.value for c in at.caption]


def test_malformed_blocks_fall_back_instead_of_raising():
    at = run(
        [
            {
                "role": "assistant",
                "content": [{"type": "text"}, {"type": "tool_result", "content": 5}, "plain string"],
            },
            {"role": "user", "content": None},
        ]
    )
    labels = [e.label for e in at.expander]
    assert "text block (could not be displayed as such)" in labels
    assert "plain string" in " ".join(m.value for m in at.markdown)


def test_helpers():
    assert tool_call_title({"name": "bash", "input": {"command": "ls"}}) == "bash"
    assert decode_base64_image({"source": {"type": "url", "url": "x"}}) is None
    assert as_dict("hi") == {"type": "text", "text": "hi"}

    class Model:
        def model_dump(self, **kwargs):
            return {"type": "text", "text": "from sdk"}

    assert as_dict(Model())["text"] == "from sdk"
