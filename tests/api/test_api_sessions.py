"""Sessions: create, retrieve, update, cancel, redact, upload, submit, through to reports."""

from __future__ import annotations

import httpx

from kyc.db.ids import digest
from tests.api.api_helpers import (
    SESSIONS,
    Tenant,
    create_session,
    upload,
    verified_session,
    wait_status,
)


async def test_create_returns_secret_url_and_defaults(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    body = await create_session(
        client, tenant, type="document", metadata={"order": "42"}, client_reference_id="user-1"
    )
    assert body["object"] == "identity.verification_session"
    assert body["id"].startswith("vs_")
    assert body["status"] == "requires_input"
    assert body["client_secret"].startswith(f"{body['id']}_secret_")
    assert body["url"] == f"http://kyc.test/verify/{body['id']}#{body['client_secret']}"
    assert body["metadata"] == {"order": "42"}
    assert body["client_reference_id"] == "user-1"
    assert body["options"]["document"]["require_matching_selfie"] is False
    assert body["livemode"] is False
    assert body["last_error"] is None
    assert body["review"] == {"pending": False, "reasons": [], "deadline": None}

    again = (await client.get(f"{SESSIONS}/{body['id']}", headers=tenant.auth)).json()
    # As on Stripe, the platform reads the secret and url back while the session requires input
    # (stored sealed; lookups use its hash); the applicant's own reads never show them.
    assert again["client_secret"] == body["client_secret"] and again["url"] == body["url"]
    assert again["id"] == body["id"] and again["metadata"] == {"order": "42"}
    assert digest(body["client_secret"]) != body["client_secret"]
    applicant = {"Authorization": f"Bearer {body['client_secret']}"}
    own = (await client.get(f"{SESSIONS}/{body['id']}", headers=applicant)).json()
    assert own["client_secret"] is None and own["url"] is None
    unknown = await client.get(
        f"{SESSIONS}/{body['id']}", params={"expand[]": "customer"}, headers=tenant.auth
    )
    assert unknown.status_code == 400
    assert unknown.json()["error"]["message"] == "This property cannot be expanded (customer)."


async def test_form_encoded_create_matches_stripe_encoding(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await client.post(
        SESSIONS,
        content=(
            "type=document&options[document][require_matching_selfie]=true"
            "&options[document][allowed_types][]=passport&metadata[k]=v&expand[]=verified_outputs"
        ),
        headers={**tenant.auth, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["options"]["document"]["require_matching_selfie"] is True
    assert body["options"]["document"]["allowed_types"] == ["passport"]
    assert body["metadata"] == {"k": "v"}
    assert body["verified_outputs"] is None


async def test_full_verification_reports_and_verified_outputs(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    session = await verified_session(client, tenant)
    sid = session["id"]
    assert session["last_verification_report"].startswith("vr_")

    expanded = await client.get(
        f"{SESSIONS}/{sid}", params={"expand[]": "verified_outputs"}, headers=tenant.auth
    )
    outputs = expanded.json()["verified_outputs"]
    assert outputs["first_name"] == "ANNA MARIA"
    assert outputs["last_name"] == "ERIKSSON"
    assert outputs["dob"] == {"day": 12, "month": 8, "year": 1974}

    report = await client.get(
        f"/v1/identity/verification_reports/{session['last_verification_report']}",
        headers=tenant.auth,
    )
    assert report.status_code == 200
    body = report.json()
    assert body["object"] == "identity.verification_report"
    assert body["verification_session"] == sid
    assert body["document"]["status"] == "verified"
    assert body["document"]["number"] == "L898902C3"
    assert body["document"]["expiration_date"] == {"day": 15, "month": 4, "year": 2032}
    assert body["screening"]["status"] == "clear"

    listed = await client.get(
        "/v1/identity/verification_reports",
        params={"verification_session": sid},
        headers=tenant.auth,
    )
    assert [r["id"] for r in listed.json()["data"]] == [body["id"]]

    events = await client.get("/v1/events", headers=tenant.auth)
    types = [e["type"] for e in events.json()["data"]]
    assert "identity.verification_session.verified" in types
    assert "identity.verification_session.processing" in types


async def test_submit_with_client_secret_and_unreadable_document(
    client: httpx.AsyncClient, tenant: Tenant, activities: object
) -> None:
    session = await create_session(client, tenant)
    sid = session["id"]
    activities.scenario[sid] = "unreadable"  # type: ignore[attr-defined]
    as_user = {"Authorization": f"Bearer {session['client_secret']}"}
    assert (await upload(client, sid, as_user)).status_code == 200
    submitted = await client.post(f"{SESSIONS}/{sid}/submit", headers=as_user)
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "processing"
    back = await wait_status(client, tenant, sid, "requires_input")
    assert back["last_error"]["code"] == "document_unreadable"
    # Submitting again without a new upload: the earlier files were used up.
    again = await client.post(f"{SESSIONS}/{sid}/submit", headers=as_user)
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "document_front_missing"


async def test_update_metadata_only_while_requires_input(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    session = await create_session(client, tenant, metadata={"a": "1", "b": "2"})
    sid = session["id"]
    updated = await client.post(
        f"{SESSIONS}/{sid}",
        content="metadata[a]=&metadata[c]=3",
        headers={**tenant.auth, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["metadata"] == {"b": "2", "c": "3"}

    canceled = await client.post(f"{SESSIONS}/{sid}/cancel", headers=tenant.auth)
    assert canceled.status_code == 200
    assert canceled.json()["status"] == "canceled"
    await wait_status(client, tenant, sid, "canceled")
    refused = await client.post(
        f"{SESSIONS}/{sid}", json={"metadata": {"x": "y"}}, headers=tenant.auth
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "session_invalid_state"
    again = await client.post(f"{SESSIONS}/{sid}/cancel", headers=tenant.auth)
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "session_invalid_state"


async def test_redact_running_session_cancels_and_shreds(
    client: httpx.AsyncClient, tenant: Tenant, store: object
) -> None:
    session = await create_session(client, tenant, metadata={"email": "a@example.com"})
    sid = session["id"]
    assert (await upload(client, sid, tenant.auth)).status_code == 200
    objects = store.objects  # type: ignore[attr-defined]
    assert any(k.startswith(f"sessions/{sid}/uploads/") for k in objects)

    redacted = await client.post(f"{SESSIONS}/{sid}/redact", headers=tenant.auth)
    assert redacted.status_code == 200, redacted.text
    body = redacted.json()
    assert body["redaction"] == {"status": "redacted"}
    assert body["status"] == "canceled"
    assert body["metadata"] == {}
    assert not any(k.startswith(f"sessions/{sid}/") for k in objects)
    events = await client.get(
        "/v1/events", params={"type": "identity.verification_session.redacted"}, headers=tenant.auth
    )
    assert [e["data"]["object"]["id"] for e in events.json()["data"]] == [sid]


async def test_redact_verified_session_removes_report_body(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    session = await verified_session(client, tenant)
    redacted = await client.post(f"{SESSIONS}/{session['id']}/redact", headers=tenant.auth)
    assert redacted.status_code == 200
    assert redacted.json()["status"] == "verified"
    expanded = await client.get(
        f"{SESSIONS}/{session['id']}", params={"expand[0]": "verified_outputs"}, headers=tenant.auth
    )
    assert expanded.json()["verified_outputs"] is None
    report = await client.get(
        f"/v1/identity/verification_reports/{session['last_verification_report']}",
        headers=tenant.auth,
    )
    assert report.json()["document"] is None
    assert report.json()["redaction"] == {"status": "redacted"}


async def test_options_cannot_change_after_creation(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    session = await create_session(client, tenant)
    response = await client.post(
        f"{SESSIONS}/{session['id']}",
        json={"options": {"document": {"require_matching_selfie": True}}},
        headers=tenant.auth,
    )
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "options"


async def test_client_secret_sees_status_but_never_identity(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    session = await verified_session(client, tenant)
    created = await create_session(client, tenant)
    as_user = {"Authorization": f"Bearer {created['client_secret']}"}
    own = await client.get(
        f"{SESSIONS}/{created['id']}", params={"expand[]": "verified_outputs"}, headers=as_user
    )
    assert own.status_code == 200 and own.json()["verified_outputs"] is None
    # Someone else's verified session is not reachable with this secret.
    other = await client.get(f"{SESSIONS}/{session['id']}", headers=as_user)
    assert other.status_code == 404


async def test_created_event_is_recorded_without_secret(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    session = await create_session(client, tenant)
    events = await client.get(
        "/v1/events", params={"type": "identity.verification_session.created"}, headers=tenant.auth
    )
    [event] = events.json()["data"]
    assert event["data"]["object"]["id"] == session["id"]
    assert event["data"]["object"]["client_secret"] is None
