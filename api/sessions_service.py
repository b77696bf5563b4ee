"""Session orchestration shared by routes: DB rows and Temporal messages, kept consistent.

- create: the row is inserted in a transaction, the workflow started, then the transaction
  commits; if the start fails nothing is stored (503).
- upload: checked (`kyc.images.inspect`), encrypted into object storage, recorded as a file row.
- submit: pending files -> `Submission` -> Temporal Update `submit` -> files marked submitted.
- cancel / review: Temporal Updates; validator refusals become 400s with the refusal's code.
- redact: in api/redaction_service.py.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
from datetime import timedelta
from typing import Any

from sqlmodel import Session
from temporalio.client import Client, WorkflowHandle
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.service import RPCError

from api.deps import AppState, Caller
from api.errors import ServiceUnavailable, temporal_error
from api.params import SessionCreateParams
from api.report_views import last_reports
from kyc import images
from kyc.contracts import EventType, SimulatedOutcome, delivery_workflow_id
from kyc.crypto import SealedStore
from kyc.db import files as db_files
from kyc.db import personal as db_personal
from kyc.db import sessions as db_sessions
from kyc.db import webhooks as db_webhooks
from kyc.db.ids import new_id, now
from kyc.db.sealing import ColumnSealer
from kyc.db.tables import EventRow, FileRow, VerificationSessionRow
from kyc.errors import InvalidRequest, InvalidState, KycError, MissingParameter, UnknownParameter
from kyc.objects.file import FilePublic
from kyc.objects.report import ReportPublic
from kyc.objects.session import session_public
from kyc.settings import Settings
from kyc.simulation import simulation_problem
from kyc.status import add_session_event
from kyc.types import (
    CancelRequest,
    DeliverEventsInput,
    DocumentOptions,
    ReviewDecision,
    ReviewOutcome,
    ScreeningOptions,
    SessionOptions,
    SessionStatus,
    StoredFile,
    Submission,
    SubmitResult,
    VerificationInput,
    VerificationState,
)
from workflows.event_delivery import EventDeliveryWorkflow
from workflows.verification import KYC_NEEDS_REVIEW, KYC_STATUS, VerificationWorkflow

log = logging.getLogger("kyc.api")

RPC_TIMEOUT = timedelta(seconds=10)
# An Update waits for the workflow to persist the change (a database write): long enough for a
# slow one, short enough that a client never waits on a stuck workflow.
UPDATE_TIMEOUT_S = 15.0


def public_session(
    state: AppState,
    db: Session,
    row: VerificationSessionRow,
    expand: list[str],
    *,
    for_platform: bool = True,
    reports: dict[str, ReportPublic] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The public session as JSON, with what `expand` names embedded (verified outputs, the last
    report). The platform also gets the `client_secret` and `url` while the session requires
    input, as on Stripe; the applicant (a client_secret caller) never does. `reports`: the
    latest reports of a page of sessions, read together (report_views.last_reports)."""
    report = None
    if "last_verification_report" in expand:
        report = (reports if reports is not None else last_reports(state, db, [row])).get(row.id)
    sealed = row.client_secret_sealed
    awaiting = row.status == SessionStatus.requires_input.value and not row.redaction_status
    if for_platform and awaiting and sealed is not None:
        secret = state.sealer.unseal(f"{row.id}:client_secret", sealed)
        extra.setdefault("client_secret", secret)
        extra.setdefault("url", f"{state.settings.resolved_public_url}/verify/{row.id}#{secret}")
    expanded = "verified_outputs" in expand
    obj = session_public(
        row,
        personal=db_personal.personal_of(db, state.sealer, row),
        verified=db_personal.verified_fields(db, state.sealer, row) if expanded else None,
        expand=expand,
        report=report,
        applicant=not for_platform,
        **extra,
    )
    return obj.model_dump(mode="json")


def session_options(params: SessionCreateParams) -> SessionOptions:
    options = SessionOptions()
    if params.options and params.options.document:
        given = params.options.document.model_dump(exclude_none=True)
        options.document = DocumentOptions(**{**options.document.model_dump(), **given})
    if params.options and params.options.screening:
        given = params.options.screening.model_dump(exclude_none=True)
        options.screening = ScreeningOptions(**{**options.screening.model_dump(), **given})
    return options


# Settings a session's workflow gets as its input, fixed at creation (same names on both).
WORKFLOW_SETTINGS = {
    "review_timeout_s",
    "review_escalation_fraction",
    "review_default_action",
    "max_attempts",
    "minimum_age",
    "screening_not_run_action",
    "ocr_engine",
    "ml_task_queue",
}


