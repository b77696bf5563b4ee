"""/v1/webhook_endpoints: create, list, retrieve, delete."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi.responses import JSONResponse

from api.deps import Body, DbSession, Platform, Query, State
from api.idempotency import Idempotent
from api.params import ExpandParams, WebhookEndpointParams, WebhookListParams, parse
from api.routes import resource_router
from kyc.contracts import EventType
from kyc.db import webhooks as db_webhooks
from kyc.errors import InvalidRequest, WebhookEndpointLimit
from kyc.netguard import UrlPolicy, check_registration
from kyc.objects.common import ListPublic
from kyc.objects.event import (
    WebhookEndpointCreated,
    WebhookEndpointDeleted,
    WebhookEndpointPublic,
    webhook_endpoint_created,
    webhook_endpoint_public,
)

PATH = "/v1/webhook_endpoints"
router = resource_router(PATH, "webhook_endpoints")


@router.post("", summary="Create a webhook endpoint", response_model=WebhookEndpointCreated)
async def create_endpoint(
    state: State, db: DbSession, caller: Platform, body: Body, idem: Idempotent
) -> JSONResponse:
    """The signing `secret` appears only in this response."""
    params = parse(WebhookEndpointParams, body)
    settings = state.settings
    policy = UrlPolicy.of(settings.environment, settings.webhook_allow_local_receivers)
    await asyncio.to_thread(check_registration, params.url, policy)  # may resolve the name
    for i, name in enumerate(params.enabled_events):
        if name != "*" and name not in set(EventType):
            raise InvalidRequest(
                f"Invalid enabled_events[{i}]: unknown event type {name!r}.",
                param=f"enabled_events[{i}]",
            )

    def insert() -> dict[str, Any]:
        if (
            db_webhooks.count_webhook_endpoints(db, caller.platform_id, livemode=caller.livemode)
            >= settings.webhook_max_endpoints
        ):
            raise WebhookEndpointLimit(
                f"A platform can have at most {settings.webhook_max_endpoints} webhook endpoints."
            )
        row = db_webhooks.create_webhook_endpoint(
            db, caller.platform_id, params.url, params.enabled_events, livemode=caller.livemode
        )
        db.commit()
        return webhook_endpoint_created(row).model_dump(mode="json")

    async def work() -> dict[str, Any]:
        return await state.write(insert)

    return await idem.run(caller.platform_id, body, work)


@router.get("", summary="List webhook endpoints")
def list_endpoints(
    db: DbSession, caller: Platform, query: Query
) -> ListPublic[WebhookEndpointPublic]:
    params = parse(WebhookListParams, query)
    rows, has_more = db_webhooks.list_webhook_endpoints(
        db, caller.platform_id, params.page_request(), livemode=caller.livemode
    )
    data = [webhook_endpoint_public(r) for r in rows]
    return ListPublic(data=data, has_more=has_more, url=PATH)


@router.get("/{endpoint_id}", summary="Retrieve a webhook endpoint")
def retrieve_endpoint(
    db: DbSession, caller: Platform, endpoint_id: str, query: Query
) -> WebhookEndpointPublic:
    parse(ExpandParams, query)
    return webhook_endpoint_public(
        db_webhooks.get_webhook_endpoint(
            db, caller.platform_id, endpoint_id, livemode=caller.livemode
        )
    )


@router.delete("/{endpoint_id}", summary="Delete a webhook endpoint")
def delete_endpoint(db: DbSession, caller: Platform, endpoint_id: str) -> WebhookEndpointDeleted:
    row = db_webhooks.get_webhook_endpoint(
        db, caller.platform_id, endpoint_id, livemode=caller.livemode
    )
    db_webhooks.delete_webhook_endpoint(db, row)
    db.commit()
    return WebhookEndpointDeleted(id=endpoint_id)
