"""redact_expired: retention's redaction of sessions whose final status is old (queue `kyc`).

Each session goes through the same ordered redaction as `POST .../redact`
(`kyc.redaction_run`), its `redacted` event delivered to the endpoints that subscribe. A
session that fails is logged by id and left for the next run; the others go on.
"""

from __future__ import annotations

import asyncio
from dataclasses import KW_ONLY, dataclass
from typing import Any

from sqlalchemy.engine import Engine
from temporalio import activity
from temporalio.client import Client

from activities.webhooks import start_event_delivery
from kyc.contracts import TASK_QUEUE, ActivityName
from kyc.crypto import SealedStore
from kyc.db import retention, webhooks
from kyc.db.engine import session_scope
from kyc.db.ids import now
from kyc.db.sealing import ColumnSealer
from kyc.db.tables import VerificationSessionRow
from kyc.jobs import (
    RetentionBatch,
    RetentionResult,
)
from kyc.redaction_run import redact_session

DAY_S = 24 * 3600


async def _in_thread(fn: Any, *args: Any) -> Any:
    return await asyncio.to_thread(fn, *args)


@dataclass(eq=False)  # identity hash: the worker registers bound methods
class RetentionActivities:
    engine: Engine
    sealed: SealedStore
    client: Client  # cancels nothing (sessions are final): deletes histories, starts deliveries
    _: KW_ONLY
    sealer: ColumnSealer  # of the sessions' sealed columns (their `redacted` event)
    task_queue: str = TASK_QUEUE  # of EventDeliveryWorkflow

    @activity.defn(name=ActivityName.REDACT_EXPIRED)
    async def redact_expired(self, input: RetentionBatch) -> RetentionResult:
        """Redact up to `limit` sessions final for `retention_days`, after `after_session_id`."""
        cutoff = now() - input.retention_days * DAY_S
        ids = await asyncio.to_thread(self._expired, cutoff, input.after_session_id, input.limit)
        result = RetentionResult(
            last_session_id=ids[-1] if ids else "", more=len(ids) == input.limit
        )
        for session_id in ids:
            activity.heartbeat(session_id)
            try:
                redacted = await self._redact(session_id, cutoff)
            except Exception as exc:  # the next run tries it again; the batch goes on
                result.failed += 1
                activity.logger.warning(
                    "retention: session %s not redacted (%s)", session_id, type(exc).__name__
                )
                continue
            result.redacted += int(redacted)
        if ids:
            activity.logger.info(
                "retention: %d session(s) redacted, %d failed", result.redacted, result.failed
            )
        return result

    def _expired(self, cutoff: int, after: str, limit: int) -> list[str]:
        with session_scope(self.engine) as db:
            return retention.expired_session_ids(db, cutoff, after, limit)

    async def _redact(self, session_id: str, cutoff: int) -> bool:
        """Redact one session if it still qualifies (the platform may have redacted it, or a
        screening alert reopened it, since the batch was listed)."""
        with session_scope(self.engine) as db:
            row = await asyncio.to_thread(db.get, VerificationSessionRow, session_id)
            if row is None or not retention.is_expired(row, cutoff):
                return False
            redacted = await redact_session(
                db,
                row,
                engine=self.engine,
                sealed=self.sealed,
                sealer=self.sealer,
                temporal=self.client,
                write=_in_thread,
            )
            subscribed = await asyncio.to_thread(webhooks.endpoints_for, db, redacted.event)
        if subscribed:
            await start_event_delivery(self.client, redacted.event.id, self.task_queue)
        return True
