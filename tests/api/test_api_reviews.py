"""Reviews (queue and decisions through the Temporal Update), events and webhook endpoints."""

from __future__ import annotations

import asyncio

import httpx

from kyc.db.engine import make_engine, session_scope
from kyc.db.tables import VerificationSessionRow
from kyc.settings import Settings
from tests.api.api_helpers import SESSIONS, Tenant, create_session, upload, wait_status
from tests.webhook_receiver import webhook_receiver


async def needs_review(client: httpx.AsyncClient, tenant: Tenant, activities: object) -> str:
    session = await create_session(client, tenant)
    activities.scenario[session["id"]] = "review"  # type: ignore[attr-defined]
    assert (await upload(client, session["id"], tenant.auth)).status_code == 200
    assert (await client.post(f"{SESSIONS}/{session['id']}/submit", headers=tenant.auth)).is_success
    await wait_status(client, tenant, session["id"], "needs_review")
    return str(session["id"])


def backdate_review(settings: Settings, session_id: str, seconds: int) -> None:
    engine = make_engine(settings.resolved_database_url)
    with session_scope(engine) as db:
        row = db.get(VerificationSessionRow, session_id)
        assert row is not None and row.review_since is not None
        row.review_since -= seconds
        db.add(row)
    engine.dispose()


