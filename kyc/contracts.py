"""Names shared by every layer: task queues, workflow and activity names, schedule and workflow
ids, search attributes, event types, public reason codes and upload purposes.

Standard library only, so the workflow sandbox can import it and a name can be changed (or
found) in one place. Changing a workflow, activity or search attribute name breaks running
workflows and recorded histories: these values are part of the wire contract.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal, get_args

# --- task queues ---------------------------------------------------------------------------------

TASK_QUEUE = "kyc"  # orchestration and I/O activities
ML_TASK_QUEUE = "kyc-ml"  # OCR and face activities (CPU-bound)
TASK_QUEUES = (TASK_QUEUE, ML_TASK_QUEUE)


# --- workflows and activities (registered and started by these names) ----------------------------


class WorkflowName(StrEnum):
    VERIFICATION = "VerificationWorkflow"
    SCREENING_MONITOR = "ScreeningMonitorWorkflow"
    SCREENING_ALERT = "ScreeningAlertWorkflow"
    EVENT_DELIVERY = "EventDeliveryWorkflow"
    RETENTION = "RetentionWorkflow"


class ActivityName(StrEnum):
    CAPTURE = "capture"
    EXTRACT = "extract"
    MATCH = "match"
    SCREEN = "screen"
    DECIDE = "decide"
    RECORD_STATUS = "record_status"
    DELIVER_EVENTS = "deliver_events"
    MONITORING_PLAN = "monitoring_plan"
    RESCREEN_VERIFIED = "rescreen_verified"
    START_ALERT_REVIEWS = "start_alert_reviews"
    COMPLETE_MONITORING = "complete_monitoring"
    SIMULATE = "simulate"
    REDACT_EXPIRED = "redact_expired"


# --- ids -----------------------------------------------------------------------------------------

MONITOR_SCHEDULE_ID = "kyc-screening-monitor"  # created by the worker, triggered by `kyc lists`
RETENTION_SCHEDULE_ID = "kyc-retention"  # created by the worker when retention_days > 0


def alert_workflow_id(session_id: str, snapshot_id: str) -> str:
    """The ScreeningAlertWorkflow of new hits on a verified session from one list snapshot."""
    return f"alert_{session_id}_{snapshot_id}"


def delivery_workflow_id(event_id: str) -> str:
    """The EventDeliveryWorkflow of an event the API recorded itself."""
    return f"deliver_{event_id}"


# --- search attributes (statuses only, never personal data) --------------------------------------

SEARCH_ATTRIBUTE_STATUS = "KycStatus"
SEARCH_ATTRIBUTE_NEEDS_REVIEW = "KycNeedsReview"
# Name -> Temporal's indexed value type, as `temporal server start-dev --search-attribute` takes it.
SEARCH_ATTRIBUTES = {SEARCH_ATTRIBUTE_STATUS: "Keyword", SEARCH_ATTRIBUTE_NEEDS_REVIEW: "Bool"}


# --- events --------------------------------------------------------------------------------------


class EventType(StrEnum):
    """Stripe's session events, plus ours (review, screening, webhook endpoint health)."""

    CREATED = "identity.verification_session.created"
    PROCESSING = "identity.verification_session.processing"
    REQUIRES_INPUT = "identity.verification_session.requires_input"
    VERIFIED = "identity.verification_session.verified"
    CANCELED = "identity.verification_session.canceled"
    REDACTED = "identity.verification_session.redacted"
    NEEDS_REVIEW = "identity.verification_session.needs_review"
    REVIEW_ESCALATED = "identity.verification_session.review_escalated"
    SCREENING_ALERT = "identity.verification_session.screening_alert"
    # Not a session event: `data.object` is the webhook endpoint, disabled after failing every
    # delivery for three days (Stripe emails the account; a self-hosted service has no email).
    WEBHOOK_ENDPOINT_DISABLED = "webhook_endpoint.disabled"

    @property
    def short(self) -> str:
        """The name after the object prefix (`verified`), as dedupe keys use it."""
        return self.value.rsplit(".", 1)[-1]


# --- public reason codes -------------------------------------------------------------------------

# Why a session waits for a reviewer (`review.reasons`).
ReviewReason = Literal[
    "face_match_inconclusive",
    "duplicate_face",
    "screening_hit",
    "screening_not_run",
    "screening_alert",
]

# `last_error.code`s a reviewer may give with a rejection or a resubmission request.
REVIEWER_REASON_CODES = (
    "rejected_by_reviewer",
    "document_unverified_other",
    "document_expired",
    "document_type_not_supported",
    "under_supported_age",
    "selfie_face_mismatch",
    "selfie_unverified_other",
    "selfie_manipulated",
    "screening_match_confirmed",
    "consent_declined",
)
REVIEW_TIMED_OUT = "review_timed_out"
# The error type of an activity refused by the redaction fence (kyc.errors.SessionRedacted).
SESSION_REDACTED = "session_redacted"
SCREENING_MATCH_CONFIRMED = "screening_match_confirmed"
REJECTED_BY_REVIEWER = "rejected_by_reviewer"
ABANDONED = "abandoned"


# --- uploads -------------------------------------------------------------------------------------

FilePurpose = Literal["document_front", "document_back", "selfie"]
UPLOAD_PURPOSES: tuple[FilePurpose, ...] = get_args(FilePurpose)


# --- test mode -----------------------------------------------------------------------------------

# What `simulate` forces on a test-mode submission, instead of running the engines: each outcome
# one attempt can have. The reviewer's codes (rejected_by_reviewer, screening_match_confirmed,
# review_timed_out) follow `needs_review` and a decision; `abandoned` follows no submission.
SimulatedOutcome = Literal[
    "verified",
    "needs_review",
    "screening_hit",
    "consent_declined",
    "document_expired",
    "document_type_not_supported",
    "document_unreadable",
    "document_unverified_other",
    "image_quality_insufficient",
    "under_supported_age",
    "selfie_document_missing_photo",
    "selfie_face_mismatch",
    "selfie_manipulated",
    "selfie_unverified_other",
]
SIMULATED_OUTCOMES: tuple[SimulatedOutcome, ...] = get_args(SimulatedOutcome)


def simulation_problem(
    outcome: str, *, selfie: bool, screening: bool, review_unscreened: bool
) -> str | None:
    """Why `outcome` cannot be simulated on a session that checks a `selfie` (or not), is
    `screening`, and sends a screening that could not run to review (`review_unscreened`), or
    None. needs_review is an inconclusive face match, or without a selfie an unrun screening."""
    flag = "options[document][require_matching_selfie]=true"
    if outcome.startswith("selfie_") and not selfie:
        return f"simulate={outcome} needs a session that checks a selfie ({flag})."
    if outcome == "screening_hit" and not screening:
        return "simulate=screening_hit needs a session that screens (options[screening][enabled])."
    if outcome == "needs_review" and not (selfie or (screening and review_unscreened)):
        return f"simulate=needs_review needs a session that checks a selfie ({flag})."
    return None
