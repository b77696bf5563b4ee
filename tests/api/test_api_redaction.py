"""Redaction leaves nothing behind: events, the session and report, the database file (SQLite's
free pages and write-ahead log included), object storage."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx

from kyc.settings import Settings
from tests.api.api_helpers import SESSIONS, Tenant, create_session, upload, wait_status


def database_bytes(settings: Settings) -> bytes:
    """The SQLite file and its write-ahead log, raw (empty for PostgreSQL)."""
    url = settings.resolved_database_url
    if not url.startswith("sqlite"):
        return b""
    path = Path(url.removeprefix("sqlite:///"))
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


async def test_redacted_verified_session_is_gone_everywhere(
    client: httpx.AsyncClient, tenant: Tenant, settings: Settings, store: object
) -> None:
    marker = uuid.uuid4().hex
    account, reference = f"acct-{marker}", f"ref-{marker}"
    session = await create_session(
        client, tenant, metadata={"account": account}, client_reference_id=reference
    )
    sid = session["id"]
    assert (await upload(client, sid, tenant.auth)).status_code == 200
    assert (await client.post(f"{SESSIONS}/{sid}/submit", headers=tenant.auth)).is_success
    verified = await wait_status(client, tenant, sid, "verified")
    if settings.resolved_database_url.startswith("sqlite"):
        assert marker.encode() in database_bytes(settings)  # the probe can see it before

    redacted = await client.post(f"{SESSIONS}/{sid}/redact", headers=tenant.auth)
    assert redacted.status_code == 200, redacted.text
    assert redacted.json()["redaction"] == {"status": "redacted"}

    events = (await client.get("/v1/events", params={"limit": 100}, headers=tenant.auth)).json()
    mine = [e for e in events["data"] if e["data"]["object"]["id"] == sid]
    assert sorted(e["type"].rsplit(".", 1)[1] for e in mine) == [
        "created",
        "processing",
        "redacted",
        "verified",
    ]
    for event in mine:
        obj = event["data"]["object"]
        assert obj["metadata"] == {} and obj["client_reference_id"] is None
        assert obj["redaction"] == {"status": "redacted"}
        assert obj["status"] in ("requires_input", "processing", "verified")
    assert marker not in str(events)
    after = await client.get(
        f"{SESSIONS}/{sid}", params={"expand[]": "verified_outputs"}, headers=tenant.auth
    )
    assert marker not in after.text and "ERIKSSON" not in after.text
    report = await client.get(
        f"/v1/identity/verification_reports/{verified['last_verification_report']}",
        headers=tenant.auth,
    )
    assert "ERIKSSON" not in report.text and "L898902C3" not in report.text
    assert not any(k.startswith(f"sessions/{sid}/") for k in store.objects)  # type: ignore[attr-defined]
    assert marker.encode() not in database_bytes(settings)
