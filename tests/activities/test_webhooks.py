"""deliver_events: signed like Stripe's webhooks, recorded, never delivered twice, retried."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.webhooks import WebhookActivities
from kyc.crypto import generate_key
from kyc.db import events as event_db
from kyc.db import webhooks
from kyc.db.engine import make_engine, session_scope
from kyc.db.ids import now
from kyc.db.pagination import PageRequest
from kyc.db.platforms import create_platform
from kyc.db.sealing import ColumnSealer
from kyc.db.tables import WebhookDeliveryRow
from kyc.netguard import UrlPolicy
from kyc.types import DeliverEventsInput
from tests.webhook_receiver import webhook_receiver

MASTER = generate_key()
SEALER = ColumnSealer(MASTER)
LOCAL = UrlPolicy(allow_local=True)  # the receiver listens on loopback


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def setup(engine: Engine, url: str, events: list[str]) -> tuple[str, str, str]:
    """A platform with one endpoint subscribed to `events`; returns (event id, endpoint id,
    endpoint secret) of a new `verified` event."""
    with session_scope(engine) as db:
        platform = create_platform(db, "acme")
        endpoint = webhooks.create_webhook_endpoint(db, platform.id, url, events, livemode=False)
        event = event_db.add_event(
            db,
            platform.id,
            "identity.verification_session.verified",
            {"object": {"id": "vs_1", "status": "verified"}},
            dedupe_key=f"verified:{platform.id}",
            livemode=False,
        )
        return event.id, endpoint.id, endpoint.secret


def deliveries(engine: Engine, event_id: str) -> list[WebhookDeliveryRow]:
    with session_scope(engine) as db:
        from sqlmodel import select

        return list(
            db.exec(select(WebhookDeliveryRow).where(WebhookDeliveryRow.event_id == event_id))
        )


async def test_delivery_is_signed_recorded_and_not_repeated(engine: Engine) -> None:
    activity = WebhookActivities(engine, SEALER, policy=LOCAL)
    with webhook_receiver() as receiver:
        event_id, _, secret = setup(engine, receiver.url, ["*"])
        await activity.deliver_events(DeliverEventsInput(event_ids=[event_id]))
        assert len(receiver.received) == 1
        got = receiver.received[0]
        assert got.event["id"] == event_id
        assert got.event["type"] == "identity.verification_session.verified"
        assert got.event["data"]["object"]["status"] == "verified"
        parts = dict(p.split("=", 1) for p in got.signature.split(","))
        expected = hmac.new(
            secret.encode(), f"{parts['t']}.".encode() + got.body, hashlib.sha256
        ).hexdigest()
        assert hmac.compare_digest(parts["v1"], expected)
        # A retried activity (or a second delivery run) does not send it again.
        await activity.deliver_events(DeliverEventsInput(event_ids=[event_id]))
        assert len(receiver.received) == 1
    [row] = deliveries(engine, event_id)
    assert (row.delivered, row.status_code, row.attempts) == (True, 200, 1)


async def test_failed_delivery_raises_to_retry_then_succeeds(engine: Engine) -> None:
    activity = WebhookActivities(engine, SEALER, policy=LOCAL)
    with webhook_receiver() as receiver:
        event_id, _, _ = setup(engine, receiver.url, ["identity.verification_session.verified"])
        receiver.status = 500
        with pytest.raises(ApplicationError) as failed:
            await activity.deliver_events(DeliverEventsInput(event_ids=[event_id]))
        assert failed.value.type == "webhook_delivery_failed"
        assert not failed.value.non_retryable
        receiver.status = 204
        await activity.deliver_events(DeliverEventsInput(event_ids=[event_id]))
        assert len(receiver.received) == 2
    [row] = deliveries(engine, event_id)
    assert (row.delivered, row.status_code, row.attempts) == (True, 204, 2)


async def test_unsubscribed_endpoint_receives_nothing(engine: Engine) -> None:
    activity = WebhookActivities(engine, SEALER, policy=LOCAL)
    with webhook_receiver() as receiver:
        event_id, _, _ = setup(engine, receiver.url, ["identity.verification_session.canceled"])
        await activity.deliver_events(DeliverEventsInput(event_ids=[event_id]))
        assert receiver.received == []
    assert deliveries(engine, event_id) == []


async def test_default_policy_refuses_a_loopback_endpoint_at_delivery(engine: Engine) -> None:
    # An endpoint row that points inside (registered before the check existed, or a name that
    # resolved elsewhere at registration) is checked again at send time and never contacted.
    activity = WebhookActivities(engine, SEALER)
    with webhook_receiver() as receiver:
        event_id, _, _ = setup(engine, receiver.url, ["*"])
        with pytest.raises(ApplicationError):
            await activity.deliver_events(DeliverEventsInput(event_ids=[event_id]))
        assert receiver.received == []
    [row] = deliveries(engine, event_id)
    assert (row.delivered, row.status_code) == (False, None)


async def test_redirects_are_not_followed(engine: Engine) -> None:
    activity = WebhookActivities(engine, SEALER, policy=LOCAL)
    with webhook_receiver() as receiver:
        event_id, _, _ = setup(engine, receiver.url, ["*"])
        # A redirect to itself: followed, the receiver would see a second POST.
        receiver.status = 307
        receiver.location = receiver.url
        with pytest.raises(ApplicationError):
            await activity.deliver_events(DeliverEventsInput(event_ids=[event_id]))
        assert len(receiver.received) == 1
    [row] = deliveries(engine, event_id)
    assert (row.delivered, row.status_code) == (False, 307)


async def test_deleting_an_endpoint_cancels_its_pending_deliveries(engine: Engine) -> None:
    activity = WebhookActivities(engine, SEALER, policy=LOCAL)
    with webhook_receiver() as receiver:
        event_id, endpoint_id, _ = setup(engine, receiver.url, ["*"])
        receiver.status = 500
        with pytest.raises(ApplicationError):
            await activity.deliver_events(DeliverEventsInput(event_ids=[event_id]))
        with session_scope(engine) as db:  # the platform deletes the failing endpoint
            row = db.get(webhooks.WebhookEndpointRow, endpoint_id)
            assert row is not None
            webhooks.delete_webhook_endpoint(db, row)
        # The retry finds nothing owed: it succeeds without a request or a FOREIGN KEY error.
        await activity.deliver_events(DeliverEventsInput(event_ids=[event_id]))
        assert len(receiver.received) == 1
    assert deliveries(engine, event_id) == []


def test_an_attempt_recorded_after_the_delete_is_dropped(engine: Engine) -> None:
    # The activity read the endpoint, the API deleted it, then the attempt is recorded.
    from kyc.webhooks import Delivery, record_delivery

    event_id, endpoint_id, secret = setup(engine, "http://127.0.0.1:9/", ["*"])
    with session_scope(engine) as db:
        row = db.get(webhooks.WebhookEndpointRow, endpoint_id)
        assert row is not None
        webhooks.delete_webhook_endpoint(db, row)
    delivery = Delivery(event_id, endpoint_id, "http://127.0.0.1:9/", secret, b"{}")
    assert record_delivery(engine, delivery, 500).owed is False
    assert deliveries(engine, event_id) == []


def test_retry_delays_grow_exponentially_with_jitter() -> None:
    import random
    from datetime import timedelta

    from activities.webhooks import retry_delay

    rng = random.Random(7)
    first = [retry_delay(1, rng) for _ in range(200)]
    assert min(first) >= timedelta(seconds=15) and max(first) < timedelta(seconds=45)
    assert len({d.total_seconds() for d in first}) > 150  # jittered, not one value
    assert timedelta(seconds=45) <= retry_delay(2, rng) < timedelta(seconds=135)
    late = [retry_delay(n, rng) for n in (10, 50, 10_000)]
    assert all(timedelta(hours=1) <= d < timedelta(hours=3) for d in late)  # capped at 2 h
    # Three days hold 30-40 attempts at most: a failing endpoint costs little.
    total, attempts = timedelta(0), 0
    while total < timedelta(days=3):
        attempts += 1
        total += retry_delay(attempts, random.Random(attempts))
    assert 30 <= attempts <= 60


def test_an_endpoint_failing_for_three_days_is_disabled(engine: Engine) -> None:
    event_id, endpoint_id, _ = setup(engine, "https://hooks.example.com/", ["*"])
    with session_scope(engine) as db:
        assert webhooks.record_delivery(db, event_id, endpoint_id, 500) is None
        endpoint = db.get(webhooks.WebhookEndpointRow, endpoint_id)
        assert endpoint is not None and endpoint.failing_since is not None
        assert endpoint.status == "enabled"
        # A success resets the clock; failing again starts it anew.
        webhooks.record_delivery(db, event_id, endpoint_id, 200)
        assert endpoint.failing_since is None
        webhooks.record_delivery(db, event_id, endpoint_id, None)
        assert endpoint.failing_since is not None
        endpoint.failing_since -= webhooks.DISABLE_AFTER_FAILING_S
        db.add(endpoint)
        assert webhooks.record_delivery(db, event_id, endpoint_id, 503) is endpoint
        assert endpoint.status == "disabled"
    with session_scope(engine) as db:
        event = db.get(event_db.EventRow, event_id)
        assert event is not None
        assert webhooks.endpoints_for(db, event) == []  # no more deliveries to it


@dataclass
class StartedWorkflows:
    """Stands in for the worker's Temporal client: records the workflows it is asked to start."""

    started: list[tuple[str, Any, str, str]] = field(default_factory=list)

    async def start_workflow(
        self, workflow: str, arg: Any, *, id: str, task_queue: str, **_: Any
    ) -> None:
        self.started.append((workflow, arg, id, task_queue))


