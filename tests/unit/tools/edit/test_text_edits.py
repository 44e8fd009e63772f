"""Pure text operations: splitting, replacing once, inserting, view windows. Tabs and CRLF survive."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from computer_use_demo.tools.base import ToolError
from computer_use_demo.tools.edit.text_edits import (
    insert_after_line,
    numbered,
    occurrence_lines,
    replace_once,
    snippet,
    split_lines,
    view_window,
)


def test_split_lines() -> None:
    assert split_lines("") == []
    assert split_lines("a") == ["a"]
    assert split_lines("a\n") == ["a"]
    assert split_lines("a\n\n") == ["a", ""]
    assert split_lines("a\r\nb") == ["a\r", "b"]


def test_numbered_keeps_tabs_and_hides_carriage_returns() -> None:
    assert numbered(["\tx", "y\r"], 9) == "     9\t\tx\n    10\ty"


def test_replace_once_preserves_tabs() -> None:
    text = "def f():\n\tif x:\n\t\treturn 1\n"
    change = replace_once(text, "\t\treturn 1", "\t\treturn 2", path="/f.py")
    assert change.text == "def f():\n\tif x:\n\t\treturn 2\n"
    assert (change.first_line, change.last_line) == (3, 3)


def test_replace_once_errors_name_the_problem() -> None:
    with pytest.raises(ToolError, match="empty"):
        replace_once("abc", "", "x", path="/f")
    with pytest.raises(ToolError, match="identical"):
        replace_once("abc", "b", "b", path="/f")
    with pytest.raises(ToolError, match=r"occurs 2 times in /f \(starting on lines 1, 3\)"):
        replace_once("x\ny\nx\n", "x", "z", path="/f")
    with pytest.raises(ToolError, match=r"was not found in /f.*View the file"):
        replace_once("abc", "zzz", "y", path="/f")


def test_whitespace_near_miss_points_at_the_line() -> None:
    text = "one\ntwo\n\tindented  words\n"
    with pytest.raises(ToolError, match="except for whitespace starts on line 3"):
        replace_once(text, "    indented words", "x", path="/f")


def test_replace_in_a_crlf_file_with_lf_input_keeps_crlf() -> None:
    text = "a\r\nb\r\nc\r\n"
    change = replace_once(text, "a\nb", "A\nB\nB2", path="/f")
    assert change.text == "A\r\nB\r\nB2\r\nc\r\n"


def test_insert_positions_and_final_newline() -> None:
    assert insert_after_line("a\nb\n", 0, "x").text == "x\na\nb\n"
    assert insert_after_line("a\nb\n", 1, "x\ny\n").text == "a\nx\ny\nb\n"
    assert insert_after_line("a\nb\n", 2, "x").text == "a\nb\nx\n"
    assert insert_after_line("a\nb", 2, "x").text == "a\nb\nx"
    assert insert_after_line("a\nb", 2, "x\n").text == "a\nb\nx\n"
    assert insert_after_line("", 0, "x\n").text == "x\n"
    assert insert_after_line("a\r\nb\r\n", 1, "x").text == "a\r\nx\r\nb\r\n"
    assert insert_after_line("\tkeep\n", 1, "\tnew").text == "\tkeep\n\tnew\n"


@pytest.mark.parametrize("line", [-1, 3, 10**9])
def test_insert_line_out_of_range(line: int) -> None:
    with pytest.raises(ToolError, match=r"between 0 .* and 2"):
        insert_after_line("a\nb\n", line, "x")


def test_view_window() -> None:
    lines = ["a", "b", "c"]
    assert view_window(lines, None) == (1, 3)
    assert view_window(lines, [2, -1]) == (2, 3)
    assert view_window(lines, [2, 2]) == (2, 2)
    for bad, message in [
        ([0, 2], "starts at 0"),
        ([4, -1], "starts at 4"),
        ([3, 2], "ends before it starts"),
        ([1, 4], "only 3 lines"),
        ([1, -2], "ends before it starts"),
    ]:
        with pytest.raises(ToolError, match=message):
            view_window(lines, bad)
    with pytest.raises(ToolError, match="empty"):
        view_window([], [1, 1])


def test_snippet_shows_context() -> None:
    text = "".join(f"l{i}\n" for i in range(1, 21))
    shown = snippet(text, 10, 10)
    assert shown.splitlines()[0].split("\t") == ["     6", "l6"]
    assert shown.splitlines()[-1].split("\t") == ["    14", "l14"]
    assert snippet("", 1, 1) == "(the file is now empty)"


lines_text = st.lists(st.text(alphabet=st.characters(exclude_characters="\n"), max_size=8), max_size=8)


@settings(max_examples=300, deadline=None)
@given(lines=lines_text, line=st.integers(0, 8), insertion=lines_text, final_newline=st.booleans())
def test_insert_adds_exactly_the_new_lines(lines, line, insertion, final_newline) -> None:
    text = "\n".join(lines) + ("\n" if final_newline and lines else "")
    current = split_lines(text)
    insert = "\n".join(insertion)
    if line > len(current):
        with pytest.raises(ToolError):
            insert_after_line(text, line, insert)
        return
    result = split_lines(insert_after_line(text, line, insert).text)
    added = split_lines(insert) or [""]
    if any(s.endswith("\r") for s in current) and sum(s.endswith("\r") for s in current) * 2 > len(current):
        added = [s if s.endswith("\r") else s + "\r" for s in added]
    assert result == current[:line] + added + current[line:]


@settings(max_examples=300, deadline=None)
@given(
    before=st.text(max_size=30),
    old=st.text(min_size=1, max_size=10),
    after=st.text(max_size=30),
    new=st.text(),
)
def test_replace_once_changes_exactly_one_occurrence(before, old, after, new) -> None:
    text = before + old + after
    if old == new or text.count(old) != 1:
        with pytest.raises(ToolError):
            replace_once(text, old, new, path="/f")
        return
    assert replace_once(text, old, new, path="/f").text == before + new + after
    assert occurrence_lines(text, old) == [before.count("\n") + 1]
