"""Stored tables. Timestamps are unix seconds (Stripe's convention); ids carry Stripe-like prefixes.

Personal data never sits here in clear: reports and verified outputs are sealed with the master
key, a session's metadata, reference ids and free text and its events' embedded session with
the session's own key (`kyc.db.sealing`); redaction deletes the one and shreds the other.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from kyc import limits


class Platform(SQLModel, table=True):
    __tablename__ = "platforms"

    id: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=200)
    created: int


class ApiKey(SQLModel, table=True):
    """A platform secret key (`sk_...`) or a reviewer key (`rk_...`), stored as a SHA-256 hash."""

    __tablename__ = "api_keys"

    id: str = Field(primary_key=True, max_length=40)
    platform_id: str = Field(foreign_key="platforms.id", index=True, max_length=40)
    kind: str = Field(max_length=16)  # "secret" | "reviewer"
    # Test mode (`sk_test_`/`rk_test_`) or live mode (`sk_live_`/`rk_live_`): a key sees only
    # the objects of its own mode.
    livemode: bool = False
    key_hash: str = Field(unique=True, max_length=64)
    last4: str = Field(max_length=4)
    reviewer_name: str | None = Field(default=None, max_length=200)
    created: int
    revoked: bool = False


class VerificationSessionRow(SQLModel, table=True):
    __tablename__ = "verification_sessions"
    __table_args__ = (Index("ix_sessions_platform_created", "platform_id", "created", "id"),)

    id: str = Field(primary_key=True, max_length=40)
    platform_id: str = Field(foreign_key="platforms.id", max_length=40)
    livemode: bool = False  # set from the creating key; never changes
    type: str = Field(max_length=20)
    status: str = Field(index=True, max_length=20)
    options: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # Metadata, the platform's ids for the person, return_url and the last error's free text,
    # sealed under the session's own key (kyc.db.personal); lists filter on HMAC stand-ins.
    personal_sealed: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    client_reference_key: str | None = Field(default=None, index=True, max_length=64)
    related_customer_key: str | None = Field(default=None, index=True, max_length=64)
    related_customer_account_key: str | None = Field(default=None, index=True, max_length=64)
    client_secret_hash: str = Field(max_length=64)
    # Sealed as well, so the platform can read it back while the session requires input (as on
    # Stripe); erased on redaction. Lookups use the hash.
    client_secret_sealed: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    created: int
    expires_at: int
    attempt: int = 0
    last_error_code: str | None = Field(default=None, max_length=limits.ERROR_CODE_LENGTH)
    last_report_id: str | None = Field(default=None, max_length=40)
    review_pending: bool = Field(default=False, index=True)
    review_reasons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    review_since: int | None = None
    review_deadline: int | None = None
    redaction_status: str | None = Field(default=None, max_length=20)
    verified_outputs_sealed: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    # The workflow that takes the pending review's decision when it is not the session's own
    # (a screening alert on a verified session); None means the VerificationWorkflow.
    review_workflow_id: str | None = Field(default=None, max_length=200)
    updated: int


class VerificationReportRow(SQLModel, table=True):
    __tablename__ = "verification_reports"
    __table_args__ = (Index("ix_reports_platform_created", "platform_id", "created", "id"),)

    id: str = Field(primary_key=True, max_length=40)
    platform_id: str = Field(foreign_key="platforms.id", max_length=40)
    livemode: bool = False  # set from the creating key; never changes
    session_id: str = Field(foreign_key="verification_sessions.id", index=True, max_length=40)
    attempt: int
    created: int
    type: str = Field(max_length=20)
    # The public report body (document/selfie/screening), sealed: it holds identity data.
    body_sealed: bytes | None = Field(default=None, sa_column=Column(LargeBinary))


class FileRow(SQLModel, table=True):
    """An uploaded file; its bytes are encrypted in object storage under `object_key`."""

    __tablename__ = "files"

    id: str = Field(primary_key=True, max_length=40)
    platform_id: str = Field(foreign_key="platforms.id", max_length=40)
    livemode: bool = False  # set from the creating key; never changes
    session_id: str = Field(foreign_key="verification_sessions.id", index=True, max_length=40)
    purpose: str = Field(max_length=20)
    object_key: str = Field(max_length=300)
    sha256: str = Field(max_length=64)
    size: int
    content_type: str = Field(max_length=100)
    created: int
    submitted: bool = False
    attempt: int | None = None  # the attempt it was submitted with: the report's `files`


class EventRow(SQLModel, table=True):
    __tablename__ = "events"
    __table_args__ = (Index("ix_events_platform_created", "platform_id", "created", "id"),)

    id: str = Field(primary_key=True, max_length=40)
    platform_id: str = Field(foreign_key="platforms.id", max_length=40)
    livemode: bool = False  # set from the creating key; never changes
    type: str = Field(max_length=limits.EVENT_TYPE_LENGTH)
    created: int
    # The session object as the public API shows it: in clear only its ids, statuses and
    # options, the rest sealed under the session's key (kyc.db.personal).
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    data_sealed: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    # Set once per status change so a retried activity does not emit the event twice.
    dedupe_key: str = Field(unique=True, max_length=200)
    # The session the event is about, so redaction can scrub its events.
    session_id: str | None = Field(default=None, index=True, max_length=40)


class WebhookEndpointRow(SQLModel, table=True):
    __tablename__ = "webhook_endpoints"

    id: str = Field(primary_key=True, max_length=40)
    platform_id: str = Field(foreign_key="platforms.id", index=True, max_length=40)
    livemode: bool = False  # set from the creating key; never changes
    url: str = Field(max_length=limits.URL_LENGTH)
    secret: str = Field(max_length=100)
    enabled_events: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created: int
    status: str = Field(default="enabled", max_length=20)
    # Since when every delivery failed (None after a success); 3 days of it disables the endpoint.
    failing_since: int | None = None


class WebhookDeliveryRow(SQLModel, table=True):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (UniqueConstraint("event_id", "endpoint_id"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(foreign_key="events.id", index=True, max_length=40)
    endpoint_id: str = Field(foreign_key="webhook_endpoints.id", max_length=40)
    status_code: int | None = None
    delivered: bool = False
    attempts: int = 0
    updated: int


class IdempotencyRow(SQLModel, table=True):
    """The first response to a POST with an `Idempotency-Key`, replayed for the same request."""

    __tablename__ = "idempotency_keys"

    platform_id: str = Field(primary_key=True, max_length=40)
    key: str = Field(primary_key=True, max_length=limits.IDEMPOTENCY_KEY_LENGTH)
    request_hash: str = Field(max_length=64)
    status_code: int
    response: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created: int


class ReviewAuditRow(SQLModel, table=True):
    """Who decided what, when, with what note: one row per accepted review decision."""

    __tablename__ = "review_audit"

    id: int | None = Field(default=None, primary_key=True)
    session_id: str = Field(foreign_key="verification_sessions.id", index=True, max_length=40)
    platform_id: str = Field(foreign_key="platforms.id", max_length=40)
    reviewer_id: str = Field(max_length=200)
    decision: str = Field(max_length=40)
    reason: str | None = Field(default=None, max_length=limits.ERROR_CODE_LENGTH)
    # The reviewer's free text, sealed under the session's key (kyc.db.reviews.note_of).
    note_sealed: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    resulting_status: str = Field(max_length=20)
    created: int


class FaceTemplateRow(SQLModel, table=True):
    """A selfie's face embedding (sealed), kept per platform to spot one face on two identities.

    Written when the face is matched, `verified` once the session is; deleted on redaction.
    """

    __tablename__ = "face_templates"

    session_id: str = Field(foreign_key="verification_sessions.id", primary_key=True, max_length=40)
    platform_id: str = Field(foreign_key="platforms.id", index=True, max_length=40)
    livemode: bool = False  # the session's: duplicates are looked for in one mode
    identity_key: str = Field(max_length=64)
    model: str = Field(max_length=40)
    embedding_sealed: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    verified: bool = Field(default=False, index=True)
    created: int


class ScreeningDispositionRow(SQLModel, table=True):
    """A reviewer's verdict on one screening hit for one identity, so it is not raised again."""

    __tablename__ = "screening_dispositions"

    platform_id: str = Field(foreign_key="platforms.id", primary_key=True, max_length=40)
    # The session's mode: a verdict given in test mode never clears a live hit.
    livemode: bool = Field(default=False, primary_key=True)
    identity_key: str = Field(primary_key=True, max_length=64)
    list: str = Field(primary_key=True, max_length=40)
    entity_id: str = Field(primary_key=True, max_length=100)
    disposition: str = Field(max_length=20)  # "false_positive" | "confirmed"
    session_id: str = Field(max_length=40)
    reviewer_id: str = Field(max_length=200)
    created: int


