"""Models that cross process boundaries: workflow and activity inputs and outputs.

Pydantic and stdlib only (plus the engines' `models` modules, which obey the same rule): the
workflow sandbox imports this module. Every input and output is ONE model, so a field can be
added (always with a default) without breaking running workflows. Images never travel here:
only object keys and SHA-256 digests.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field

from kyc.contracts import ML_TASK_QUEUE, FilePurpose, SimulatedOutcome
from kyc.documents.models import DocumentCheck, DocumentFields, DocumentRules, DocumentType
from kyc.faces.models import SelfieCheck
from kyc.screening.models import ScreeningCheck, ScreeningHit, ScreeningQuery

# The engines' results are workflow and activity I/O too: workflows import them from here, so
# the sandbox passes one module through.
__all__ = [
    "DocumentCheck",
    "DocumentFields",
    "DocumentRules",
    "DocumentType",
    "ScreeningCheck",
    "ScreeningHit",
    "ScreeningQuery",
    "SelfieCheck",
]


class SessionStatus(StrEnum):
    """Public statuses: Stripe's, plus `needs_review`."""

    requires_input = "requires_input"
    processing = "processing"
    needs_review = "needs_review"
    verified = "verified"
    canceled = "canceled"

    @property
    def is_final(self) -> bool:
        return self in (SessionStatus.verified, SessionStatus.canceled)


Step = Literal[
    "awaiting_input",
    "capture",
    "extract",
    "match",
    "screen",
    "simulate",
    "decide",
    "review",
    "done",
]


def _all_document_types() -> list[DocumentType]:
    return ["passport", "id_card", "driving_license"]


class DocumentOptions(BaseModel):
    """Stripe's `options[document]`."""

    allowed_types: list[DocumentType] = Field(default_factory=_all_document_types)
    require_id_number: bool = False
    require_live_capture: bool = False
    require_matching_selfie: bool = False


class ScreeningOptions(BaseModel):
    """Ours: `options[screening]` — sanctions/PEP screening of the extracted identity."""

    enabled: bool = True


class SessionOptions(BaseModel):
    document: DocumentOptions = Field(default_factory=DocumentOptions)
    screening: ScreeningOptions = Field(default_factory=ScreeningOptions)


class CheckError(BaseModel):
    """Stripe's `last_error`: a public code and a reason a person can act on."""

    code: str
    reason: str


class StoredFile(BaseModel):
    """An uploaded file in object storage (encrypted with the session's data key)."""

    key: str
    sha256: str
    size: int
    content_type: str


class Submission(BaseModel):
    """Update `submit`: the files of one attempt, by purpose."""

    files: dict[FilePurpose, StoredFile]
    # Test mode only: the outcome to simulate instead of running the engines (files optional).
    simulate: SimulatedOutcome | None = None


class SubmitResult(BaseModel):
    attempt: int
    status: SessionStatus


class VerificationInput(BaseModel):
    """Everything the workflow needs, fixed at session creation (settings are not re-read)."""

    session_id: str
    platform_id: str
    livemode: bool = False  # the session's mode: only a test session takes a simulation
    options: SessionOptions = Field(default_factory=SessionOptions)
    expires_after_s: int = 24 * 3600
    review_timeout_s: int = 72 * 3600
    review_escalation_fraction: float = 0.75
    review_default_action: Literal["reject", "approve", "request_resubmission"] = "reject"
    max_attempts: int = 3
    minimum_age: int = 18
    screening_not_run_action: Literal["review", "allow"] = "review"
    ocr_engine: str = "rapidocr"
    ml_task_queue: str = ML_TASK_QUEUE  # where capture/extract/match run (CPU-bound pool)
    # Reviewer ids allowed to decide this session's reviews; empty means any reviewer of the
    # platform (the API checks the key belongs to the platform before calling the update).
    reviewers: list[str] = Field(default_factory=list)


class CapturedImage(BaseModel):
    """A normalised image (decoded, EXIF-oriented, re-encoded) in object storage."""

    key: str
    sha256: str
    width: int
    height: int


class CaptureInput(BaseModel):
    session_id: str
    attempt: int
    submission: Submission
    require_selfie: bool = False


class CaptureResult(BaseModel):
    images: dict[FilePurpose, CapturedImage]


class ExtractInput(BaseModel):
    session_id: str
    front: CapturedImage
    back: CapturedImage | None = None
    rules: DocumentRules
    engine: str = "rapidocr"


