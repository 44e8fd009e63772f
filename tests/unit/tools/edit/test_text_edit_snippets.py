"""What the model reads after an edit: the snippet of the changed region, the insert count, and the exact
advice of each error. Run through the real editor tool on real files."""

from __future__ import annotations

from pathlib import Path

import pytest

from computer_use_demo.tools import EditTool20250728, ToolCollection

NUMBERED = "{:>6}\t{}"


async def edit(**tool_input):
    tool = EditTool20250728()
    return await ToolCollection(tool).run(name=tool.name, tool_input=tool_input)


def numbered_lines(first: int, lines: list[str]) -> str:
    return "\n".join(NUMBERED.format(n, line) for n, line in enumerate(lines, first))


@pytest.fixture
def twenty_lines(tmp_path: Path) -> Path:
    path = tmp_path / "notes.txt"
    path.write_text("".join(f"l{i}\n" for i in range(1, 21)))
    return path


async def test_a_multi_line_replacement_shows_every_new_line_with_context(twenty_lines: Path) -> None:
    result = await edit(command="str_replace", path=str(twenty_lines), old_str="l10", new_str="a\nb\nc")
    expected = numbered_lines(6, ["l6", "l7", "l8", "l9", "a", "b", "c", "l11", "l12", "l13", "l14"])
    assert result.output == (
        f"Edited {twenty_lines}. The changed region now reads:\n{expected}\n"
        "Check that this is what you meant; edit again if not."
    )


async def test_an_edit_of_a_one_line_file_shows_that_line(tmp_path: Path) -> None:
    path = tmp_path / "one.txt"
    path.write_text("hello\n")
    result = await edit(command="str_replace", path=str(path), old_str="hello", new_str="bye")
    assert numbered_lines(1, ["bye"]) in result.output and "empty" not in result.output


async def test_an_edit_on_the_first_line_shows_it(twenty_lines: Path) -> None:
    result = await edit(command="str_replace", path=str(twenty_lines), old_str="l1\n", new_str="first\n")
    assert numbered_lines(1, ["first", "l2", "l3", "l4", "l5"]) in result.output


async def test_line_numbers_count_a_leading_blank_line(tmp_path: Path) -> None:
    path = tmp_path / "spaced.txt"
    path.write_text("\n" + "".join(f"l{i}\n" for i in range(2, 21)))
    result = await edit(command="str_replace", path=str(path), old_str="l10", new_str="ten")
    shown = result.output.split("now reads:\n")[1].split("\nCheck")[0]
    assert shown == numbered_lines(6, ["l6", "l7", "l8", "l9", "ten", "l11", "l12", "l13", "l14"])


async def test_a_crlf_file_stays_crlf_when_the_model_writes_crlf_itself(tmp_path: Path) -> None:
    path = tmp_path / "dos.txt"
    path.write_bytes(b"one\r\ntwo\r\nthree\r\n")
    await edit(command="str_replace", path=str(path), old_str="one\ntwo", new_str="uno\r\ndos")
    assert path.read_bytes() == b"uno\r\ndos\r\nthree\r\n"


async def test_an_insert_reports_how_many_lines_and_shows_them_numbered(twenty_lines: Path) -> None:
    result = await edit(command="insert", path=str(twenty_lines), insert_line=10, insert_text="x\ny\n")
    expected = numbered_lines(7, ["l7", "l8", "l9", "l10", "x", "y", "l11", "l12", "l13", "l14"])
    assert result.output == f"Inserted 2 line(s) into {twenty_lines} after line 10:\n{expected}"


async def test_inserting_into_a_file_without_a_final_newline_adds_none(tmp_path: Path) -> None:
    path = tmp_path / "open.txt"
    path.write_text("a\n\nb")
    await edit(command="insert", path=str(path), insert_line=2, insert_text="x")
    assert path.read_text() == "a\n\nx\nb"


async def test_crlf_lines_inserted_into_a_crlf_file_keep_a_single_carriage_return(tmp_path: Path) -> None:
    path = tmp_path / "dos.txt"
    path.write_bytes(b"one\r\ntwo\r\n")
    await edit(command="insert", path=str(path), insert_line=1, insert_text="x\r\ny\r\n")
    assert path.read_bytes() == b"one\r\nx\r\ny\r\ntwo\r\n"


