"""Markdown from the model (or shown back from a conversation) that loads nothing by itself.

Streamlit renders markdown images as <img>, so a reply containing `![x](http://host/?d=secret)` would make
the browser fetch that address when the chat renders, and again on every reload. Every image becomes a
link instead ("image: alt text"), which the user may open; raw HTML <img> tags (which Streamlit drops
unless HTML is allowed) become such links too, so they stay visible. Code spans and fenced code blocks
are left exactly as written. Raw HTML is otherwise never rendered (no `unsafe_allow_html`).
"""

from __future__ import annotations

import re

LINK_PREFIX = "image"
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_BACKTICKS = re.compile(r"`+")
_IMG_TAG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_ATTRIBUTE = r"""\b{name}\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))"""


def inert_markdown(text: str) -> str:
    """`text` with every image (markdown or <img>) turned into a link; code stays as it is."""
    return "".join(segment if is_code else _inert_prose(segment) for segment, is_code in _code_segments(text))


def _code_segments(text: str) -> list[tuple[str, bool]]:
    """The text cut into (piece, is_code): fenced blocks line-wise, then inline code spans."""
    pieces: list[tuple[str, bool]] = []
    prose: list[str] = []
    fence: str | None = None
    for line in text.splitlines(keepends=True):
        opening = _FENCE.match(line)
        if fence is None and opening:
            pieces.extend(_code_spans("".join(prose)))
            prose, fence = [], opening.group(1)
            pieces.append((line, True))
        elif fence is not None:
            pieces.append((line, True))
            closing = _FENCE.match(line)
            if closing and closing.group(1)[0] == fence[0] and len(closing.group(1)) >= len(fence):
                fence = None
        else:
            prose.append(line)
    pieces.extend(_code_spans("".join(prose)))
    return pieces


def _code_spans(text: str) -> list[tuple[str, bool]]:
    """Inline code: a run of backticks up to the next run of the same length (else it is plain text)."""
    pieces: list[tuple[str, bool]] = []
    start = position = 0
    while (opening := _BACKTICKS.search(text, position)) is not None:
        closing = next(
            (m for m in _BACKTICKS.finditer(text, opening.end()) if len(m.group()) == len(opening.group())),
            None,
        )
        if closing is None:
            position = opening.end()
            continue
        pieces.append((text[start : opening.start()], False))
        pieces.append((text[opening.start() : closing.end()], True))
        start = position = closing.end()
    pieces.append((text[start:], False))
    return pieces


def _inert_prose(text: str) -> str:
    return _markdown_images_to_links(_IMG_TAG.sub(_img_tag_to_link, text))


def _markdown_images_to_links(text: str) -> str:
    out: list[str] = []
    index = 0
    while (bang := text.find("![", index)) >= 0:
        backslashes = len(text[:bang]) - len(text[:bang].rstrip("\\"))
        close = _matching_bracket(text, bang + 1)
        if backslashes % 2 or close is None:  # an escaped "!", or no label: plain text
            out.append(text[index : bang + 2])
            index = bang + 2
            continue
        label = text[bang + 2 : close]
        inner = _markdown_images_to_links(label)  # an image inside the alt text would render too
        shown = f"{LINK_PREFIX}: {inner}" if label.strip() else LINK_PREFIX
        rest = close + 1
        out.append(f"{text[index:bang]}[{shown}]")
        if text.startswith("[]", rest):  # collapsed reference ![label][]: keep pointing at [label]
            out.append(f"[{label}]")
            rest += 2
        elif not text.startswith(("(", "["), rest):  # shortcut reference ![label]
            out.append(f"[{label}]")
        index = rest
    out.append(text[index:])
    return "".join(out)


def _matching_bracket(text: str, open_index: int) -> int | None:
    depth = 0
    index = open_index
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    return None


def _img_tag_to_link(match: re.Match[str]) -> str:
    tag = match.group()
    source = _attribute(tag, "src")
    if not source:
        return ""
    alt = _attribute(tag, "alt")
    label = f"{LINK_PREFIX}: {alt}" if alt else LINK_PREFIX
    return f"[{_escape_label(label)}](<{source.replace('>', '%3E').replace('<', '%3C')}>)"


def _attribute(tag: str, name: str) -> str:
    found = re.search(_ATTRIBUTE.format(name=name), tag, re.IGNORECASE)
    return next((g for g in found.groups() if g is not None), "") if found else ""


def _escape_label(label: str) -> str:
    return re.sub(r"([\[\]\\])", r"\\\1", label)
