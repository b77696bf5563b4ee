"""The review console's view models.

The console reads the same rows and sealed reports as the API (`kyc.db.sessions`); identity
data is unsealed here only to render a page for a signed-in reviewer of the same platform.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlmodel import Session

from api.deps import AppState, Caller
from kyc.contracts import REVIEWER_REASON_CODES, UPLOAD_PURPOSES
from kyc.db import reports as db_reports
from kyc.db import reviews as db_reviews
from kyc.db import sessions as db_sessions
from kyc.db.ids import now
from kyc.db.pagination import PageRequest
from kyc.db.tables import VerificationSessionRow
from kyc.errors import InvalidRequest, NotFound

TEMPLATES = Path(__file__).resolve().parent / "templates"
_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True))
IMAGE_NAMES = (*UPLOAD_PURPOSES, "portrait")
FIELD_LABELS = {
    "surname": "Surname",
    "given_names": "Given names",
    "document_number": "Document number",
    "nationality": "Nationality",
    "issuing_country": "Issuing country",
    "date_of_birth": "Date of birth",
    "expiration_date": "Expiry date",
    "sex": "Sex",
    "address": "Address",
}


def render(template: str, **context: Any) -> str:
    context.setdefault("reasons", REVIEWER_REASON_CODES)
    return _env.get_template(template).render(**context)


# --- review console ------------------------------------------------------------------------------


def duration(seconds: int | None) -> str:
    """A short human duration: 45 s, 12 min, 3 h 20 min, 2 d 4 h."""
    if seconds is None:
        return "—"
    s = max(0, int(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min"
    if s < 86400:
        return f"{s // 3600} h {s % 3600 // 60} min"
    return f"{s // 86400} d {s % 86400 // 3600} h"


def timestamp(value: int | None) -> str:
    if value is None:
        return "—"
    return datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


_env.filters["duration"] = duration
_env.filters["timestamp"] = timestamp


def queue(db: Session, reviewer: Caller, reason: str | None) -> dict[str, Any]:
    """Pending reviews of the reviewer's mode oldest first, with why, age and time left; the
    reasons to filter by."""
    rows = db_reviews.pending_reviews(
        db, reviewer.platform_id, livemode=reviewer.livemode, limit=500
    )
    at = now()
    reasons = sorted({r for row in rows for r in row.review_reasons})
    items = [
        {
            "id": row.id,
            "reasons": row.review_reasons,
            "age": at - (row.review_since or row.updated),
            "left": (row.review_deadline - at) if row.review_deadline else None,
        }
        for row in rows
        if not reason or reason in row.review_reasons
    ]
    return {"items": items, "filter_reasons": reasons, "reason": reason}


def _reports(state: AppState, db: Session, row: VerificationSessionRow) -> list[dict[str, Any]]:
    found, _ = db_reports.list_reports(
        db,
        state.sealer,
        row.platform_id,
        PageRequest(limit=100),
        livemode=row.livemode,
        session_id=row.id,
    )
    return [
        {
            "id": report.id,
            "attempt": report.attempt,
            "created": report.created,
            **db_reports.report_body(db, state.sealer, report),
        }
        for report in sorted(found, key=lambda r: r.attempt)
    ]


def _fields(document: dict[str, Any]) -> list[dict[str, Any]]:
    fields = document.get("fields") or {}
    sources = document.get("field_sources") or {}
    return [
        {
            "label": label,
            "value": fields.get(name),
            "source": (sources.get(name) or {}).get("source", "—"),
            "confidence": (sources.get(name) or {}).get("confidence"),
        }
        for name, label in FIELD_LABELS.items()
        if fields.get(name)
    ]


def _checks(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Every check of the attempt with its result and reason."""
    rows = []
    document = report.get("document") or {}
    for check in document.get("checks") or []:
        rows.append(
            {
                "name": f"document: {check['name']}",
                "result": "passed" if check.get("passed") else "failed",
                "reason": check.get("reason") or check.get("code") or "",
            }
        )
    if document:
        reason = document.get("error_reason") or document.get("error_code") or ""
        rows.append({"name": "document", "result": document.get("status"), "reason": reason})
    selfie = report.get("selfie")
    if selfie:
        reason = selfie.get("error_reason") or selfie.get("error_code") or ""
        if selfie.get("duplicate_of"):
            reason = f"{reason} face seen on another verified session".strip()
        rows.append({"name": "selfie", "result": selfie.get("status"), "reason": reason})
    screening = report.get("screening")
    if screening:
        rows.append(
            {
                "name": "screening",
                "result": screening.get("status"),
                "reason": screening.get("reason") or f"{len(screening.get('hits') or [])} hit(s)",
            }
        )
    return rows


