"""The official `stripe` SDK pointed at a live kycflow API (uvicorn on a free port).

The server runs on the test session's event loop (where the Temporal client and worker live);
the SDK, which blocks, runs in a thread.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, TypeVar

import httpx
import pytest
import stripe
import uvicorn
from fastapi import FastAPI

from kyc.webhooks import signature_header
from tests.api.api_helpers import SESSIONS, Tenant, png, wait_status

T = TypeVar("T")


@pytest.fixture
async def live_api(app: FastAPI) -> AsyncIterator[str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    # The `app` fixture already ran the lifespan (migrations); uvicorn only serves.
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    )
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()


@pytest.fixture
def sdk(live_api: str, tenant: Tenant) -> Iterator[None]:
    saved = (stripe.api_base, stripe.api_key, stripe.max_network_retries)
    stripe.api_base = live_api
    stripe.api_key = tenant.sk
    stripe.max_network_retries = 0
    try:
        yield
    finally:
        stripe.api_base, stripe.api_key, stripe.max_network_retries = saved


async def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    return await asyncio.to_thread(fn, *args, **kwargs)


async def test_sdk_sessions_lifecycle(sdk: None, client: httpx.AsyncClient, tenant: Tenant) -> None:
    vs = stripe.identity.VerificationSession
    created = await call(
        vs.create,
        type="document",
        options={"document": {"require_matching_selfie": True, "allowed_types": ["passport"]}},
        metadata={"user": "42"},
        client_reference_id="cust-42",
    )
    assert isinstance(created, stripe.identity.VerificationSession)
    assert created.status == "requires_input"
    assert created.client_secret is not None and created.client_secret.startswith(created.id)
    assert created.options is not None
    assert created.options["document"]["require_matching_selfie"] is True

    fetched = await call(vs.retrieve, created.id)
    assert fetched.id == created.id and fetched.metadata["user"] == "42"

    modified = await call(vs.modify, created.id, metadata={"user": "43", "plan": "gold"})
    assert modified.metadata.to_dict() == {"user": "43", "plan": "gold"}

    others = [await call(vs.create, type="document") for _ in range(3)]
    paged = await call(lambda: [s.id for s in vs.list(limit=2).auto_paging_iter()])
    # Newest first, ties (same second) broken by id, like the server's cursor order.
    everything = sorted([created, *others], key=lambda s: (s.created, s.id), reverse=True)
    assert paged == [s.id for s in everything]
    assert [s.id for s in (await call(vs.list, client_reference_id="cust-42")).data] == [created.id]

    canceled = await call(vs.cancel, others[0].id)
    assert canceled.status == "canceled"
    await wait_status(client, tenant, others[0].id, "canceled")
    with pytest.raises(stripe.InvalidRequestError) as refused:
        await call(vs.cancel, others[0].id)
    assert refused.value.code == "session_invalid_state"
    assert refused.value.http_status == 400

    redacted = await call(vs.redact, created.id)
    assert redacted.redaction is not None and redacted.redaction.status == "redacted"
    assert redacted.status == "canceled"

    with pytest.raises(stripe.InvalidRequestError) as missing:
        await call(vs.retrieve, "vs_doesnotexist")
    assert missing.value.http_status == 404
    assert missing.value.code == "resource_missing"

    replay_a = await call(vs.create, type="document", idempotency_key="sdk-key-1")
    replay_b = await call(vs.create, type="document", idempotency_key="sdk-key-1")
    assert replay_a.id == replay_b.id
    assert replay_b.last_response is not None
    assert replay_b.last_response.headers["Idempotent-Replayed"] == "true"
    with pytest.raises(stripe.IdempotencyError):
        await call(vs.create, type="document", metadata={"x": "y"}, idempotency_key="sdk-key-1")


async def test_sdk_reports_after_verification(
    sdk: None, live_api: str, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    vs = stripe.identity.VerificationSession
    created = await call(vs.create, type="document")
    as_user = {"Authorization": f"Bearer {created.client_secret}"}
    async with httpx.AsyncClient(base_url=live_api) as http:
        uploaded = await http.post(
            f"{SESSIONS}/{created.id}/files",
            data={"purpose": "document_front"},
            files={"file": ("front.png", png(), "image/png")},
            headers=as_user,
        )
        assert uploaded.status_code == 200, uploaded.text
        assert (await http.post(f"{SESSIONS}/{created.id}/submit", headers=as_user)).is_success
    await wait_status(client, tenant, created.id, "verified")

    session = await call(vs.retrieve, created.id, expand=["verified_outputs"])
    outputs = session.verified_outputs
    assert outputs is not None and outputs.dob is not None
    assert outputs.last_name == "ERIKSSON"
    assert outputs.dob.year == 1974

    report = await call(
        stripe.identity.VerificationReport.retrieve, session.last_verification_report
    )
    assert isinstance(report, stripe.identity.VerificationReport)
    assert report.verification_session == created.id
    assert report.document is not None
    assert report.document.status == "verified"
    assert report.document.number == "L898902C3"
    listed = await call(stripe.identity.VerificationReport.list, verification_session=created.id)
    assert [r.id for r in listed.data] == [report.id]

    expanded = await call(vs.retrieve, created.id, expand=["last_verification_report"])
    embedded = expanded.last_verification_report
    assert isinstance(embedded, stripe.identity.VerificationReport)
    assert embedded.id == report.id

    events = await call(stripe.Event.list, types=["identity.verification_session.verified"])
    assert created.id in {e.data.object["id"] for e in events.data}
    tomorrow = int(time.time()) + 86400
    assert (await call(stripe.Event.list, created={"gte": tomorrow})).data == []


def test_sdk_verifies_our_webhook_signatures() -> None:
    """A webhook body signed by kycflow is accepted by the SDK's own `construct_event`."""
    payload = json.dumps(
        {
            "id": "evt_1",
            "object": "event",
            "type": "identity.verification_session.verified",
            "data": {"object": {"id": "vs_1", "object": "identity.verification_session"}},
        }
    ).encode()
    header = signature_header("whsec_test", payload, int(time.time()))
    event = stripe.Webhook.construct_event(payload, header, "whsec_test")
    assert event.type == "identity.verification_session.verified"
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(payload, header, "whsec_other")


async def test_sdk_bad_key(sdk: None) -> None:
    with pytest.raises(stripe.AuthenticationError) as failed:
        await call(stripe.identity.VerificationSession.list, api_key="sk_test_wrong")
    assert failed.value.http_status == 401
