"""Hostile requests against every /v1 endpoint: malformed queries and bodies answer 4xx with a
Stripe error object, never a 5xx. Hypothesis generates the requests (collected first, then
sent through the app, because the app lives on the session's event loop)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import httpx
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.api_helpers import SESSIONS, Tenant, create_session

KEY_PARTS = ["expand", "limit", "created", "metadata", "options", "document", "url", "note"]
# Real parameter names, so the values reach validation and the database, not only the parser.
REAL_KEYS = [
    "limit",
    "created",
    "created[gt]",
    "created[lte]",
    "starting_after",
    "ending_before",
    "expand[]",
    "expand[0]",
    "status",
    "client_reference_id",
    "type",
    "verification_session",
    "reason",
    "metadata[k]",
    "options[document][allowed_types][]",
    "options[screening][enabled]",
    "return_url",
    "url",
    "enabled_events[]",
    "decision",
    "note",
    "screening_hits[un:1]",
]
key = st.sampled_from(REAL_KEYS) | st.lists(
    st.sampled_from([*KEY_PARTS, "[", "]", "[]", "[0]", "[²]", "[٣]", "[99999999999999]", "\x00"])
    | st.text(max_size=6),
    min_size=1,
    max_size=6,
).map("".join)
scalar = st.sampled_from(
    ["", "x", "-1", "0", "1e309", "NaN", "true", str(10**30), "²", "\x00", "%ff", "[]", "x" * 3000]
) | st.text(max_size=12)
query = st.lists(st.tuples(key, scalar), max_size=6)

json_value = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.sampled_from(["x" * 3000, "approve", "http://127.0.0.1/", "*"])
    | st.floats()
    | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(key | st.sampled_from(KEY_PARTS), inner, max_size=3)
    ),
    max_leaves=15,
)


@st.composite
def body(draw: st.DrawFn) -> tuple[str, bytes]:
    kind = draw(st.sampled_from(["form", "json", "deep", "raw"]))
    if kind == "form":
        pairs = draw(query)
        return "application/x-www-form-urlencoded", str(httpx.QueryParams(pairs)).encode()
    if kind == "json":
        value = draw(st.dictionaries(st.sampled_from(KEY_PARTS) | key, json_value, max_size=4))
        return "application/json", json.dumps(value).encode()
    if kind == "deep":
        levels = draw(st.sampled_from([40, 1000, 100_000]))
        opener, closer = draw(st.sampled_from([("[", "]"), ('{"a":', "}")]))
        return "application/json", (
            '{"metadata":' + opener * levels + "1" + closer * levels + "}"
        ).encode()
    content_type = draw(
        st.sampled_from(["application/json", "", "text/plain", "application/x-www-form-urlencoded"])
    )
    return content_type, draw(st.binary(max_size=64))


def collect(strategy: st.SearchStrategy[Any], n: int) -> list[Any]:
    """n deterministic examples of `strategy`."""
    found: list[Any] = []

    @settings(
        max_examples=n,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        deadline=None,
    )
    @given(strategy)
    def draw(example: Any) -> None:
        found.append(example)

    draw()
    return found[:n]


def assert_client_error(response: httpx.Response, what: str) -> None:
    assert response.status_code < 500, (what, response.status_code, response.text[:300])
    if response.status_code >= 400:
        error = response.json()["error"]
        assert error["type"] and error["message"], what


GET_PATHS = [
    SESSIONS,
    "/v1/identity/verification_reports",
    "/v1/events",
    "/v1/webhook_endpoints",
    "/v1/reviews",
]


async def test_hostile_queries_never_answer_5xx(client: httpx.AsyncClient, tenant: Tenant) -> None:
    session = await create_session(client, tenant)
    paths = [*GET_PATHS, f"{SESSIONS}/{session['id']}"]
    for i, pairs in enumerate(collect(query, 300)):
        path = paths[i % len(paths)]
        auth = tenant.reviewer_auth if path == "/v1/reviews" else tenant.auth
        response = await client.get(path, params=pairs, headers=auth)
        assert_client_error(response, f"GET {path} {pairs!r}")


path_segment = st.text(max_size=40) | st.sampled_from(["vs_", "x" * 300, "%00", "..", "²"])


async def test_hostile_path_ids_never_answer_5xx(client: httpx.AsyncClient, tenant: Tenant) -> None:
    templates = [
        ("GET", SESSIONS + "/{}"),
        ("GET", "/v1/identity/verification_reports/{}"),
        ("GET", "/v1/events/{}"),
        ("GET", "/v1/webhook_endpoints/{}"),
        ("DELETE", "/v1/webhook_endpoints/{}"),
        ("POST", SESSIONS + "/{}/cancel"),
        ("GET", "/verify/{}/status"),
    ]
    for i, segment in enumerate(collect(path_segment, 140)):
        method, template = templates[i % len(templates)]
        path = template.format(quote(segment, safe="") or "x")
        response = await client.request(method, path, headers=tenant.auth)
        assert_client_error(response, f"{method} {path!r}")


async def test_the_reported_500s_are_400s(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.get(SESSIONS, params={"expand[²]": "x"}, headers=tenant.auth)
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"
    deep = b'{"metadata":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    response = await client.post(
        SESSIONS, content=deep, headers={**tenant.auth, "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert "nested deeper" in response.json()["error"]["message"]


async def test_hostile_bodies_never_answer_5xx(client: httpx.AsyncClient, tenant: Tenant) -> None:
    session = await create_session(client, tenant)
    sid = session["id"]
    doomed = (await create_session(client, tenant))["id"]  # cancel and redact may succeed
    posts = [
        (SESSIONS, tenant.auth),
        (f"{SESSIONS}/{sid}", tenant.auth),
        (f"{SESSIONS}/{sid}/submit", tenant.auth),
        (f"{SESSIONS}/{sid}/files", tenant.auth),
        (f"{SESSIONS}/{doomed}/cancel", tenant.auth),
        (f"{SESSIONS}/{doomed}/redact", tenant.auth),
        ("/v1/webhook_endpoints", tenant.auth),
        (f"/v1/reviews/{sid}", tenant.reviewer_auth),
        (f"/verify/{sid}/check", {"Authorization": f"Bearer {session['client_secret']}"}),
    ]
    for i, (content_type, raw) in enumerate(collect(body(), 450)):
        path, auth = posts[i % len(posts)]
        headers = {**auth, "Content-Type": content_type} if content_type else auth
        response = await client.post(path, content=raw, headers=headers)
        assert_client_error(response, f"POST {path} {content_type} {raw[:200]!r}")
    # The session survived the storm unchanged in kind: still a session that requires input.
    final = await client.get(f"{SESSIONS}/{sid}", headers=tenant.auth)
    assert final.status_code == 200


async def test_capture_prechecks_are_rate_limited_per_session(
    client: httpx.AsyncClient, tenant: Tenant, app: FastAPI
) -> None:
    session = await create_session(client, tenant)
    applicant = {"Authorization": f"Bearer {session['client_secret']}"}
    limit = app.state.kyc.settings.precheck_per_minute
    path = f"/verify/{session['id']}/check"
    # Bodies that fail fast (not multipart): the limit counts them before reading anything.
    statuses = [
        (await client.post(path, content=b"x", headers=applicant)).status_code
        for _ in range(limit + 1)
    ]
    assert statuses[:limit] == [400] * limit
    assert statuses[limit] == 429
    other = await create_session(client, tenant)
    other_auth = {"Authorization": f"Bearer {other['client_secret']}"}
    fresh = await client.post(f"/verify/{other['id']}/check", content=b"x", headers=other_auth)
    assert fresh.status_code == 400


async def test_reads_after_cancel_see_it(client: httpx.AsyncClient, tenant: Tenant) -> None:
    # The stripe SDK's cancel followed at once by modify used to succeed: the update checked a
    # row the workflow had not written yet. Cancel now answers once the status is persisted.
    for _ in range(3):
        session = await create_session(client, tenant)
        sid = session["id"]
        canceled = await client.post(f"{SESSIONS}/{sid}/cancel", headers=tenant.auth)
        assert canceled.status_code == 200, canceled.text
        read = await client.get(f"{SESSIONS}/{sid}", headers=tenant.auth)
        assert read.json()["status"] == "canceled"
        modified = await client.post(
            f"{SESSIONS}/{sid}", data={"metadata[k]": "v"}, headers=tenant.auth
        )
        assert modified.status_code == 400
        assert modified.json()["error"]["code"] == "session_invalid_state"
