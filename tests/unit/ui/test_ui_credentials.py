"""Credential checks per provider, with guidance when something is missing."""

from __future__ import annotations

import json

import pytest

from computer_use_demo.ui.credentials import check_credentials


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for name in (
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_PROFILE",
        "AWS_SESSION_TOKEN",
        "CLOUD_ML_REGION",
        "ANTHROPIC_VERTEX_PROJECT_ID",
        "GOOGLE_APPLICATION_CREDENTIALS",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-creds"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return tmp_path


def test_anthropic_needs_a_key(clean_env):
    missing = check_credentials("anthropic", "")
    assert not missing.ok and any("ANTHROPIC_API_KEY" in g for g in missing.guidance)
    assert check_credentials("anthropic", "sk-ant-abc").ok
    assert not check_credentials("anthropic", "sk-ant abc").ok


def test_bedrock_guidance_then_ok(clean_env, monkeypatch):
    missing = check_credentials("bedrock", "")
    assert not missing.ok
    assert any("AWS_ACCESS_KEY_ID" in g for g in missing.guidance)
    assert any("AWS_REGION" in g for g in missing.guidance)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAFAKE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "fake")
    monkeypatch.setenv("AWS_REGION", "us-west-2")
    found = check_credentials("bedrock", "")
    assert found.ok and "us-west-2" in found.summary


def test_vertex_guidance_then_ok(clean_env, monkeypatch):
    missing = check_credentials("vertex", "")
    assert not missing.ok
    joined = " ".join(missing.guidance)
    assert "CLOUD_ML_REGION" in joined and "ANTHROPIC_VERTEX_PROJECT_ID" in joined and "gcloud" in joined
    adc = clean_env / "adc.json"
    adc.write_text(
        json.dumps({"type": "authorized_user", "client_id": "x", "client_secret": "y", "refresh_token": "z"})
    )
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(adc))
    monkeypatch.setenv("CLOUD_ML_REGION", "us-east5")
    monkeypatch.setenv("ANTHROPIC_VERTEX_PROJECT_ID", "proj")
    found = check_credentials("vertex", "")
    assert found.ok, found


def test_vertex_unreadable_credentials_file(clean_env, monkeypatch):
    bad = clean_env / "bad.json"
    bad.write_text("{not json")
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(bad))
    result = check_credentials("vertex", "")
    assert not result.ok and any("could not be loaded" in g for g in result.guidance)
