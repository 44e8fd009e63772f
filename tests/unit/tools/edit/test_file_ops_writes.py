"""The editor's file operations where they fail or decide something a user notices: the mode of a new file,
where the temp file lives, what "Permission denied" looks like (as `nobody`, so it also runs as root),
the size limit's edge and the exact advice of each error."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

import pytest

from computer_use_demo.tools.base import ToolError
from computer_use_demo.tools.edit.file_ops import (
    MAX_FILE_BYTES,
    atomic_write,
    checked_path,
    list_directory,
    read_text,
    remove_file,
    require_file,
)
from tests.support.unprivileged import NOBODY, as_nobody, owned_by_nobody, shared_scratch


def error_of(step) -> str:
    with pytest.raises(ToolError) as caught:
        step()
    return caught.value.message


def denied_to_nobody(step) -> str:
    with as_nobody():
        return error_of(step)


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o000, 0o666)])
def test_a_new_file_is_never_executable_whatever_the_umask(tmp_path: Path, umask: int, mode: int) -> None:
    old_umask = os.umask(umask)
    try:
        atomic_write(tmp_path / "new.txt", b"x")
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == mode


def test_the_temp_file_is_made_beside_the_target_so_the_rename_is_atomic(tmp_path, monkeypatch) -> None:
    # A default temp directory that does not exist: only a temp file in the target's own directory works.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no-such-temp-dir"))
    atomic_write(tmp_path / "f.txt", b"data")
    assert (tmp_path / "f.txt").read_bytes() == b"data"


def test_writing_creates_no_directories_unless_asked(tmp_path: Path) -> None:
    message = error_of(lambda: atomic_write(tmp_path / "missing" / "f.txt", b"x"))
    assert message.startswith(f"Cannot write {tmp_path / 'missing' / 'f.txt'} (")
    assert not (tmp_path / "missing").exists()


def test_create_parents_makes_nested_directories_and_accepts_existing_ones(tmp_path: Path) -> None:
    atomic_write(tmp_path / "a" / "b" / "c.txt", b"1", create_parents=True)
    atomic_write(tmp_path / "a" / "b" / "d.txt", b"2", create_parents=True)
    assert sorted(p.name for p in (tmp_path / "a" / "b").iterdir()) == ["c.txt", "d.txt"]


def test_a_write_onto_a_directory_fails_cleanly_and_leaves_no_temp_file(tmp_path: Path) -> None:
    (tmp_path / "dir").mkdir()
    message = error_of(lambda: atomic_write(tmp_path / "dir", b"x"))
    assert message == f"Cannot write {tmp_path / 'dir'} (Is a directory); the file is unchanged."
    assert [p.name for p in tmp_path.iterdir()] == ["dir"]


def test_an_unwritable_directory_is_a_clear_error_and_the_file_is_untouched() -> None:
    with shared_scratch() as scratch:
        target = scratch / "f.txt"
        target.write_text("original")
        target.chmod(0o666)
        scratch.chmod(0o555)
        message = denied_to_nobody(lambda: atomic_write(target, b"changed"))
        assert message == f"Cannot write {target} (Permission denied); the file is unchanged."
        assert target.read_text() == "original" and [p.name for p in scratch.iterdir()] == ["f.txt"]


def test_a_directory_that_cannot_be_created_is_named_with_the_reason() -> None:
    with shared_scratch() as scratch:
        scratch.chmod(0o555)
        new = scratch / "sub" / "f.txt"
        message = denied_to_nobody(lambda: atomic_write(new, b"x", create_parents=True))
        assert message == f"Cannot create the directory {scratch / 'sub'} (Permission denied)."


def test_a_user_can_edit_their_own_file_whose_group_they_are_not_in() -> None:
    if os.geteuid() != 0:
        pytest.skip("only root can give a file a group its owner is not in")
    with shared_scratch() as scratch:
        owned_by_nobody(scratch)
        target = scratch / "f.txt"
        target.write_text("old")
        os.chown(target, NOBODY.pw_uid, 0)
        target.chmod(0o664)
        with as_nobody():
            atomic_write(target, b"new")
        assert target.read_bytes() == b"new"
        assert (target.stat().st_uid, stat.S_IMODE(target.stat().st_mode)) == (NOBODY.pw_uid, 0o664)


def test_an_unreadable_file_or_path_is_a_clear_error() -> None:
    with shared_scratch() as scratch:
        secret = scratch / "secret.txt"
        secret.write_text("x")
        secret.chmod(0o000)
        closed = scratch / "closed"
        closed.mkdir(mode=0o700)
        closed.chmod(0o000)
        assert denied_to_nobody(lambda: read_text(secret)) == (f"Cannot read {secret} (Permission denied).")
        assert denied_to_nobody(lambda: require_file(closed / "f")) == (
            f"{closed / 'f'}: cannot access it (Permission denied)."
        )


def test_a_file_that_cannot_be_removed_is_a_clear_error() -> None:
    with shared_scratch() as scratch:
        victim = scratch / "f.txt"
        victim.write_text("x")
        scratch.chmod(0o555)
        assert denied_to_nobody(lambda: remove_file(victim)) == (
            f"Cannot remove {victim} (Permission denied)."
        )
        assert victim.exists()


def test_an_unreadable_subdirectory_is_reported_and_the_listing_goes_on() -> None:
    with shared_scratch() as scratch:
        (scratch / "a-closed").mkdir()
        (scratch / "a-closed").chmod(0o000)
        (scratch / "b-open").mkdir()
        (scratch / "b-open" / "f.txt").write_text("")
        with as_nobody():
            listing = list_directory(scratch)
        assert listing.entries == ["a-closed/", "b-open/", "b-open/f.txt"]
        assert listing.unreadable == ["a-closed/ (Permission denied)"] and not listing.truncated


def test_an_unreadable_directory_itself_is_reported_as_dot() -> None:
    with shared_scratch() as scratch:
        scratch.chmod(0o311)
        with as_nobody():
            listing = list_directory(scratch)
        assert listing.entries == [] and listing.unreadable == [". (Permission denied)"]


def test_a_listing_cut_inside_a_subdirectory_is_marked_truncated(tmp_path: Path) -> None:
    (tmp_path / "only").mkdir()
    for i in range(5):
        (tmp_path / "only" / f"f{i}").write_text("")
    listing = list_directory(tmp_path, max_entries=3)
    assert listing.truncated and listing.entries == ["only/", "only/f0", "only/f1"]


def test_a_deeper_listing_goes_as_deep_as_asked(tmp_path: Path) -> None:
    (tmp_path / "a" / "b" / "c").mkdir(parents=True)
    assert list_directory(tmp_path, depth=3).entries == ["a/", "a/b/", "a/b/c/"]


def test_a_listing_shows_at_most_1000_entries_by_default(tmp_path: Path) -> None:
    for i in range(1001):
        (tmp_path / f"f{i:04}").touch()
    listing = list_directory(tmp_path)
    assert listing.truncated and len(listing.entries) == 1000


def test_a_file_of_exactly_the_size_limit_can_be_edited(tmp_path: Path) -> None:
    exact = tmp_path / "exact"
    with exact.open("wb") as f:
        f.truncate(MAX_FILE_BYTES)
    assert require_file(exact).st_size == MAX_FILE_BYTES
    with exact.open("wb") as f:
        f.truncate(MAX_FILE_BYTES + 1)
    assert error_of(lambda: require_file(exact)) == (
        f"{exact} is {MAX_FILE_BYTES + 1:,} bytes, over the editor's limit of {MAX_FILE_BYTES:,}. "
        "Use bash (head, tail, grep, sed) for files this big."
    )


def test_a_binary_file_gets_advice_on_how_to_inspect_it(tmp_path: Path) -> None:
    binary = tmp_path / "bin"
    binary.write_bytes(b"ab\xff")
    assert error_of(lambda: read_text(binary)) == (
        f"{binary} is not UTF-8 text (undecodable byte at offset 2); it may be a binary file. "
        "The editor only handles UTF-8 text: use bash to inspect it (e.g. `file`, `xxd | head`)."
    )


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "The path is empty. Give an absolute path such as /home/user/notes.txt."),
        ("/tmp/a\0b", "The path contains a NUL character."),
    ],
)
def test_a_bad_path_gets_a_plain_explanation(raw: str, message: str) -> None:
    assert error_of(lambda: checked_path(raw)) == message
