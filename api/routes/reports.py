"""/v1/identity/verification_reports: retrieve and list (bodies unsealed on read)."""

from __future__ import annotations

from api.deps import DbSession, Platform, Query, State
from api.params import ExpandParams, ReportListParams, parse
from api.report_views import reports_public
from api.routes import resource_router
from kyc.db import reports as db_reports
from kyc.db import sessions as db_sessions
from kyc.objects.common import ListPublic
from kyc.objects.report import ReportPublic

PATH = "/v1/identity/verification_reports"
router = resource_router(PATH, "verification_reports")


@router.get("", summary="List verification reports")
def list_reports(
    state: State, db: DbSession, caller: Platform, query: Query
) -> ListPublic[ReportPublic]:
    params = parse(ReportListParams, query)
    rows, has_more = db_reports.list_reports(
        db,
        state.sealer,
        caller.platform_id,
        params.page_request(),
        livemode=caller.livemode,
        client_reference_id=params.client_reference_id,
        session_id=params.verification_session,
        type=params.type,
    )
    ids = [r.session_id for r in rows]  # one query each for the page's sessions and files
    sessions = db_sessions.sessions_by_id(db, caller.platform_id, ids, livemode=caller.livemode)
    return ListPublic(data=reports_public(state, db, rows, sessions), has_more=has_more, url=PATH)


@router.get("/{report_id}", summary="Retrieve a verification report")
def retrieve_report(
    state: State, db: DbSession, caller: Platform, report_id: str, query: Query
) -> ReportPublic:
    parse(ExpandParams, query)
    row = db_reports.get_report(db, caller.platform_id, report_id, livemode=caller.livemode)
    session = db_sessions.get_session(
        db, caller.platform_id, row.session_id, livemode=caller.livemode
    )
    return reports_public(state, db, [row], {session.id: session})[0]
