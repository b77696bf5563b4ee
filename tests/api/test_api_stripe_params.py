"""Stripe parameters that are honoured rather than accepted and ignored: expanding the last
report, session and report list filters, every create and update parameter's effect, the fields
a licence fills (tests/api/test_stripe_parameter_list.py walks the whole list)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import event

from kyc.types import DocumentCheck, ExtractInput
from tests.api.api_helpers import (
    SESSIONS,
    Tenant,
    create_session,
    upload,
    verified_session,
    wait_status,
)
from tests.api.stripe_flows import REPORTS, licence_reader, licence_session, submit_licence

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


@contextmanager
def statements(app: FastAPI) -> Iterator[list[str]]:
    """The SQL statements the app runs inside the block."""
    seen: list[str] = []
    engine = app.state.kyc.engine

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


async def test_a_list_expands_its_last_reports_in_a_fixed_number_of_queries(
    app: FastAPI, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    url = f"{SESSIONS}?expand[]=data.last_verification_report"
    counts = []
    for _ in range(3):
        await verified_session(client, tenant)
        with statements(app) as seen:
            listed = (await client.get(url, headers=tenant.auth)).json()["data"]
        assert all(s["last_verification_report"]["id"].startswith("vr_") for s in listed)
        counts.append(len(seen))
    # One session or three: the same queries (reports, files and salts read for the page).
    assert counts[0] == counts[1] == counts[2], counts


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


async def test_create_parameters_are_stored_and_shown(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    form = {
        "type": "document",
        "client_reference_id": "user-42",
        "metadata[order]": "7",
        "options[document][allowed_types][]": "passport",
        "options[document][require_id_number]": "false",
        "options[document][require_live_capture]": "true",
        "options[document][require_matching_selfie]": "true",
        "related_customer": "cus_N1",
        "related_customer_account": "acct_N1",
        "return_url": "https://platform.example/done",
        "expand[]": "verified_outputs",
    }
    created = await client.post(SESSIONS, data=form, headers=tenant.auth)
    assert created.status_code == 200, created.text
    stored = (await client.get(f"{SESSIONS}/{created.json()['id']}", headers=tenant.auth)).json()
    for session in (created.json(), stored):
        assert session["type"] == "document"
        assert session["client_reference_id"] == "user-42"
        assert session["metadata"] == {"order": "7"}
        assert session["options"]["document"] == {
            "allowed_types": ["passport"],
            "require_id_number": False,
            "require_live_capture": True,
            "require_matching_selfie": True,
        }
        assert session["related_customer"] == "cus_N1"
        assert session["related_customer_account"] == "acct_N1"
        assert session["return_url"] == "https://platform.example/done"
    assert "verified_outputs" in created.json()
    # The capture page gets the options too (live capture hides the file picker there).
    secret = created.json()["client_secret"]
    page = await client.get(
        f"/verify/{stored['id']}/status", headers={"Authorization": f"Bearer {secret}"}
    )
    assert page.json()["require_live_capture"] is True
    assert page.json()["return_url"] == "https://platform.example/done"
    # expand is read, not ignored: an unknown path is refused.
    bad = await client.post(SESSIONS, data={"expand[]": "customer"}, headers=tenant.auth)
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "expand[0]"
    refused = await client.post(SESSIONS, data={"type": "id_number"}, headers=tenant.auth)
    assert refused.status_code == 400 and refused.json()["error"]["param"] == "type"
    # Stripe's form encoding unsets an object with "": the defaults apply.
    unset = await client.post(
        SESSIONS, data={"options[document]": "", "metadata": ""}, headers=tenant.auth
    )
    assert unset.status_code == 200, unset.text
    assert unset.json()["options"]["document"]["allowed_types"] == [
        "passport",
        "id_card",
        "driving_license",
    ]
    assert unset.json()["metadata"] == {}


async def test_options_reach_the_verification(
    client: httpx.AsyncClient, tenant: Tenant, activities: Any
) -> None:
    # allowed_types: the licence is refused by the workflow's own document rules.
    only_passports = {"document": {"allowed_types": ["passport"]}}
    session = await create_session(client, tenant, options=only_passports)
    await submit_licence(client, tenant, activities, session["id"])
    refused = await wait_status(client, tenant, session["id"], "requires_input")
    for _ in range(100):  # the row's status is written a moment before its error
        if refused["last_error"]:
            break
        refused = (await client.get(f"{SESSIONS}/{session['id']}", headers=tenant.auth)).json()
    assert refused["last_error"]["code"] == "document_type_not_supported"
    # require_matching_selfie: the report has a selfie check only when it was asked for.
    without = await create_session(client, tenant)
    await submit_licence(client, tenant, activities, without["id"])
    await wait_status(client, tenant, without["id"], "verified")
    with_selfie, _ = await licence_session(client, tenant, activities)
    reports = {
        r["verification_session"]: r
        for r in (await client.get(REPORTS, headers=tenant.auth)).json()["data"]
    }
    assert reports[without["id"]]["selfie"] is None
    assert reports[with_selfie["id"]]["selfie"]["status"] == "verified"


async def test_update_parameters(client: httpx.AsyncClient, tenant: Tenant) -> None:
    session = await create_session(client, tenant, metadata={"a": "1", "b": "2"})
    url = f"{SESSIONS}/{session['id']}"
    merged = await client.post(
        url, data={"metadata[b]": "", "metadata[c]": "3"}, headers=tenant.auth
    )
    assert merged.json()["metadata"] == {"a": "1", "c": "3"}
    same_type = await client.post(url, data={"type": "document"}, headers=tenant.auth)
    assert same_type.status_code == 200 and same_type.json()["type"] == "document"
    for form, param in (
        ({"type": "id_number"}, "type"),
        ({"expand[]": "customer"}, "expand[0]"),
        ({"options[document][require_matching_selfie]": "true"}, "options"),
    ):
        refused = await client.post(url, data=form, headers=tenant.auth)
        assert refused.status_code == 400 and refused.json()["error"]["param"] == param
    cleared = await client.post(url, data={"metadata": ""}, headers=tenant.auth)
    assert cleared.json()["metadata"] == {}
    stored = (await client.get(url, headers=tenant.auth)).json()
    assert stored["metadata"] == {} and stored["options"] == session["options"]


async def _ids(client: httpx.AsyncClient, tenant: Tenant, url: str) -> list[str]:
    response = await client.get(url, headers=tenant.auth)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["data"]]


def _newest_first(*objects: dict[str, Any]) -> list[str]:
    """Stripe's list order: created descending, then id (objects of the same second)."""
    return [o["id"] for o in sorted(objects, key=lambda o: (o["created"], o["id"]), reverse=True)]


