"""A session verified on a US licence whose barcode is a real AAMVA payload (Virginia DMV test
card, ../shared/data/pdf417/aamva_payloads): the fake extract runs the real field merge and the
workflow's own document rules on it, so every Stripe field the barcode carries is filled."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from kyc.documents import aamva
from kyc.documents.extract import Sources, build_check
from kyc.types import DocumentCheck, ExtractInput
from tests.api.api_helpers import SESSIONS, Tenant, create_session, upload, wait_status
from tests.conftest import shared_path

REPORTS = "/v1/identity/verification_reports"
# VA-REAL-21.txt: REYES, RICHARD BENJAMIN; 5235 JOHN TYLER HWY, WILLIAMSSBURG VA 231850000;
# born 01/05/1987, issued 05/06/2023, expires 01/05/2031, sex code 1.
LICENCE = ("pdf417", "aamva_payloads", "VA-REAL-21.txt")


def licence_reader() -> Callable[[ExtractInput], DocumentCheck]:
    """An extract for the licence: the real merge, judged by the rules the workflow passes."""
    record = aamva.parse(shared_path(*LICENCE).read_bytes())

    def read(input: ExtractInput) -> DocumentCheck:
        return build_check(Sources(barcode=record), rules=input.rules, engine=input.engine)

    return read


async def submit_licence(
    client: httpx.AsyncClient,
    tenant: Tenant,
    activities: Any,
    session_id: str,
    reader: Callable[[ExtractInput], DocumentCheck] | None = None,
) -> dict[str, str]:
    """Upload front, back and selfie and submit (extract reads the licence, or `reader`);
    returns the file ids by purpose."""
    activities.documents[session_id] = reader or licence_reader()
    files = {}
    for purpose in ("document_front", "document_back", "selfie"):
        uploaded = await upload(client, session_id, tenant.auth, purpose=purpose)
        assert uploaded.status_code == 200, uploaded.text
        files[purpose] = uploaded.json()["id"]
    submitted = await client.post(f"{SESSIONS}/{session_id}/submit", headers=tenant.auth)
    assert submitted.status_code == 200, submitted.text
    return files


async def licence_session(
    client: httpx.AsyncClient, tenant: Tenant, activities: Any, **params: Any
) -> tuple[dict[str, Any], dict[str, str]]:
    """A session (with a matching selfie) verified on the licence, and its file ids."""
    options = {"document": {"require_matching_selfie": True}}
    session = await create_session(client, tenant, options=options, **params)
    files = await submit_licence(client, tenant, activities, session["id"])
    return await wait_status(client, tenant, session["id"], "verified"), files
