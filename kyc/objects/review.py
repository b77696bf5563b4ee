"""The review queue, a review case, its audit trail and a decision's result (ours)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from kyc.db.tables import ReviewAuditRow, VerificationSessionRow
from kyc.objects.report import ReportPublic
from kyc.objects.session import SessionPublic


class ReviewQueueItem(BaseModel):
    object: Literal["review"] = "review"
    id: str
    session: str
    reasons: list[str]
    pending_since: int
    age_s: int
    deadline: int | None = None
    livemode: bool = False


class ReviewAuditPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)  # read straight from ReviewAuditRow

    object: Literal["review_audit"] = "review_audit"
    reviewer: str = Field(validation_alias="reviewer_id")
    decision: str
    reason: str | None = None
    note: str | None = None
    resulting_status: str
    created: int


class ReviewCasePublic(BaseModel):
    """The session (with verified outputs), its latest report and the decisions so far."""

    object: Literal["review_case"] = "review_case"
    id: str
    session: SessionPublic
    report: ReportPublic | None = None
    history: list[ReviewAuditPublic]


class ReviewDecisionPublic(BaseModel):
    """What a reviewer's decision led to, as the workflow answered it."""

    object: Literal["review_decision"] = "review_decision"
    session: str
    status: str
    decided_by: str
    decision: str


def review_queue_item(row: VerificationSessionRow, now: int) -> ReviewQueueItem:
    since = row.review_since or row.updated
    return ReviewQueueItem(
        id=row.id,
        session=row.id,
        reasons=row.review_reasons,
        pending_since=since,
        age_s=max(0, now - since),
        deadline=row.review_deadline,
        livemode=row.livemode,
    )


def review_audit_public(row: ReviewAuditRow, note: str | None) -> ReviewAuditPublic:
    """`note`: the row's, opened (`kyc.db.reviews.note_of`)."""
    return ReviewAuditPublic.model_validate(row).model_copy(update={"note": note})
