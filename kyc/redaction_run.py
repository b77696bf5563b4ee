"""One session's redaction, in order, across the database, object storage and Temporal: the
fence first, then (for a session still running) the cancel, the shred of its objects, the
scrub of its rows with the `redacted` event, then the payload key cache and its workflow
histories. What is erased is `kyc.redaction`'s; this module orders the steps so that nothing
is written for the session once it began.

Two callers: the API (`POST .../redact`, which cancels a running verification through its
Update) and the retention activity (sessions whose final status is old; activities/retention.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DeleteWorkflowExecutionRequest
from temporalio.client import Client
from temporalio.service import RPCError

from kyc.contracts import EventType
from kyc.crypto import SealedStore
from kyc.db.engine import purge_freed_pages
from kyc.db.sealing import ColumnSealer
from kyc.db.tables import EventRow, VerificationSessionRow
from kyc.errors import InvalidState
from kyc.redaction import begin_redaction, erase_session_data
from kyc.status import add_session_event
from kyc.temporal import EncryptionCodec
from kyc.types import SessionStatus, VerificationState

log = logging.getLogger("kyc.redaction")

# Runs a blocking database function (in a thread; the API queues its SQLite writers).
Write = Callable[..., Awaitable[Any]]
# Cancels the session's running verification; returns its final state when it has one.
CancelRunning = Callable[[str], Awaitable[VerificationState | None]]


@dataclass(frozen=True)
class Redacted:
    event: EventRow  # `identity.verification_session.redacted`, to deliver
    live: VerificationState | None  # the canceled verification's final state, if one ran


async def redact_session(
    db: Session,
    row: VerificationSessionRow,
    *,
    engine: Engine,
    sealed: SealedStore,
    sealer: ColumnSealer,
    temporal: Client,
    write: Write,
    cancel_running: CancelRunning | None = None,
    rpc_timeout: timedelta = timedelta(seconds=10),
) -> Redacted:
    """Redact `row` (loaded in `db`). Without `cancel_running`, only a session in a final
    status is redacted. Safe to call again after a failure part-way."""
    final = SessionStatus(row.status).is_final
    if not final and cancel_running is None:
        raise InvalidState(f"The session is {row.status}: it is not redacted without a cancel.")
    await write(_begin, db, row)
    live = None if final or cancel_running is None else await cancel_running(row.id)
    await asyncio.to_thread(sealed.shred, row.id)
    workflows = [row.id, *([row.review_workflow_id] if row.review_workflow_id else [])]
    event = await write(_scrub, db, sealer, row, live)
    await asyncio.to_thread(purge_freed_pages, engine)
    codec = temporal.data_converter.payload_codec
    if isinstance(codec, EncryptionCodec):
        codec.forget(row.id)  # this process's cached salt; others' expire within seconds
    await delete_histories(temporal, workflows, rpc_timeout)
    return Redacted(event, live)


async def delete_histories(temporal: Client, workflow_ids: list[str], timeout: timedelta) -> None:
    """Delete the session's workflows from Temporal where the server allows (their payloads
    no longer decrypt anyway: this also ends whatever they were still running)."""
    for workflow_id in workflow_ids:
        try:
            await temporal.workflow_service.delete_workflow_execution(
                DeleteWorkflowExecutionRequest(
                    namespace=temporal.namespace,
                    workflow_execution=WorkflowExecution(workflow_id=workflow_id),
                ),
                timeout=timeout,
            )
        except RPCError as exc:  # not found, or a server that refuses: the shred stands
            log.info("workflow history not deleted: %s", exc.status.name)


def _begin(db: Session, row: VerificationSessionRow) -> None:
    begin_redaction(db, row)
    db.commit()


def _scrub(
    db: Session, sealer: ColumnSealer, row: VerificationSessionRow, live: VerificationState | None
) -> EventRow:
    if live is not None:  # the workflow's own record of the cancel is refused by the fence
        row.status = live.status.value
        row.last_error_code = live.last_error.code if live.last_error else None
    erase_session_data(db, row)
    db.flush()
    event = add_session_event(db, sealer, row, EventType.REDACTED, f"redacted:{row.id}")
    db.commit()
    return event
