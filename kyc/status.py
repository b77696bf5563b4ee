"""Status changes reported by the workflows, applied in one transaction: the session row, the
attempt's report, the review state and audit trail, remembered screening verdicts, and the event.

Idempotent: the `record_status` activity may be retried, and a retry changes nothing twice
(events carry a dedupe key; the rest is overwritten with the same values).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session

from kyc.crypto import MasterKeys
from kyc.db import dispositions, events, face_templates, reports, reviews
from kyc.db.engine import session_scope
from kyc.db.errors import database_errors
from kyc.db.ids import now
from kyc.db.personal import (
    personal_of,
    seal_verified_outputs,
    update_personal,
    verified_fields,
)
from kyc.db.sealing import ColumnSealer
from kyc.db.tables import EventRow, VerificationSessionRow
from kyc.identity import identity_key_of
from kyc.objects.session import session_public
from kyc.redaction import fenced_row
from kyc.types import (
    DocumentFields,
    RecordStatusInput,
    RecordStatusResult,
    SessionStatus,
    VerificationState,
)


def add_session_event(
    db: Session,
    sealer: ColumnSealer,
    row: VerificationSessionRow,
    event_type: str,
    dedupe_key: str,
    live: VerificationState | None = None,
) -> EventRow:
    """The event of a change to the session: it embeds the session as it is now (with the
    workflow's `live` state when the row is a moment behind it)."""
    personal = personal_of(db, sealer, row)
    session = session_public(row, personal=personal, live=live).model_dump(mode="json")
    return events.add_event(
        db,
        row.platform_id,
        str(event_type),
        {"object": session},
        dedupe_key,
        session_id=row.id,
        livemode=row.livemode,
        sealer=sealer,
    )


@dataclass
class StatusRecorder:
    engine: Engine
    sealer: ColumnSealer
    master_key: MasterKeys  # the ring: identity keys are written under the current key

    def record(self, change: RecordStatusInput) -> RecordStatusResult:
        """Persist `change`; returns the id of the event it emitted (none when `event_type` is
        empty: a change that is recorded without an event)."""
        # Database errors become typed ones: outages retry (without limit), bad data does not.
        with database_errors(), session_scope(self.engine) as db:
            row = fenced_row(db, change.session_id)  # SessionRedacted once redacted
            at = int(change.occurred_at.timestamp()) if change.occurred_at else now()
            self._apply_status(db, row, change, at)
            self._apply_review(row, change, at)
            if change.review_decision is not None:
                self._record_review(db, row, change)
            row.updated = now()
            db.add(row)
            if not change.event_type:
                return RecordStatusResult()
            dedupe_key = f"{change.session_id}:{change.dedupe_key or change.event_type}"
            event = add_session_event(db, self.sealer, row, change.event_type, dedupe_key)
            return RecordStatusResult(event_ids=[event.id])

    def _apply_status(
        self, db: Session, row: VerificationSessionRow, change: RecordStatusInput, at: int
    ) -> None:
        row.status = change.status.value
        row.last_error_code = change.last_error.code if change.last_error else None
        reason = change.last_error.reason if change.last_error else None
        if reason != personal_of(db, self.sealer, row).last_error_reason:
            update_personal(db, self.sealer, row, last_error_reason=reason)
        if change.status == SessionStatus.verified:
            face_templates.mark_face_template_verified(db, row.id)
        if change.verified_identity is not None:
            identity = change.verified_identity.model_dump(mode="json")
            seal_verified_outputs(db, self.sealer, row, identity)
        if change.report is not None and change.report.attempt:
            row.attempt = max(row.attempt, change.report.attempt)
            reports.upsert_report(
                db,
                row,
                change.report.attempt,
                change.report.model_dump(mode="json"),
                self.sealer,
                at,
            )

    @staticmethod
    def _apply_review(row: VerificationSessionRow, change: RecordStatusInput, at: int) -> None:
        """Pending iff the status is needs_review, unless the change says otherwise (a screening
        alert puts a *verified* session under review, in another workflow)."""
        pending = change.status == SessionStatus.needs_review
        if change.review_pending is not None:
            pending = change.review_pending
        reviews.set_review(
            row,
            pending=pending,
            reasons=change.review_reasons,
            since=row.review_since or at,
            deadline=int(change.review_deadline.timestamp()) if change.review_deadline else None,
            workflow_id=change.review_workflow_id,
        )

    def _record_review(
        self, db: Session, row: VerificationSessionRow, change: RecordStatusInput
    ) -> None:
        """The audit row of a reviewer's decision, and its verdicts on screening hits."""
        decision = change.review_decision
        assert decision is not None
        reviews.record_review(db, self.sealer, row, decision, change.status.value)
        verdicts = dict(decision.screening_hits)
        screening = change.report.screening if change.report else None
        if decision.decision == "approve" and screening is not None:
            # Approving a session whose hits got no verdict judged them not to be this person.
            for reported in screening.hits:
                verdicts.setdefault(f"{reported.list}:{reported.entity_id}", "false_positive")
        fields = self._identity_of(db, row, change) if verdicts else None
        if fields is None:
            return
        key = identity_key_of(self.master_key, fields)
        for hit, verdict in verdicts.items():
            dispositions.record_disposition(db, row, key, hit, verdict, decision.reviewer_id)

    def _identity_of(
        self, db: Session, row: VerificationSessionRow, change: RecordStatusInput
    ) -> DocumentFields | None:
        """The reviewed identity: the report's document, else the session's verified outputs."""
        if change.report is not None and change.report.document is not None:
            return change.report.document.fields
        fields = verified_fields(db, self.sealer, row)
        return DocumentFields.model_validate(fields) if fields is not None else None
