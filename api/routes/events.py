"""/v1/events: list and retrieve."""

from __future__ import annotations

from api.deps import DbSession, Platform, Query, State
from api.params import EventListParams, ExpandParams, parse
from api.routes import resource_router
from kyc.db import events as db_events
from kyc.db.personal import event_data
from kyc.objects.common import ListPublic
from kyc.objects.event import EventPublic, event_public

PATH = "/v1/events"
router = resource_router(PATH, "events")


@router.get("", summary="List events")
def list_events(
    state: State, db: DbSession, caller: Platform, query: Query
) -> ListPublic[EventPublic]:
    """`type` (or up to 20 `types[]`) filters by event type; a trailing `*` matches a prefix."""
    params = parse(EventListParams, query)
    types = params.types or ([params.type] if params.type else None)
    rows, has_more = db_events.list_events(
        db, caller.platform_id, params.page_request(), types, livemode=caller.livemode
    )
    data = [event_public(r, event_data(db, state.sealer, r)) for r in rows]
    return ListPublic(data=data, has_more=has_more, url=PATH)


@router.get("/{event_id}", summary="Retrieve an event")
def retrieve_event(
    state: State, db: DbSession, caller: Platform, event_id: str, query: Query
) -> EventPublic:
    parse(ExpandParams, query)
    row = db_events.get_event(db, caller.platform_id, event_id, livemode=caller.livemode)
    return event_public(row, event_data(db, state.sealer, row))
