"""/v1/identity/verification_reports: retrieve and list (bodies unsealed on read)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from api.deps import DbSession, Platform, Query, State, valid_path_ids
from api.params import ExpandParams, ReportListParams, parse
from api.schemas import list_object, report_object
from kyc.db import sessions as db_sessions

PATH = "/v1/identity/verification_reports"
router = APIRouter(
    prefix=PATH, tags=["verification_reports"], dependencies=[Depends(valid_path_ids)]
)


@router.get("", summary="List verification reports")
def list_reports(state: State, db: DbSession, caller: Platform, query: Query) -> Any:
    params = parse(ReportListParams, query)
    rows, has_more = db_sessions.list_reports(
        db,
        caller.platform_id,
        limit=params.limit,
        starting_after=params.starting_after,
        ending_before=params.ending_before,
        verification_session=params.verification_session,
        created=params.created_filter(),
    )
    sessions = {
        sid: db_sessions.get_session(db, caller.platform_id, sid)
        for sid in {r.session_id for r in rows}
    }
    data = [report_object(r, sessions[r.session_id], state.sealer) for r in rows]
    return list_object(PATH, data, has_more)


@router.get("/{report_id}", summary="Retrieve a verification report")
def retrieve_report(
    state: State, db: DbSession, caller: Platform, report_id: str, query: Query
) -> Any:
    parse(ExpandParams, query)
    row = db_sessions.get_report(db, caller.platform_id, report_id)
    session = db_sessions.get_session(db, caller.platform_id, row.session_id)
    return report_object(row, session, state.sealer)
