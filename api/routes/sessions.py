"""/v1/identity/verification_sessions: create, retrieve, list, update, cancel, redact, files,
submit."""

from __future__ import annotations

import asyncio
import functools
import hashlib
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from api import redaction_service as redaction
from api import sessions_service as service
from api.deps import (
    Body,
    DbSession,
    OwnedSession,
    Platform,
    Query,
    Sealed,
    SessionActor,
    State,
    Temporal,
)
from api.idempotency import Idempotent
from api.params import (
    SessionCreateParams,
    SessionExpandParams,
    SessionListParams,
    SessionSubmitParams,
    SessionUpdateParams,
    parse,
)
from api.report_views import last_reports
from api.routes import resource_router
from api.uploads import read_upload
from kyc.db import sessions as db_sessions
from kyc.db.personal import personal_of
from kyc.errors import InvalidRequest, InvalidState
from kyc.objects.common import ListPublic
from kyc.objects.file import FilePublic
from kyc.objects.session import SessionPublic, session_public
from kyc.types import SessionStatus

PATH = "/v1/identity/verification_sessions"
router = resource_router(PATH, "verification_sessions")


@router.post("", summary="Create a verification session", response_model=SessionPublic)
async def create_session(
    state: State, db: DbSession, caller: Platform, temporal: Temporal, body: Body, idem: Idempotent
) -> JSONResponse:
    """Creates a session and starts its workflow. The `client_secret` (and the `url`, which
    carries it) appear only in this response: kycflow stores the secret hashed."""
    params = parse(SessionCreateParams, body)

    async def work() -> dict[str, Any]:
        row = await service.create_session(state, await temporal(), db, caller, params)
        return service.public_session(state, db, row, params.expand)

    return await idem.run(caller.platform_id, body, work)


@router.get("", summary="List verification sessions")
def list_sessions(
    state: State, db: DbSession, caller: Platform, query: Query
) -> ListPublic[SessionPublic]:
    params = parse(SessionListParams, query)
    rows, has_more = db_sessions.list_sessions(
        db,
        state.sealer,
        caller.platform_id,
        params.page_request(),
        livemode=caller.livemode,
        status=params.status,
        client_reference_id=params.client_reference_id,
        related_customer=params.related_customer,
        related_customer_account=params.related_customer_account,
    )
    expand = [e.removeprefix("data.") for e in params.expand]
    reports = last_reports(state, db, rows) if "last_verification_report" in expand else None
    data = [service.public_session(state, db, r, expand, reports=reports) for r in rows]
    return ListPublic(data=data, has_more=has_more, url=PATH)


@router.get(
    "/{session_id}", summary="Retrieve a verification session", response_model=SessionPublic
)
async def retrieve_session(
    state: State, db: DbSession, actor: SessionActor, query: Query
) -> dict[str, Any]:
    """Secret key, or the session's client_secret (which never sees `verified_outputs`)."""
    params = parse(SessionExpandParams, query)
    expand = [] if actor.by_client_secret else params.expand
    platform = not actor.by_client_secret
    if "last_verification_report" in expand:  # a database read: off the event loop
        return await asyncio.to_thread(
            functools.partial(service.public_session, for_platform=platform),
            state,
            db,
            actor.session,
            expand,
        )
    return service.public_session(state, db, actor.session, expand, for_platform=platform)


@router.post("/{session_id}", summary="Update a verification session", response_model=SessionPublic)
async def update_session(
    state: State, db: DbSession, row: OwnedSession, body: Body, idem: Idempotent
) -> JSONResponse:
    """Only while the session requires input. `metadata[k]=""` removes key k."""
    params = parse(SessionUpdateParams, body)
    if params.options is not None:
        raise InvalidRequest(
            "options can only be set when the session is created; create a new session.",
            param="options",
        )

    async def work() -> dict[str, Any]:
        if row.status != SessionStatus.requires_input.value or row.redaction_status:
            raise InvalidState(
                f"The session is {row.status}; it can only be updated while it requires input."
            )
        current = personal_of(db, state.sealer, row).metadata
        changes = dict.fromkeys(current, "") if params.clears_metadata else params.metadata
        if changes is not None:
            await state.write(service.update_metadata, db, state.sealer, row, changes)
        return service.public_session(state, db, row, params.expand)

    return await idem.run(row.platform_id, body, work)


