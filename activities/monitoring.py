"""monitoring_plan / rescreen_verified / start_alert_reviews / complete_monitoring (`kyc`).

Verified identities are re-screened whenever a new list snapshot is current. A hit is raised
once per session (`screening_alerts`), never when a reviewer cleared it for the identity, and
every session with new hits gets one `screening_alert` event. Names are never logged.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import KW_ONLY, dataclass
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session
from temporalio import activity
from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError

from activities.errors import async_domain_errors
from kyc.contracts import ActivityName, EventType, WorkflowName, alert_workflow_id
from kyc.crypto import MasterKeys
from kyc.db import dispositions, payload_keys
from kyc.db import monitoring as monitoring_db
from kyc.db.engine import session_scope
from kyc.db.monitoring import alert_context
from kyc.db.personal import verified_fields
from kyc.db.sealing import ColumnSealer
from kyc.db.tables import VerificationSessionRow
from kyc.errors import InfrastructureError, SessionRedacted
from kyc.identity import identity_keys_of
from kyc.jobs import (
    CompleteMonitoringInput,
    MonitoringPlan,
    MonitoringPlanInput,
    RescreenInput,
    RescreenResult,
    ScreeningAlert,
    ScreeningAlertInput,
    StartAlertReviewsInput,
)
from kyc.redaction import fenced_row
from kyc.status import add_session_event
from kyc.types import (
    DocumentFields,
    ScreeningCheck,
    ScreeningHit,
    ScreeningQuery,
    screening_query_for,
)


@dataclass
class _Screened:
    row: VerificationSessionRow
    identity_keys: tuple[str, ...]  # current first, then older forms (still matched)
    hits: list[ScreeningHit]


@dataclass(eq=False)  # identity hash: the worker registers bound methods
class MonitoringActivities:
    engine: Engine
    sealer: ColumnSealer
    master_key: MasterKeys
    _: KW_ONLY
    screen: Callable[[ScreeningQuery], ScreeningCheck]
    current_snapshot: Callable[[], str | None]
    client: Client | None = None

    @activity.defn(name=ActivityName.MONITORING_PLAN)
    @async_domain_errors
    async def monitoring_plan(self, input: MonitoringPlanInput) -> MonitoringPlan:
        """The current snapshot, and whether its monitoring run already completed."""
        return await asyncio.to_thread(self._plan)

    def _plan(self) -> MonitoringPlan:
        snapshot_id = self.current_snapshot()
        if snapshot_id is None:
            return MonitoringPlan()
        with self._db() as db:
            fresh = monitoring_db.start_run(db, snapshot_id)
        return MonitoringPlan(snapshot_id=snapshot_id, already_monitored=not fresh)

    @activity.defn(name=ActivityName.RESCREEN_VERIFIED)
    @async_domain_errors
    async def rescreen_verified(self, input: RescreenInput) -> RescreenResult:
        """Re-screen one batch of verified sessions; store and announce their new hits."""
        return await asyncio.to_thread(self._rescreen, input)

    def _rescreen(self, input: RescreenInput) -> RescreenResult:
        with self._db() as db:
            rows = monitoring_db.verified_sessions(db, input.after_session_id, input.batch_size)
            payload_keys.prefetch(db, [row.id for row in rows])
            identities = [(row, verified_fields(db, self.sealer, row)) for row in rows]
        # Screened outside the transaction: a batch holds no connection while it is matched.
        opened = [self._screen_session(r, f, input.snapshot_id) for r, f in identities if f]
        screened = [s for s in opened if s]
        result = RescreenResult(
            sessions=len(rows),
            last_session_id=rows[-1].id if rows else None,
            done=len(rows) < input.batch_size,
        )
        if not screened:
            return result
        with self._db() as db:
            for item in screened:
                try:
                    fenced_row(db, item.row.id)
                except SessionRedacted:
                    continue  # redacted since the batch was read: nothing is raised for it
                alert = self._raise_alert(db, item, input.snapshot_id)
                if alert is None:
                    continue
                row = db.get(VerificationSessionRow, item.row.id)
                assert row is not None
                dedupe_key = f"{row.id}:screening_alert:{input.snapshot_id}"
                event = add_session_event(
                    db, self.sealer, row, EventType.SCREENING_ALERT, dedupe_key
                )
                result.alerts.append(alert)
                result.event_ids.append(event.id)
        activity.logger.info(
            "Re-screened %d session(s) against %s: %d with new hits",
            len(rows),
            input.snapshot_id,
            len(result.alerts),
        )
        return result

    def _screen_session(
        self, row: VerificationSessionRow, identity: dict[str, Any], snapshot_id: str
    ) -> _Screened | None:
        fields = DocumentFields.model_validate(identity)
        if not fields.full_name:
            return None
        check = self.screen(screening_query_for(fields))
        if check.snapshot_id != snapshot_id:
            self._snapshot_mismatch(snapshot_id, check.snapshot_id)
        if not check.hits:
            return None
        return _Screened(row, identity_keys_of(self.master_key, fields), check.hits)

    def _snapshot_mismatch(self, wanted: str, loaded: str | None) -> None:
        if self.current_snapshot() != wanted:
            # A newer import replaced it: the next scheduled run monitors that one instead.
            raise ApplicationError(
                f"snapshot {wanted} is no longer current",
                type="snapshot_superseded",
                non_retryable=True,
            )
        # The worker's index reloads the new snapshot within its check interval: retry.
        raise ApplicationError(
            f"the screening index holds {loaded}, not yet {wanted}",
            type="snapshot_not_loaded",
            non_retryable=False,
        )

    def _raise_alert(self, db: Session, item: _Screened, snapshot_id: str) -> ScreeningAlert | None:
        """Store the session's new hits; None when every hit was cleared or raised before."""
        row = item.row
        cleared = dispositions.cleared_hits(
            db, row.platform_id, item.identity_keys, livemode=row.livemode
        )
        raised = monitoring_db.alerts_for(db, row.platform_id, row.id)
        # Hits raised by this same snapshot count as new: a retried batch raises them again.
        new = [
            hit
            for hit in item.hits
            if (key := f"{hit.list}:{hit.entity_id}") not in cleared
            and raised.get(key, snapshot_id) == snapshot_id
        ]
        if not new:
            return None
        for hit in new:
            key = f"{hit.list}:{hit.entity_id}"
            sealed = self.sealer.seal_for_session(
                db, row.id, alert_context(key), hit.model_dump(mode="json")
            )
            monitoring_db.add_alert(db, row, key, snapshot_id, sealed)
        keys = [f"{hit.list}:{hit.entity_id}" for hit in new]
        this_review = alert_workflow_id(row.id, snapshot_id)
        superseded = None
        if row.review_pending and row.review_workflow_id not in (None, this_review):
            # An earlier alert still awaits its reviewer: this review takes its hits over.
            decided = dispositions.judged_hits(
                db, row.platform_id, item.identity_keys, livemode=row.livemode
            )
            keys += sorted(k for k in raised if k not in decided and k not in keys)
            superseded = row.review_workflow_id
        return ScreeningAlert(
            session_id=row.id,
            platform_id=row.platform_id,
            hits=keys,
            review_workflow_id=this_review,
            superseded_workflow_id=superseded,
        )

    @activity.defn(name=ActivityName.START_ALERT_REVIEWS)
    async def start_alert_reviews(self, input: StartAlertReviewsInput) -> None:
        """Start each alert's ScreeningAlertWorkflow (once: a retry finds it started)."""
        if self.client is None:
            raise ApplicationError("no Temporal client configured", type="misconfigured")
        queue = activity.info().task_queue
        for alert in input.alerts:
            if alert.superseded_workflow_id:
                # Its hits are part of this alert: the earlier review ends without a decision.
                with contextlib.suppress(RPCError):
                    await self.client.get_workflow_handle(alert.superseded_workflow_id).cancel()
            with contextlib.suppress(WorkflowAlreadyStartedError):
                await self.client.start_workflow(
                    WorkflowName.SCREENING_ALERT,
                    ScreeningAlertInput(
                        **alert.model_dump(include={"session_id", "platform_id", "hits"}),
                        **input.model_dump(exclude={"alerts"}),
                    ),
                    id=alert.review_workflow_id,
                    task_queue=queue,
                    id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                )

    @activity.defn(name=ActivityName.COMPLETE_MONITORING)
    @async_domain_errors
    async def complete_monitoring(self, input: CompleteMonitoringInput) -> None:
        """Mark the snapshot monitored, so later runs skip it."""
        await asyncio.to_thread(self._complete, input)

    def _complete(self, input: CompleteMonitoringInput) -> None:
        with self._db() as db:
            monitoring_db.complete_run(db, input.snapshot_id, input.sessions, input.alerts)

    def _db(self) -> AbstractContextManager[Session]:
        return _transaction(self.engine)


@contextmanager
def _transaction(engine: Engine) -> Iterator[Session]:
    """`session_scope`, with database outages raised as retryable infrastructure errors."""
    try:
        with session_scope(engine) as db:
            yield db
    except OperationalError as exc:
        raise InfrastructureError(f"database unavailable: {exc.orig}") from exc