class MatchInput(BaseModel):
    session_id: str
    platform_id: str
    document: CapturedImage
    selfie: CapturedImage
    # The document identity, so a face seen on a *different* identity can be flagged.
    identity: DocumentFields | None = None


class ScreenInput(BaseModel):
    session_id: str
    platform_id: str
    query: ScreeningQuery
    livemode: bool = False  # the session's: only verdicts given in its mode apply


class VerificationReport(BaseModel):
    """Per-attempt check results: what the report endpoint and reviewers see."""

    attempt: int = 0
    document: DocumentCheck | None = None
    selfie: SelfieCheck | None = None
    screening: ScreeningCheck | None = None
    decision: Decision | None = None


class SimulateInput(BaseModel):
    """Activity `simulate` (test mode): the checks the engines would report for `outcome`."""

    session_id: str
    attempt: int
    outcome: SimulatedOutcome
    options: SessionOptions
    rules: DocumentRules  # the attempt's date, minimum age and accepted types


class SimulatedAttempt(BaseModel):
    """The simulated checks, and the error a real check would have raised instead of reporting."""

    document: DocumentCheck | None = None
    selfie: SelfieCheck | None = None
    screening: ScreeningCheck | None = None
    failure: CheckError | None = None


class DecideInput(BaseModel):
    report: VerificationReport
    options: SessionOptions
    screening_not_run_action: Literal["review", "allow"] = "review"


class Decision(BaseModel):
    """What `kyc.policy` concluded, with the reasons behind it."""

    status: Literal["verified", "requires_input", "needs_review", "canceled"]
    error: CheckError | None = None
    review_reasons: list[str] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list)


class ReviewDecision(BaseModel):
    """Update/Signal `review`: a reviewer's decision on a pending review."""

    decision: Literal["approve", "reject", "request_resubmission"]
    reviewer_id: str
    reason: str | None = None  # a public error code for reject / resubmission
    note: str | None = None
    # Verdicts on the pending screening hits, keyed "<list>:<entity_id>". A false positive is
    # remembered for this identity and not raised again; a confirmed hit rejects the session.
    screening_hits: dict[str, Literal["false_positive", "confirmed"]] = Field(default_factory=dict)


class CancelRequest(BaseModel):
    """Update `cancel`: stop the session in any non-final state."""

    requested_by: str = "platform"


class ReviewOutcome(BaseModel):
    status: SessionStatus
    decided_by: str
    decision: str


class RecordStatusInput(BaseModel):
    """Persist a status change and emit its event (activity `record_status`)."""

    session_id: str
    status: SessionStatus
    event_type: str
    last_error: CheckError | None = None
    report: VerificationReport | None = None
    review_reasons: list[str] = Field(default_factory=list)
    review_deadline: datetime | None = None
    review_decision: ReviewDecision | None = None
    verified_identity: DocumentFields | None = None
    occurred_at: datetime | None = None
    # Unique per status change of a run, so a retried activity never emits an event twice.
    dedupe_key: str = ""
    # A screening alert puts a *verified* session under review: overrides "review pending iff
    # status is needs_review" when set. `event_type` "" records the change without an event.
    review_pending: bool | None = None
    # The workflow that takes this session's `review` Update when it is not the session's own.
    review_workflow_id: str | None = None


class RecordStatusResult(BaseModel):
    event_ids: list[str] = Field(default_factory=list)


class DeliverEventsInput(BaseModel):
    event_ids: list[str]


class VerificationState(BaseModel):
    """Query `state`: the live state of one verification (no PII: codes, statuses, scores)."""

    status: SessionStatus = SessionStatus.requires_input
    step: Step = "awaiting_input"
    attempt: int = 0
    last_error: CheckError | None = None
    review_pending: bool = False
    review_reasons: list[str] = Field(default_factory=list)
    review_deadline: datetime | None = None
    checks: dict[str, str] = Field(default_factory=dict)  # check name -> its status


class VerificationResult(BaseModel):
    status: SessionStatus
    last_error: CheckError | None = None
    attempts: int = 0
    decided_on: date | None = None


VerificationReport.model_rebuild()


def screening_query_for(identity: DocumentFields) -> ScreeningQuery:
    """The screening query of an extracted or verified identity."""
    birth = identity.date_of_birth.isoformat() if identity.date_of_birth else None
    return ScreeningQuery(
        name=identity.full_name,
        birth_date=birth,
        nationality=identity.nationality,
        sex=identity.sex,
    )
