"""/v1/webhook_endpoints: create, list, retrieve, delete."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from api.deps import Body, DbSession, Platform, Query, State, valid_path_ids
from api.errors import ERROR_RESPONSES
from api.idempotency import Idempotent
from api.params import ExpandParams, WebhookEndpointParams, WebhookListParams, parse
from kyc.contracts import EventType
from kyc.db import webhooks as db_webhooks
from kyc.errors import InvalidRequest
from kyc.objects.common import ListPublic
from kyc.objects.event import (
    WebhookEndpointCreated,
    WebhookEndpointDeleted,
    WebhookEndpointPublic,
    webhook_endpoint_created,
    webhook_endpoint_public,
)

PATH = "/v1/webhook_endpoints"
router = APIRouter(
    prefix=PATH,
    tags=["webhook_endpoints"],
    dependencies=[Depends(valid_path_ids)],
    responses=ERROR_RESPONSES,
)


@router.post("", summary="Create a webhook endpoint", response_model=WebhookEndpointCreated)
async def create_endpoint(
    state: State, db: DbSession, caller: Platform, body: Body, idem: Idempotent
) -> JSONResponse:
    """The signing `secret` appears only in this response."""
    params = parse(WebhookEndpointParams, body)
    for i, name in enumerate(params.enabled_events):
        if name != "*" and name not in set(EventType):
            raise InvalidRequest(
                f"Invalid enabled_events[{i}]: unknown event type {name!r}.",
                param=f"enabled_events[{i}]",
            )

    def insert() -> dict[str, Any]:
        row = db_webhooks.create_webhook_endpoint(
            db, caller.platform_id, params.url, params.enabled_events
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
    rows = db_webhooks.list_webhook_endpoints(db, caller.platform_id)
    ids = [r.id for r in rows]
    start = 0
    if params.starting_after:
        if params.starting_after not in ids:
            raise InvalidRequest(
                f"No such object: '{params.starting_after}'", param="starting_after"
            )
        start = ids.index(params.starting_after) + 1
    end = len(rows)
    if params.ending_before:
        if params.ending_before not in ids:
            raise InvalidRequest(f"No such object: '{params.ending_before}'", param="ending_before")
        end = ids.index(params.ending_before)
        start = max(0, end - params.limit)
    page = rows[start:end][: params.limit]
    has_more = (start + len(page) < end) if not params.ending_before else start > 0
    data = [webhook_endpoint_public(r) for r in page]
    return ListPublic(data=data, has_more=has_more, url=PATH)


@router.get("/{endpoint_id}", summary="Retrieve a webhook endpoint")
def retrieve_endpoint(
    db: DbSession, caller: Platform, endpoint_id: str, query: Query
) -> WebhookEndpointPublic:
    parse(ExpandParams, query)
    return webhook_endpoint_public(
        db_webhooks.get_webhook_endpoint(db, caller.platform_id, endpoint_id)
    )


@router.delete("/{endpoint_id}", summary="Delete a webhook endpoint")
def delete_endpoint(db: DbSession, caller: Platform, endpoint_id: str) -> WebhookEndpointDeleted:
    row = db_webhooks.get_webhook_endpoint(db, caller.platform_id, endpoint_id)
    db_webhooks.delete_webhook_endpoint(db, row)
    db.commit()
    return WebhookEndpointDeleted(id=endpoint_id)
