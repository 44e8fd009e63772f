"""Access: a bearer token on every route but /health, compared in constant time; CORS closed; the API
key never in an answer; the token generated once into the config folder (0600)."""

from __future__ import annotations

import os
import re
import stat

import pytest

from computer_use_demo.api.token import TokenError, load_or_create_token
from computer_use_demo.service.state import ServiceState
from tests.support.api_server import TOKEN, private_folders, read_events, running_api
from tests.support.fake_api import reply, text, tool_use


def concrete(path: str) -> str:
    """A route's path with its parameters filled in."""
    return re.sub(r"\{sha256\}", "a" * 64, re.sub(r"\{conversation_id\}", "abc123", path))


def every_route(api) -> list[tuple[str, str]]:
    with api.client() as http:
        spec = http.get("/openapi.json").json()
    routes = [(method.upper(), concrete(path)) for path, ops in spec["paths"].items() for method in ops]
    return [*routes, ("GET", "/openapi.json"), ("POST", "/mcp"), ("GET", "/mcp"), ("GET", "/no-such-route")]


def test_every_route_but_health_needs_the_token(api):
    routes = every_route(api)
    assert len(routes) >= 14
    with api.anonymous() as anonymous, api.client(token="x" * len(TOKEN)) as wrong:
        for method, path in routes:
            if path == "/health":
                continue
            for client in (anonymous, wrong):
                response = client.request(method, path, json={})
                assert response.status_code == 401, (method, path, response.text)
                assert response.headers["www-authenticate"] == "Bearer"
                assert response.json()["error"] == "unauthorized"
        assert anonymous.get("/health").json() == {"ok": True}


@pytest.mark.parametrize(
    "header",
    [
        f"Basic {TOKEN}",
        f"Bearer {TOKEN}x",
        f"Bearer {TOKEN[:-1]}",
        "Bearer",
        f"Bearer{TOKEN}",
        f"bearer {TOKEN.upper()}",
    ],
)
def test_near_misses_are_refused(api, header):
    with api.anonymous() as http:
        assert http.get("/conversations", headers={"Authorization": header}).status_code == 401


def test_the_scheme_is_case_insensitive_and_the_token_exact(api):
    with api.anonymous() as http:
        assert http.get("/conversations", headers={"Authorization": f"bearer {TOKEN}"}).status_code == 200


def test_cors_is_closed_unless_origins_are_named(api, tmp_path):
    preflight = {
        "Origin": "https://evil.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization",
    }
    with api.anonymous() as http:
        refused = http.options("/conversations", headers=preflight)
        assert refused.status_code == 401 and "access-control-allow-origin" not in refused.headers
    with (
        running_api(api.state, cors_origins=["https://ok.example"], mcp=False) as other,
        other.anonymous() as http,
    ):
        allowed = http.options("/conversations", headers={**preflight, "Origin": "https://ok.example"})
        assert allowed.headers["access-control-allow-origin"] == "https://ok.example"
        evil = http.options("/conversations", headers=preflight)
        assert "access-control-allow-origin" not in evil.headers


def test_the_api_key_is_in_no_answer(api, fake_api):
    key = os.environ["ANTHROPIC_API_KEY"]
    fake_api.script(reply(tool_use("bash", {"command": f"echo {key}"})), reply(text(f"The key is {key}")))
    with api.client() as http:
        created = http.post(
            "/conversations", json={"task": "hello", "config": {"model": "claude-sonnet-4-5"}}
        )
        created = created.json()
        assert http.post(f"/conversations/{created['id']}/run").status_code == 202
        read_events(http, created["id"])  # to the end of the run
        bodies = [
            http.get("/openapi.json").text,
            http.get("/conversations").text,
            http.get(f"/conversations/{created['id']}").text,
            http.get(f"/conversations/{created['id']}/run").text,
            http.get(f"/conversations/{created['id']}/events").text,
            http.get("/desktop").text,
        ]
    assert all(key not in body for body in bodies)
    assert "[redacted API key]" in bodies[4]  # the run did print it: scrubbed


def test_a_token_is_generated_once_private_and_reused(tmp_path, monkeypatch):
    monkeypatch.delenv("API_TOKEN", raising=False)
    first = load_or_create_token(tmp_path)
    assert first.source == "generated" and len(first.value) >= 32
    assert stat.S_IMODE(os.stat(first.path).st_mode) == 0o600
    again = load_or_create_token(tmp_path)
    assert again.source == "file" and again.value == first.value
    assert first.value not in repr(first)


def test_the_environment_token_wins_and_is_not_written(tmp_path, monkeypatch):
    monkeypatch.setenv("API_TOKEN", "from-the-environment-123")
    token = load_or_create_token(tmp_path)
    assert (token.value, token.source) == ("from-the-environment-123", "environment")
    assert not (tmp_path / "api_token").exists()
    monkeypatch.setenv("API_TOKEN", "short")
    with pytest.raises(TokenError, match="shorter than 16"):
        load_or_create_token(tmp_path)


def test_a_restarted_server_keeps_its_token(tmp_path, monkeypatch, fake_api):
    monkeypatch.delenv("API_TOKEN", raising=False)
    private_folders(tmp_path, monkeypatch)
    tokens = []
    for _ in range(2):
        token = load_or_create_token(tmp_path / "config").value
        state = ServiceState.open(owner="the HTTP API")
        with running_api(state, token=token, mcp=False) as server, server.client() as http:
            assert http.get("/conversations").status_code == 200
        tokens.append(token)
    assert tokens[0] == tokens[1]
