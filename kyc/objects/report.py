"""The verification report: one attempt's check results, unsealed on read."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from kyc.db.tables import VerificationReportRow, VerificationSessionRow
from kyc.objects.common import (
    Address,
    DateParts,
    ErrorDetail,
    Redaction,
    address_of,
    date_parts,
    sex_word,
)


class DocumentReport(BaseModel):
    """Stripe's `document` check of a report."""

    status: str
    error: ErrorDetail | None = None
    first_name: str | None = None
    last_name: str | None = None
    dob: DateParts | None = None
    expiration_date: DateParts | None = None
    issued_date: DateParts | None = None
    issuing_country: str | None = None
    nationality: str | None = None
    number: str | None = None
    sex: str | None = None
    address: Address | None = None
    type: str | None = None
    unparsed_place_of_birth: str | None = None
    unparsed_sex: str | None = None
    checks: list[dict[str, Any]] = Field(default_factory=list)
    # The ids of the uploaded files this check read (front, then back).
    files: list[str] = Field(default_factory=list)


class SelfieReport(BaseModel):
    """Stripe's `selfie` check, with the distance and threshold that decided it."""

    status: str
    error: ErrorDetail | None = None
    distance: float | None = None
    threshold: float | None = None
    liveness: Any = None
    # The ids of the uploaded files compared: the document front and the selfie.
    document: str | None = None
    selfie: str | None = None


class DecisionReport(BaseModel):
    """Ours: what the policy concluded, and why."""

    status: str
    reasons: list[str] = Field(default_factory=list)
    review_reasons: list[str] = Field(default_factory=list)


class ReportPublic(BaseModel):
    """Stripe's `identity.verification_report`, plus `attempt`, `screening` and `decision`."""

    id: str
    object: Literal["identity.verification_report"] = "identity.verification_report"
    created: int
    livemode: bool = False
    options: dict[str, Any]
    type: str
    verification_session: str
    client_reference_id: str | None = None
    attempt: int
    document: DocumentReport | None = None
    selfie: SelfieReport | None = None
    # Stripe's email, phone and id_number checks and its verification flows: never run here.
    email: None = None
    phone: None = None
    id_number: None = None
    verification_flow: None = None
    screening: dict[str, Any] | None = None
    decision: DecisionReport | None = None
    redaction: Redaction | None = None


def _report_options(options: dict[str, Any]) -> dict[str, Any]:
    """The session's options as Stripe's report shows them (`id_number` null: never run)."""
    return {"id_number": None, **options}


def _error(check: dict[str, Any]) -> ErrorDetail | None:
    if not check.get("error_code"):
        return None
    return ErrorDetail(code=check["error_code"], reason=check.get("error_reason"))


def _document(check: dict[str, Any] | None, files: dict[str, str]) -> DocumentReport | None:
    if check is None:
        return None
    fields = check.get("fields") or {}
    return DocumentReport(
        status=check["status"],
        error=_error(check),
        first_name=fields.get("given_names"),
        last_name=fields.get("surname"),
        dob=date_parts(fields.get("date_of_birth")),
        expiration_date=date_parts(fields.get("expiration_date")),
        issued_date=date_parts(fields.get("issue_date")),
        issuing_country=check.get("issuing_country") or fields.get("issuing_country"),
        nationality=fields.get("nationality"),
        number=fields.get("document_number"),
        sex=sex_word(fields.get("sex")),
        address=address_of(fields),
        type=check.get("document_type"),
        unparsed_place_of_birth=fields.get("place_of_birth"),
        unparsed_sex=fields.get("sex_as_printed"),
        checks=check.get("checks", []),
        files=[files[p] for p in ("document_front", "document_back") if p in files],
    )


def _selfie(check: dict[str, Any] | None, files: dict[str, str]) -> SelfieReport | None:
    if check is None:
        return None
    return SelfieReport(
        status=check["status"],
        error=_error(check),
        distance=check.get("distance"),
        threshold=check.get("threshold"),
        liveness=check.get("liveness"),
        document=files.get("document_front"),
        selfie=files.get("selfie"),
    )


def report_public(
    row: VerificationReportRow,
    session: VerificationSessionRow | None,
    body: dict[str, Any],
    files: dict[str, str] | None = None,
    client_reference_id: str | None = None,
) -> ReportPublic:
    """The public report. `body` is the row's, opened (`kyc.db.reports.report_body`); `files`
    are the ids of the attempt's uploads by purpose (`kyc.db.files.attempt_files`);
    `client_reference_id` is its session's (sealed there)."""
    files = files or {}
    decision = body.get("decision")
    return ReportPublic(
        id=row.id,
        created=row.created,
        livemode=row.livemode,
        options=_report_options(session.options) if session else {},
        type=row.type,
        verification_session=row.session_id,
        client_reference_id=client_reference_id,
        attempt=row.attempt,
        document=_document(body.get("document"), files),
        selfie=_selfie(body.get("selfie"), files),
        screening=body.get("screening"),
        decision=DecisionReport(
            status=decision["status"],
            reasons=decision.get("reasons", []),
            review_reasons=decision.get("review_reasons", []),
        )
        if decision
        else None,
        redaction=Redaction(status="redacted") if row.body_sealed is None else None,
    )