class MonitoringRunRow(SQLModel, table=True):
    """One re-screening of the verified identities against a list snapshot."""

    __tablename__ = "monitoring_runs"

    snapshot_id: str = Field(primary_key=True, max_length=100)
    started: int
    completed: int | None = None
    sessions: int = 0
    alerts: int = 0


class ScreeningAlertRow(SQLModel, table=True):
    """A hit raised on a verified session by monitoring: raised once per (session, entity)."""

    __tablename__ = "screening_alerts"

    platform_id: str = Field(foreign_key="platforms.id", primary_key=True, max_length=40)
    session_id: str = Field(foreign_key="verification_sessions.id", primary_key=True, max_length=40)
    list: str = Field(primary_key=True, max_length=40)
    entity_id: str = Field(primary_key=True, max_length=100)
    snapshot_id: str = Field(max_length=100)
    # The full ScreeningHit (its explanation quotes the customer's name), sealed.
    hit_sealed: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    created: int


class PayloadKeyRow(SQLModel, table=True):
    """The random salt from which a session's Temporal payload key is derived (kyc.temporal).
    Redaction sets it to None and keeps the row as a tombstone, so the key is never re-made:
    the session's workflow history, and any export of it, no longer decrypts."""

    __tablename__ = "payload_keys"

    session_id: str = Field(primary_key=True, max_length=40)  # no FK: made before the session row
    salt: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    created: int