def workflow_input(settings: Settings, row: VerificationSessionRow) -> VerificationInput:
    return VerificationInput(
        session_id=row.id,
        platform_id=row.platform_id,
        livemode=row.livemode,
        options=SessionOptions.model_validate(row.options),
        expires_after_s=settings.session_expires_after_s,
        **settings.model_dump(include=WORKFLOW_SETTINGS),
    )


async def create_session(
    state: AppState, temporal: Client, db: Session, caller: Caller, params: SessionCreateParams
) -> VerificationSessionRow:
    """Start the session's workflow, then store its row (its client_secret hashed and sealed).

    The workflow starts first so no database lock is held across the Temporal round trip (with
    SQLite that lock would serialise every concurrent create). Nothing is half-stored: when the
    start fails nothing was written, and when the insert fails the workflow is terminated.
    """
    settings = state.settings
    session_id = new_id("vs")
    # The secret embeds the session id, like Stripe's `vs_..._secret_...`.
    client_secret = f"{session_id}_secret_{secrets.token_urlsafe(24)}"
    row = db_sessions.new_session(
        session_id=session_id,
        platform_id=caller.platform_id,
        livemode=caller.livemode,  # the creating key's mode, for good
        type=params.type,
        options=session_options(params).model_dump(mode="json"),
        expires_after_s=settings.session_expires_after_s,
        client_secret=client_secret,
    )
    # metadata, client_reference_id, return_url, related_customer(_account): same names.
    personal = db_personal.SessionPersonal.model_validate(params, from_attributes=True)
    row.client_secret_sealed = state.sealer.seal(f"{row.id}:client_secret", client_secret)
    try:
        await temporal.start_workflow(
            VerificationWorkflow.run,
            workflow_input(settings, row),
            id=row.id,
            task_queue=settings.task_queue,
            search_attributes=TypedSearchAttributes(
                [
                    SearchAttributePair(KYC_STATUS, SessionStatus.requires_input.value),
                    SearchAttributePair(KYC_NEEDS_REVIEW, False),
                ]
            ),
            rpc_timeout=RPC_TIMEOUT,
        )
    except Exception as exc:
        log.warning("could not start the workflow of a new session: %s", type(exc).__name__)
        raise ServiceUnavailable(
            "The verification could not be started; nothing was stored. Retry later."
        ) from exc
    try:
        event = await state.write(_store_created, db, state.sealer, row, personal)
    except Exception:
        db.rollback()
        await _terminate_quietly(temporal.get_workflow_handle(row.id), "session row not stored")
        raise
    await deliver_if_subscribed(temporal, settings, db, event)
    return row


def _store_created(
    db: Session,
    sealer: ColumnSealer,
    row: VerificationSessionRow,
    personal: db_personal.SessionPersonal,
) -> EventRow:
    """Insert the session (its personal fields sealed under its key) and its `created` event
    in one short transaction."""
    db_personal.seal_personal(db, sealer, row, personal)
    db.add(row)
    event = add_session_event(db, sealer, row, EventType.CREATED, f"created:{row.id}")
    db.commit()
    return event


async def deliver_if_subscribed(
    temporal: Client, settings: Settings, db: Session, event: EventRow
) -> None:
    """Deliver an event the API recorded, through a workflow (durable retries), when some
    webhook endpoint subscribes to it. A failure to start is logged, never raised: the event is
    stored and listed by /v1/events either way."""
    endpoints = await asyncio.to_thread(db_webhooks.endpoints_for, db, event)
    if not endpoints:
        return
    try:
        await temporal.start_workflow(
            EventDeliveryWorkflow.run,
            DeliverEventsInput(event_ids=[event.id]),
            id=delivery_workflow_id(event.id),
            task_queue=settings.task_queue,
            rpc_timeout=RPC_TIMEOUT,
        )
    except Exception as exc:
        log.warning("could not start the delivery of event %s: %s", event.id, type(exc).__name__)


async def _terminate_quietly(handle: WorkflowHandle[Any, Any], reason: str) -> None:
    try:
        await handle.terminate(reason=reason)
    except RPCError:
        log.warning("could not terminate workflow after a failed commit")


def update_metadata(
    db: Session, sealer: ColumnSealer, row: VerificationSessionRow, changes: dict[str, str]
) -> None:
    """Stripe's merge: given keys are set, keys given as "" are removed."""
    current = db_personal.personal_of(db, sealer, row).metadata
    merged = {k: v for k, v in {**current, **changes}.items() if v != ""}
    if len(merged) > 50:
        raise InvalidRequest("metadata can have at most 50 keys.", param="metadata")
    if any(len(v) > 500 for v in merged.values()):
        raise InvalidRequest("metadata values are at most 500 characters.", param="metadata")
    db_personal.update_personal(db, sealer, row, metadata=merged)
    row.updated = now()
    db.add(row)
    db.commit()


