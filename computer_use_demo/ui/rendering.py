"""Rendering conversation content in Streamlit: every block type, never an exception.

Messages are the API's own shape (`{"role", "content"}`, content a string or a list of blocks). Known
block types get a tailored view; anything else (`server_tool_use`, future types, malformed blocks) gets a
generic collapsed JSON view, so a new API feature can never break the chat.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import streamlit as st

from computer_use_demo.tools.blocks import blocks_of, decode_base64_image, text_block
from computer_use_demo.ui.model_text import inert_markdown

TOOL_AVATAR = ":material/build:"
ASSISTANT_AVATAR = ":material/smart_toy:"
USER_AVATAR = ":material/person:"


def as_dict(block: Any) -> dict[str, Any]:
    """A block as a plain dict, whether it is already one or an SDK model object."""
    if isinstance(block, Mapping):
        return dict(block)
    dump = getattr(block, "model_dump", None)
    if dump is not None:
        return dump(mode="json", exclude_none=True)
    if isinstance(block, str):
        return dict(text_block(block))
    return {"type": type(block).__name__, "value": repr(block)}


def content_blocks(holder: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A message's (or tool result's) blocks; an object that is no block is kept as one to show as JSON."""
    content = holder.get("content")
    if isinstance(content, str) or not isinstance(content, Iterable):
        return blocks_of(holder)
    return [as_dict(block) for block in content]


def tool_call_title(block: Mapping[str, Any]) -> str:
    name = str(block.get("name", "?"))
    if block.get("toolset_name"):
        name = f"{block['toolset_name']}.{name}"
    tool_input = block.get("input")
    if isinstance(tool_input, Mapping) and "action" in tool_input:
        name += f" · {tool_input['action']}"
    return name


def render_image(block: Mapping[str, Any], *, hide_screenshots: bool) -> None:
    if hide_screenshots:
        st.caption("(screenshot hidden)")
        return
    data = decode_base64_image(block)
    if data:
        st.image(data)
    else:
        st.caption(f"(image: {json.dumps(block.get('source', {}))[:200]})")


def render_generic(block: Mapping[str, Any], label: str | None = None) -> None:
    with st.expander(label or f"{block.get('type', 'unknown')} block", expanded=False):
        st.json(dict(block), expanded=False)


def render_thinking(text: str, *, live: bool = False) -> None:
    with st.expander("Thinking" + (" …" if live else ""), expanded=live):
        st.markdown(inert_markdown(text) if text else "_(empty)_")


def render_tool_result(block: Mapping[str, Any], *, hide_screenshots: bool) -> None:
    parts = content_blocks(block)
    if block.get("is_error"):
        texts = [p.get("text", "") for p in parts if p.get("type") == "text"]
        st.error("\n\n".join(texts) or "The tool reported an error.", icon=":material/error:")
        return
    shown = False
    for part in parts:
        if part.get("type") == "text":
            st.code(part.get("text", ""), language=None, wrap_lines=True)
            shown = True
        elif part.get("type") == "image":
            render_image(part, hide_screenshots=hide_screenshots)
            shown = True
        else:
            render_generic(part)
            shown = True
    if not shown:
        st.caption("(no output)")


def render_block(block: Any, *, hide_screenshots: bool = False) -> None:
    """Render one content block; a block that cannot be rendered as its type falls back to JSON."""
    data = as_dict(block)
    kind = data.get("type")
    try:
        if kind == "text":
            st.markdown(inert_markdown(str(data["text"])))
        elif kind == "thinking":
            render_thinking(str(data.get("thinking", "")))
        elif kind == "redacted_thinking":
            render_generic(data, "Redacted thinking (encrypted by the API, passed back unchanged)")
        elif kind == "tool_use":
            st.markdown(f"**Tool call** `{tool_call_title(data)}`")
            st.code(json.dumps(data.get("input", {}), indent=2, ensure_ascii=False), language="json")
        elif kind == "tool_result":
            render_tool_result(data, hide_screenshots=hide_screenshots)
        elif kind == "image":
            render_image(data, hide_screenshots=hide_screenshots)
        else:
            render_generic(data)
    except (KeyError, TypeError, ValueError, AttributeError):
        render_generic(data, f"{kind} block (could not be displayed as such)")


def render_message(message: Mapping[str, Any], *, hide_screenshots: bool = False) -> None:
    """One API message: tool results under a tool avatar, everything else under its role."""
    role = message.get("role", "user")
    blocks = content_blocks(message)
    results = [b for b in blocks if b.get("type") == "tool_result"]
    others = [b for b in blocks if b.get("type") != "tool_result"]
    if results:
        with st.chat_message("tool", avatar=TOOL_AVATAR):
            for block in results:
                render_block(block, hide_screenshots=hide_screenshots)
    if others:
        avatar = ASSISTANT_AVATAR if role == "assistant" else USER_AVATAR
        with st.chat_message(role if role in ("user", "assistant") else "user", avatar=avatar):
            for block in others:
                render_block(block, hide_screenshots=hide_screenshots)


def render_messages(messages: Iterable[Mapping[str, Any]], *, hide_screenshots: bool = False) -> None:
    for message in messages:
        render_message(message, hide_screenshots=hide_screenshots)
