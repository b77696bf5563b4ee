"""Redaction leaves nothing behind: events, the session and report, the database's files on disk
(SQLite's free pages and write-ahead log, PostgreSQL's tables and write-ahead log), object
storage."""

from __future__ import annotations

import asyncio
import base64
import uuid
from pathlib import Path
from typing import Any

import httpx
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload, Payloads
from temporalio.testing import WorkflowEnvironment

from kyc.db.engine import make_engine
from kyc.settings import Settings
from kyc.temporal import SESSION_META
from tests.api.api_helpers import (
    OPERATOR_TOKEN,
    SESSIONS,
    Tenant,
    create_session,
    upload,
    wait_status,
)

OPERATOR = {"Authorization": f"Bearer {OPERATOR_TOKEN}"}


def history_payloads(message: Any) -> list[Payload]:
    """Every encrypted Payload anywhere inside a history event (inputs, results, failures...);
    search attributes stay plain by design (statuses only)."""
    if isinstance(message, Payload):
        return [message] if message.metadata.get("encoding") == b"binary/kyc-encrypted" else []
    found: list[Payload] = []
    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        if hasattr(value, "ListFields"):
            items = [value]
        elif hasattr(value, "values"):
            items = list(value.values())
        else:
            items = list(value)
        for item in items:
            found += history_payloads(item)
    return found


async def codec_decode(client: httpx.AsyncClient, payloads: list[Payload]) -> list[dict[str, Any]]:
    body = json_format.MessageToDict(Payloads(payloads=payloads))
    response = await client.post("/codec/decode", json=body, headers=OPERATOR)
    assert response.status_code == 200, response.text
    return list(response.json()["payloads"])


def texts(decoded: list[dict[str, Any]]) -> str:
    return " ".join(base64.b64decode(p.get("data", "")).decode(errors="replace") for p in decoded)


def database_bytes(settings: Settings) -> bytes:
    """What the database keeps on disk, raw: the SQLite file and its write-ahead log, or
    PostgreSQL's files of every table, TOAST table and index of the test's schema and the
    write-ahead log (read with pg_read_binary_file: the test role is a superuser)."""
    url = settings.resolved_database_url
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("CHECKPOINT")  # dirty buffers written to the files read here
            files = conn.exec_driver_sql(
                "SELECT pg_relation_filepath(c.oid) FROM pg_class c "
                "WHERE c.relnamespace = current_schema()::regnamespace "
                "OR c.oid IN (SELECT reltoastrelid FROM pg_class "
                "WHERE relnamespace = current_schema()::regnamespace)"
            ).scalars()
            wal = conn.exec_driver_sql("SELECT 'pg_wal/' || name FROM pg_ls_waldir()").scalars()
            paths = [p for p in [*files, *wal] if p]
            read = "SELECT pg_read_binary_file(%s, 0, (pg_stat_file(%s)).size)"
            return b"".join(bytes(conn.exec_driver_sql(read, (p, p)).scalar_one()) for p in paths)
    finally:
        engine.dispose()


async def test_redacted_verified_session_is_gone_everywhere(
    client: httpx.AsyncClient,
    tenant: Tenant,
    settings: Settings,
    store: object,
    temporal_env: WorkflowEnvironment,
) -> None:
    marker = uuid.uuid4().hex
    account, reference = f"acct-{marker}", f"ref-{marker}"
    create = {"metadata": {"account": account}, "client_reference_id": reference}
    idempotent = {**tenant.auth, "Idempotency-Key": f"create-{marker}"}
    created = await client.post(SESSIONS, json=create, headers=idempotent)
    assert created.status_code == 200, created.text
    session = created.json()
    sid = session["id"]
    assert (await upload(client, sid, tenant.auth)).status_code == 200
    assert (await client.post(f"{SESSIONS}/{sid}/submit", headers=tenant.auth)).is_success
    verified = await wait_status(client, tenant, sid, "verified")
    # Never in clear on disk, not even before the redaction: sealed under the session's key.
    raw = database_bytes(settings)
    assert len(raw) > 100_000 and sid.encode() in raw  # the probe reads the session's rows
    assert marker.encode() not in raw

    # The history as an export or archive would keep it: per-session payloads, readable now.
    history = await temporal_env.client.get_workflow_handle(sid).fetch_history()
    payloads = [p for e in history.events for p in history_payloads(e)]
    assert payloads and all(p.metadata[SESSION_META] == sid.encode() for p in payloads)
    assert b"ERIKSSON" not in database_bytes(settings)
    assert all(b"ERIKSSON" not in p.data for p in payloads)
    assert "ERIKSSON" in texts(await codec_decode(client, payloads))

    redact = {**tenant.auth, "Idempotency-Key": f"redact-{marker}"}
    redacted = await client.post(f"{SESSIONS}/{sid}/redact", headers=redact)
    assert redacted.status_code == 200, redacted.text
    assert redacted.json()["redaction"] == {"status": "redacted"}
    again = await client.post(f"{SESSIONS}/{sid}/redact", headers=redact)  # its replay
    assert again.headers.get("Idempotent-Replayed") == "true" and again.json() == redacted.json()

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
    # An idempotent replay of the create request shows the session as redacted, no secret.
    replay = await client.post(SESSIONS, json=create, headers=idempotent)
    assert replay.status_code == 200 and replay.headers.get("Idempotent-Replayed") == "true"
    assert replay.json()["id"] == sid and replay.json()["redaction"] == {"status": "redacted"}
    assert marker not in replay.text and "_secret_" not in replay.text
    raw = database_bytes(settings)
    assert marker.encode() not in raw
    # Nor the holder (verified outputs, report bodies: sealed under the shredded key as well).
    assert b"ERIKSSON" not in raw and b"L898902C3" not in raw
    # The exported history no longer decodes: every payload is the redacted marker.
    decoded = await codec_decode(client, payloads)
    assert {texts([p]) for p in decoded} == {'{"redacted": true}'}


async def test_redaction_during_an_activity_leaves_nothing_written_afterwards(
    client: httpx.AsyncClient,
    tenant: Tenant,
    activities: Any,
    temporal_env: WorkflowEnvironment,
) -> None:
    session = await create_session(client, tenant, metadata={"account": "acct-slow"})
    sid = session["id"]
    activities.scenario[sid] = "slow"
    assert (await upload(client, sid, tenant.auth)).status_code == 200
    assert (await client.post(f"{SESSIONS}/{sid}/submit", headers=tenant.auth)).is_success
    for _ in range(500):
        if sid in activities.held:
            break
        await asyncio.sleep(0.02)
    assert sid in activities.held, "extract never started"

    redacted = await client.post(f"{SESSIONS}/{sid}/redact", headers=tenant.auth)
    assert redacted.status_code == 200, redacted.text
    assert redacted.json()["status"] == "canceled"
    activities.held.discard(sid)  # the abandoned extract finishes now
    await asyncio.sleep(1.0)  # time for anything late to (try to) write

    events = (await client.get("/v1/events", params={"limit": 100}, headers=tenant.auth)).json()
    mine = sorted(
        e["type"].rsplit(".", 1)[1] for e in events["data"] if e["data"]["object"]["id"] == sid
    )
    assert mine == ["created", "processing", "redacted"]  # no canceled event after the fence
    after = (await client.get(f"{SESSIONS}/{sid}", headers=tenant.auth)).json()
    assert after["status"] == "canceled" and after["redaction"] == {"status": "redacted"}
