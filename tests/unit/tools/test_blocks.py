"""The one set of content-block helpers: constructors, normalising content, walking images."""

from __future__ import annotations

import base64

from anthropic.types.beta import BetaTextBlock

from computer_use_demo.tools.blocks import (
    blocks_of,
    decode_base64_image,
    first_image_data,
    image_block,
    image_slots,
    inline_image_block,
    map_image_blocks,
    text_block,
    texts_of,
    tool_result_block_param,
)

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\nfake").decode()


def test_constructors_build_the_api_shapes():
    assert text_block("hi") == {"type": "text", "text": "hi"}
    assert image_block(PNG) == {
        "type": "image",
        "source": {"type": "base64", "media_type": "image/png", "data": PNG},
    }
    plain = tool_result_block_param("toolu_1", [text_block("ok")])
    assert plain == {"type": "tool_result", "tool_use_id": "toolu_1", "content": [text_block("ok")]}
    failed = tool_result_block_param("toolu_2", [text_block("no")], is_error=True, toolset_name="computer")
    assert failed["is_error"] is True and failed["toolset_name"] == "computer"


def test_blocks_of_normalises_every_content_shape():
    assert blocks_of({"content": "plain"}) == [{"type": "text", "text": "plain"}]
    assert blocks_of({"content": None}) == [] and blocks_of({}) == []
    assert blocks_of({"content": [text_block("a"), "stray", 5]}) == [{"type": "text", "text": "a"}]
    sdk = BetaTextBlock(type="text", text="from the SDK")
    assert blocks_of({"content": [sdk]}) == [{"type": "text", "text": "from the SDK"}]
    # A tool_result block holds content the same way a message does.
    result = tool_result_block_param("t", [text_block("one"), image_block(PNG), text_block("two")])
    assert texts_of(result) == ["one", "two"]
    assert first_image_data(result) == PNG
    assert first_image_data({"content": "no image"}) is None


def test_image_slots_find_images_in_tool_results_and_allow_replacing_them():
    result = tool_result_block_param("t", [text_block("shot"), image_block(PNG)])
    content = [image_block(PNG), result]
    assert len(list(image_slots(content))) == 2
    [(inner, index)] = image_slots(content, in_tool_results_only=True)
    inner[index] = text_block("[removed]")
    assert texts_of(content[1]) == ["shot", "[removed]"]


def test_map_image_blocks_converts_only_the_chosen_source_and_copies_the_rest():
    content = [text_block("a"), tool_result_block_param("t", [image_block(PNG)])]
    mapped = map_image_blocks(content, "base64", lambda block: {"type": "image", "source": {"type": "file"}})
    assert mapped[1]["content"][0]["source"] == {"type": "file"}
    assert content[1]["content"][0]["source"]["type"] == "base64"  # the original is untouched
    assert map_image_blocks(content, "url", lambda block: None) == content


def test_decoding_and_inlining_images():
    assert decode_base64_image(image_block(PNG)) == base64.b64decode(PNG)
    assert decode_base64_image(image_block("not base64!")) is None
    assert decode_base64_image({"type": "image", "source": {"type": "url", "url": "x"}}) is None
    marked = {"type": "image", "source": {"type": "file", "path": "a.png"}, "cache_control": {"type": "x"}}
    inlined = inline_image_block(marked, b"data", "image/png")
    assert inlined["cache_control"] == {"type": "x"}
    assert inlined["source"] == {"type": "base64", "media_type": "image/png", "data": "ZGF0YQ=="}
