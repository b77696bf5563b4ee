"""A webhook endpoint disabled for failing: the platform sees `webhook_endpoint.disabled` in
`/v1/events`, the endpoint as `disabled`, and may subscribe to that event."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from activities.webhooks import WebhookActivities
from kyc.crypto import generate_key
from kyc.db import events as event_db
from kyc.db.engine import make_engine, session_scope
from kyc.db.ids import now
from kyc.db.sealing import ColumnSealer
from kyc.db.tables import WebhookEndpointRow
from kyc.db.webhooks import DISABLE_AFTER_FAILING_S
from kyc.netguard import UrlPolicy
from kyc.types import DeliverEventsInput
from tests.api.api_helpers import Tenant
from tests.webhook_receiver import webhook_receiver

PATH = "/v1/webhook_endpoints"


async def test_a_disabled_endpoint_is_an_event_of_the_platform(
    client: httpx.AsyncClient, tenant: Tenant, app: FastAPI
) -> None:
    engine = make_engine(app.state.kyc.settings.resolved_database_url)
    with webhook_receiver() as failing, webhook_receiver() as watcher:
        failing.status = 500
        broken = await client.post(
            PATH, data={"url": failing.url, "enabled_events[]": "*"}, headers=tenant.auth
        )
        health = await client.post(
            PATH,
            data={"url": watcher.url, "enabled_events[]": "webhook_endpoint.disabled"},
            headers=tenant.auth,
        )
        assert broken.status_code == health.status_code == 200, health.text
        broken_id = broken.json()["id"]
        with session_scope(engine) as db:  # it has failed for three days, and fails again
            row = db.get(WebhookEndpointRow, broken_id)
            assert row is not None
            row.failing_since = now() - DISABLE_AFTER_FAILING_S - 1
            db.add(row)
            event = event_db.add_event(
                db,
                tenant.platform_id,
                "identity.verification_session.verified",
                {},
                "t:health",
                livemode=False,
            )
        sealer = ColumnSealer(generate_key())  # the event has no session: nothing sealed
        activity = WebhookActivities(engine, sealer, policy=UrlPolicy(allow_local=True))
        await activity.deliver_events(DeliverEventsInput(event_ids=[event.id]))
    engine.dispose()
    endpoint = await client.get(f"{PATH}/{broken_id}", headers=tenant.auth)
    assert endpoint.json()["status"] == "disabled"
    listed = await client.get(
        "/v1/events", params={"type": "webhook_endpoint.disabled"}, headers=tenant.auth
    )
    assert listed.status_code == 200
    [disabled] = listed.json()["data"]
    assert disabled["object"] == "event" and disabled["type"] == "webhook_endpoint.disabled"
    assert disabled["data"]["object"]["id"] == broken_id
    assert disabled["data"]["object"]["status"] == "disabled"
    assert "secret" not in disabled["data"]["object"]
