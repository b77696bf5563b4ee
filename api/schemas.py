"""Public objects, shaped like Stripe's where Stripe has the same thing.

Rows in, JSON-ready dicts out (through pydantic models, which document the shapes in OpenAPI).
Identity data is only ever unsealed here, on demand: `verified_outputs` when expanded, report
bodies when a report is read.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel

from kyc.db.sealing import ColumnSealer
from kyc.db.tables import (
    EventRow,
    ReviewAuditRow,
    VerificationReportRow,
    VerificationSessionRow,
    WebhookEndpointRow,
)
from kyc.types import VerificationState


class LastError(BaseModel):
    code: str
    reason: str | None = None


class Redaction(BaseModel):
    status: Literal["processing", "redacted"]


class ReviewInfo(BaseModel):
    pending: bool
    reasons: list[str]
    deadline: int | None = None


class DateParts(BaseModel):
    day: int
    month: int
    year: int


class VerifiedOutputs(BaseModel):
    first_name: str | None = None
    last_name: str | None = None
    dob: DateParts | None = None
    address: dict[str, str | None] | None = None
    id_number: str | None = None
    id_number_type: str | None = None
    sex: str | None = None


class VerificationSession(BaseModel):
    id: str
    object: Literal["identity.verification_session"] = "identity.verification_session"
    client_secret: str | None = None  # only in the creation response; stored hashed
    created: int
    expires_at: int
    last_error: LastError | None = None
    last_verification_report: str | None = None
    livemode: bool = False
    metadata: dict[str, str]
    options: dict[str, Any]
    redaction: Redaction | None = None
    status: str
    type: str
    url: str | None = None  # only in the creation response: it carries the client_secret
    client_reference_id: str | None = None
    return_url: str | None = None
    verified_outputs: VerifiedOutputs | None = None
    review: ReviewInfo


def _date_parts(value: Any) -> DateParts | None:
    if not value:
        return None
    d = date.fromisoformat(str(value))
    return DateParts(day=d.day, month=d.month, year=d.year)


def _sex(value: Any) -> str | None:
    return {"M": "male", "F": "female", "X": "unknown"}.get(str(value)) if value else None


def verified_outputs(row: VerificationSessionRow, sealer: ColumnSealer) -> VerifiedOutputs | None:
    if row.verified_outputs_sealed is None:
        return None
    fields = sealer.unseal(f"{row.id}:verified_outputs", row.verified_outputs_sealed)
    return VerifiedOutputs(
        first_name=fields.get("given_names"),
        last_name=fields.get("surname"),
        dob=_date_parts(fields.get("date_of_birth")),
        address={"line1": fields["address"]} if fields.get("address") else None,
        sex=_sex(fields.get("sex")),
    )


def session_object(
    row: VerificationSessionRow,
    *,
    sealer: ColumnSealer | None = None,
    expand: list[str] | None = None,
    client_secret: str | None = None,
    url: str | None = None,
    live: VerificationState | None = None,
) -> dict[str, Any]:
    """The public session. `live` (from an update's result) wins over the row's status, which
    the workflow's `record_status` activity writes a moment later."""
    status = live.status.value if live else row.status
    if live is not None:
        error = live.last_error
        last_error = LastError(code=error.code, reason=error.reason) if error else None
    elif row.last_error_code:
        last_error = LastError(code=row.last_error_code, reason=row.last_error_reason)
    else:
        last_error = None
    outputs = None
    if expand and "verified_outputs" in expand and sealer is not None:
        outputs = verified_outputs(row, sealer)
    model = VerificationSession(
        id=row.id,
        client_secret=client_secret,
        created=row.created,
        expires_at=row.expires_at,
        last_error=last_error,
        last_verification_report=row.last_report_id,
        metadata=row.metadata_,
        options=row.options,
        redaction=Redaction(status="redacted") if row.redaction_status == "redacted" else None,
        status=status,
        type=row.type,
        url=url,
        client_reference_id=row.client_reference_id,
        return_url=row.return_url,
        verified_outputs=outputs,
        review=ReviewInfo(
            pending=row.review_pending if live is None else live.review_pending,
            reasons=row.review_reasons,
            deadline=row.review_deadline,
        ),
    )
    return model.model_dump(mode="json")


def list_object(url: str, data: list[dict[str, Any]], has_more: bool) -> dict[str, Any]:
    return {"object": "list", "data": data, "has_more": has_more, "url": url}


# --- reports -------------------------------------------------------------------------------------


def _check_error(check: dict[str, Any]) -> dict[str, Any] | None:
    if not check.get("error_code"):
        return None
    return {"code": check["error_code"], "reason": check.get("error_reason")}


def _document(check: dict[str, Any] | None) -> dict[str, Any] | None:
    if check is None:
        return None
    fields = check.get("fields") or {}
    return {
        "status": check["status"],
        "error": _check_error(check),
        "first_name": fields.get("given_names"),
        "last_name": fields.get("surname"),
        "dob": _dump(_date_parts(fields.get("date_of_birth"))),
        "expiration_date": _dump(_date_parts(fields.get("expiration_date"))),
        "issued_date": None,
        "issuing_country": check.get("issuing_country") or fields.get("issuing_country"),
        "nationality": fields.get("nationality"),
        "number": fields.get("document_number"),
        "sex": _sex(fields.get("sex")),
        "address": {"line1": fields["address"]} if fields.get("address") else None,
        "type": check.get("document_type"),
        "checks": check.get("checks", []),
        "files": [],
    }


def _selfie(check: dict[str, Any] | None) -> dict[str, Any] | None:
    if check is None:
        return None
    return {
        "status": check["status"],
        "error": _check_error(check),
        "distance": check.get("distance"),
        "threshold": check.get("threshold"),
        "liveness": check.get("liveness"),
        "document": None,
        "selfie": None,
    }


def _dump(model: BaseModel | None) -> dict[str, Any] | None:
    return model.model_dump() if model else None


def report_object(
    row: VerificationReportRow, session: VerificationSessionRow | None, sealer: ColumnSealer
) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if row.body_sealed is not None:
        body = sealer.unseal(f"{row.id}:body", row.body_sealed)
    decision = body.get("decision")
    return {
        "id": row.id,
        "object": "identity.verification_report",
        "created": row.created,
        "livemode": False,
        "options": session.options if session else {},
        "type": row.type,
        "verification_session": row.session_id,
        "attempt": row.attempt,
        "document": _document(body.get("document")),
        "selfie": _selfie(body.get("selfie")),
        "screening": body.get("screening"),
        "decision": {
            "status": decision["status"],
            "reasons": decision.get("reasons", []),
            "review_reasons": decision.get("review_reasons", []),
        }
        if decision
        else None,
        "redaction": {"status": "redacted"} if row.body_sealed is None else None,
    }


# --- events, webhooks, reviews -------------------------------------------------------------------


def event_object(row: EventRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "object": "event",
        "api_version": None,
        "created": row.created,
        "data": row.data,  # stored as Stripe's `data`: {"object": <session>}
        "livemode": False,
        "pending_webhooks": 0,
        "request": {"id": None, "idempotency_key": None},
        "type": row.type,
    }


def webhook_endpoint_object(
    row: WebhookEndpointRow, *, with_secret: bool = False
) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "id": row.id,
        "object": "webhook_endpoint",
        "api_version": None,
        "created": row.created,
        "description": None,
        "enabled_events": row.enabled_events,
        "livemode": False,
        "metadata": {},
        "status": row.status,
        "url": row.url,
    }
    if with_secret:
        obj["secret"] = row.secret
    return obj


def review_queue_item(row: VerificationSessionRow, now: int) -> dict[str, Any]:
    since = row.review_since or row.updated
    return {
        "object": "review",
        "id": row.id,
        "session": row.id,
        "reasons": row.review_reasons,
        "pending_since": since,
        "age_s": max(0, now - since),
        "deadline": row.review_deadline,
    }


def audit_object(row: ReviewAuditRow) -> dict[str, Any]:
    return {
        "object": "review_audit",
        "reviewer": row.reviewer_id,
        "decision": row.decision,
        "reason": row.reason,
        "note": row.note,
        "resulting_status": row.resulting_status,
        "created": row.created,
    }
