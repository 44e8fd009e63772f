"""Fuzzed input over real HTTP: whatever the body, path, query or header, the API answers below 500, a
422 names fields, and a refused request stores nothing."""

from __future__ import annotations

import json
import os
import urllib.parse

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from computer_use_demo.api.schemas import RunSettings

FIELDS = ["task", "title", "config", *RunSettings.model_fields]
# Enough to catch a regression in the quick suite; API_FUZZ_EXAMPLES=1000 for a thorough search.
EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "40"))
SETTINGS = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=12,
)
bodies = st.dictionaries(
    st.sampled_from(FIELDS) | st.text(max_size=10),
    json_values | st.dictionaries(st.sampled_from(list(RunSettings.model_fields)), json_values, max_size=4),
    max_size=5,
)
raw_bodies = (
    st.binary(max_size=300)
    | bodies.map(lambda b: json.dumps(b).encode())
    | json_values.map(lambda v: json.dumps(v).encode())
)
path_parts = st.text(max_size=80).map(lambda t: urllib.parse.quote(t, safe=""))


def conversation_count(api) -> int:
    return len(api.state.store.list())


def check(response) -> None:
    assert response.status_code < 500, (response.request.method, response.request.url, response.text)
    if response.status_code == 422:
        errors = response.json()["errors"]
        assert errors and all(isinstance(e["loc"], list) for e in errors)


@SETTINGS
@given(body=bodies)
def test_creating_with_any_json_body(api, body):
    with api.client() as http:
        before = conversation_count(api)
        response = http.post("/conversations", json=body)
        check(response)
        if response.status_code == 201:
            http.delete(f"/conversations/{response.json()['id']}")
        else:
            assert conversation_count(api) == before


@SETTINGS
@given(raw=raw_bodies, content_type=st.sampled_from(["application/json", "text/plain", "", "application/x"]))
def test_any_bytes_as_a_body(api, raw, content_type):
    with api.client() as http:
        before = conversation_count(api)
        for path in ("/conversations", "/conversations/abcdef123456/run", "/desktop/reset", "/mcp"):
            if path == "/desktop/reset":
                continue  # a valid call would restart the desktop: its input is checked elsewhere
            response = http.post(path, content=raw, headers={"Content-Type": content_type})
            check(response)
        created = [c for c in api.state.store.list()]
        for conversation in created[: len(created) - before]:
            http.delete(f"/conversations/{conversation.id}")


@SETTINGS
@given(part=path_parts, second=path_parts)
def test_any_path(api, part, second):
    with api.client() as http:
        for method, path in (
            ("GET", f"/conversations/{part}"),
            ("DELETE", f"/conversations/{part}"),
            ("GET", f"/conversations/{part}/run"),
            ("POST", f"/conversations/{part}/run/stop"),
            ("GET", f"/conversations/{part}/events"),
            ("GET", f"/conversations/{part}/screenshots/{second}"),
            ("GET", f"/{part}/{second}"),
        ):
            check(http.request(method, path))


@SETTINGS
@given(
    limit=st.text(max_size=12) | st.integers().map(str),
    after=st.text(max_size=12) | st.integers().map(str),
    follow=st.text(max_size=6),
    last_event_id=st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=24),
)
def test_any_query_and_header(api, limit, after, follow, last_event_id):
    with api.client() as http:
        cid = api.state.store.list()[0].id if api.state.store.list() else api.state.store.create().id
        check(http.get("/conversations", params={"limit": limit}))
        response = http.get(
            f"/conversations/{cid}/events",
            params={"after": after, "follow": "false" if follow == "true" else follow},
            headers={"Last-Event-ID": last_event_id},
        )
        check(response)


@SETTINGS
@given(body=bodies)
def test_starting_a_run_with_any_body(api, fake_api, body):
    with api.client() as http:
        cid = api.state.store.list()[0].id if api.state.store.list() else api.state.store.create().id
        messages_before = len(api.state.store.load_messages(cid))
        response = http.post(f"/conversations/{cid}/run", json=body)
        check(response)
        if response.status_code == 202:  # it ran (the fake API, unscripted, refuses it): let it end
            live = api.state.runs.live(cid)
            while live is not None and not (live.worker and live.worker.done()):
                http.get("/health")
                live = api.state.runs.live(cid)
        elif response.status_code != 409:
            assert len(api.state.store.load_messages(cid)) == messages_before
