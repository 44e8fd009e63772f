"""The editor tools on real files: every command, every version's schema, and malformed input."""

from __future__ import annotations

import asyncio
import stat
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from computer_use_demo.tools import EditTool20241022, EditTool20250124, EditTool20250728, ToolCollection
from computer_use_demo.tools.edit.tool import DEFAULT_VIEW_CHARS, EditHistory

ALL_VERSIONS = [EditTool20241022, EditTool20250124, EditTool20250728]
UNDO_VERSIONS = [EditTool20241022, EditTool20250124]


async def edit(tool, **tool_input):
    return await ToolCollection(tool).run(name=tool.name, tool_input=tool_input)


@pytest.fixture(params=ALL_VERSIONS, ids=lambda c: c.api_type)
def editor(request):
    return request.param()


def test_to_params_for_each_version() -> None:
    assert EditTool20241022().to_params() == {"type": "text_editor_20241022", "name": "str_replace_editor"}
    assert EditTool20250124().to_params() == {"type": "text_editor_20250124", "name": "str_replace_editor"}
    assert EditTool20250728().to_params() == {
        "type": "text_editor_20250728",
        "name": "str_replace_based_edit_tool",
    }
    assert EditTool20250728(max_characters=5000).to_params()["max_characters"] == 5000
    for bad in (0, -1, True):
        with pytest.raises(ValueError):
            EditTool20250728(max_characters=bad)


def test_each_version_declares_its_own_commands() -> None:
    old = EditTool20250124.input_schema["properties"]["command"]["enum"]
    new = EditTool20250728.input_schema["properties"]["command"]["enum"]
    assert "undo_edit" in old and "undo_edit" not in new
    assert EditTool20241022.input_schema is not EditTool20250728.input_schema


async def test_view_file_with_line_numbers(editor, tmp_path: Path) -> None:
    f = tmp_path / "a.py"
    f.write_text("first\n\tsecond\nthird\n")
    result = await edit(editor, command="view", path=str(f))
    assert not result.is_error
    assert result.output.endswith("     1\tfirst\n     2\t\tsecond\n     3\tthird")
    ranged = await edit(editor, command="view", path=str(f), view_range=[2, -1])
    assert ranged.output.endswith("     2\t\tsecond\n     3\tthird") and "     1\t" not in ranged.output
    one = await edit(editor, command="view", path=str(f), view_range=[2, 2])
    assert one.output.endswith("     2\t\tsecond")


@pytest.mark.parametrize(
    ("view_range", "message"),
    [
        ([0, 1], "starts at 0"),
        ([5, 6], "starts at 5"),
        ([3, 1], "ends before"),
        ([1, 9], "only 3 lines"),
        ([1], "too short"),
        ([1, 2, 3], "too long"),
        (["1", 2], "not of type 'integer'"),
        ([1.5, 2], "integer"),
    ],
)
async def test_view_range_is_validated(tmp_path: Path, view_range, message) -> None:
    f = tmp_path / "a.txt"
    f.write_text("1\n2\n3\n")
    result = await edit(EditTool20250728(), command="view", path=str(f), view_range=view_range)
    assert result.is_error and message in result.error


