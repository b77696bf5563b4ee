"""The two pages people see, served by the API process: the hosted capture page
(`GET /verify/{session_id}`, plus its small JSON helpers authenticated by the session's
client_secret) and the review console (`GET /review`, server-rendered, reviewer-key cookie).

No PII in URLs or logs; every page and image answers `Cache-Control: no-store` with a strict
CSP (no inline scripts or styles, no third-party origins).
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response

from api import sessions_service as service
from api.deps import (
    Caller,
    DbSession,
    Sealed,
    SessionActor,
    State,
    Temporal,
    app_state,
    platform_session,
    valid_path_ids,
)
from api.pages import console
from api.uploads import read_upload
from kyc.contracts import SIMULATED_OUTCOMES
from kyc.db import files as db_files
from kyc.db import platforms
from kyc.db import sessions as db_sessions
from kyc.db.ids import now
from kyc.db.personal import personal_of
from kyc.db.tables import VerificationSessionRow
from kyc.errors import KycError, NotFound, PermissionDenied
from kyc.objects.applicant import applicant_error
from kyc.simulation import simulation_problem
from kyc.types import ReviewDecision, SessionOptions

PAGES = Path(__file__).resolve().parent.parent / "pages"
STATIC = PAGES / "static"
CSP = (
    "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; "
    "connect-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CSP,
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=()",
}
STATIC_TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
REVIEWER_COOKIE = "kyc_reviewer"
CSRF_COOKIE = "kyc_csrf"

# Static files are named with dots, so only the other routes take the strict id check.
router = APIRouter(tags=["pages"], include_in_schema=False)
pages = APIRouter(dependencies=[Depends(valid_path_ids)])


# --- hosted capture page -------------------------------------------------------------------------


@router.get("/pages/static/{name}")
def static_file(name: str) -> FileResponse:
    path = STATIC / name
    if path.suffix not in STATIC_TYPES or not path.is_file() or path.parent != STATIC:
        raise NotFound(f"No such file: '{name}'")
    return FileResponse(
        path,
        media_type=STATIC_TYPES[path.suffix],
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )


@pages.get("/verify/{session_id}", response_class=HTMLResponse)
def capture_page(state: State, db: DbSession, session_id: str) -> HTMLResponse:
    """The same page for every session: the client_secret stays in the URL fragment, which
    browsers never send, and the page reads the session through `/status`. A test-mode session
    also gets the outcome picker (only the outcomes its options can reach); a live one never."""
    row = db.get(VerificationSessionRow, session_id)
    outcomes: list[tuple[str, str]] = []
    if row is not None and not row.livemode:
        options = SessionOptions.model_validate(row.options)
        action = state.settings.screening_not_run_action
        outcomes = [
            (outcome, SIMULATION_LABELS.get(outcome, f"Error: {outcome}"))
            for outcome in SIMULATED_OUTCOMES
            if not simulation_problem(outcome, options, action)
        ]
    html = console.render("capture.html", simulations=outcomes)
    return HTMLResponse(html, headers=PAGE_HEADERS)


SIMULATION_LABELS = {
    "verified": "Verified",
    "needs_review": "Needs review (waits for a reviewer)",
    "screening_hit": "Screening hit (needs review)",
}


def _client(actor: SessionActor) -> SessionActor:
    if not actor.by_client_secret:
        raise PermissionDenied("This endpoint takes the session's client_secret.")
    return actor


ClientActor = Annotated[Any, Depends(_client)]


@pages.get("/verify/{session_id}/status")
def capture_status(state: State, db: DbSession, actor: ClientActor) -> JSONResponse:
    """What the capture page needs (no identity data): status, error, capture options."""
    row = actor.session
    options = SessionOptions.model_validate(row.options).document
    error = applicant_error(row.last_error_code)  # never the stored reason: it may be a note
    body = {
        "object": "capture_status",
        "id": row.id,
        "status": row.status,
        "attempt": row.attempt,  # grows once an attempt's outcome is recorded
        "last_error": error.model_dump() if error else None,
        "expired": row.expires_at <= now() and row.status == "requires_input",
        "redacted": bool(row.redaction_status),
        "return_url": personal_of(db, state.sealer, row).return_url,
        "allowed_types": options.allowed_types,
        "require_live_capture": options.require_live_capture,
        "require_matching_selfie": options.require_matching_selfie,
        "uploaded": sorted(db_files.pending_files(db, row.id)),
    }
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


@pages.post("/verify/{session_id}/check")
async def capture_check(request: Request, state: State, actor: ClientActor) -> JSONResponse:
    """Quality checks of one image as it is taken (nothing is stored): `passed`, and when it
    did not pass, the public `code` and an actionable `message`. Limited per session (429
    past `precheck_per_minute`) before the body is read: face detection costs CPU here. A body
    over the upload limit is refused (413) as it arrives, a file that is no usable image (400)
    before it is decoded, like the files endpoint."""
    if state.precheck_limit is not None:
        state.precheck_limit.take(actor.session.id)
    upload = await read_upload(request, state.settings.max_upload_bytes)
    problem = await asyncio.to_thread(state.prechecks.problem, upload.purpose, upload.data)
    body: dict[str, Any] = {
        "object": "image_check",
        "purpose": upload.purpose,
        "passed": not problem,
    }
    if problem:
        body.update(code=problem[0], message=problem[1])
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


# --- review console ------------------------------------------------------------------------------


def console_reviewer(request: Request, db: DbSession) -> Caller | None:
    """The reviewer signed in through the cookie, or None."""
    token = request.cookies.get(REVIEWER_COOKIE, "")
    key = platforms.find_key(db, token) if token else None
    if key is None or key.kind != "reviewer":
        return None
    return Caller.of(key)


ConsoleReviewer = Annotated[Caller | None, Depends(console_reviewer)]


def _page(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    """Render with a CSRF token (double-submit: cookie + hidden field of every form)."""
    token = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
    html = console.render(template, csrf=token, **context)
    response = HTMLResponse(html, status_code=status_code, headers=PAGE_HEADERS)
    _set_cookie(request, response, CSRF_COOKIE, token)
    return response


def _set_cookie(request: Request, response: Response, name: str, value: str) -> None:
    response.set_cookie(
        name,
        value,
        path="/review",
        httponly=True,
        samesite="strict",
        secure=app_state(request).settings.resolved_public_url.startswith("https://"),
        max_age=12 * 3600,
    )


async def _form(request: Request) -> dict[str, str]:
    """The posted form after its CSRF check."""
    form = await request.form(max_files=0, max_fields=200)
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie, fields.get("csrf", "")):
        raise PermissionDenied("The form expired (CSRF check failed): reload the page.")
    return fields


def _to_sign_in() -> RedirectResponse:
    return RedirectResponse("/review", status_code=303)


@pages.get("/review", response_class=HTMLResponse)
def review_queue(
    request: Request, db: DbSession, reviewer: ConsoleReviewer, reason: str | None = None
) -> Response:
    if reviewer is None:
        return _page(request, "sign_in.html")
    queue = console.queue(db, reviewer, reason)
    return _page(request, "queue.html", reviewer=reviewer, **queue)


@pages.post("/review/sign-in")
async def sign_in(request: Request, db: DbSession) -> Response:
    try:
        fields = await _form(request)
    except PermissionDenied as exc:
        return _page(request, "sign_in.html", 403, error=exc.message)
    key = platforms.find_key(db, fields.get("key", "").strip())
    if key is None or key.kind != "reviewer":
        return _page(request, "sign_in.html", 401, error="That is not a valid reviewer key.")
    response = RedirectResponse("/review", status_code=303)
    _set_cookie(request, response, REVIEWER_COOKIE, fields["key"].strip())
    return response


@pages.post("/review/sign-out")
async def sign_out(request: Request) -> Response:
    await _form(request)
    response = _to_sign_in()
    response.delete_cookie(REVIEWER_COOKIE, path="/review")
    return response


@pages.get("/review/cases/{session_id}", response_class=HTMLResponse)
def review_case(
    request: Request, state: State, db: DbSession, reviewer: ConsoleReviewer, session_id: str
) -> Response:
    if reviewer is None:
        return _to_sign_in()
    case = console.case(state, db, reviewer, session_id)
    return _page(request, "case.html", reviewer=reviewer, **case)


@pages.post("/review/cases/{session_id}/decision", response_class=HTMLResponse)
async def review_decision(
    request: Request,
    state: State,
    db: DbSession,
    reviewer: ConsoleReviewer,
    temporal: Temporal,
    session_id: str,
) -> Response:
    """One decision through the workflow's Update; the page shows what it returned."""
    if reviewer is None:
        return _to_sign_in()
    fields = await _form(request)
    row = platform_session(db, reviewer, session_id)
    outcome: dict[str, Any]
    status_code = 200
    try:
        kind = console.decision_kind(fields.get("decision", ""))
        decision = ReviewDecision(
            decision=kind,
            reviewer_id=reviewer.reviewer_name or reviewer.key_id,
            reason=console.decision_reason(kind, fields.get("reason", "")),
            note=fields.get("note", "").strip()[:2000] or None,
            screening_hits=console.hit_verdicts(fields),
        )
        result = await service.review(await temporal(), row, decision)
        outcome = {"ok": True, "status": result.status.value, "decision": result.decision}
        outcome["decided_by"] = result.decided_by
    except KycError as exc:
        outcome = {"ok": False, "message": exc.message, "code": exc.code}
        status_code = 409 if exc.http_status < 500 else exc.http_status
    db.expire_all()
    case = console.case(state, db, reviewer, session_id)
    return _page(request, "case.html", status_code, reviewer=reviewer, outcome=outcome, **case)


@pages.get("/review/cases/{session_id}/images/{name}")
def review_image(
    state: State,
    db: DbSession,
    sealed: Sealed,
    reviewer: ConsoleReviewer,
    session_id: str,
    name: str,
) -> Response:
    """A decrypted image of the case's latest attempt, for a signed-in reviewer only."""
    if reviewer is None:
        raise PermissionDenied("Sign in to the review console first.")
    row = db_sessions.get_session(db, reviewer.platform_id, session_id, livemode=reviewer.livemode)
    key = console.image_key(state, db, row, name)
    data = sealed.get(row.id, key)
    media = "image/jpeg" if key.endswith(".jpg") else "image/png"
    return Response(data, media_type=media, headers=PAGE_HEADERS)


router.include_router(pages)