def _store_keys(state: AppState, prefix: str) -> set[str]:
    store = state.store or state.settings.object_store()
    return set(store.keys(prefix))


def case(state: AppState, db: Session, reviewer: Caller, session_id: str) -> dict[str, Any]:
    """Everything the case page shows (a session of the reviewer's platform and mode)."""
    row = db_sessions.get_session(db, reviewer.platform_id, session_id, livemode=reviewer.livemode)
    reports = _reports(state, db, row)
    latest = reports[-1] if reports else {}
    prefix = f"sessions/{row.id}/attempts/{latest.get('attempt')}/"
    keys = _store_keys(state, prefix) if latest else set()
    present = [name for name in UPLOAD_PURPOSES if f"{prefix}{name}.png" in keys]
    selfie = latest.get("selfie") or {}
    settings = state.settings
    at = now()
    return {
        "row": row,
        "attempt": latest.get("attempt"),
        "images": present,
        "portrait": bool(selfie.get("portrait_key")),
        "selfie": selfie,
        "document": latest.get("document") or {},
        "fields": _fields(latest.get("document") or {}),
        "checks": _checks(latest),
        "screening": latest.get("screening") or {},
        "decision": latest.get("decision") or {},
        "attempts": reports,
        "history": [
            {
                **audit.model_dump(exclude={"note_sealed"}),
                "note": db_reviews.note_of(db, state.sealer, audit),
            }
            for audit in db_reviews.review_history(db, row.id)
        ],
        "age": at - (row.review_since or row.updated) if row.review_pending else None,
        "left": (row.review_deadline - at) if row.review_pending and row.review_deadline else None,
        "temporal_url": (
            f"{settings.resolved_temporal_ui_url}/namespaces/{settings.temporal_namespace}"
            f"/workflows/{row.id}"
        ),
    }


def image_key(state: AppState, db: Session, row: VerificationSessionRow, name: str) -> str:
    """The object key of one image of the latest attempt."""
    if name not in IMAGE_NAMES:
        raise NotFound(f"No such image: '{name}'")
    reports = _reports(state, db, row)
    if not reports:
        raise NotFound("This case has no captured images.")
    latest = reports[-1]
    if name == "portrait":
        key = (latest.get("selfie") or {}).get("portrait_key")
        if not key:
            raise NotFound("No portrait crop was kept for this case.")
        return str(key)
    return f"sessions/{row.id}/attempts/{latest['attempt']}/{name}.png"


def decision_kind(value: str) -> Literal["approve", "reject", "request_resubmission"]:
    if value == "approve":
        return "approve"
    if value == "reject":
        return "reject"
    if value == "request_resubmission":
        return "request_resubmission"
    raise InvalidRequest("Choose approve, reject or request resubmission.", param="decision")


def decision_reason(kind: str, value: str) -> str | None:
    """The reason code of a rejection or resubmission request, else None."""
    if kind == "approve" or not value:
        return None
    if value not in REVIEWER_REASON_CODES:
        raise InvalidRequest(f"Unknown reason code {value[:64]!r}.", param="reason")
    return value


def hit_verdicts(fields: dict[str, str]) -> dict[str, Literal["false_positive", "confirmed"]]:
    """Form fields `hit:<list>:<entity_id>` = false_positive | confirmed ("" = no verdict)."""
    verdicts: dict[str, Literal["false_positive", "confirmed"]] = {}
    for name, value in fields.items():
        if not name.startswith("hit:"):
            continue
        if value == "false_positive":
            verdicts[name.removeprefix("hit:")] = "false_positive"
        elif value == "confirmed":
            verdicts[name.removeprefix("hit:")] = "confirmed"
        elif value:
            raise InvalidRequest(f"Unknown verdict for {name.removeprefix('hit:')}.")
    return verdicts