async def test_session_list_parameters(client: httpx.AsyncClient, tenant: Tenant) -> None:
    a = await create_session(client, tenant, client_reference_id="ref-a", related_customer="cus_A")
    b = await create_session(client, tenant, related_customer_account="acct_B")
    c = await create_session(client, tenant, client_reference_id="ref-c")
    newest_first = _newest_first(a, b, c)
    assert await _ids(client, tenant, SESSIONS) == newest_first
    assert await _ids(client, tenant, f"{SESSIONS}?client_reference_id=ref-a") == [a["id"]]
    assert await _ids(client, tenant, f"{SESSIONS}?related_customer=cus_A") == [a["id"]]
    assert await _ids(client, tenant, f"{SESSIONS}?related_customer_account=acct_B") == [b["id"]]
    assert await _ids(client, tenant, f"{SESSIONS}?status=requires_input") == newest_first
    assert await _ids(client, tenant, f"{SESSIONS}?status=verified") == []
    page = (await client.get(f"{SESSIONS}?limit=2", headers=tenant.auth)).json()
    assert [s["id"] for s in page["data"]] == newest_first[:2] and page["has_more"] is True
    after = newest_first[0]
    assert await _ids(client, tenant, f"{SESSIONS}?starting_after={after}") == newest_first[1:]
    oldest = newest_first[-1]
    assert await _ids(client, tenant, f"{SESSIONS}?ending_before={oldest}") == newest_first[:2]
    first, last = a["created"], c["created"]
    assert first <= b["created"] <= last
    assert await _ids(client, tenant, f"{SESSIONS}?created[gt]={last}") == []
    assert await _ids(client, tenant, f"{SESSIONS}?created[gte]={first}") == newest_first
    assert await _ids(client, tenant, f"{SESSIONS}?created[lt]={first}") == []
    assert await _ids(client, tenant, f"{SESSIONS}?created[lte]={last}") == newest_first
    assert a["id"] in await _ids(client, tenant, f"{SESSIONS}?created={first}")
    expanded = await client.get(f"{SESSIONS}?expand[]=data.verified_outputs", headers=tenant.auth)
    assert expanded.status_code == 200
    refused = await client.get(f"{SESSIONS}?expand[]=data.customer", headers=tenant.auth)
    assert refused.status_code == 400 and refused.json()["error"]["param"] == "expand[0]"