async def test_view_range_accepts_integral_floats(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_text("1\n2\n3\n")
    result = await edit(EditTool20250728(), command="view", path=str(f), view_range=[2.0, 3.0])
    assert result.output.endswith("     2\t2\n     3\t3")


async def test_max_characters_truncates_view_at_a_line_boundary(tmp_path: Path) -> None:
    f = tmp_path / "long.txt"
    f.write_text("".join(f"line {i}\n" for i in range(1, 1001)))
    tool = EditTool20250728(max_characters=200)
    result = await edit(tool, command="view", path=str(f))
    body = result.output.split("\n", 1)[1]
    kept = body.split("\n[... truncated")[0]
    assert len(kept) == 200 and kept.endswith("    14\tline 14")  # 14 lines fill exactly 200 characters
    assert "showing lines 1-14 of 1000" in result.output and "[15, -1]" in result.output
    default = await edit(EditTool20250728(), command="view", path=str(f))
    assert "truncated" not in default.output  # about 13 KB fits the default budget


async def test_default_view_budget_applies_without_max_characters(tmp_path: Path) -> None:
    f = tmp_path / "huge.txt"
    f.write_text("x" * 100 + "\n" + "y" * 50_000 + "\n")
    result = await edit(EditTool20250124(), command="view", path=str(f))
    assert len(result.output) < DEFAULT_VIEW_CHARS + 400
    assert "truncated" in result.output and "[2, -1]" in result.output


async def test_view_directory_two_levels_without_hidden(editor, tmp_path: Path) -> None:
    (tmp_path / "src" / "pkg" / "deep").mkdir(parents=True)
    (tmp_path / "src" / "pkg" / "deep" / "x.py").write_text("")
    (tmp_path / "src" / "main.py").write_text("")
    (tmp_path / ".git").mkdir()
    result = await edit(editor, command="view", path=str(tmp_path))
    lines = result.output.splitlines()[1:]
    assert lines == [f"{tmp_path}/src/", f"{tmp_path}/src/main.py", f"{tmp_path}/src/pkg/"]
    ranged = await edit(editor, command="view", path=str(tmp_path), view_range=[1, 2])
    assert ranged.is_error and "directory" in ranged.error


async def test_view_directory_name_with_shell_metacharacters(tmp_path: Path) -> None:
    odd = tmp_path / "$(touch pwned); `id` *"
    odd.mkdir()
    (odd / "f.txt").write_text("")
    result = await edit(EditTool20250728(), command="view", path=str(odd))
    assert f"{odd}/f.txt" in result.output
    assert entry_names(tmp_path) == [odd.name]  # nothing ran: no `pwned` file


def entry_names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


async def test_create_makes_parents_and_refuses_to_overwrite(editor, tmp_path: Path) -> None:
    target = tmp_path / "new" / "dir" / "file.txt"
    result = await edit(editor, command="create", path=str(target), file_text="hello\n\tworld\n")
    assert not result.is_error and "Created" in result.output
    assert target.read_text() == "hello\n\tworld\n"
    again = await edit(editor, command="create", path=str(target), file_text="clobber")
    assert again.is_error and "already exists" in again.error
    assert target.read_text() == "hello\n\tworld\n"
    on_dir = await edit(editor, command="create", path=str(tmp_path), file_text="x")
    assert on_dir.is_error and "directory" in on_dir.error


async def test_str_replace_preserves_tabs(editor, tmp_path: Path) -> None:
    f = tmp_path / "Makefile"
    f.write_text("all:\n\tgcc -o app main.c\n\techo done\n")
    result = await edit(
        editor,
        command="str_replace",
        path=str(f),
        old_str="\tgcc -o app main.c",
        new_str="\tgcc -O2 -o app main.c",
    )
    assert not result.is_error
    assert f.read_text() == "all:\n\tgcc -O2 -o app main.c\n\techo done\n"
    assert "     2\t\tgcc -O2 -o app main.c" in result.output  # the snippet shows the real tab


async def test_str_replace_keeps_the_file_mode(editor, tmp_path: Path) -> None:
    f = tmp_path / "run.sh"
    f.write_text("#!/bin/sh\necho one\n")
    f.chmod(0o755)
    await edit(editor, command="str_replace", path=str(f), old_str="one", new_str="two")
    assert f.read_text() == "#!/bin/sh\necho two\n"
    assert stat.S_IMODE(f.stat().st_mode) == 0o755


async def test_str_replace_needs_exactly_one_match(editor, tmp_path: Path) -> None:
    f = tmp_path / "f.txt"
    f.write_text("x = 1\nx = 1\n")
    twice = await edit(editor, command="str_replace", path=str(f), old_str="x = 1", new_str="x = 2")
    assert twice.is_error and "occurs 2 times" in twice.error and "lines 1, 2" in twice.error
    missing = await edit(editor, command="str_replace", path=str(f), old_str="y = 1", new_str="y")
    assert missing.is_error and "not found" in missing.error
    no_old = await edit(editor, command="str_replace", path=str(f), new_str="y")
    assert no_old.is_error and "needs `old_str`" in no_old.error
    assert f.read_text() == "x = 1\nx = 1\n"


async def test_str_replace_without_new_str_deletes(editor, tmp_path: Path) -> None:
    f = tmp_path / "f.txt"
    f.write_text("keep\ndrop me\nkeep\n")
    await edit(editor, command="str_replace", path=str(f), old_str="drop me\n")
    assert f.read_text() == "keep\nkeep\n"


async def test_insert_with_insert_text_and_validation(editor, tmp_path: Path) -> None:
    f = tmp_path / "f.txt"
    f.write_text("a\nb\n")
    result = await edit(editor, command="insert", path=str(f), insert_line=1, insert_text="\tmiddle")
    assert not result.is_error and f.read_text() == "a\n\tmiddle\nb\n"
    for line in (-1, 4):
        bad = await edit(editor, command="insert", path=str(f), insert_line=line, insert_text="x")
        assert bad.is_error and "between 0" in bad.error
    missing = await edit(editor, command="insert", path=str(f), insert_text="x")
    assert missing.is_error and "needs `insert_line`" in missing.error
    no_text = await edit(editor, command="insert", path=str(f), insert_line=0)
    assert no_text.is_error and "insert_text" in no_text.error
    assert f.read_text() == "a\n\tmiddle\nb\n"


@pytest.mark.parametrize("tool_class", ALL_VERSIONS)
async def test_insert_accepts_new_str_as_older_models_sent_it(tool_class, tmp_path: Path) -> None:
    f = tmp_path / "f.txt"
    f.write_text("a\n")
    tool = tool_class()
    assert not (await edit(tool, command="insert", path=str(f), insert_line=0, new_str="top")).is_error
    assert f.read_text() == "top\na\n"
    clash = await edit(tool, command="insert", path=str(f), insert_line=0, new_str="x", insert_text="y")
    assert clash.is_error


@pytest.mark.parametrize("tool_class", UNDO_VERSIONS)
async def test_undo_edit_walks_back_per_file(tool_class, tmp_path: Path) -> None:
    tool = tool_class()
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    await edit(tool, command="create", path=str(a), file_text="a1\n")
    a.chmod(0o640)
    await edit(tool, command="str_replace", path=str(a), old_str="a1", new_str="a2")
    await edit(tool, command="insert", path=str(a), insert_line=1, insert_text="a3")
    b.write_text("b1\n")
    await edit(tool, command="str_replace", path=str(b), old_str="b1", new_str="b2")
    assert a.read_text() == "a2\na3\n"

    undone = await edit(tool, command="undo_edit", path=str(a))
    assert not undone.is_error and a.read_text() == "a2\n" and "     1\ta2" in undone.output
    assert stat.S_IMODE(a.stat().st_mode) == 0o640
    await edit(tool, command="undo_edit", path=str(a))
    assert a.read_text() == "a1\n" and b.read_text() == "b2\n"
    removed = await edit(tool, command="undo_edit", path=str(a))
    assert "removed" in removed.output and not a.exists()
    nothing = await edit(tool, command="undo_edit", path=str(a))
    assert nothing.is_error and "no edit" in nothing.error
    await edit(tool, command="undo_edit", path=str(b))
    assert b.read_text() == "b1\n"


async def test_the_claude_4_editor_has_no_undo(tmp_path: Path) -> None:
    result = await edit(EditTool20250728(), command="undo_edit", path=str(tmp_path / "f"))
    assert result.is_error and "undo_edit" in result.error


async def test_failed_edits_are_not_recorded_for_undo(tmp_path: Path) -> None:
    tool = EditTool20250124()
    f = tmp_path / "f.txt"
    f.write_text("x\n")
    await edit(tool, command="str_replace", path=str(f), old_str="nope", new_str="y")
    result = await edit(tool, command="undo_edit", path=str(f))
    assert result.is_error and f.read_text() == "x\n"


def test_history_is_bounded() -> None:
    history = EditHistory(per_file=3, max_total_bytes=100)
    for i in range(5):
        history.push("/a", b"%d" % i)
    assert [history.pop("/a") for _ in range(4)] == [(True, b"4"), (True, b"3"), (True, b"2"), (False, None)]
    history.push("/old", b"o" * 60)
    history.push("/new", b"n" * 60)  # over the byte budget: the older file's snapshot goes
    assert history.pop("/old") == (False, None) and history.pop("/new") == (True, b"n" * 60)


@pytest.mark.parametrize(
    ("tool_input", "message"),
    [
        ({"command": "view", "path": "relative.txt"}, "not absolute"),
        ({"command": "view", "path": "/definitely/missing/file"}, "does not exist"),
        ({"command": "str_replace", "path": "{dir}", "old_str": "a"}, "is a directory"),
        ({"command": "insert", "path": "{dir}", "insert_line": 0, "insert_text": "a"}, "is a directory"),
        ({"command": "view", "path": "{binary}"}, "not UTF-8"),
        ({"command": "create", "path": "{dir}/f.txt"}, "needs `file_text`"),
        ({"command": "view", "path": "{file}/inside"}, "is a file, not a directory"),
        ({"command": "delete", "path": "{file}"}, "is not one of"),
        ({"command": "view"}, "'path' is a required property"),
        ({"command": "view", "path": "{file}", "view_range": "1", "colour": "red"}, "view_range"),
        ({"command": "create", "path": "{dir}/g.txt", "file_text": "\ud800"}, "not valid Unicode"),
    ],
)
async def test_every_wrong_argument_gets_a_clear_message(editor, tmp_path: Path, tool_input, message) -> None:
    (tmp_path / "file.txt").write_text("a\n")
    (tmp_path / "bin.dat").write_bytes(b"\xff\xfe\x00")
    places = {"dir": str(tmp_path), "file": str(tmp_path / "file.txt"), "binary": str(tmp_path / "bin.dat")}
    tool_input = {k: v.format(**places) if k == "path" else v for k, v in tool_input.items()}
    result = await edit(editor, **tool_input)
    assert result.is_error and message in result.error, result.error
    assert (tmp_path / "file.txt").read_text() == "a\n"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
FIELDS = ["command", "path", "file_text", "view_range", "old_str", "new_str", "insert_line", "insert_text"]

# Wrong by construction: a non-object, a missing or mistyped required field, an unknown field,
# a mistyped optional field, or a path that is not absolute.
malformed_edit_inputs = st.one_of(
    json_values.filter(lambda v: not isinstance(v, dict)),
    st.dictionaries(st.sampled_from(FIELDS[2:]), json_values, max_size=3),  # no command, no path
    st.fixed_dictionaries(
        {"command": json_values.filter(lambda v: v not in ("view", "create")), "path": st.just("/tmp")}
    ),
    st.fixed_dictionaries(
        {"command": st.just("view"), "path": json_values.filter(lambda v: not isinstance(v, str))}
    ),
    st.fixed_dictionaries(
        {
            "command": st.sampled_from(["view", "create", "str_replace", "insert"]),
            "path": st.text(max_size=20).filter(lambda p: not p.startswith("/")),
        }
    ),
    st.fixed_dictionaries(
        {
            "command": st.just("view"),
            "path": st.just("/tmp"),
            "view_range": json_values.filter(
                lambda v: not (isinstance(v, list) and len(v) == 2) and v is not None
            ),
        }
    ),
    st.fixed_dictionaries(
        {
            "command": st.just("insert"),
            "path": st.just("/tmp/x"),
            "insert_line": json_values.filter(
                lambda v: v is not None and (isinstance(v, bool) or not isinstance(v, int))
            ),
        }
    ),
    st.dictionaries(
        st.text(max_size=8).filter(lambda k: k not in FIELDS), json_values, min_size=1, max_size=2
    ).map(lambda extra: {"command": "view", "path": "tmp", **extra}),  # unknown keys are ignored
)


@pytest.mark.parametrize("tool_class", ALL_VERSIONS)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tool_input=malformed_edit_inputs)
async def test_malformed_input_never_raises(tool_class, tool_input) -> None:
    tool = tool_class()
    result = await ToolCollection(tool).run(name=tool.name, tool_input=tool_input)
    assert result.is_error and result.error


