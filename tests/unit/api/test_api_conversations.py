"""Conversations over HTTP: create, list, read, delete; bad input is a 422 naming the field and stores
nothing; the store is the one the chat and the CLI use."""

from __future__ import annotations

import pytest

from computer_use_demo.store import ConversationStore


def count(http) -> int:
    return len(http.get("/conversations").json())


def test_create_list_get_delete(api):
    with api.client() as http:
        created = http.post(
            "/conversations", json={"task": "Open a terminal", "config": {"max_iterations": 5}}
        )
        assert created.status_code == 201, created.text
        conversation = created.json()
        assert conversation["title"] == "Open a terminal"
        assert conversation["message_count"] == 1
        assert conversation["status"] == {"state": "idle"}
        assert [c["id"] for c in http.get("/conversations").json()] == [conversation["id"]]
        detail = http.get(f"/conversations/{conversation['id']}").json()
        assert detail["messages"] == [
            {"role": "user", "content": [{"type": "text", "text": "Open a terminal"}]}
        ]
        assert detail["usage"]["total"]["input_tokens"] == 0 and detail["tool_calls"] == []
        assert http.delete(f"/conversations/{conversation['id']}").status_code == 204
        assert http.get(f"/conversations/{conversation['id']}").status_code == 404
        assert count(http) == 0


def test_a_title_can_be_given(api):
    with api.client() as http:
        made = http.post("/conversations", json={"task": "do it", "title": "My title"}).json()
        assert made["title"] == "My title"


def test_the_chat_and_the_cli_see_the_same_conversations(api):
    with api.client() as http:
        made = http.post("/conversations", json={"task": "from the API"}).json()
        # The chat and the CLI open the store in the config folder, as here.
        other_front_end = ConversationStore()
        assert other_front_end.get(made["id"]).title == "from the API"
        theirs = other_front_end.create()
        other_front_end.save_messages(theirs.id, [{"role": "user", "content": "from the chat"}])
        listed = {c["id"]: c["title"] for c in http.get("/conversations").json()}
        assert listed == {made["id"]: "from the API", theirs.id: "from the chat"}
        assert http.get(f"/conversations/{theirs.id}").json()["messages"][0]["content"] == "from the chat"
        other_front_end.close()


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({}, ["body", "task"]),
        ({"task": ""}, ["body", "task"]),
        ({"task": "   "}, ["body", "task"]),
        ({"task": 5}, ["body", "task"]),
        ({"task": "x" * 100_001}, ["body", "task"]),
        ({"task": "x", "colour": "red"}, ["body", "colour"]),
        ({"task": "x", "title": ""}, ["body", "title"]),
        ({"task": "x", "config": {"max_tokens": "5"}}, ["body", "config", "max_tokens"]),
        ({"task": "x", "config": {"max_tokens": 0}}, ["body", "config", "max_tokens"]),
        ({"task": "x", "config": {"max_tokens": 10**12}}, ["body", "config", "max_tokens"]),
        ({"task": "x", "config": {"max_iterations": -1}}, ["body", "config", "max_iterations"]),
        ({"task": "x", "config": {"prompt_caching": 1}}, ["body", "config", "prompt_caching"]),
        ({"task": "x", "config": {"thinking_mode": "loud"}}, ["body", "config", "thinking_mode"]),
        ({"task": "x", "config": {"tool_version": "computer_use_1999"}}, ["body", "config", "tool_version"]),
        ({"task": "x", "config": {"provider": "replay"}}, ["body", "config", "provider"]),
        ({"task": "x", "config": {"base_url": "http://evil.example"}}, ["body", "config", "base_url"]),
        ({"task": "x", "config": {"wings": 2}}, ["body", "config", "wings"]),
        ({"task": "x", "config": []}, ["body", "config"]),
    ],
)
def test_bad_bodies_are_a_422_naming_the_field_and_store_nothing(api, body, loc):
    with api.client() as http:
        response = http.post("/conversations", json=body)
        assert response.status_code == 422, response.text
        answer = response.json()
        assert answer["error"] == "invalid_request"
        assert answer["errors"][0]["loc"] == loc
        assert all(set(e) == {"loc", "message", "type"} for e in answer["errors"])  # no value echoed
        assert count(http) == 0


def test_the_run_configs_own_checks_answer_with_its_message(api):
    with api.client() as http:
        response = http.post("/conversations", json={"task": "x", "config": {"image_prune_interval": 0}})
        assert response.status_code == 422
        error = response.json()["errors"][0]
        assert error["loc"] == ["body", "config", "image_prune_interval"]
        assert "at least 1" in error["message"]
        assert count(http) == 0


def test_text_that_is_not_unicode_is_a_422(api):
    with api.client() as http:
        raw = b'{"task": "broken \\ud800 surrogate"}'
        response = http.post("/conversations", content=raw, headers={"Content-Type": "application/json"})
        assert response.status_code == 422 and response.json()["errors"][0]["loc"] == ["body", "task"]
        assert count(http) == 0


@pytest.mark.parametrize(
    "raw",
    [b"{", b"not json", b"[]", b"null", b'{"task": "x",}', b'"task"', b"\xff\xfe", b'{"task": NaN}'],
)
def test_malformed_json_is_a_422(api, raw):
    with api.client() as http:
        response = http.post("/conversations", content=raw, headers={"Content-Type": "application/json"})
        assert response.status_code == 422, response.text
        assert count(http) == 0


def test_a_body_over_the_limit_is_a_413(api):
    with api.client() as http:
        big = b'{"task": "' + b"x" * (1024 * 1024) + b'"}'
        assert http.post("/conversations", content=big).status_code == 413
        chunks = (b"x" * 65536 for _ in range(40))  # no Content-Length: counted as it arrives
        assert http.post("/conversations", content=chunks).status_code == 413
        assert count(http) == 0


@pytest.mark.parametrize("bad", ["no%20spaces", "x" * 65, "..", "a.b"])
def test_a_malformed_id_is_a_422_and_an_unknown_one_a_404(api, bad):
    with api.client() as http:
        assert http.get(f"/conversations/{bad}").status_code in (404, 422)
        assert http.get("/conversations/abcdef123456").status_code == 404
        assert http.delete("/conversations/abcdef123456").status_code == 404
