"""/v1/events: list and retrieve."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from api.deps import DbSession, Platform, Query, valid_path_ids
from api.params import EventListParams, ExpandParams, parse
from api.schemas import event_object, list_object
from kyc.db import events as db_events

PATH = "/v1/events"
router = APIRouter(prefix=PATH, tags=["events"], dependencies=[Depends(valid_path_ids)])


@router.get("", summary="List events")
def list_events(db: DbSession, caller: Platform, query: Query) -> Any:
    """`type` filters by event type; a trailing `*` matches a prefix."""
    params = parse(EventListParams, query)
    rows, has_more = db_events.list_events(
        db,
        caller.platform_id,
        limit=params.limit,
        starting_after=params.starting_after,
        ending_before=params.ending_before,
        type=params.type,
    )
    return list_object(PATH, [event_object(r) for r in rows], has_more)


@router.get("/{event_id}", summary="Retrieve an event")
def retrieve_event(db: DbSession, caller: Platform, event_id: str, query: Query) -> Any:
    parse(ExpandParams, query)
    return event_object(db_events.get_event(db, caller.platform_id, event_id))