# Valid-shaped input with random values, run against a scratch directory: any outcome is fine, as long as
# it is a result (never an exception out of the collection, never an "unexpected" crash) and nothing
# outside the directory is touched.
names = st.sampled_from(
    ["a.txt", "b.txt", "sub/c.txt", "sub", "", "a.txt/x", "sub/../d.txt", "new/deep/e.txt"]
)
texts = st.text(max_size=40)
line_numbers = st.integers(-3, 8)


def valid_shaped(root: Path):
    path = names.map(lambda n: f"{root}/{n}".rstrip("/"))
    return st.one_of(
        st.fixed_dictionaries(
            {"command": st.just("view"), "path": path},
            optional={"view_range": st.lists(line_numbers, min_size=2, max_size=2)},
        ),
        st.fixed_dictionaries({"command": st.just("create"), "path": path, "file_text": texts}),
        st.fixed_dictionaries(
            {"command": st.just("str_replace"), "path": path, "old_str": texts}, optional={"new_str": texts}
        ),
        st.fixed_dictionaries(
            {"command": st.just("insert"), "path": path, "insert_line": line_numbers},
            optional={"insert_text": texts, "new_str": texts},
        ),
        st.fixed_dictionaries({"command": st.just("undo_edit"), "path": path}),
    )


@pytest.mark.parametrize("tool_class", ALL_VERSIONS)
def test_random_valid_shaped_sequences_never_raise(tool_class, tmp_path: Path) -> None:
    root = tmp_path / "scratch"
    root.mkdir()
    (root / "a.txt").write_text("one\n\ttwo\nthree\n")
    tool = tool_class()

    @settings(max_examples=100, deadline=None)
    @given(steps=st.lists(valid_shaped(root), min_size=1, max_size=6))
    def run_steps(steps) -> None:
        async def go() -> None:
            for tool_input in steps:
                result = await ToolCollection(tool).run(name=tool.name, tool_input=tool_input)
                assert result.output or result.error
                assert "failed unexpectedly" not in (result.error or ""), (tool_input, result.error)

        asyncio.run(go())

    run_steps()
    assert entry_names(tmp_path) == ["scratch"]
