"""Inputs and results of the scheduled workflows: sanctions monitoring (re-screening verified
identities, screening alerts) and retention (automatic redaction).

The same rules as `kyc.types`: pydantic and stdlib only, every input and output one model whose
new fields have defaults; workflows import this module through the sandbox's pass-through.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from kyc.types import SessionStatus


class ReviewTiming(BaseModel):
    """How long a screening alert's reviewer has, and when it escalates (from the settings)."""

    review_timeout_s: int = 72 * 3600
    review_escalation_fraction: float = 0.75


class MonitorInput(ReviewTiming):
    """ScreeningMonitorWorkflow: re-screen verified identities against a new list snapshot.

    The schedule starts it empty; `snapshot_id` onwards are set when a run continues as new.
    """

    batch_size: int = 200
    snapshot_id: str | None = None
    after_session_id: str = ""
    sessions: int = 0
    alerts: int = 0


class MonitorResult(BaseModel):
    status: Literal["completed", "already_monitored", "no_snapshot", "superseded"]
    snapshot_id: str | None = None
    sessions: int = 0
    alerts: int = 0


class MonitoringPlanInput(BaseModel):
    """Activity `monitoring_plan` (no parameters yet)."""


class MonitoringPlan(BaseModel):
    snapshot_id: str | None = None  # the current list snapshot, None before any import
    already_monitored: bool = False


class RescreenInput(BaseModel):
    """Activity `rescreen_verified`: one batch of verified sessions, in session id order."""

    snapshot_id: str
    after_session_id: str = ""
    batch_size: int = 200


class ScreeningAlert(BaseModel):
    """New hits on a verified session: `hits` are "<list>:<entity_id>" keys (no PII)."""

    session_id: str
    platform_id: str
    hits: list[str]
    review_workflow_id: str  # the ScreeningAlertWorkflow that takes the reviewer's decision
    # An alert review still pending on the session, which this one replaces (it has all hits).
    superseded_workflow_id: str | None = None


class RescreenResult(BaseModel):
    sessions: int = 0
    last_session_id: str | None = None
    done: bool = True
    alerts: list[ScreeningAlert] = Field(default_factory=list)
    event_ids: list[str] = Field(default_factory=list)


class StartAlertReviewsInput(ReviewTiming):
    """Activity `start_alert_reviews`: one ScreeningAlertWorkflow per alert of a batch."""

    snapshot_id: str
    alerts: list[ScreeningAlert]


class CompleteMonitoringInput(BaseModel):
    snapshot_id: str
    sessions: int = 0
    alerts: int = 0


class ScreeningAlertInput(ReviewTiming):
    """ScreeningAlertWorkflow: a reviewer's decision on new hits for a verified session."""

    session_id: str
    platform_id: str
    snapshot_id: str
    hits: list[str]


class ScreeningAlertResult(BaseModel):
    status: SessionStatus
    decided_by: str | None = None
    decision: str | None = None  # None when a later alert on the same session replaced it


class RetentionInput(BaseModel):
    """RetentionWorkflow (schedule `kyc-retention`): redact sessions final for `retention_days`."""

    retention_days: int
    batch_size: int = 100


class RetentionBatch(BaseModel):
    """Activity `redact_expired`: up to `limit` sessions after `after_session_id` (id order)."""

    retention_days: int
    after_session_id: str = ""
    limit: int = 100


class RetentionResult(BaseModel):
    redacted: int = 0
    failed: int = 0  # left for the next run (logged by the activity)
    last_session_id: str = ""  # where the next batch starts; "" once none is left
    more: bool = False