@router.post(
    "/{session_id}/cancel",
    summary="Cancel a verification session",
    response_model=SessionPublic,
)
async def cancel_session(
    state: State,
    db: DbSession,
    row: OwnedSession,
    temporal: Temporal,
    body: Body,
    idem: Idempotent,
) -> JSONResponse:
    params = parse(SessionExpandParams, body)

    async def work() -> dict[str, Any]:
        if SessionStatus(row.status).is_final:
            raise InvalidState(f"The session is already {row.status}.")
        live = await service.cancel(await temporal(), "platform", row.id)
        return service.public_session(state, db, row, params.expand, live=live)

    return await idem.run(row.platform_id, body, work)


@router.post(
    "/{session_id}/redact",
    summary="Redact a verification session",
    response_model=SessionPublic,
)
async def redact_session(
    state: State,
    db: DbSession,
    row: OwnedSession,
    temporal: Temporal,
    sealed: Sealed,
    body: Body,
    idem: Idempotent,
) -> JSONResponse:
    """Allowed in any status: cancels a running verification, then destroys its files (by
    crypto-shredding) and every piece of identity data kept for it."""
    parse(SessionExpandParams, body)

    async def work() -> dict[str, Any]:
        live = await redaction.redact(state, await temporal(), sealed, db, row)
        personal = personal_of(db, state.sealer, row)  # empty now: it was erased
        return session_public(row, personal=personal, live=live).model_dump(mode="json")

    return await idem.run(row.platform_id, body, work)


@router.post(
    "/{session_id}/files",
    summary="Upload a document or selfie image (ours)",
    response_model=FilePublic,
)
async def upload_file(
    request: Request,
    state: State,
    db: DbSession,
    actor: SessionActor,
    sealed: Sealed,
    idem: Idempotent,
) -> JSONResponse:
    """multipart/form-data with `purpose` (document_front | document_back | selfie) and `file`
    (JPEG, PNG or WebP). Secret key or the session's client_secret."""
    upload = await read_upload(request, state.settings.max_upload_bytes)
    session = actor.session

    async def work() -> dict[str, Any]:
        # Image checks and the object-store write block: keep them off the event loop.
        stored = await asyncio.to_thread(
            service.store_upload, state, sealed, db, session, upload.purpose, upload.data
        )
        return stored.model_dump(mode="json")

    fingerprint = {"purpose": upload.purpose, "sha256": _sha256(upload.data)}
    return await idem.run(actor.platform_id, fingerprint, work, scope=actor.idempotency_scope)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@router.post(
    "/{session_id}/submit",
    summary="Submit the uploaded files for verification (ours)",
    response_model=SessionPublic,
)
async def submit_session(
    state: State,
    db: DbSession,
    actor: SessionActor,
    temporal: Temporal,
    body: Body,
    idem: Idempotent,
) -> JSONResponse:
    """Sends the latest upload of each purpose to the verification; answers with the session,
    now `processing`. Secret key or the session's client_secret. In test mode, `simulate`
    forces an outcome without running the engines (and without files)."""
    if "simulate" in body:
        service.refuse_live_simulation(actor.session)  # before its value is even looked at
    params = parse(SessionSubmitParams, body)
    row = actor.session

    async def work() -> dict[str, Any]:
        if row.redaction_status:
            raise InvalidState("The session was redacted.")
        result = await service.submit(state, await temporal(), db, row, params.simulate)
        expand = [] if actor.by_client_secret else params.expand
        obj = service.public_session(
            state, db, row, expand, for_platform=not actor.by_client_secret
        )
        obj["status"] = result.status.value
        obj["last_error"] = None
        return obj

    return await idem.run(actor.platform_id, body, work, scope=actor.idempotency_scope)
