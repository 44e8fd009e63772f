"""The editor never loses another program's data: real concurrent processes, links, attributes, modes.

Every writer here is a real process writing a real file while the real tool edits
it; counts of lost lines are asserted to be zero.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import random
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from computer_use_demo.tools import EditTool20250124, EditTool20250728, ToolCollection

REPO = Path(__file__).resolve().parents[4]
NOBODY = 65534

APPENDER = """
import random, sys, time
path, tag, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
for i in range(count):
    with open(path, "a") as f:  # open, append, close: what `echo line >> file` does
        f.write(f"{tag} {i}\\n")
    time.sleep(random.uniform(0.0, 0.04))
"""

HOLDING_WRITER = """
import sys, time
path = sys.argv[1]
with open(path, "a", buffering=1) as f:  # one open for the whole run, a line every 50 ms
    for i in range(30):
        f.write(f"held {i}\\n")
        time.sleep(0.05)
"""


def run_edit(tool, **tool_input):
    return asyncio.run(ToolCollection(tool).run(name=tool.name, tool_input=tool_input))


def tool_lines(path: Path, prefix: str) -> set[str]:
    return {line for line in path.read_text().splitlines() if line.startswith(prefix)}


def test_concurrent_appending_processes_lose_no_line(tmp_path: Path) -> None:
    target = tmp_path / "log.txt"
    target.write_text("header 0\n")
    per_writer, writers = 150, 3
    procs = [
        subprocess.Popen([sys.executable, "-c", APPENDER, str(target), f"w{n}", str(per_writer)])
        for n in range(writers)
    ]
    tool = EditTool20250728()
    applied = refused = 0
    try:
        while any(p.poll() is None for p in procs):
            result = run_edit(
                tool,
                command="str_replace",
                path=str(target),
                old_str=f"header {applied}\n",
                new_str=f"header {applied + 1}\n",
            )
            if result.is_error:
                assert "changed" in result.error or "open for writing" in result.error, result.error
                refused += 1
            else:
                applied += 1
    finally:
        for p in procs:
            p.wait(timeout=60)
    expected = {f"w{n} {i}" for n in range(writers) for i in range(per_writer)}
    lost = expected - tool_lines(target, "w")
    assert not lost, f"{len(lost)} of {len(expected)} appended lines lost ({applied} edits applied)"
    assert applied >= 1, f"no edit got through ({refused} refused)"
    assert f"header {applied}" in target.read_text()


def test_a_writer_holding_the_file_open_keeps_every_line(tmp_path: Path) -> None:
    target = tmp_path / "held.txt"
    target.write_text("title\n")
    writer = subprocess.Popen([sys.executable, "-c", HOLDING_WRITER, str(target)])
    tool = EditTool20250728()
    try:
        deadline = time.monotonic() + 10
        while "held 0" not in target.read_text() and time.monotonic() < deadline:
            time.sleep(0.01)
        result = run_edit(tool, command="str_replace", path=str(target), old_str="title", new_str="TITLE")
    finally:
        writer.wait(timeout=30)
    assert result.is_error and "open for writing" in result.error, result
    assert tool_lines(target, "held") == {f"held {i}" for i in range(30)}
    assert target.read_text().startswith("title\n")
    # Once the writer has closed the file, the same edit goes through.
    assert not run_edit(
        tool, command="str_replace", path=str(target), old_str="title", new_str="TITLE"
    ).is_error
    assert target.read_text().startswith("TITLE\n") and len(tool_lines(target, "held")) == 30


def test_a_change_between_read_and_write_is_refused(tmp_path: Path) -> None:
    from computer_use_demo.tools.base import ToolError
    from computer_use_demo.tools.edit import file_ops

    target = tmp_path / "f.txt"
    target.write_text("one\n")
    snapshot = file_ops.read_snapshot(target)
    with target.open("a") as f:
        f.write("two\n")
    with pytest.raises(ToolError, match="changed since it was read"):
        file_ops.atomic_write(target, b"ONE\n", expected=snapshot)
    assert target.read_text() == "one\ntwo\n"
    # Same size and a restored mtime still differ in content: the hash catches it.
    stamp = target.stat()
    snapshot = file_ops.read_snapshot(target)
    target.write_text("ONE\ntwo\n")
    os.utime(target, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    with pytest.raises(ToolError, match="changed since it was read"):
        file_ops.atomic_write(target, b"x\n", expected=snapshot)
    assert target.read_text() == "ONE\ntwo\n"


def test_a_hard_linked_file_is_refused_and_the_link_kept(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    target.write_text("shared\n")
    other = tmp_path / "b.txt"
    os.link(target, other)
    result = run_edit(
        EditTool20250728(), command="str_replace", path=str(target), old_str="shared", new_str="x"
    )
    assert result.is_error and "hard link" in result.error, result
    assert target.stat().st_ino == other.stat().st_ino and target.stat().st_nlink == 2
    assert other.read_text() == target.read_text() == "shared\n"


def test_extended_attributes_are_kept(tmp_path: Path) -> None:
    target = tmp_path / "tagged.txt"
    target.write_text("old\n")
    try:
        os.setxattr(target, "user.origin", b"downloaded")
    except OSError as exc:
        if exc.errno in (errno.ENOTSUP, errno.EPERM):
            pytest.skip(f"this file system has no user.* extended attributes ({exc.strerror})")
        raise
    assert not run_edit(
        EditTool20250728(), command="str_replace", path=str(target), old_str="old", new_str="new"
    ).is_error
    assert target.read_text() == "new\n"
    assert os.getxattr(target, "user.origin") == b"downloaded"


def test_setuid_mode_and_owner_are_kept(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("giving a file another owner needs root")
    target = tmp_path / "tool.sh"
    target.write_text("echo old\n")
    os.chown(target, NOBODY, NOBODY)
    target.chmod(0o4751)
    assert not run_edit(
        EditTool20250728(), command="str_replace", path=str(target), old_str="old", new_str="new"
    ).is_error
    info = target.stat()
    assert (stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid) == (0o4751, NOBODY, NOBODY)


@pytest.mark.parametrize("command", ["str_replace", "insert", "undo_edit"])
def test_a_read_only_file_is_refused_even_for_root(tmp_path: Path, command: str) -> None:
    target = tmp_path / "readonly.txt"
    target.write_text("keep\n")
    tool = EditTool20250124()
    if command == "undo_edit":  # an edit made while writable, then the file was write-protected
        run_edit(tool, command="str_replace", path=str(target), old_str="keep", new_str="kept")
        target.write_text("keep\n")
    target.chmod(0o444)
    inputs = {
        "str_replace": {"old_str": "keep", "new_str": "lost"},
        "insert": {"insert_line": 0, "insert_text": "x"},
    }
    result = run_edit(tool, command=command, path=str(target), **inputs.get(command, {}))
    assert result.is_error and "read-only" in result.error, result
    assert target.read_text() == "keep\n"


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A world-writable directory (not sticky) that the `nobody` user can reach."""
    path = Path(tempfile.mkdtemp(prefix="edit-perm-", dir="/tmp"))
    path.chmod(0o777)
    try:
        yield path
    finally:
        for child in path.iterdir():
            child.unlink()
        path.rmdir()