async def test_viewing_up_to_exactly_the_last_line_works(tmp_path: Path) -> None:
    path = tmp_path / "three.txt"
    path.write_text("a\nb\nc\n")
    result = await edit(command="view", path=str(path), view_range=[1, 3])
    assert not result.is_error and numbered_lines(1, ["a", "b", "c"]) in result.output


async def test_every_line_where_an_ambiguous_text_starts_is_listed(tmp_path: Path) -> None:
    path = tmp_path / "dup.txt"
    path.write_text("x\nx\nx\n")
    result = await edit(command="str_replace", path=str(path), old_str="x", new_str="y")
    assert "(starting on lines 1, 2, 3)" in result.error
    path.write_text("\nx\nx\n")  # a leading blank line counts as line 1
    result = await edit(command="str_replace", path=str(path), old_str="x", new_str="y")
    assert "(starting on lines 2, 3)" in result.error
    path.write_text("a\n\n\n\nb")  # "\n\n" starts on lines 1, 2 and 3 (overlapping)
    result = await edit(command="str_replace", path=str(path), old_str="\n\n", new_str="\n")
    assert "(starting on lines 1, 2, 3)" in result.error


@pytest.mark.parametrize(
    ("count", "listed"),
    [
        (20, "1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20"),
        (21, "1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, ..."),
    ],
)
async def test_at_most_twenty_occurrence_lines_are_listed(tmp_path: Path, count: int, listed: str) -> None:
    path = tmp_path / "many.txt"
    path.write_text("x\n" * count)
    result = await edit(command="str_replace", path=str(path), old_str="x", new_str="y")
    assert result.error == (
        f"`old_str` occurs {count} times in {path} (starting on lines {listed}). It must occur exactly once: "
        "include more surrounding lines to make it unique."
    )


async def test_a_whitespace_near_miss_names_its_line_after_the_main_advice(tmp_path: Path) -> None:
    path = tmp_path / "code.py"
    path.write_text("\ndef f():\n\treturn 1\n")
    result = await edit(command="str_replace", path=str(path), old_str="    return 1", new_str="return 2")
    assert result.error == (
        f"`old_str` was not found in {path}. It must match the file exactly, including whitespace, "
        "indentation (tabs or spaces) and line breaks. Text matching it except for whitespace starts on "
        "line 3: view those lines and copy their exact whitespace."
    )


@pytest.mark.parametrize("old_str", ["   ", "\n\t\n"], ids=["spaces", "blank-lines"])
async def test_text_of_only_whitespace_that_is_missing_gets_the_plain_advice(tmp_path: Path, old_str) -> None:
    path = tmp_path / "plain.txt"
    path.write_text("a b\n")
    result = await edit(command="str_replace", path=str(path), old_str=old_str, new_str="x")
    assert result.error == (
        f"`old_str` was not found in {path}. It must match the file exactly, including whitespace, "
        "indentation (tabs or spaces) and line breaks. View the file to copy the exact text."
    )


@pytest.mark.parametrize(("size", "hinted"), [(10_000, True), (10_001, False)])
async def test_the_whitespace_hint_is_searched_for_old_strs_up_to_10000_characters(
    tmp_path: Path, size: int, hinted: bool
) -> None:
    path = tmp_path / "long.txt"
    path.write_text("w " * 6000)
    old_str = ("w  " * size)[:size]  # the same words with doubled spaces
    result = await edit(command="str_replace", path=str(path), old_str=old_str, new_str="x")
    assert ("except for whitespace starts on line 1" in result.error) is hinted


async def test_an_empty_or_unchanged_replacement_is_refused_with_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    path.write_text("abc\n")
    empty = await edit(command="str_replace", path=str(path), old_str="", new_str="x")
    assert empty.error == (
        "`old_str` is empty. Give the exact text to replace; it must occur once in the file."
    )
    same = await edit(command="str_replace", path=str(path), old_str="b", new_str="b")
    assert same.error == "`old_str` and `new_str` are identical, so there is nothing to change."
