"""/v1/identity/verification_reports: retrieve and list (bodies unsealed on read)."""

from __future__ import annotations

from api.deps import DbSession, Platform, Query, State
from api.params import ExpandParams, ReportListParams, parse
from api.routes import resource_router
from kyc.db import files as db_files
from kyc.db import reports as db_reports
from kyc.db import sessions as db_sessions
from kyc.db.personal import personal_of
from kyc.objects.common import ListPublic
from kyc.objects.report import ReportPublic, report_public

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
    files = db_files.files_by_attempt(db, list(sessions))
    data = [
        report_public(
            r,
            sessions[r.session_id],
            db_reports.report_body(db, state.sealer, r),
            files.get((r.session_id, r.attempt)),
            personal_of(db, state.sealer, sessions[r.session_id]).client_reference_id,
        )
        for r in rows
    ]
    return ListPublic(data=data, has_more=has_more, url=PATH)


@router.get("/{report_id}", summary="Retrieve a verification report")
def retrieve_report(
    state: State, db: DbSession, caller: Platform, report_id: str, query: Query
) -> ReportPublic:
    parse(ExpandParams, query)
    row = db_reports.get_report(db, caller.platform_id, report_id, livemode=caller.livemode)
    session = db_sessions.get_session(
        db, caller.platform_id, row.session_id, livemode=caller.livemode
    )
    files = db_files.attempt_files(db, row.session_id, row.attempt)
    reference = personal_of(db, state.sealer, session).client_reference_id
    body = db_reports.report_body(db, state.sealer, row)
    return report_public(row, session, body, files, reference)
