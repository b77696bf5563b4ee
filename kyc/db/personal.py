"""What a session row and its events hold about the person, sealed under the session's own key.

A session's metadata, the platform's ids for the person (`client_reference_id`,
`related_customer`, `related_customer_account`), its `return_url` and the free-text reason of
its last error are one sealed blob (`personal_sealed`); lists filter on HMAC stand-ins of the
ids. Its verified identity is sealed the same way (`verified_outputs_sealed`). An event stores
in clear only the embedded session as a redaction leaves it (ids, type, statuses, codes,
options); every other field is sealed (`data_sealed`). Redaction forgets the session's salt, so
none of it decrypts again anywhere it was ever written (kyc.db.sealing).

The opened value is remembered on the row object (SQLAlchemy's per-instance `info`), so a row
is opened once however many times it is rendered.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy import inspect
from sqlmodel import Session, col

from kyc.db.sealing import ColumnSealer
from kyc.db.tables import EventRow, VerificationSessionRow

PERSONAL = "personal"  # the associated data of a session's blob, and the info key of its cache


class SessionPersonal(BaseModel):
    metadata: dict[str, str] = {}
    client_reference_id: str | None = None
    return_url: str | None = None
    related_customer: str | None = None
    related_customer_account: str | None = None
    last_error_reason: str | None = None


# The fields lists filter on, and the row column holding each one's HMAC stand-in.
LOOKUP_COLUMNS = {
    "client_reference_id": "client_reference_key",
    "related_customer": "related_customer_key",
    "related_customer_account": "related_customer_account_key",
}


def seal_personal(
    db: Session, sealer: ColumnSealer, row: VerificationSessionRow, personal: SessionPersonal
) -> None:
    """Store `personal` on the row (sealed) with the lookup stand-ins of its ids."""
    row.personal_sealed = sealer.seal_for_session(
        db, row.id, PERSONAL, personal.model_dump(mode="json")
    )
    for field, column in LOOKUP_COLUMNS.items():
        value = getattr(personal, field)
        setattr(
            row, column, None if value is None else sealer.lookup(row.platform_id, field, value)
        )
    inspect(row).info[PERSONAL] = personal


def personal_of(db: Session, sealer: ColumnSealer, row: VerificationSessionRow) -> SessionPersonal:
    """The row's personal fields; empty once redacted (or never set)."""
    cached = inspect(row).info.get(PERSONAL)
    if isinstance(cached, SessionPersonal):
        return cached
    opened = None
    if row.personal_sealed is not None:
        opened = sealer.unseal_for_session(db, row.id, PERSONAL, row.personal_sealed)
    personal = SessionPersonal.model_validate(opened or {})
    inspect(row).info[PERSONAL] = personal
    return personal


VERIFIED_OUTPUTS = "verified_outputs"


def seal_verified_outputs(
    db: Session, sealer: ColumnSealer, row: VerificationSessionRow, fields: dict[str, Any]
) -> None:
    row.verified_outputs_sealed = sealer.seal_for_session(db, row.id, VERIFIED_OUTPUTS, fields)


def verified_fields(
    db: Session, sealer: ColumnSealer, row: VerificationSessionRow
) -> dict[str, Any] | None:
    """The verified identity (kyc.types.DocumentFields as JSON); None when there is none (or
    the session was redacted)."""
    if row.verified_outputs_sealed is None:
        return None
    fields = sealer.unseal_for_session(db, row.id, VERIFIED_OUTPUTS, row.verified_outputs_sealed)
    return dict(fields) if fields is not None else None


def update_personal(
    db: Session, sealer: ColumnSealer, row: VerificationSessionRow, **changes: Any
) -> None:
    seal_personal(db, sealer, row, personal_of(db, sealer, row).model_copy(update=changes))


def erase_personal(row: VerificationSessionRow) -> None:
    row.personal_sealed = None
    for column in LOOKUP_COLUMNS.values():
        setattr(row, column, None)
    inspect(row).info[PERSONAL] = SessionPersonal()


def lookup_filters(
    sealer: ColumnSealer, platform_id: str, equal: dict[str, str | None]
) -> tuple[dict[str, str | None], list[Any]]:
    """Split list filters into plain equalities and conditions on the lookup stand-ins (any key
    of the ring: rows sealed before a rotation still match)."""
    plain = {k: v for k, v in equal.items() if k not in LOOKUP_COLUMNS}
    conditions = [
        col(getattr(VerificationSessionRow, LOOKUP_COLUMNS[field])).in_(
            sealer.lookups(platform_id, field, value)
        )
        for field, value in equal.items()
        if field in LOOKUP_COLUMNS and value  # None or "": no filter, as in kyc.db.pagination
    ]
    return plain, conditions


# What an event keeps in clear of the embedded session: ids, types, statuses, options.
KEPT_SESSION_FIELDS = {
    "id",
    "object",
    "created",
    "expires_at",
    "last_verification_report",
    "livemode",
    "options",
    "redaction",
    "status",
    "type",
}


def event_context(event_id: str) -> str:
    return f"event:{event_id}"


def split_event_data(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(clear, sealed) parts of an event's data about a session: in clear the session as a
    redaction leaves it, sealed every field that differs from that."""
    obj = data.get("object") or {}
    clear = scrubbed_session(obj)
    rest = {k: v for k, v in obj.items() if clear.get(k) != v}
    clear.update({k: None for k in obj if k not in clear})  # every field stays listed
    return {**data, "object": clear}, rest


def scrubbed_session(obj: dict[str, Any]) -> dict[str, Any]:
    """The embedded session with only its non-personal fields."""
    kept = {k: v for k, v in obj.items() if k in KEPT_SESSION_FIELDS}
    error = obj.get("last_error")
    kept.update(
        metadata={},
        client_reference_id=None,
        related_customer=None,
        related_customer_account=None,
        client_secret=None,
        url=None,
        return_url=None,
        verified_outputs=None,
        last_error={"code": error.get("code"), "reason": None} if error else None,
        redaction={"status": "redacted"},
    )
    review = obj.get("review") or {}
    kept["review"] = {"pending": False, "reasons": [], "deadline": None} if review else review
    return kept


def event_data(db: Session, sealer: ColumnSealer, row: EventRow) -> dict[str, Any]:
    """The event's data as it was written (its session's sealed fields back in place), or the
    clear part, the session as redacted, once its key is shredded."""
    if row.data_sealed is None or row.session_id is None:
        return row.data
    rest = sealer.unseal_for_session(db, row.session_id, event_context(row.id), row.data_sealed)
    if rest is None:
        return row.data
    return {**row.data, "object": {**row.data.get("object", {}), **rest}}
