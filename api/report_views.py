"""Public reports assembled from their rows: each one's session, sealed body and the ids of the
files its attempt was submitted with, a page at a time (one query for the page's files, one for
a page of sessions' latest reports), for the report routes, expanded sessions and review cases."""

from __future__ import annotations

from sqlmodel import Session

from api.deps import AppState
from kyc.db import files as db_files
from kyc.db import reports as db_reports
from kyc.db.personal import personal_of
from kyc.db.tables import VerificationReportRow, VerificationSessionRow
from kyc.objects.report import ReportPublic, report_public


def reports_public(
    state: AppState,
    db: Session,
    rows: list[VerificationReportRow],
    sessions: dict[str, VerificationSessionRow],
) -> list[ReportPublic]:
    """`rows` as public reports; `sessions` holds each one's session by id."""
    files = db_files.files_by_attempt(db, sorted({r.session_id for r in rows}))
    return [
        report_public(
            r,
            sessions[r.session_id],
            db_reports.report_body(db, state.sealer, r),
            files.get((r.session_id, r.attempt)),
            personal_of(db, state.sealer, sessions[r.session_id]).client_reference_id,
        )
        for r in rows
    ]


def last_reports(
    state: AppState, db: Session, sessions: list[VerificationSessionRow]
) -> dict[str, ReportPublic]:
    """The latest report of each session that has one, by session id."""
    by_id = {s.id: s for s in sessions}
    latest = [s.last_report_id for s in sessions if s.last_report_id]
    rows = db_reports.reports_of_sessions(db, latest, list(by_id))
    public = reports_public(state, db, rows, by_id)
    return {row.session_id: report for row, report in zip(rows, public, strict=True)}
