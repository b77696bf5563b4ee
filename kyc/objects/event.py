"""Events (`/v1/events` and, the same object, every webhook body) and webhook endpoints."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from kyc.db.tables import EventRow, WebhookEndpointRow


class EventRequest(BaseModel):
    id: str | None = None
    idempotency_key: str | None = None


class EventPublic(BaseModel):
    """Stripe's `event`. `data.object` is the session (a `SessionPublic`) as it was when the
    event happened; for `webhook_endpoint.disabled`, the endpoint."""

    id: str
    object: Literal["event"] = "event"
    api_version: str | None = None
    created: int
    data: dict[str, Any]
    livemode: bool = False
    pending_webhooks: int = 0
    request: EventRequest = EventRequest()
    type: str


def event_public(row: EventRow, data: dict[str, Any]) -> EventPublic:
    """`data`: the row's, its sealed part opened (`kyc.db.personal.event_data`)."""
    return EventPublic(
        id=row.id, created=row.created, data=data, livemode=row.livemode, type=row.type
    )


class WebhookEndpointPublic(BaseModel):
    """Stripe's `webhook_endpoint` (its signing secret is shown once, at creation)."""

    id: str
    object: Literal["webhook_endpoint"] = "webhook_endpoint"
    api_version: str | None = None
    created: int
    description: str | None = None
    enabled_events: list[str]
    livemode: bool = False
    metadata: dict[str, str] = {}
    status: str
    url: str


class WebhookEndpointCreated(WebhookEndpointPublic):
    """The creation response: the only one that carries the signing `secret`."""

    secret: str


class WebhookEndpointDeleted(BaseModel):
    id: str
    object: Literal["webhook_endpoint"] = "webhook_endpoint"
    deleted: Literal[True] = True


def webhook_endpoint_public(row: WebhookEndpointRow) -> WebhookEndpointPublic:
    return WebhookEndpointPublic(
        **row.model_dump(include={"id", "created", "enabled_events", "livemode", "status", "url"})
    )


def webhook_endpoint_created(row: WebhookEndpointRow) -> WebhookEndpointCreated:
    return WebhookEndpointCreated(**webhook_endpoint_public(row).model_dump(), secret=row.secret)
