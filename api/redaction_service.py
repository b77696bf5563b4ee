"""Redaction of a session, orchestrated: the fence first, then cancel, shred, scrub, event.

`kyc.redaction` holds what is erased; this module orders the steps across the database, object
storage and Temporal, so that nothing is written for the session once it began.
"""

from __future__ import annotations

import asyncio
import logging

from sqlmodel import Session
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DeleteWorkflowExecutionRequest
from temporalio.client import Client
from temporalio.service import RPCError

from api.deps import AppState
from api.sessions_service import RPC_TIMEOUT, cancel, deliver_if_subscribed, verification_handle
from kyc.contracts import EventType
from kyc.crypto import SealedStore
from kyc.db.engine import purge_freed_pages
from kyc.db.tables import EventRow, VerificationSessionRow
from kyc.errors import InvalidState, KycError
from kyc.redaction import begin_redaction, erase_session_data
from kyc.status import add_session_event
from kyc.temporal import EncryptionCodec
from kyc.types import SessionStatus, VerificationState
from workflows.verification import VerificationWorkflow

log = logging.getLogger("kyc.api")


async def redact(
    state: AppState, temporal: Client, sealed: SealedStore, db: Session, row: VerificationSessionRow
) -> VerificationState | None:
    """Close the redaction fence (`processing`), cancel a running verification, shred its
    objects, scrub the database, then mark it `redacted` and emit the event; returns the live
    state when a cancel happened. Safe to call again after a failure part-way."""
    await state.write(_begin, db, row)
    live: VerificationState | None = None
    if not SessionStatus(row.status).is_final:
        try:
            live = await cancel(temporal, "redaction", row.id)
        except KycError as exc:
            if exc.code != InvalidState.code:
                raise
            # It finished in the meantime, and the fence may have refused its last record:
            # the redaction records the final status it reached.
            live = await _final_state(temporal, row.id)
    await asyncio.to_thread(sealed.shred, row.id)
    workflows = [row.id, *([row.review_workflow_id] if row.review_workflow_id else [])]
    event = await state.write(_scrub, db, row, live)
    await asyncio.to_thread(purge_freed_pages, state.engine)
    codec = temporal.data_converter.payload_codec
    if isinstance(codec, EncryptionCodec):
        codec.forget(row.id)  # this process's cached salt; others' expire within seconds
    await _delete_histories(temporal, workflows)
    await deliver_if_subscribed(temporal, state.settings, db, event)
    return live


async def _delete_histories(temporal: Client, workflow_ids: list[str]) -> None:
    """Delete the session's workflows from Temporal where the server allows (their payloads
    no longer decrypt anyway: this also ends whatever they were still running)."""
    for workflow_id in workflow_ids:
        try:
            await temporal.workflow_service.delete_workflow_execution(
                DeleteWorkflowExecutionRequest(
                    namespace=temporal.namespace,
                    workflow_execution=WorkflowExecution(workflow_id=workflow_id),
                ),
                timeout=RPC_TIMEOUT,
            )
        except RPCError as exc:  # not found, or a server that refuses: the shred stands
            log.info("workflow history not deleted: %s", exc.status.name)


async def _final_state(temporal: Client, session_id: str) -> VerificationState | None:
    try:
        return await verification_handle(temporal, session_id).query(VerificationWorkflow.state)
    except Exception:  # gone or unreachable: the row's status stands
        return None


def _begin(db: Session, row: VerificationSessionRow) -> None:
    begin_redaction(db, row)
    db.commit()


def _scrub(db: Session, row: VerificationSessionRow, live: VerificationState | None) -> EventRow:
    if live is not None:  # the workflow's own record of the cancel is refused by the fence
        row.status = live.status.value
        row.last_error_code = live.last_error.code if live.last_error else None
    erase_session_data(db, row)
    db.flush()
    event = add_session_event(db, row, EventType.REDACTED, f"redacted:{row.id}")
    db.commit()
    return event
