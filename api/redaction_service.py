"""Redaction of a session from the API: `kyc.redaction_run` orders the steps (fence, shred,
scrub, event); this module adds what only the API does: cancel a running verification through
its Update, and deliver the `redacted` event."""

from __future__ import annotations

from sqlmodel import Session
from temporalio.client import Client

from api.deps import AppState
from api.sessions_service import RPC_TIMEOUT, cancel, deliver_if_subscribed, verification_handle
from kyc.crypto import SealedStore
from kyc.db.tables import VerificationSessionRow
from kyc.errors import InvalidState, KycError
from kyc.redaction_run import redact_session
from kyc.types import VerificationState
from workflows.verification import VerificationWorkflow


async def redact(
    state: AppState, temporal: Client, sealed: SealedStore, db: Session, row: VerificationSessionRow
) -> VerificationState | None:
    """Close the redaction fence (`processing`), cancel a running verification, shred its
    objects, scrub the database, then mark it `redacted` and emit the event; returns the live
    state when a cancel happened. Safe to call again after a failure part-way."""

    async def cancel_running(session_id: str) -> VerificationState | None:
        try:
            return await cancel(temporal, "redaction", session_id)
        except KycError as exc:
            if exc.code != InvalidState.code:
                raise
            # It finished in the meantime, and the fence may have refused its last record:
            # the redaction records the final status it reached.
            return await _final_state(temporal, session_id)

    redacted = await redact_session(
        db,
        row,
        engine=state.engine,
        sealed=sealed,
        sealer=state.sealer,
        temporal=temporal,
        write=state.write,
        cancel_running=cancel_running,
        rpc_timeout=RPC_TIMEOUT,
    )
    await deliver_if_subscribed(temporal, state.settings, db, redacted.event)
    return redacted.live


async def _final_state(temporal: Client, session_id: str) -> VerificationState | None:
    try:
        return await verification_handle(temporal, session_id).query(VerificationWorkflow.state)
    except Exception:  # gone or unreachable: the row's status stands
        return None
