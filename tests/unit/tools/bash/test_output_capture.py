"""Bounded capture: memory stays bounded however much arrives, and the text says what was cut."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from computer_use_demo.tools.bash.output_capture import BoundedCapture, clean_text


def test_small_output_is_returned_whole() -> None:
    capture = BoundedCapture(100)
    capture.feed(b"hello ")
    capture.feed(b"world\n")
    assert capture.render(1000) == "hello world\n"
    assert capture.omitted_bytes == 0


def test_memory_stays_bounded_for_a_flood() -> None:
    capture = BoundedCapture(1000)
    chunk = bytes(range(256)) * 256  # 64 KiB
    for _ in range(800):  # 50 MiB
        capture.feed(chunk)
        assert len(capture.head) <= 1000 and len(capture._tail) <= 2 * 1000 + len(chunk)
    assert capture.total == 800 * len(chunk)
    assert len(capture.tail) == 1000
    assert capture.tail == chunk[-1000:]


def test_truncated_render_keeps_head_and_tail_with_a_note() -> None:
    capture = BoundedCapture(5000)
    capture.feed(b"START" + b"x" * 1_000_000 + b"END")
    text = capture.render(1000)
    assert text.startswith("START") and text.endswith("END")
    assert "output truncated" in text and "1,000,008 bytes" in text
    assert len(text) < 1300


def test_complete_but_too_long_text_is_cut_in_the_middle() -> None:
    capture = BoundedCapture(10_000)
    capture.feed(b"a" * 3000 + b"b" * 3000)
    text = capture.render(1000)
    assert text.startswith("a" * 500) and text.endswith("b" * 500)
    assert "5,000 characters omitted" in text


def test_multibyte_characters_cut_at_the_tail_boundary_stay_valid() -> None:
    capture = BoundedCapture(10)
    capture.feed("é".encode() * 1000)  # 2000 bytes; the tail's cut may fall mid-character
    text = capture.render(10)
    assert text.startswith("éééé")
    assert text.endswith("é" * 5)
    assert "\ufffd" not in text.rsplit("]", 1)[1]


def test_escape_sequences_are_stripped_and_controls_replaced() -> None:
    assert clean_text(b"\x1b[31mred\x1b[0m \x1b]0;title\x07done") == "red done"
    assert clean_text(b"a\x00b\x07c\td\r\n") == "a\ufffdb\ufffdc\td\r\n"
    assert clean_text(b"\xff\xfe") == "\ufffd\ufffd"


@settings(max_examples=200, deadline=None)
@given(
    chunks=st.lists(st.binary(max_size=300), max_size=30),
    keep=st.integers(1, 200),
    budget=st.integers(10, 500),
)
def test_render_is_always_bounded_text(chunks, keep, budget) -> None:
    capture = BoundedCapture(keep)
    for chunk in chunks:
        capture.feed(chunk)
    assert capture.total == sum(map(len, chunks))
    text = capture.render(budget)
    text.encode("utf-8")
    assert len(text) <= budget + 250  # the budget plus at most one truncation note
    if capture.omitted_bytes == 0 and len(clean_text(b"".join(chunks))) <= budget:
        assert text == clean_text(b"".join(chunks))
