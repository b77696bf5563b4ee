"""The verification session, as the API, events and webhooks show it."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from kyc.db.personal import SessionPersonal
from kyc.db.tables import VerificationSessionRow
from kyc.objects.applicant import applicant_error
from kyc.objects.common import (
    Address,
    DateParts,
    ErrorDetail,
    Redaction,
    address_of,
    date_parts,
    sex_word,
)
from kyc.objects.report import ReportPublic
from kyc.types import SessionStatus, VerificationState


class ReviewInfo(BaseModel):
    """Ours: whether a reviewer's decision is pending, why, and until when."""

    pending: bool
    reasons: list[str]
    deadline: int | None = None


class VerifiedOutputs(BaseModel):
    """Stripe's `verified_outputs`, from the verified document. `email` and `phone` stay null:
    kycflow runs no email or phone checks."""

    address: Address | None = None
    dob: DateParts | None = None
    email: str | None = None
    first_name: str | None = None
    id_number: str | None = None
    id_number_type: str | None = None
    last_name: str | None = None
    phone: str | None = None
    sex: str | None = None
    unparsed_place_of_birth: str | None = None
    unparsed_sex: str | None = None


class SessionPublic(BaseModel):
    """Stripe's `identity.verification_session`, plus `review`."""

    id: str
    object: Literal["identity.verification_session"] = "identity.verification_session"
    client_secret: str | None = None  # only in the creation response; stored hashed
    created: int
    expires_at: int
    last_error: ErrorDetail | None = None
    # The id, or the report itself when `expand[]=last_verification_report`.
    last_verification_report: str | ReportPublic | None = None
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
    # The platform's customer this session verifies (Stripe's Customer / Account ids), as given.
    related_customer: str | None = None
    related_customer_account: str | None = None
    # Stripe fields kycflow has no counterpart for (refused as parameters): always null.
    provided_details: None = None
    related_person: None = None
    verification_flow: None = None
    review: ReviewInfo


# Stripe's option groups for checks kycflow does not run: shown, always null.
UNUSED_OPTIONS = ("email", "id_number", "matching", "phone")


def stripe_options(options: dict[str, Any]) -> dict[str, Any]:
    """The stored options (`document`, and our `screening`) with Stripe's other groups null."""
    return {**dict.fromkeys(UNUSED_OPTIONS), **options}


def verified_outputs(fields: dict[str, Any] | None) -> VerifiedOutputs | None:
    """Stripe's shape of the verified identity (`kyc.db.personal.verified_fields`)."""
    if fields is None:
        return None
    return VerifiedOutputs(
        address=address_of(fields),
        dob=date_parts(fields.get("date_of_birth")),
        first_name=fields.get("given_names"),
        id_number=fields.get("id_number"),
        id_number_type=fields.get("id_number_type"),
        last_name=fields.get("surname"),
        sex=sex_word(fields.get("sex")),
        unparsed_place_of_birth=fields.get("place_of_birth"),
        unparsed_sex=fields.get("sex_as_printed"),
    )


def session_public(
    row: VerificationSessionRow,
    *,
    personal: SessionPersonal,
    verified: dict[str, Any] | None = None,
    expand: list[str] | None = None,
    client_secret: str | None = None,
    url: str | None = None,
    live: VerificationState | None = None,
    report: ReportPublic | None = None,
    applicant: bool = False,
) -> SessionPublic:
    """The public session; `personal` and `verified` are the row's sealed fields, opened
    (`kyc.db.personal`), the latter shown only when `expand` names it. `live` (from an
    update's result) wins over the row's status, which
    the workflow's `record_status` activity writes a moment later. `applicant` (a client_secret
    read) shows `last_error` as its neutral public form and no review reasons or deadline."""
    last_error: ErrorDetail | None = None
    if live is not None:
        if live.last_error:
            last_error = ErrorDetail(code=live.last_error.code, reason=live.last_error.reason)
    elif row.last_error_code:
        last_error = ErrorDetail(code=row.last_error_code, reason=personal.last_error_reason)
    status = live.status.value if live else row.status
    review = ReviewInfo(
        pending=row.review_pending if live is None else live.review_pending,
        reasons=row.review_reasons,
        deadline=row.review_deadline,
    )
    if applicant:
        last_error = applicant_error(last_error.code if last_error else None)
        # A screening alert puts a *verified* session under review: that must not show either.
        review = ReviewInfo(pending=status == SessionStatus.needs_review.value, reasons=[])
    outputs = None
    if expand and "verified_outputs" in expand:
        outputs = verified_outputs(verified)
    return SessionPublic(
        id=row.id,
        client_secret=client_secret,
        created=row.created,
        expires_at=row.expires_at,
        last_error=last_error,
        last_verification_report=report or row.last_report_id,
        livemode=row.livemode,
        metadata=personal.metadata,
        options=stripe_options(row.options),
        redaction=Redaction(status=row.redaction_status) if row.redaction_status else None,  # type: ignore[arg-type]
        status=status,
        type=row.type,
        url=url,
        client_reference_id=personal.client_reference_id,
        return_url=personal.return_url,
        verified_outputs=outputs,
        related_customer=personal.related_customer,
        related_customer_account=personal.related_customer_account,
        review=review,
    )