async def test_report_list_and_retrieve_parameters(
    client: httpx.AsyncClient, tenant: Tenant, activities: Any
) -> None:
    one, _ = await licence_session(client, tenant, activities, client_reference_id="ref-1")
    two, _ = await licence_session(client, tenant, activities, client_reference_id="ref-2")
    r1, r2 = one["last_verification_report"], two["last_verification_report"]
    listed = (await client.get(REPORTS, headers=tenant.auth)).json()["data"]
    both = _newest_first(*listed)
    assert sorted(both) == sorted([r1, r2])
    assert await _ids(client, tenant, f"{REPORTS}?client_reference_id=ref-1") == [r1]
    assert await _ids(client, tenant, f"{REPORTS}?verification_session={two['id']}") == [r2]
    assert await _ids(client, tenant, f"{REPORTS}?type=document") == both
    assert await _ids(client, tenant, f"{REPORTS}?type=id_number") == []
    assert await _ids(client, tenant, f"{REPORTS}?limit=1") == both[:1]
    assert await _ids(client, tenant, f"{REPORTS}?starting_after={both[0]}") == both[1:]
    assert await _ids(client, tenant, f"{REPORTS}?ending_before={both[1]}") == both[:1]
    tomorrow = int(time.time()) + 86400
    assert await _ids(client, tenant, f"{REPORTS}?created[gt]={tomorrow}") == []
    assert await _ids(client, tenant, f"{REPORTS}?created[gte]={tomorrow}") == []
    assert await _ids(client, tenant, f"{REPORTS}?created[lt]={tomorrow}") == both
    assert await _ids(client, tenant, f"{REPORTS}?created[lte]=0") == []
    for url in (f"{REPORTS}?expand[]=data.document", f"{REPORTS}/{r1}?expand[]=document"):
        refused = await client.get(url, headers=tenant.auth)
        assert refused.status_code == 400 and refused.json()["error"]["param"] == "expand[0]"
    assert (await client.get(f"{REPORTS}/{r1}", headers=tenant.auth)).json()["id"] == r1


