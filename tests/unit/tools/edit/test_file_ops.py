"""File access for the editor, on real files: path checks, strict reads, atomic writes, listings."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from computer_use_demo.tools.base import ToolError
from computer_use_demo.tools.edit.file_ops import (
    MAX_FILE_BYTES,
    atomic_write,
    checked_path,
    list_directory,
    read_text,
    require_file,
)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "empty"),
        ("notes.txt", "not absolute"),
        ("./notes.txt", "not absolute"),
        ("~/notes.txt", "not absolute"),
        ("/tmp/a\0b", "NUL"),
        ("/tmp/\ud800", "cannot be encoded"),
    ],
)
def test_checked_path_rejects_bad_paths(raw: str, message: str) -> None:
    with pytest.raises(ToolError, match=message):
        checked_path(raw)


def test_checked_path_keeps_an_absolute_path() -> None:
    assert checked_path("/tmp/x/../y.txt") == Path("/tmp/x/../y.txt")


def test_atomic_write_keeps_mode_and_leaves_no_temp_files(tmp_path: Path) -> None:
    target = tmp_path / "script.sh"
    target.write_text("old\n")
    target.chmod(0o751)
    inode_before = target.stat().st_ino
    atomic_write(target, b"new\n")
    assert target.read_bytes() == b"new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o751
    assert target.stat().st_ino != inode_before  # replaced by rename, not rewritten in place
    assert sorted(p.name for p in tmp_path.iterdir()) == ["script.sh"]


def test_atomic_write_new_file_gets_umask_mode(tmp_path: Path) -> None:
    old_umask = os.umask(0o027)
    try:
        atomic_write(tmp_path / "new.txt", b"x")
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o640


def test_atomic_write_through_a_symlink_keeps_the_link(tmp_path: Path) -> None:
    real = tmp_path / "real.txt"
    real.write_text("a")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    atomic_write(link, b"b")
    assert link.is_symlink() and real.read_text() == "b"


def test_exclusive_write_never_replaces(tmp_path: Path) -> None:
    target = tmp_path / "exists.txt"
    target.write_text("keep")
    with pytest.raises(ToolError, match="already exists"):
        atomic_write(target, b"lost", exclusive=True)
    assert target.read_text() == "keep"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exists.txt"]


def test_failed_write_leaves_the_file_untouched(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root ignores directory permissions")
    target = tmp_path / "f.txt"
    target.write_text("original")
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(ToolError, match="Cannot write"):
            atomic_write(target, b"changed")
    finally:
        tmp_path.chmod(0o700)
    assert target.read_text() == "original"


def test_write_that_cannot_start_is_a_clear_error_even_for_root() -> None:
    before = Path("/proc/version").read_bytes()
    with pytest.raises(ToolError, match=r"/proc/version is read-only|Cannot write /proc/version"):
        atomic_write(Path("/proc/version"), b"changed")
    assert Path("/proc/version").read_bytes() == before


def test_create_parents_under_a_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("")
    with pytest.raises(ToolError, match="is a file"):
        atomic_write(tmp_path / "plain" / "sub" / "f.txt", b"x", create_parents=True)


def test_read_text_is_strict_utf8_and_keeps_line_endings(tmp_path: Path) -> None:
    f = tmp_path / "crlf.txt"
    f.write_bytes(b"a\r\nb\tc\r\n")
    assert read_text(f) == "a\r\nb\tc\r\n"
    binary = tmp_path / "bin"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\xff\x00")
    with pytest.raises(ToolError, match="not UTF-8 text"):
        read_text(binary)


def test_require_file_explains_what_is_wrong(tmp_path: Path) -> None:
    with pytest.raises(ToolError, match="does not exist"):
        require_file(tmp_path / "missing")
    with pytest.raises(ToolError, match="is a directory"):
        require_file(tmp_path)
    with pytest.raises(ToolError, match="not a regular file"):
        require_file(Path("/dev/null"))
    (tmp_path / "f").write_text("")
    with pytest.raises(ToolError, match="is a file, not a directory"):
        require_file(tmp_path / "f" / "inside")
    big = tmp_path / "big"
    with big.open("wb") as f:
        f.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(ToolError, match="over the editor's limit"):
        require_file(big)


def test_list_directory_two_levels_hidden_skipped(tmp_path: Path) -> None:
    (tmp_path / "a" / "b" / "c").mkdir(parents=True)
    (tmp_path / "a" / "b" / "c" / "deep.txt").write_text("")
    (tmp_path / "a" / "one.txt").write_text("")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "secret").write_text("")
    (tmp_path / "a" / ".dot").write_text("")
    (tmp_path / "top.txt").write_text("")
    (tmp_path / "link").symlink_to(tmp_path / "a")
    listing = list_directory(tmp_path)
    assert listing.entries == ["a/", "a/b/", "a/one.txt", f"link -> {tmp_path / 'a'}", "top.txt"]
    assert not listing.truncated


def test_list_directory_stops_at_the_entry_limit(tmp_path: Path) -> None:
    for i in range(30):
        (tmp_path / f"f{i:02}").write_text("")
    listing = list_directory(tmp_path, max_entries=10)
    assert listing.truncated and len(listing.entries) == 10


def test_list_directory_shows_undecodable_names_as_valid_text(tmp_path: Path) -> None:
    (tmp_path / os.fsdecode(b"caf\xe9.txt")).write_text("")
    listing = list_directory(tmp_path)
    assert listing.entries == ["caf\ufffd.txt"]
    listing.entries[0].encode("utf-8")  # no surrogates left for the JSON encoder to choke on
