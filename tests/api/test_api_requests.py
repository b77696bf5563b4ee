"""Idempotency, pagination and parameter errors."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from fastapi import FastAPI
from temporalio.service import RPCError, RPCStatusCode

from api.app import create_app
from kyc.db import idempotency
from kyc.db.engine import make_engine, session_scope
from kyc.db.idempotency import request_fingerprint
from kyc.db.ids import now
from kyc.db.tables import IdempotencyRow
from kyc.settings import Settings
from tests.api.api_helpers import SESSIONS, MemoryStore, Tenant, create_session, upload, wait_status

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


async def test_idempotent_replay_and_conflict(client: httpx.AsyncClient, tenant: Tenant) -> None:
    headers = {**tenant.auth, "Idempotency-Key": "create-1"}
    first = await client.post(SESSIONS, json={"metadata": {"n": "1"}}, headers=headers)
    assert first.status_code == 200
    assert "Idempotent-Replayed" not in first.headers
    replay = await client.post(SESSIONS, json={"metadata": {"n": "1"}}, headers=headers)
    assert replay.status_code == 200
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    # The same parameters form-encoded are the same request.
    as_form = await client.post(SESSIONS, content="metadata[n]=1", headers={**headers, **FORM})
    assert as_form.json()["id"] == first.json()["id"]

    listed = await client.get(SESSIONS, headers=tenant.auth)
    assert [s["id"] for s in listed.json()["data"]] == [first.json()["id"]]

    conflict = await client.post(SESSIONS, json={"metadata": {"n": "2"}}, headers=headers)
    assert conflict.status_code == 400
    assert conflict.json()["error"]["type"] == "idempotency_error"
    assert conflict.json()["error"]["code"] == "idempotency_key_in_use"


async def test_idempotency_keys_are_per_platform_and_errors_not_stored(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    key = {"Idempotency-Key": "shared-key"}
    a = await client.post(SESSIONS, json={}, headers={**tenant.auth, **key})
    b = await client.post(SESSIONS, json={}, headers={**other_tenant.auth, **key})
    assert a.json()["id"] != b.json()["id"]
    assert "Idempotent-Replayed" not in b.headers

    retry_key = {**tenant.auth, "Idempotency-Key": "after-error"}
    bad = await client.post(SESSIONS, json={"type": "id_number"}, headers=retry_key)
    assert bad.status_code == 400
    fixed = await client.post(SESSIONS, json={"type": "id_number"}, headers=retry_key)
    assert fixed.status_code == 400
    assert "Idempotent-Replayed" not in fixed.headers


async def test_idempotent_upload_replay(client: httpx.AsyncClient, tenant: Tenant) -> None:
    session = await create_session(client, tenant)
    headers = {**tenant.auth, "Idempotency-Key": "upload-1"}
    first = await upload(client, session["id"], headers)
    second = await upload(client, session["id"], headers)
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.json()["id"] == first.json()["id"]
    other = await upload(client, session["id"], headers, purpose="selfie")
    assert other.status_code == 400
    assert other.json()["error"]["type"] == "idempotency_error"


async def test_pagination_both_directions(client: httpx.AsyncClient, tenant: Tenant) -> None:
    created = [(await create_session(client, tenant))["id"] for _ in range(5)]
    first = (await client.get(SESSIONS, params={"limit": 2}, headers=tenant.auth)).json()
    assert first["object"] == "list" and first["url"] == SESSIONS
    assert len(first["data"]) == 2 and first["has_more"] is True
    seen = [s["id"] for s in first["data"]]
    page = first
    while page["has_more"]:
        page = (
            await client.get(
                SESSIONS, params={"limit": 2, "starting_after": seen[-1]}, headers=tenant.auth
            )
        ).json()
        seen += [s["id"] for s in page["data"]]
    assert sorted(seen) == sorted(created) and len(seen) == 5
    assert len(page["data"]) == 1

    back = (
        await client.get(
            SESSIONS, params={"limit": 2, "ending_before": seen[-1]}, headers=tenant.auth
        )
    ).json()
    assert [s["id"] for s in back["data"]] == seen[2:4]
    assert back["has_more"] is True
    top = (
        await client.get(
            SESSIONS, params={"limit": 2, "ending_before": seen[2]}, headers=tenant.auth
        )
    ).json()
    assert [s["id"] for s in top["data"]] == seen[0:2]
    assert top["has_more"] is False


async def test_list_filters(client: httpx.AsyncClient, tenant: Tenant) -> None:
    target = await create_session(client, tenant, client_reference_id="ref-7")
    other = await create_session(client, tenant)
    await client.post(f"{SESSIONS}/{other['id']}/cancel", headers=tenant.auth)
    await wait_status(client, tenant, other["id"], "canceled")
    by_ref = await client.get(
        SESSIONS, params={"client_reference_id": "ref-7"}, headers=tenant.auth
    )
    assert [s["id"] for s in by_ref.json()["data"]] == [target["id"]]
    by_created = await client.get(
        SESSIONS,
        params={"created[gte]": target["created"], "created[lte]": target["created"] + 3600},
        headers=tenant.auth,
    )
    assert target["id"] in [s["id"] for s in by_created.json()["data"]]
    future = await client.get(
        SESSIONS, params={"created[gt]": target["created"] + 3600}, headers=tenant.auth
    )
    assert future.json()["data"] == []
    requires = await client.get(SESSIONS, params={"status": "requires_input"}, headers=tenant.auth)
    assert [s["id"] for s in requires.json()["data"]] == [target["id"]]


@pytest.mark.parametrize(
    ("params", "code", "param"),
    [
        ({"limit": "0"}, "parameter_invalid", "limit"),
        ({"limit": "abc"}, "parameter_invalid", "limit"),
        ({"created": "yesterday"}, "parameter_invalid", "created[gte]"),
        ({"status": "done"}, "parameter_invalid", "status"),
        ({"created[since]": "1"}, "parameter_unknown", "created[since]"),
        ({"colour": "red"}, "parameter_unknown", "colour"),
        ({"expand[]": "data.customer"}, "parameter_invalid", "expand[0]"),
        ({"starting_after": "vs_x", "ending_before": "vs_y"}, "parameter_invalid", "ending_before"),
    ],
)
async def test_list_parameter_errors(
    client: httpx.AsyncClient, tenant: Tenant, params: dict[str, str], code: str, param: str
) -> None:
    response = await client.get(SESSIONS, params=params, headers=tenant.auth)
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["param"]) == (code, param)


@pytest.mark.parametrize(
    ("body", "code", "param"),
    [
        (
            "options[document][require_matching_selfie]=maybe",
            "parameter_invalid",
            "options[document][require_matching_selfie]",
        ),
        (
            "options[document][allowed_types][]=library_card",
            "parameter_invalid",
            "options[document][allowed_types][0]",
        ),
        ("options[docment][x]=1", "parameter_unknown", "options[docment]"),
        ("type=id_number", "parameter_invalid", "type"),
        ("return_url=javascript:alert(1)", "parameter_invalid", "return_url"),
        ("metadata[" + "k" * 41 + "]=v", "parameter_invalid", "metadata[" + "k" * 41 + "]"),
        ("a]b=1", "parameter_invalid", "a]b"),
    ],
)
async def test_create_parameter_errors_store_nothing(
    client: httpx.AsyncClient, tenant: Tenant, body: str, code: str, param: str
) -> None:
    response = await client.post(SESSIONS, content=body, headers={**tenant.auth, **FORM})
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert (error["type"], error["code"], error["param"]) == ("invalid_request_error", code, param)
    assert (await client.get(SESSIONS, headers=tenant.auth)).json()["data"] == []


async def test_malformed_json_and_content_type(client: httpx.AsyncClient, tenant: Tenant) -> None:
    bad_json = await client.post(
        SESSIONS, content="{not json", headers={**tenant.auth, "Content-Type": "application/json"}
    )
    assert bad_json.status_code == 400
    assert bad_json.json()["error"]["code"] == "parameter_invalid"
    not_object = await client.post(SESSIONS, json=[1, 2], headers=tenant.auth)
    assert not_object.status_code == 400
    xml = await client.post(
        SESSIONS, content="<a/>", headers={**tenant.auth, "Content-Type": "application/xml"}
    )
    assert xml.status_code == 400


async def test_unknown_route_and_method(client: httpx.AsyncClient, tenant: Tenant) -> None:
    missing = await client.get("/v1/charges", headers=tenant.auth)
    assert missing.status_code == 404
    assert missing.json()["error"]["type"] == "invalid_request_error"
    wrong = await client.delete(SESSIONS, headers=tenant.auth)
    assert wrong.status_code == 405
    assert wrong.json()["error"]["code"] == "method_not_allowed"


class UnreachableTemporal:
    """A client whose calls fail like a Temporal frontend that is down."""

    async def start_workflow(self, *args: object, **kwargs: object) -> None:
        raise RPCError("connection refused", RPCStatusCode.UNAVAILABLE, b"")


async def test_temporal_down_is_503_and_stores_nothing(
    settings: Settings, tenant: Tenant, client: httpx.AsyncClient
) -> None:
    app: FastAPI = create_app(settings, temporal=UnreachableTemporal(), store=MemoryStore())  # type: ignore[arg-type]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://kyc.test") as down:
        response = await down.post(
            SESSIONS, json={}, headers={**tenant.auth, "Idempotency-Key": "down-1"}
        )
        assert response.status_code == 503
        assert response.json()["error"]["type"] == "api_error"
        listed = await down.get(SESSIONS, headers=tenant.auth)
        assert listed.json()["data"] == []
    # The failed request released its key: a retry once Temporal is back does the work.
    retried = await client.post(
        SESSIONS, json={}, headers={**tenant.auth, "Idempotency-Key": "down-1"}
    )
    assert retried.status_code == 200
    assert "Idempotent-Replayed" not in retried.headers


async def test_key_of_a_request_in_progress_is_409(
    client: httpx.AsyncClient, tenant: Tenant, settings: Settings
) -> None:
    engine = make_engine(settings.resolved_database_url)
    fingerprint = request_fingerprint("POST", SESSIONS, {})
    key = idempotency.scoped_key("secret_key", "busy-1")
    with session_scope(engine) as db:
        assert idempotency.reserve(db, tenant.platform_id, key, fingerprint, now())
    engine.dispose()
    response = await client.post(
        SESSIONS, json={}, headers={**tenant.auth, "Idempotency-Key": "busy-1"}
    )
    assert response.status_code == 409
    assert response.json()["error"]["type"] == "idempotency_error"


async def test_a_dead_reservation_is_taken_over_after_its_timeout(
    client: httpx.AsyncClient, tenant: Tenant, settings: Settings
) -> None:
    # The request that reserved the key crashed between the work and its completion.
    engine = make_engine(settings.resolved_database_url)
    fingerprint = request_fingerprint("POST", SESSIONS, {})
    key = idempotency.scoped_key("secret_key", "crashed-1")
    reserved_at = now() - idempotency.RESERVATION_TIMEOUT_S - 1
    with session_scope(engine) as db:
        assert idempotency.reserve(db, tenant.platform_id, key, fingerprint, reserved_at)
    response = await client.post(
        SESSIONS, json={}, headers={**tenant.auth, "Idempotency-Key": "crashed-1"}
    )
    assert response.status_code == 200, response.text
    # The dead request cannot complete over the new owner's record.
    with session_scope(engine) as db:
        idempotency.complete(db, tenant.platform_id, key, reserved_at, 200, {"id": "vs_dead"})
    replay = await client.post(
        SESSIONS, json={}, headers={**tenant.auth, "Idempotency-Key": "crashed-1"}
    )
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json()["id"] == response.json()["id"]
    engine.dispose()


async def test_records_expire_after_24_hours(
    client: httpx.AsyncClient, tenant: Tenant, settings: Settings
) -> None:
    headers = {**tenant.auth, "Idempotency-Key": "day-old"}
    first = await client.post(SESSIONS, json={}, headers=headers)
    engine = make_engine(settings.resolved_database_url)
    with session_scope(engine) as db:
        row = db.get(
            IdempotencyRow, (tenant.platform_id, idempotency.scoped_key("secret_key", "day-old"))
        )
        assert row is not None
        row.created -= idempotency.RETENTION_S
        db.add(row)
    engine.dispose()
    again = await client.post(SESSIONS, json={}, headers=headers)
    assert again.status_code == 200
    assert "Idempotent-Replayed" not in again.headers
    assert again.json()["id"] != first.json()["id"]


async def test_stored_responses_hold_no_secret_in_clear(
    client: httpx.AsyncClient, tenant: Tenant, settings: Settings
) -> None:
    headers = {**tenant.auth, "Idempotency-Key": "secret-bearing"}
    created = (await client.post(SESSIONS, json={}, headers=headers)).json()
    engine = make_engine(settings.resolved_database_url)
    with session_scope(engine) as db:
        row = db.get(
            IdempotencyRow,
            (tenant.platform_id, idempotency.scoped_key("secret_key", "secret-bearing")),
        )
        assert row is not None
        stored = json.dumps(row.response)
    engine.dispose()
    assert created["client_secret"] not in stored and created["url"] not in stored
    replay = (await client.post(SESSIONS, json={}, headers=headers)).json()
    assert replay["client_secret"] == created["client_secret"]


async def test_keys_are_scoped_by_caller(client: httpx.AsyncClient, tenant: Tenant) -> None:
    # The applicant (client_secret) and the platform (secret key) use the same key string for
    # different requests: neither sees the other's record.
    session = await create_session(client, tenant)
    applicant = {"Authorization": f"Bearer {session['client_secret']}", "Idempotency-Key": "k-1"}
    uploaded = await upload(client, session["id"], applicant)
    assert uploaded.status_code == 200, uploaded.text
    platform = {**tenant.auth, "Idempotency-Key": "k-1"}
    created = await client.post(SESSIONS, json={}, headers=platform)
    assert created.status_code == 200, created.text
    assert "Idempotent-Replayed" not in created.headers


async def test_concurrent_writes_do_not_stall(client: httpx.AsyncClient, tenant: Tenant) -> None:
    """Creates, updates and uploads at once (SQLite has one write lock): all succeed quickly."""
    base = await create_session(client, tenant)

    async def create(i: int) -> httpx.Response:
        headers = {**tenant.auth, "Idempotency-Key": f"burst-{i}"}
        return await client.post(SESSIONS, json={"metadata": {"i": str(i)}}, headers=headers)

    async def update(i: int) -> httpx.Response:
        body = {"metadata": {f"k{i}": "v"}}
        return await client.post(f"{SESSIONS}/{base['id']}", json=body, headers=tenant.auth)

    calls = [create(i) for i in range(6)] + [update(i) for i in range(3)]
    calls += [upload(client, base["id"], tenant.auth, purpose="selfie")]
    responses = await asyncio.wait_for(asyncio.gather(*calls), timeout=20)
    assert [r.status_code for r in responses] == [200] * len(calls)
    listed = await client.get(SESSIONS, params={"limit": 20}, headers=tenant.auth)
    assert len(listed.json()["data"]) == 7


async def test_unstorable_input_is_refused_not_crashed(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    nul = await client.post(SESSIONS, json={"metadata": {"k": "a\x00b"}}, headers=tenant.auth)
    assert nul.status_code == 400
    assert nul.json()["error"]["param"] == "metadata[k]"
    cursor = await client.get(SESSIONS, params={"starting_after": "vs_\x00"}, headers=tenant.auth)
    assert cursor.status_code == 400
    for path in (f"{SESSIONS}/vs_%00x", f"{SESSIONS}/{'v' * 300}", "/v1/events/evt_%27%3B"):
        odd = await client.get(path, headers=tenant.auth)
        assert odd.status_code == 404, path
        assert odd.json()["error"]["code"] == "resource_missing"
    huge = await client.post(SESSIONS, json={"metadata": {"k": "x" * 300_000}}, headers=tenant.auth)
    assert huge.status_code == 413
    single = await client.get(
        SESSIONS, params={"expand": "data.verified_outputs"}, headers=tenant.auth
    )
    assert single.status_code == 200
    assert (await client.get(SESSIONS, headers=tenant.auth)).json()["data"] == []


async def test_bad_parameters_are_400_even_when_temporal_is_down(
    settings: Settings, tenant: Tenant
) -> None:
    app: FastAPI = create_app(settings, temporal=None, store=MemoryStore())  # type: ignore[arg-type]
    app.state.kyc.settings = settings.model_copy(update={"temporal_address": "127.0.0.1:1"})
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://kyc.test") as down:
        bad = await down.post(SESSIONS, json={"type": "selfie_only"}, headers=tenant.auth)
        assert bad.status_code == 400
        good = await down.post(SESSIONS, json={}, headers=tenant.auth)
        assert good.status_code == 503
        assert good.json()["error"]["type"] == "api_error"