EDIT_AS_CALLER = """
import asyncio, sys
from computer_use_demo.tools import EditTool20250728, ToolCollection
tool = EditTool20250728()
result = asyncio.run(ToolCollection(tool).run(name=tool.name, tool_input={
    "command": "str_replace", "path": sys.argv[1], "old_str": "root", "new_str": "nobody"}))
print("ERROR " + result.error if result.is_error else "OK")
"""


def test_another_users_file_is_refused_for_a_user_without_write_permission(shared_dir: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("dropping to the nobody user needs root")
    owned_by_root = shared_dir / "root.txt"
    owned_by_root.write_text("root\n")
    owned_by_root.chmod(0o644)  # the directory lets nobody rename over it; the file's mode does not
    owned_by_nobody = shared_dir / "nobody.txt"
    owned_by_nobody.write_text("root\n")
    os.chown(owned_by_nobody, NOBODY, NOBODY)

    def as_nobody(path: Path) -> str:
        drop = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
        done = subprocess.run(
            [*drop, sys.executable, "-c", EDIT_AS_CALLER, str(path)],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "PYTHONPATH": str(REPO), "HOME": "/tmp"},
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    outcome = as_nobody(owned_by_root)
    assert outcome.startswith("ERROR") and "permission" in outcome.lower(), outcome
    assert owned_by_root.read_text() == "root\n" and owned_by_root.stat().st_uid == 0
    assert as_nobody(owned_by_nobody) == "OK"  # the same run may edit its own file
    assert owned_by_nobody.read_text() == "nobody\n"


@pytest.mark.parametrize(
    ("insertion", "expected"), [("d", b"a\r\nb\r\nc\r\nd"), ("d\n", b"a\r\nb\r\nc\r\nd\r\n")]
)
def test_insert_at_the_end_of_a_crlf_file_without_final_newline_keeps_crlf(
    tmp_path: Path, insertion: str, expected: bytes
) -> None:
    target = tmp_path / "dos.txt"
    target.write_bytes(b"a\r\nb\r\nc")
    assert not run_edit(
        EditTool20250728(), command="insert", path=str(target), insert_line=3, insert_text=insertion
    ).is_error
    assert target.read_bytes() == expected


KILLED_EDITOR = """
import asyncio, sys
from computer_use_demo.tools import EditTool20250728, ToolCollection
tool = EditTool20250728()
collection = ToolCollection(tool)
print("ready", flush=True)
with open(sys.argv[1]) as f:
    mark = f.read(5)  # an earlier killed run may have left either version
while True:
    old, new = mark, "MARK1" if mark == "MARK0" else "MARK0"
    result = asyncio.run(collection.run(name=tool.name, tool_input={
        "command": "str_replace", "path": sys.argv[1], "old_str": old, "new_str": new}))
    assert not result.is_error, result.error
    mark = new
"""


def _leftovers(directory: Path, keep: str) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name != keep)