def store_upload(
    state: AppState,
    sealed: SealedStore,
    db: Session,
    row: VerificationSessionRow,
    purpose: str,
    data: bytes,
) -> FilePublic:
    """Check and store one upload; returns the public file object."""
    settings = state.settings
    if row.status != SessionStatus.requires_input.value or row.redaction_status:
        raise InvalidState(
            f"Files can only be uploaded while the session requires input (it is {row.status})."
        )
    try:
        info = images.inspect(
            data,
            max_bytes=settings.max_upload_bytes,
            max_pixels=settings.max_image_pixels,
            min_side=settings.min_image_side,
        )
    except KycError as exc:
        exc.param = exc.param or "file"  # every problem found here is the file's
        raise
    file_id = new_id("file")
    key = sealed.put(row.id, f"uploads/{file_id}", data)
    stored = StoredFile(
        key=key,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        content_type=info.content_type,
    )
    file = db_files.add_file(db, row, file_id, purpose, stored)
    db.commit()
    return FilePublic(
        id=file.id,
        livemode=file.livemode,
        purpose=purpose,  # type: ignore[arg-type]  # checked by the route
        verification_session=row.id,
        size=file.size,
        type=info.format.lower(),
        content_type=info.content_type,
        width=info.width,
        height=info.height,
        created=file.created,
    )


def verification_handle(temporal: Client, session_id: str) -> WorkflowHandle[Any, Any]:
    return temporal.get_workflow_handle_for(VerificationWorkflow.run, session_id)


async def _update(handle: WorkflowHandle[Any, Any], update: Any, arg: Any) -> Any:
    """An Update with a deadline: a busy or stuck workflow answers 409 (lock_timeout), an
    unreachable Temporal 503, instead of holding the request open."""
    try:
        async with asyncio.timeout(UPDATE_TIMEOUT_S):
            return await handle.execute_update(
                update, arg, rpc_timeout=timedelta(seconds=UPDATE_TIMEOUT_S)
            )
    except Exception as exc:
        raise temporal_error(exc) from exc


async def submit(
    state: AppState,
    temporal: Client,
    db: Session,
    row: VerificationSessionRow,
    simulate: SimulatedOutcome | None = None,
) -> SubmitResult:
    files = db_files.pending_files(db, row.id)
    if simulate is not None:
        check_simulation(state.settings, row, simulate)
    elif "document_front" not in files:
        raise MissingParameter(
            "Upload a document_front file before submitting.",
            code="document_front_missing",
            param="document_front",
        )
    submission = Submission(
        files={purpose: db_files.stored_file(f) for purpose, f in files.items()},  # type: ignore[misc]
        simulate=simulate,
    )
    result: SubmitResult = await _update(
        verification_handle(temporal, row.id), VerificationWorkflow.submit, submission
    )
    await state.write(_mark_submitted, db, list(files.values()), result.attempt)
    return result


def check_simulation(
    settings: Settings, row: VerificationSessionRow, simulate: SimulatedOutcome
) -> None:
    """Test mode only, and an outcome the session's options can reach (the workflow's validator
    checks the same)."""
    refuse_live_simulation(row)
    options = SessionOptions.model_validate(row.options)
    problem = simulation_problem(simulate, options, settings.screening_not_run_action)
    if problem:
        raise InvalidRequest(problem, param="simulate")


def refuse_live_simulation(row: VerificationSessionRow) -> None:
    """A live session has no `simulate` parameter at all, whatever its value."""
    if row.livemode:
        raise UnknownParameter(
            "Received unknown parameter: simulate (outcomes are simulated in test mode only).",
            param="simulate",
        )


def _mark_submitted(db: Session, files: list[FileRow], attempt: int) -> None:
    db_files.mark_submitted(db, files, attempt)
    db.commit()


async def cancel(temporal: Client, requested_by: str, session_id: str) -> VerificationState:
    state: VerificationState = await _update(
        verification_handle(temporal, session_id),
        VerificationWorkflow.cancel,
        CancelRequest(requested_by=requested_by),
    )
    return state


async def review(
    temporal: Client, row: VerificationSessionRow, decision: ReviewDecision
) -> ReviewOutcome:
    """The `review` Update of the workflow holding the session's pending review: its own, or
    the ScreeningAlertWorkflow of an alert on a verified session (same Update and models)."""
    workflow_id = row.review_workflow_id or row.id
    outcome: ReviewOutcome = await _update(
        temporal.get_workflow_handle(workflow_id), VerificationWorkflow.review, decision
    )
    return outcome
