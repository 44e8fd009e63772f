"""Settings storage: the key file's mode and atomicity, the prompt suffix, the error log."""

from __future__ import annotations

import os
import stat

import pytest

from computer_use_demo.ui.config_store import ConfigStore, atomic_write_text, default_config_dir, scrub


def mode_of(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_default_dir_honours_env(monkeypatch, tmp_path):
    monkeypatch.setenv("ANTHROPIC_CONFIG_DIR", str(tmp_path / "conf"))
    assert default_config_dir() == tmp_path / "conf"
    monkeypatch.delenv("ANTHROPIC_CONFIG_DIR")
    assert default_config_dir().name == ".anthropic"


def test_api_key_file_is_0600_in_a_0700_dir_and_round_trips(tmp_path):
    store = ConfigStore(tmp_path / "conf")
    store.save_api_key("  sk-ant-secret-123456  ")
    assert mode_of(tmp_path / "conf" / "api_key") == 0o600
    assert mode_of(tmp_path / "conf") == 0o700
    assert store.load_api_key() == "sk-ant-secret-123456"


def test_api_key_rewrite_keeps_0600_even_after_a_chmod(tmp_path):
    store = ConfigStore(tmp_path)
    store.save_api_key("first-key-value")
    os.chmod(tmp_path / "api_key", 0o644)
    store.save_api_key("second-key-value")
    assert mode_of(tmp_path / "api_key") == 0o600
    assert store.load_api_key() == "second-key-value"


def test_empty_key_deletes_the_file(tmp_path):
    store = ConfigStore(tmp_path)
    store.save_api_key("a-key-to-delete")
    store.save_api_key("   ")
    assert not (tmp_path / "api_key").exists()
    assert store.load_api_key() == ""


def test_failed_atomic_write_leaves_old_content_and_no_temp_file(tmp_path, monkeypatch):
    target = tmp_path / "api_key"
    atomic_write_text(target, "old", mode=0o600)

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        atomic_write_text(target, "new", mode=0o600)
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["api_key"]


def test_missing_dir_reads_as_empty(tmp_path):
    store = ConfigStore(tmp_path / "nope")
    assert store.load_api_key() == ""
    assert store.load_system_prompt_suffix() == ""
    assert store.read_errors() == []


def test_system_prompt_suffix_round_trips_and_clears(tmp_path):
    store = ConfigStore(tmp_path)
    store.save_system_prompt_suffix("Always answer in French.\nBe brief.")
    assert store.load_system_prompt_suffix() == "Always answer in French.\nBe brief."
    store.save_system_prompt_suffix("")
    assert store.load_system_prompt_suffix() == ""


def test_error_log_scrubs_the_key_and_is_private(tmp_path):
    store = ConfigStore(tmp_path)
    key = "sk-ant-very-secret-key"
    store.log_error("auth", f"bad key {key}", secrets=[key], status=401)
    store.log_error("rate_limit", "slow down", secrets=[key])
    entries = store.read_errors()
    assert [e["kind"] for e in entries] == ["auth", "rate_limit"]
    assert entries[0]["status"] == 401
    raw = (tmp_path / "errors.jsonl").read_text()
    assert key not in raw and "[redacted API key]" in raw
    assert mode_of(tmp_path / "errors.jsonl") == 0o600


def test_error_log_is_trimmed_when_large(tmp_path, monkeypatch):
    import computer_use_demo.ui.config_store as module

    monkeypatch.setattr(module, "ERRORS_MAX_BYTES", 2000)
    store = ConfigStore(tmp_path)
    for i in range(200):
        store.log_error("api", f"error number {i}", secrets=[])
    assert (tmp_path / "errors.jsonl").stat().st_size < 4000
    assert store.read_errors(limit=1)[0]["message"] == "error number 199"


def test_scrub_ignores_short_secrets():
    assert scrub("abc", ["a"]) == "abc"
    assert scrub("key=supersecret1", ["supersecret1"]) == "key=[redacted API key]"