async def test_cancel_and_redact_read_expand_before_acting(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    session = await create_session(client, tenant)
    url = f"{SESSIONS}/{session['id']}"
    for action in ("cancel", "redact"):
        refused = await client.post(f"{url}/{action}", data={"expand[]": "x"}, headers=tenant.auth)
        assert refused.status_code == 400 and refused.json()["error"]["param"] == "expand[0]"
    unchanged = (await client.get(url, headers=tenant.auth)).json()
    assert unchanged["status"] == "requires_input" and unchanged["redaction"] is None
    canceled = await client.post(
        f"{url}/cancel", data={"expand[]": "verified_outputs"}, headers=tenant.auth
    )
    assert canceled.json()["status"] == "canceled"
    redacted = await client.post(
        f"{url}/redact", data={"expand[]": "verified_outputs"}, headers=tenant.auth
    )
    assert redacted.status_code == 200 and redacted.json()["redaction"]["status"] == "redacted"


async def test_a_licence_fills_the_address_issue_date_and_file_ids(
    client: httpx.AsyncClient, tenant: Tenant, activities: Any
) -> None:
    session, files = await licence_session(client, tenant, activities, related_customer="cus_L")
    url = f"{SESSIONS}/{session['id']}?expand[]=verified_outputs&expand[]=last_verification_report"
    expanded = (await client.get(url, headers=tenant.auth)).json()
    address = {
        "line1": "5235 JOHN TYLER HWY",
        "line2": None,
        "city": "WILLIAMSSBURG",
        "state": "VA",
        "postal_code": "23185",
        "country": "US",
    }
    outputs = expanded["verified_outputs"]
    assert outputs["address"] == address
    assert outputs["dob"] == {"day": 5, "month": 1, "year": 1987}
    assert (outputs["first_name"], outputs["last_name"]) == ("RICHARD BENJAMIN", "REYES")
    assert (outputs["sex"], outputs["unparsed_sex"]) == ("male", "1")
    # The card carries no place of birth and no SSN element: null, not guessed.
    assert outputs["unparsed_place_of_birth"] is None and outputs["id_number"] is None
    document = expanded["last_verification_report"]["document"]
    assert document["address"] == address
    assert document["issued_date"] == {"day": 6, "month": 5, "year": 2023}
    assert document["expiration_date"] == {"day": 5, "month": 1, "year": 2031}
    assert (document["number"], document["type"]) == ("T16700285", "driving_license")
    assert document["files"] == [files["document_front"], files["document_back"]]
    selfie = expanded["last_verification_report"]["selfie"]
    assert (selfie["document"], selfie["selfie"]) == (files["document_front"], files["selfie"])

    # Redaction takes the new fields with the rest.
    redact = await client.post(f"{SESSIONS}/{session['id']}/redact", headers=tenant.auth)
    assert redact.status_code == 200, redact.text
    after = (await client.get(url, headers=tenant.auth)).json()
    assert after["verified_outputs"] is None and after["related_customer"] is None
    assert after["last_verification_report"]["document"] is None
    assert await _ids(client, tenant, f"{SESSIONS}?related_customer=cus_L") == []
    events = (await client.get(EVENTS, headers=tenant.auth)).json()["data"]
    embedded = [e["data"]["object"] for e in events if e["data"]["object"]["id"] == session["id"]]
    assert embedded and all(o["related_customer"] is None for o in embedded)


async def test_each_report_lists_the_files_of_its_own_attempt(
    client: httpx.AsyncClient, tenant: Tenant, activities: Any
) -> None:
    read = licence_reader()
    attempts: list[ExtractInput] = []

    def too_young_at_first(input: ExtractInput) -> DocumentCheck:
        attempts.append(input)
        if len(attempts) == 1:  # the first attempt fails the age rule: a second is needed
            input = input.model_copy(
                update={"rules": input.rules.model_copy(update={"minimum_age": 120})}
            )
        check: DocumentCheck = read(input)
        return check

    session = await create_session(client, tenant)
    first = await submit_licence(client, tenant, activities, session["id"], too_young_at_first)
    await wait_status(client, tenant, session["id"], "requires_input")
    second = await submit_licence(client, tenant, activities, session["id"], too_young_at_first)
    await wait_status(client, tenant, session["id"], "verified")
    listed = (
        await client.get(f"{REPORTS}?verification_session={session['id']}", headers=tenant.auth)
    ).json()["data"]
    by_attempt = {r["attempt"]: r for r in listed}
    assert by_attempt[1]["document"]["error"]["code"] == "under_supported_age"
    for attempt, files in ((1, first), (2, second)):
        expected = [files["document_front"], files["document_back"]]
        assert by_attempt[attempt]["document"]["files"] == expected
        one = (
            await client.get(f"{REPORTS}/{by_attempt[attempt]['id']}", headers=tenant.auth)
        ).json()
        assert one["document"]["files"] == expected
    assert set(first.values()).isdisjoint(second.values())