def test_kill_9_mid_write_leaves_no_temp_file_and_an_intact_file(tmp_path: Path) -> None:
    target = tmp_path / "big.txt"
    body = ("x" * 99 + "\n") * 95_000  # 9.5 MB
    versions = {("MARK0\n" + body).encode(), ("MARK1\n" + body).encode()}
    target.write_bytes(("MARK0\n" + body).encode())
    runs, runs_leaving_temp = 20, 0
    for _ in range(runs):
        child = subprocess.Popen(
            [sys.executable, "-c", KILLED_EDITOR, str(target)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        try:
            assert child.stdout is not None and child.stdout.readline() == b"ready\n"
            time.sleep(random.uniform(0.05, 0.4))
            assert child.poll() is None, "the editing process stopped before it was killed"
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child.pid, signal.SIGKILL)
            child.wait(timeout=30)
            if child.stdout is not None:
                child.stdout.close()
        runs_leaving_temp += bool(_leftovers(tmp_path, target.name))
        assert target.read_bytes() in versions, "the file was left half-written"
    # The new content has a name only for the sub-millisecond exchange, so a kill there is rare
    # (today's code left one in most runs), and the next write in the directory removes it.
    assert runs_leaving_temp <= 2, f"{runs_leaving_temp} of {runs} kill -9 runs left a temp file"
    mark = target.read_text()[:5]
    result = run_edit(
        EditTool20250728(), command="str_replace", path=str(target), old_str=mark, new_str="MARK2"
    )
    assert not result.is_error, result.error
    assert _leftovers(tmp_path, target.name) == []
