"""Authentication and cross-platform isolation: another platform's objects do not exist."""

from __future__ import annotations

import httpx
import pytest

from tests.api.api_helpers import (
    SESSIONS,
    Tenant,
    create_session,
    upload,
    verified_session,
    wait_status,
)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", SESSIONS),
        ("POST", SESSIONS),
        ("GET", "/v1/identity/verification_reports"),
        ("GET", "/v1/events"),
        ("GET", "/v1/webhook_endpoints"),
        ("GET", "/v1/reviews"),
    ],
)
async def test_missing_key_is_401_stripe_error(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await client.request(method, path)
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["type"] == "authentication_error"
    assert error["code"] == "invalid_api_key"


async def test_invalid_key_is_401_and_not_echoed(client: httpx.AsyncClient) -> None:
    bad = "sk_test_not_a_real_key_123456789"
    response = await client.get(SESSIONS, headers={"Authorization": f"Bearer {bad}"})
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["type"] == "authentication_error"
    assert bad not in error["message"]


async def test_basic_auth_like_curl_u(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.get(SESSIONS, auth=(tenant.sk, ""))
    assert response.status_code == 200


async def test_reviewer_key_cannot_use_platform_endpoints(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await client.post(SESSIONS, json={}, headers=tenant.reviewer_auth)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


async def test_client_secret_only_opens_its_own_session(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    first = await create_session(client, tenant)
    second = await create_session(client, tenant)
    as_first = {"Authorization": f"Bearer {first['client_secret']}"}
    assert (await upload(client, second["id"], as_first)).status_code == 404
    assert (await client.get(SESSIONS, headers=as_first)).status_code == 401
    forged = {"Authorization": f"Bearer {first['id']}_secret_forged"}
    assert (await upload(client, first["id"], forged)).status_code == 404


async def test_other_platform_gets_404_on_every_endpoint(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, activities: object
) -> None:
    done = await verified_session(client, tenant)
    review = await create_session(client, tenant)
    activities.scenario[review["id"]] = "review"  # type: ignore[attr-defined]
    assert (await upload(client, review["id"], tenant.auth)).status_code == 200
    assert (await client.post(f"{SESSIONS}/{review['id']}/submit", headers=tenant.auth)).is_success
    await wait_status(client, tenant, review["id"], "needs_review")
    pending = await create_session(client, tenant)

    b = other_tenant.auth
    rb = other_tenant.reviewer_auth
    sid, rid = pending["id"], done["last_verification_report"]
    attempts = [
        ("GET", f"{SESSIONS}/{sid}", b, None),
        ("POST", f"{SESSIONS}/{sid}", b, {"metadata": {"x": "1"}}),
        ("POST", f"{SESSIONS}/{sid}/cancel", b, None),
        ("POST", f"{SESSIONS}/{sid}/redact", b, None),
        ("POST", f"{SESSIONS}/{sid}/submit", b, None),
        ("GET", f"/v1/identity/verification_reports/{rid}", b, None),
        ("GET", f"/v1/reviews/{review['id']}", b, None),
        ("GET", f"/v1/reviews/{review['id']}", rb, None),
        ("POST", f"/v1/reviews/{review['id']}", rb, {"decision": "approve"}),
    ]
    for method, path, headers, body in attempts:
        response = await client.request(method, path, json=body, headers=headers)
        assert response.status_code == 404, (method, path, response.text)
        assert response.json()["error"]["code"] == "resource_missing"
    uploaded = await upload(client, sid, b)
    assert uploaded.status_code == 404

    # Lists never show A's objects to B, and A's cursor is unknown to B.
    for path in (SESSIONS, "/v1/identity/verification_reports", "/v1/events", "/v1/reviews"):
        listed = await client.get(path, headers=b)
        assert listed.json()["data"] == [], path
    reports = await client.get(
        "/v1/identity/verification_reports", params={"verification_session": done["id"]}, headers=b
    )
    assert reports.json()["data"] == []
    cursor = await client.get(SESSIONS, params={"starting_after": sid}, headers=b)
    assert cursor.status_code == 400
    assert cursor.json()["error"]["param"] == "starting_after"

    # A's objects are untouched.
    mine = (await client.get(f"{SESSIONS}/{sid}", headers=tenant.auth)).json()
    assert mine["status"] == "requires_input" and mine["redaction"] is None
    still = (await client.get(f"{SESSIONS}/{review['id']}", headers=tenant.auth)).json()
    assert still["status"] == "needs_review"