def failing_for_three_days(engine: Engine, endpoint_id: str) -> None:
    """The endpoint has failed every delivery for a minute over the disable period."""
    with session_scope(engine) as db:
        endpoint = db.get(webhooks.WebhookEndpointRow, endpoint_id)
        assert endpoint is not None
        endpoint.failing_since = now() - webhooks.DISABLE_AFTER_FAILING_S - 60
        db.add(endpoint)


async def test_disabling_an_endpoint_emits_an_event_to_the_platform(engine: Engine) -> None:
    client = StartedWorkflows()
    activity = WebhookActivities(
        engine,
        SEALER,
        policy=LOCAL,
        client=client,
        task_queue="q",  # type: ignore[arg-type]
    )
    with webhook_receiver() as failing, webhook_receiver() as watcher:
        failing.status = 500
        event_id, endpoint_id, _ = setup(engine, failing.url, ["*"])
        with session_scope(engine) as db:
            endpoint = db.get(webhooks.WebhookEndpointRow, endpoint_id)
            assert endpoint is not None
            # A second endpoint of the platform listens for endpoint health only.
            health = webhooks.create_webhook_endpoint(
                db, endpoint.platform_id, watcher.url, ["webhook_endpoint.disabled"], livemode=False
            )
        failing_for_three_days(engine, endpoint_id)
        # The attempt that disables the endpoint fails, but nothing more is owed to it: no retry.
        await activity.deliver_events(DeliverEventsInput(event_ids=[event_id]))
        assert len(failing.received) == 1 and watcher.received == []
        with session_scope(engine) as db:
            endpoint = db.get(webhooks.WebhookEndpointRow, endpoint_id)
            assert endpoint is not None and endpoint.status == "disabled"
            listed, _ = event_db.list_events(
                db,
                endpoint.platform_id,
                PageRequest(limit=10),
                ["webhook_endpoint.*"],
                livemode=False,
            )
        [disabled] = listed
        assert disabled.type == "webhook_endpoint.disabled" and disabled.session_id is None
        assert disabled.data["object"]["id"] == endpoint_id
        assert disabled.data["object"]["status"] == "disabled"
        assert "secret" not in disabled.data["object"]
        # Its delivery is started like the events the API records: its own workflow.
        [(workflow, arg, workflow_id, queue)] = client.started
        assert (workflow, workflow_id, queue) == (
            "EventDeliveryWorkflow",
            f"deliver_{disabled.id}",
            "q",
        )
        assert arg == DeliverEventsInput(event_ids=[disabled.id])
        # That delivery reaches the platform's other endpoints, never the disabled one.
        await activity.deliver_events(arg)
        [got] = watcher.received
        assert got.event["id"] == disabled.id
        assert got.event["data"]["object"]["url"] == failing.url
        assert len(failing.received) == 1
        # A later run for the first event neither contacts the endpoint nor emits again.
        await activity.deliver_events(DeliverEventsInput(event_ids=[event_id]))
        assert len(failing.received) == 1 and len(client.started) == 1
    assert health.id != endpoint_id


