"""Test mode: `sk_test_` and `sk_live_` keys of one platform see disjoint data, and a test-mode
submission can force each outcome through the real workflow, events and webhooks."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from kyc.contracts import SIMULATED_OUTCOMES
from kyc.db import platforms
from kyc.db.engine import make_engine, session_scope
from kyc.settings import Settings
from tests.api.api_helpers import SESSIONS, Tenant, create_session, upload, wait_status
from tests.webhook_receiver import Receiver, webhook_receiver

SELFIE = {"options": {"document": {"require_matching_selfie": True}}}
VERIFIED = "identity.verification_session.verified"
NEEDS_REVIEW = "identity.verification_session.needs_review"
REQUIRES_INPUT = "identity.verification_session.requires_input"


@pytest.fixture
def live(settings: Settings, tenant: Tenant) -> Tenant:
    """Live-mode keys of the same platform as `tenant` (whose keys are test keys)."""
    engine = make_engine(settings.resolved_database_url)
    with session_scope(engine) as db:
        sk = platforms.issue_key(db, tenant.platform_id, "secret", livemode=True)
        rk = platforms.issue_key(
            db, tenant.platform_id, "reviewer", reviewer_name="rev-live", livemode=True
        )
    engine.dispose()
    assert sk.secret.startswith("sk_live_") and rk.secret.startswith("rk_live_")
    return Tenant(tenant.platform_id, sk.secret, rk.secret)


async def submit(
    client: httpx.AsyncClient, who: Tenant, session_id: str, **body: Any
) -> httpx.Response:
    return await client.post(f"{SESSIONS}/{session_id}/submit", data=body, headers=who.auth)


async def endpoint(client: httpx.AsyncClient, who: Tenant, url: str) -> dict[str, Any]:
    created = await client.post(
        "/v1/webhook_endpoints", json={"url": url, "enabled_events": ["*"]}, headers=who.auth
    )
    assert created.status_code == 200, created.text
    body: dict[str, Any] = created.json()
    return body


async def received(receiver: Receiver, session_id: str, event_type: str) -> dict[str, Any]:
    for _ in range(150):
        for got in receiver.received:
            event = got.event
            if event["type"] == event_type and event["data"]["object"]["id"] == session_id:
                return event
        await asyncio.sleep(0.1)
    raise AssertionError(f"no {event_type} for {session_id}: {len(receiver.received)} received")


def expected(outcome: str) -> tuple[str, str]:
    if outcome == "verified":
        return "verified", VERIFIED
    if outcome in ("needs_review", "screening_hit"):
        return "needs_review", NEEDS_REVIEW
    return "requires_input", REQUIRES_INPUT


@pytest.mark.parametrize("outcome", SIMULATED_OUTCOMES)
async def test_each_simulated_outcome_reaches_its_status_and_webhook(
    client: httpx.AsyncClient, tenant: Tenant, live: Tenant, outcome: str
) -> None:
    with webhook_receiver() as test_hooks, webhook_receiver() as live_hooks:
        await endpoint(client, tenant, test_hooks.url)
        await endpoint(client, live, live_hooks.url)
        session = await create_session(client, tenant, **SELFIE)
        submitted = await submit(client, tenant, session["id"], simulate=outcome)  # no file
        assert submitted.status_code == 200, submitted.text
        status, event_type = expected(outcome)
        body = await wait_status(client, tenant, session["id"], status)
        event = await received(test_hooks, session["id"], event_type)
        assert event["livemode"] is False and event["data"]["object"]["livemode"] is False
        if status == "requires_input":
            assert body["last_error"]["code"] == outcome
            assert event["data"]["object"]["last_error"]["code"] == outcome
        if status == "needs_review":
            reason = "screening_hit" if outcome == "screening_hit" else "face_match_inconclusive"
            assert body["review"]["reasons"] == [reason]
        assert live_hooks.received == []  # a test event never reaches a live endpoint


async def test_simulated_report_says_so_and_a_reviewer_decides_it(
    client: httpx.AsyncClient, tenant: Tenant, live: Tenant
) -> None:
    session = await create_session(client, tenant)  # no selfie: needs_review = screening not run
    assert (await submit(client, tenant, session["id"], simulate="needs_review")).status_code == 200
    body = await wait_status(client, tenant, session["id"], "needs_review")
    assert body["review"]["reasons"] == ["screening_not_run"]
    report = await client.get(
        f"/v1/identity/verification_reports/{body['last_verification_report']}",
        headers=tenant.auth,
    )
    assert report.json()["document"]["first_name"] == "ANNA MARIA"
    assert report.json()["screening"]["snapshot_id"] == "simulated"
    queue = await client.get("/v1/reviews", headers=tenant.reviewer_auth)
    assert session["id"] in [item["session"] for item in queue.json()["data"]]
    live_queue = await client.get("/v1/reviews", headers=live.reviewer_auth)
    assert session["id"] not in [item["session"] for item in live_queue.json()["data"]]
    refused = await client.post(
        f"/v1/reviews/{session['id']}", data={"decision": "approve"}, headers=live.reviewer_auth
    )
    assert refused.status_code == 404
    decided = await client.post(
        f"/v1/reviews/{session['id']}", data={"decision": "approve"}, headers=tenant.reviewer_auth
    )
    assert decided.status_code == 200, decided.text
    assert (await wait_status(client, tenant, session["id"], "verified"))["livemode"] is False


async def test_simulate_is_refused_in_live_mode_and_where_it_cannot_happen(
    client: httpx.AsyncClient, tenant: Tenant, live: Tenant
) -> None:
    live_session = await create_session(client, live)
    refused = await submit(client, live, live_session["id"], simulate="verified")
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert (error["code"], error["param"]) == ("parameter_unknown", "simulate")
    as_applicant = {"Authorization": f"Bearer {live_session['client_secret']}"}
    by_applicant = await client.post(
        f"{SESSIONS}/{live_session['id']}/submit",
        data={"simulate": "verified"},
        headers=as_applicant,
    )
    assert by_applicant.json()["error"]["code"] == "parameter_unknown"
    bogus = await submit(client, live, live_session["id"], simulate="not-an-outcome")
    assert bogus.json()["error"]["code"] == "parameter_unknown"

    no_selfie = await create_session(client, tenant)
    mismatch = await submit(client, tenant, no_selfie["id"], simulate="selfie_face_mismatch")
    assert mismatch.status_code == 400
    assert mismatch.json()["error"]["param"] == "simulate"
    unknown = await submit(client, tenant, no_selfie["id"], simulate="approved")
    assert (unknown.status_code, unknown.json()["error"]["param"]) == (400, "simulate")
    # Without `simulate`, test mode runs the checks: a file is required as before.
    missing = await submit(client, tenant, no_selfie["id"])
    assert missing.json()["error"]["code"] == "document_front_missing"


async def test_live_and_test_data_never_mix(
    client: httpx.AsyncClient, tenant: Tenant, live: Tenant
) -> None:
    test_session = await create_session(client, tenant)
    live_session = await create_session(client, live)
    assert test_session["livemode"] is False and live_session["livemode"] is True
    file = await upload(client, live_session["id"], live.auth)
    assert file.json()["livemode"] is True
    live_hook = await endpoint(client, live, "http://127.0.0.1:9/hooks")
    assert live_hook["livemode"] is True
    submitted = await submit(client, live, live_session["id"])
    assert submitted.status_code == 200, submitted.text
    verified = await wait_status(client, live, live_session["id"], "verified")
    assert verified["livemode"] is True

    for who, mine, theirs in (
        (tenant, test_session["id"], live_session["id"]),
        (live, live_session["id"], test_session["id"]),
    ):
        other = await client.get(f"{SESSIONS}/{theirs}", headers=who.auth)
        assert other.status_code == 404
        listed = (await client.get(SESSIONS, headers=who.auth)).json()["data"]
        assert [s["id"] for s in listed] == [mine]
        events = (await client.get("/v1/events", headers=who.auth)).json()["data"]
        assert events and {e["data"]["object"]["id"] for e in events} == {mine}
        assert {e["livemode"] for e in events} == {who is live}
        cursor = await client.get(SESSIONS, params={"starting_after": theirs}, headers=who.auth)
        assert cursor.status_code == 400
        theirs_event = (
            await client.get("/v1/events", headers=(live if who is tenant else tenant).auth)
        ).json()["data"][0]
        assert (
            await client.get(f"/v1/events/{theirs_event['id']}", headers=who.auth)
        ).status_code == 404

    report_id = verified["last_verification_report"]
    report = await client.get(f"/v1/identity/verification_reports/{report_id}", headers=live.auth)
    assert report.json()["livemode"] is True
    hidden = await client.get(f"/v1/identity/verification_reports/{report_id}", headers=tenant.auth)
    assert hidden.status_code == 404
    reports = await client.get("/v1/identity/verification_reports", headers=tenant.auth)
    assert reports.json()["data"] == []
    hooks = (await client.get("/v1/webhook_endpoints", headers=tenant.auth)).json()["data"]
    assert hooks == []
    hook_path = f"/v1/webhook_endpoints/{live_hook['id']}"
    assert (await client.get(hook_path, headers=tenant.auth)).status_code == 404


async def test_one_idempotency_key_in_both_modes_makes_two_sessions(
    client: httpx.AsyncClient, tenant: Tenant, live: Tenant
) -> None:
    key = {"Idempotency-Key": "same-key-both-modes"}
    first = await client.post(SESSIONS, json={}, headers={**tenant.auth, **key})
    second = await client.post(SESSIONS, json={}, headers={**live.auth, **key})
    assert first.status_code == second.status_code == 200
    assert first.json()["id"] != second.json()["id"]
    assert (first.json()["livemode"], second.json()["livemode"]) == (False, True)


async def test_the_capture_page_offers_the_outcome_picker_in_test_mode_only(
    client: httpx.AsyncClient, tenant: Tenant, live: Tenant
) -> None:
    test_page = await client.get(f"/verify/{(await create_session(client, tenant))['id']}")
    assert test_page.status_code == 200
    assert 'id="simulate"' in test_page.text and "Test mode" in test_page.text
    assert '<option value="verified">' in test_page.text
    assert '<option value="document_expired">' in test_page.text
    # Only the outcomes this session can reach: it checks no selfie.
    assert '<option value="selfie_face_mismatch">' not in test_page.text
    selfie_page = await client.get(
        f"/verify/{(await create_session(client, tenant, **SELFIE))['id']}"
    )
    assert '<option value="selfie_face_mismatch">' in selfie_page.text
    # What the page does with a picked outcome: submit it with the client_secret, no photo.
    picked = await create_session(client, tenant)
    as_applicant = {"Authorization": f"Bearer {picked['client_secret']}"}
    path = f"{SESSIONS}/{picked['id']}/submit"
    sent = await client.post(path, data={"simulate": "document_expired"}, headers=as_applicant)
    assert sent.status_code == 200, sent.text
    for _ in range(100):  # the page polls /status until the attempt's outcome is recorded
        status = (await client.get(f"/verify/{picked['id']}/status", headers=as_applicant)).json()
        if status["attempt"] == 1:
            break
        await asyncio.sleep(0.05)
    assert (status["status"], status["attempt"]) == ("requires_input", 1)
    assert status["last_error"]["code"] == "document_expired"
    live_page = await client.get(f"/verify/{(await create_session(client, live))['id']}")
    assert live_page.status_code == 200
    assert 'id="simulate"' not in live_page.text and "Test mode" not in live_page.text
    assert 'id="consent-go"' in live_page.text  # the same page, without the picker


async def console_page(app: FastAPI, reviewer_key: str, path: str) -> httpx.Response:
    """`path` of the review console, signed in with `reviewer_key` (CSRF cookie and field)."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://kyc.test") as browser:
        await browser.get("/review")
        csrf = browser.cookies["kyc_csrf"]
        signed = await browser.post("/review/sign-in", data={"csrf": csrf, "key": reviewer_key})
        assert signed.status_code == 303
        return await browser.get(path)


async def test_the_review_console_shows_a_reviewer_the_cases_of_its_mode(
    app: FastAPI, client: httpx.AsyncClient, tenant: Tenant, live: Tenant
) -> None:
    session = await create_session(client, tenant)
    assert (
        await submit(client, tenant, session["id"], simulate="screening_hit")
    ).status_code == 200
    await wait_status(client, tenant, session["id"], "needs_review")
    test_queue = await console_page(app, tenant.rk, "/review")
    assert f"/review/cases/{session['id']}" in test_queue.text
    live_queue = await console_page(app, live.rk, "/review")
    assert live_queue.status_code == 200 and session["id"] not in live_queue.text
    live_case = await console_page(app, live.rk, f"/review/cases/{session['id']}")
    assert live_case.status_code == 404
    test_case = await console_page(app, tenant.rk, f"/review/cases/{session['id']}")
    assert test_case.status_code == 200 and "simulated" in test_case.text
