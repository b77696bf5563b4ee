"""Two audiences for reasons: the applicant side (capture page, client_secret reads) sees only
public codes with neutral messages; the secret key and reviewers see notes and review reasons."""

from __future__ import annotations

from typing import Any

import httpx

from kyc.objects.applicant import APPLICANT_MESSAGES, GENERIC_CODE
from tests.api.api_helpers import SESSIONS, Tenant, create_session, upload, wait_status

NOTE = "OFAC SDN entry 12345, same birth date"


async def submitted(
    client: httpx.AsyncClient, tenant: Tenant, activities: object, scenario: str, status: str
) -> tuple[str, dict[str, str], dict[str, Any]]:
    """A session submitted under the fake activities' `scenario`, once it reached `status`: its
    id, the applicant's (client_secret) headers and the platform's view."""
    created = await create_session(client, tenant)
    sid = created["id"]
    activities.scenario[sid] = scenario  # type: ignore[attr-defined]
    assert (await upload(client, sid, tenant.auth)).status_code == 200
    assert (await client.post(f"{SESSIONS}/{sid}/submit", headers=tenant.auth)).is_success
    platform_view = await wait_status(client, tenant, sid, status)
    return sid, {"Authorization": f"Bearer {created['client_secret']}"}, platform_view


async def test_applicant_never_sees_review_reasons_or_notes(
    client: httpx.AsyncClient, tenant: Tenant, activities: object
) -> None:
    sid, as_user, platform_view = await submitted(
        client, tenant, activities, "review", "needs_review"
    )
    assert platform_view["review"]["reasons"] == ["screening_hit"]

    own = (await client.get(f"{SESSIONS}/{sid}", headers=as_user)).json()
    assert own["review"] == {"pending": True, "reasons": [], "deadline": None}

    rejected = await client.post(
        f"/v1/reviews/{sid}",
        json={"decision": "reject", "reason": "screening_match_confirmed", "note": NOTE},
        headers=tenant.reviewer_auth,
    )
    assert rejected.status_code == 200, rejected.text
    platform_view = await wait_status(client, tenant, sid, "canceled")
    assert platform_view["last_error"]["code"] == "screening_match_confirmed"

    neutral = {"code": GENERIC_CODE, "reason": APPLICANT_MESSAGES[GENERIC_CODE]}
    own_response = await client.get(f"{SESSIONS}/{sid}", headers=as_user)
    own = own_response.json()
    assert own["last_error"] == neutral
    assert own["review"]["reasons"] == []
    capture = await client.get(f"/verify/{sid}/status", headers=as_user)
    assert capture.status_code == 200
    assert capture.json()["last_error"] == neutral
    for body in (own_response.text, capture.text):
        assert "screening_" not in body and "12345" not in body and "OFAC" not in body


async def test_actionable_code_reaches_the_applicant_with_its_fixed_message(
    client: httpx.AsyncClient, tenant: Tenant, activities: object
) -> None:
    sid, as_user, platform_view = await submitted(
        client, tenant, activities, "unreadable", "requires_input"
    )
    code = platform_view["last_error"]["code"]
    assert code in APPLICANT_MESSAGES and code != GENERIC_CODE
    capture = (await client.get(f"/verify/{sid}/status", headers=as_user)).json()
    assert capture["last_error"] == {"code": code, "reason": APPLICANT_MESSAGES[code]}