async def test_a_recovered_endpoint_stays_enabled_and_emits_nothing(engine: Engine) -> None:
    client = StartedWorkflows()
    activity = WebhookActivities(engine, SEALER, policy=LOCAL, client=client)  # type: ignore[arg-type]
    with webhook_receiver() as receiver:
        event_id, endpoint_id, _ = setup(engine, receiver.url, ["*"])
        failing_for_three_days(engine, endpoint_id)
        await activity.deliver_events(DeliverEventsInput(event_ids=[event_id]))  # answers 200
    with session_scope(engine) as db:
        endpoint = db.get(webhooks.WebhookEndpointRow, endpoint_id)
        assert endpoint is not None
        assert (endpoint.status, endpoint.failing_since) == ("enabled", None)
        listed, _ = event_db.list_events(
            db, endpoint.platform_id, PageRequest(limit=10), ["webhook_endpoint.*"], livemode=False
        )
    assert listed == [] and client.started == []


async def test_a_retry_starts_the_delivery_a_crashed_attempt_did_not(engine: Engine) -> None:
    with webhook_receiver() as failing:
        failing.status = 500
        event_id, endpoint_id, _ = setup(engine, failing.url, ["*"])
        failing_for_three_days(engine, endpoint_id)
        # The attempt that disables the endpoint records the event, then the worker dies
        # before it starts the delivery (here: it has no client to start it with).
        crashed = WebhookActivities(engine, SEALER, policy=LOCAL)
        await crashed.deliver_events(DeliverEventsInput(event_ids=[event_id]))
        client = StartedWorkflows()
        retry = WebhookActivities(engine, SEALER, policy=LOCAL, client=client)  # type: ignore[arg-type]
        environment = ActivityEnvironment()
        environment.info = dataclasses.replace(environment.info, attempt=2)
        await environment.run(retry.deliver_events, DeliverEventsInput(event_ids=[event_id]))
        assert len(failing.received) == 1  # the disabled endpoint is not contacted again
    with session_scope(engine) as db:
        endpoint = db.get(webhooks.WebhookEndpointRow, endpoint_id)
        assert endpoint is not None
        [disabled] = db.exec(
            select(event_db.EventRow).where(
                event_db.EventRow.platform_id == endpoint.platform_id,
                event_db.EventRow.type == "webhook_endpoint.disabled",
            )
        ).all()
    assert [started[2] for started in client.started] == [f"deliver_{disabled.id}"]
