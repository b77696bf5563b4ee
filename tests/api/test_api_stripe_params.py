"""Stripe parameters that are honoured rather than accepted and ignored: expanding the last
report, report and event list filters, and the option kycflow refuses."""

from __future__ import annotations

import time

import httpx

from tests.api.api_helpers import (
    SESSIONS,
    Tenant,
    create_session,
    upload,
    verified_session,
    wait_status,
)

REPORTS = "/v1/identity/verification_reports"
EVENTS = "/v1/events"


async def test_expanding_the_last_report_embeds_it(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    session = await verified_session(client, tenant)
    report_id = session["last_verification_report"]
    assert isinstance(report_id, str) and report_id.startswith("vr_")

    url = f"{SESSIONS}/{session['id']}?expand[]=last_verification_report"
    expanded = (await client.get(url, headers=tenant.auth)).json()
    report = expanded["last_verification_report"]
    assert report["id"] == report_id
    assert report["object"] == "identity.verification_report"
    assert report["document"]["status"] == "verified"

    listed = await client.get(
        f"{SESSIONS}?expand[]=data.last_verification_report", headers=tenant.auth
    )
    assert listed.json()["data"][0]["last_verification_report"]["id"] == report_id


async def test_reports_carry_the_client_reference_and_filter_by_type(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    session = await create_session(client, tenant, client_reference_id="user-7")
    assert (await upload(client, session["id"], tenant.auth)).status_code == 200
    await client.post(f"{SESSIONS}/{session['id']}/submit", headers=tenant.auth)
    await wait_status(client, tenant, session["id"], "verified")
    reports = (await client.get(f"{REPORTS}?type=document", headers=tenant.auth)).json()["data"]
    assert [r["verification_session"] for r in reports] == [session["id"]]
    assert reports[0]["client_reference_id"] == "user-7"
    none = await client.get(f"{REPORTS}?type=id_number", headers=tenant.auth)
    assert none.json()["data"] == []


async def test_event_list_honours_created_and_types(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await verified_session(client, tenant)
    tomorrow = int(time.time()) + 86400
    future = await client.get(f"{EVENTS}?created[gte]={tomorrow}", headers=tenant.auth)
    assert future.status_code == 200 and future.json()["data"] == []

    url = (
        f"{EVENTS}?types[]=identity.verification_session.created"
        "&types[]=identity.verification_session.verified"
    )
    types = {e["type"] for e in (await client.get(url, headers=tenant.auth)).json()["data"]}
    assert types == {
        "identity.verification_session.created",
        "identity.verification_session.verified",
    }
    both = await client.get(f"{EVENTS}?type=a&types[]=b", headers=tenant.auth)
    assert both.status_code == 400 and both.json()["error"]["param"] == "types"


async def test_require_id_number_is_refused_not_ignored(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    refused = await client.post(
        SESSIONS,
        data={"options[document][require_id_number]": "true"},
        headers=tenant.auth,
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["param"] == "options[document][require_id_number]"
    assert (await create_session(client, tenant))["status"] == "requires_input"