async def test_review_queue_decision_and_case(
    client: httpx.AsyncClient, tenant: Tenant, activities: object, settings: Settings
) -> None:
    # Created second, but waiting longer: the queue is ordered by time waiting.
    newer = await needs_review(client, tenant, activities)
    older = await needs_review(client, tenant, activities)
    backdate_review(settings, older, 600)

    queue = await client.get("/v1/reviews", headers=tenant.reviewer_auth)
    assert queue.status_code == 200
    items = queue.json()["data"]
    assert [i["session"] for i in items] == [older, newer]
    assert items[0]["reasons"] == ["screening_hit"]
    assert items[0]["deadline"] > items[0]["pending_since"]
    # The platform's secret key sees the same queue; a reason filter that matches nothing.
    assert len((await client.get("/v1/reviews", headers=tenant.auth)).json()["data"]) == 2
    other_reason = await client.get(
        "/v1/reviews", params={"reason": "selfie_unclear"}, headers=tenant.reviewer_auth
    )
    assert other_reason.json()["data"] == []

    # A secret key cannot decide; an invalid decision is refused before reaching the workflow.
    by_platform = await client.post(
        f"/v1/reviews/{older}", json={"decision": "approve"}, headers=tenant.auth
    )
    assert by_platform.status_code == 403
    bad = await client.post(
        f"/v1/reviews/{older}", json={"decision": "maybe"}, headers=tenant.reviewer_auth
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["param"] == "decision"

    decided = await client.post(
        f"/v1/reviews/{older}",
        content="decision=approve&note=documents+match",
        headers={**tenant.reviewer_auth, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert decided.status_code == 200, decided.text
    assert decided.json() == {
        "object": "review_decision",
        "session": older,
        "status": "verified",
        "decided_by": "rev-alice",
        "decision": "approve",
    }
    session = await wait_status(client, tenant, older, "verified")
    assert session["review"]["pending"] is False

    # The workflow's validator refuses a second decision synchronously.
    again = await client.post(
        f"/v1/reviews/{older}", json={"decision": "reject"}, headers=tenant.reviewer_auth
    )
    assert again.status_code == 400
    assert again.json()["error"]["code"] in ("review_refused", "session_invalid_state")

    case = await client.get(f"/v1/reviews/{older}", headers=tenant.reviewer_auth)
    body = case.json()
    assert body["session"]["verified_outputs"]["last_name"] == "REVIEW"
    assert body["report"]["document"]["status"] == "verified"
    # The reviewer sees which uploads the report's attempt was submitted with.
    [front] = body["report"]["document"]["files"]
    assert front.startswith("file_")
    assert [(h["reviewer"], h["decision"], h["note"]) for h in body["history"]] == [
        ("rev-alice", "approve", "documents match")
    ]

    queue = await client.get("/v1/reviews", headers=tenant.reviewer_auth)
    assert [i["session"] for i in queue.json()["data"]] == [newer]


async def test_reject_with_unknown_reason_is_refused_by_validator(
    client: httpx.AsyncClient, tenant: Tenant, activities: object
) -> None:
    sid = await needs_review(client, tenant, activities)
    refused = await client.post(
        f"/v1/reviews/{sid}",
        json={"decision": "reject", "reason": "looks_odd"},
        headers=tenant.reviewer_auth,
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "review_refused"
    assert "looks_odd" in refused.json()["error"]["message"]
    resubmit = await client.post(
        f"/v1/reviews/{sid}",
        json={"decision": "request_resubmission", "reason": "document_unreadable"},
        headers=tenant.reviewer_auth,
    )
    assert resubmit.json()["status"] == "requires_input"
    session = await wait_status(client, tenant, sid, "requires_input")
    assert session["last_error"]["code"] == "document_unreadable"


async def test_screening_hit_verdicts_in_form_encoding(
    client: httpx.AsyncClient, tenant: Tenant, activities: object
) -> None:
    sid = await needs_review(client, tenant, activities)
    unknown = await client.post(
        f"/v1/reviews/{sid}",
        content="decision=approve&screening_hits[un:QDi.1]=false_positive",
        headers={**tenant.reviewer_auth, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert unknown.status_code == 400
    assert "Not a pending screening hit: un:QDi.1" in unknown.json()["error"]["message"]
    confirmed = await client.post(
        f"/v1/reviews/{sid}",
        content="decision=reject&screening_hits[un:QDi.999]=confirmed",
        headers={**tenant.reviewer_auth, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "canceled"
    session = await wait_status(client, tenant, sid, "canceled")
    assert session["last_error"]["code"] == "screening_match_confirmed"


async def test_review_of_session_without_pending_review(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    session = await create_session(client, tenant)
    response = await client.post(
        f"/v1/reviews/{session['id']}", json={"decision": "approve"}, headers=tenant.reviewer_auth
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "review_refused"


async def test_events_list_filter_and_retrieve(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    session = await create_session(client, tenant)
    await client.post(f"{SESSIONS}/{session['id']}/cancel", headers=tenant.auth)
    await wait_status(client, tenant, session["id"], "canceled")
    events = await client.get(
        "/v1/events", params={"type": "identity.verification_session.*"}, headers=tenant.auth
    )
    data = events.json()["data"]
    assert sorted(e["type"] for e in data) == [
        "identity.verification_session.canceled",
        "identity.verification_session.created",
    ]
    [event] = [e for e in data if e["type"].endswith(".canceled")]
    assert event["object"] == "event"
    assert event["data"]["object"]["id"] == session["id"]
    one = await client.get(f"/v1/events/{event['id']}", headers=tenant.auth)
    assert one.json() == event
    assert (
        await client.get(f"/v1/events/{event['id']}", headers=other_tenant.auth)
    ).status_code == 404


async def test_webhook_endpoints_lifecycle(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    created = await client.post(
        "/v1/webhook_endpoints",
        content=(
            "url=https://platform.example/hooks"
            "&enabled_events[]=identity.verification_session.verified"
            "&enabled_events[]=identity.verification_session.needs_review"
        ),
        headers={**tenant.auth, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert created.status_code == 200, created.text
    endpoint = created.json()
    assert endpoint["object"] == "webhook_endpoint"
    assert endpoint["secret"].startswith("whsec_")
    assert endpoint["enabled_events"] == [
        "identity.verification_session.verified",
        "identity.verification_session.needs_review",
    ]
    eid = endpoint["id"]
    fetched = (await client.get(f"/v1/webhook_endpoints/{eid}", headers=tenant.auth)).json()
    assert "secret" not in fetched and fetched["url"] == "https://platform.example/hooks"
    listed = (await client.get("/v1/webhook_endpoints", headers=tenant.auth)).json()
    assert [e["id"] for e in listed["data"]] == [eid]
    assert (await client.get("/v1/webhook_endpoints", headers=other_tenant.auth)).json()[
        "data"
    ] == []
    assert (
        await client.delete(f"/v1/webhook_endpoints/{eid}", headers=other_tenant.auth)
    ).status_code == 404
    deleted = await client.delete(f"/v1/webhook_endpoints/{eid}", headers=tenant.auth)
    assert deleted.json() == {"id": eid, "object": "webhook_endpoint", "deleted": True}
    assert (
        await client.get(f"/v1/webhook_endpoints/{eid}", headers=tenant.auth)
    ).status_code == 404

    bad_event = await client.post(
        "/v1/webhook_endpoints",
        json={"url": "https://x.example", "enabled_events": ["charge.succeeded"]},
        headers=tenant.auth,
    )
    assert bad_event.status_code == 400
    assert bad_event.json()["error"]["param"] == "enabled_events[0]"
    bad_url = await client.post(
        "/v1/webhook_endpoints",
        json={"url": "ftp://x.example", "enabled_events": ["*"]},
        headers=tenant.auth,
    )
    assert bad_url.json()["error"]["param"] == "url"


async def test_api_recorded_events_reach_subscribed_endpoints(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    """`created` and `redacted` are recorded by the API, not the workflow: they are delivered
    through EventDeliveryWorkflow, signed, to the endpoints that subscribe to them."""
    with webhook_receiver() as receiver:
        endpoint = await client.post(
            "/v1/webhook_endpoints",
            json={
                "url": receiver.url,
                "enabled_events": [
                    "identity.verification_session.created",
                    "identity.verification_session.redacted",
                ],
            },
            headers=tenant.auth,
        )
        assert endpoint.status_code == 200, endpoint.text
        session = await create_session(client, tenant)
        await client.post(f"{SESSIONS}/{session['id']}/redact", headers=tenant.auth)
        for _ in range(100):
            if len(receiver.received) >= 2:
                break
            await asyncio.sleep(0.1)
        got = sorted((r.event["type"], r.event["data"]["object"]["id"]) for r in receiver.received)
        assert got == [
            ("identity.verification_session.created", session["id"]),
            ("identity.verification_session.redacted", session["id"]),
        ]
        assert all(
            r.signature.startswith("t=") and ",v1=" in r.signature for r in receiver.received
        )
        await client.delete(f"/v1/webhook_endpoints/{endpoint.json()['id']}", headers=tenant.auth)
