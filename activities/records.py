"""decide / record_status / deliver_events / screen: I/O activities on the `kyc` queue."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.errors import async_domain_errors
from kyc import policy
from kyc.contracts import ActivityName
from kyc.db import events as event_db
from kyc.db import identities
from kyc.db import monitoring as monitoring_db
from kyc.db import sessions as session_db
from kyc.db.engine import session_scope
from kyc.db.ids import now
from kyc.db.sealing import ColumnSealer
from kyc.db.tables import EventRow, VerificationSessionRow
from kyc.errors import InfrastructureError
from kyc.identity import identity_key, identity_key_of
from kyc.types import (
    DecideInput,
    Decision,
    DeliverEventsInput,
    DocumentFields,
    RecordStatusInput,
    RecordStatusResult,
    ScreeningCheck,
    ScreenInput,
)


def public_session(row: VerificationSessionRow) -> dict[str, Any]:
    """The session as events show it: statuses and codes, never identity data."""
    return {
        "id": row.id,
        "object": "identity.verification_session",
        "created": row.created,
        "status": row.status,
        "type": row.type,
        "last_error": {"code": row.last_error_code, "reason": row.last_error_reason}
        if row.last_error_code
        else None,
        "last_verification_report": row.last_report_id,
        "client_reference_id": row.client_reference_id,
        "metadata": row.metadata_,
        "livemode": False,
        "redaction": {"status": row.redaction_status} if row.redaction_status else None,
    }


def signature_header(secret: str, payload: bytes, timestamp: int) -> str:
    """Stripe's `Stripe-Signature` scheme: t=<ts>,v1=HMAC-SHA256(secret, "<ts>.<payload>")."""
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


class RecordActivities:
    def __init__(
        self,
        engine: Engine,
        sealer: ColumnSealer,
        master_key: str,
        *,
        screen_identity: Callable[[ScreenInput], ScreeningCheck] | None = None,
        webhook_timeout_s: float = 5.0,
    ) -> None:
        self._engine = engine
        self._sealer = sealer
        self._master_key = master_key
        self._screen_identity = screen_identity
        self._webhook_timeout_s = webhook_timeout_s

    @activity.defn(name=ActivityName.DECIDE)
    async def decide(self, input: DecideInput) -> Decision:
        """`kyc.policy.decide`, recorded in history so policy changes never break replays."""
        return policy.decide(input.report, input.options, input.screening_not_run_action)

    @activity.defn(name=ActivityName.RECORD_STATUS)
    @async_domain_errors
    async def record_status(self, input: RecordStatusInput) -> RecordStatusResult:
        """Persist a status change, its review audit row and its event, in one transaction."""
        return await asyncio.to_thread(self._record_status, input)

    def _record_status(self, input: RecordStatusInput) -> RecordStatusResult:
        try:
            with session_scope(self._engine) as db:
                before = db.get(VerificationSessionRow, input.session_id)
                review_since = before.review_since if before is not None else None
                session_db.apply_status(db, input, self._sealer)
                row = db.get(VerificationSessionRow, input.session_id)
                assert row is not None
                self._apply_review_override(row, input, review_since)
                if input.review_decision is not None:
                    session_db.record_review(db, row, input.review_decision, input.status.value)
                    self._remember_dispositions(db, row, input)
                if not input.event_type:
                    return RecordStatusResult()
                event = event_db.add_event(
                    db,
                    row.platform_id,
                    input.event_type,
                    {"object": public_session(row)},
                    dedupe_key=f"{input.session_id}:{input.dedupe_key or input.event_type}",
                )
                return RecordStatusResult(event_ids=[event.id])
        except OperationalError as exc:  # database down or locked: retry with backoff
            raise InfrastructureError(f"database unavailable: {exc.orig}") from exc

    @staticmethod
    def _apply_review_override(
        row: VerificationSessionRow, input: RecordStatusInput, review_since: int | None
    ) -> None:
        """A screening alert's review on a verified session (`review_pending` set)."""
        if input.review_pending is None:
            row.review_workflow_id = input.review_workflow_id if row.review_pending else None
            return
        at = int(input.occurred_at.timestamp()) if input.occurred_at else now()
        monitoring_db.set_alert_review(
            row,
            pending=input.review_pending,
            reasons=input.review_reasons,
            since=review_since or at,
            deadline=int(input.review_deadline.timestamp()) if input.review_deadline else None,
            workflow_id=input.review_workflow_id,
        )

    def _remember_dispositions(
        self, db: Any, row: VerificationSessionRow, input: RecordStatusInput
    ) -> None:
        decision = input.review_decision
        if decision is None:
            return
        verdicts = dict(decision.screening_hits)
        screening = input.report.screening if input.report else None
        if decision.decision == "approve" and screening is not None:
            # Approving a session whose hits got no verdict judged them not to be this person.
            for reported in screening.hits:
                verdicts.setdefault(f"{reported.list}:{reported.entity_id}", "false_positive")
        if not verdicts:
            return
        fields = self._identity_of(row, input)
        if fields is None:
            return
        key = identity_key_of(self._master_key, fields)
        for hit, verdict in verdicts.items():
            identities.record_disposition(
                db,
                platform_id=row.platform_id,
                identity_key=key,
                hit=hit,
                disposition=verdict,
                session_id=row.id,
                reviewer_id=decision.reviewer_id,
            )

    def _identity_of(
        self, row: VerificationSessionRow, input: RecordStatusInput
    ) -> DocumentFields | None:
        """The reviewed identity: the report's document, else the session's verified outputs."""
        if input.report is not None and input.report.document is not None:
            return input.report.document.fields
        if row.verified_outputs_sealed is None:
            return None
        sealed = self._sealer.unseal(f"{row.id}:verified_outputs", row.verified_outputs_sealed)
        return DocumentFields.model_validate(sealed)

    @activity.defn(name=ActivityName.SCREEN)
    @async_domain_errors
    async def screen(self, input: ScreenInput) -> ScreeningCheck:
        """Screen the identity; hits a reviewer cleared for this identity are not raised again."""
        if self._screen_identity is None:
            return ScreeningCheck(status="not_run", reason="No sanctions list has been imported.")
        check = await asyncio.to_thread(self._screen_identity, input)
        if not check.hits:
            return check
        key = identity_key(self._master_key, input.query.name, input.query.birth_date)
        with session_scope(self._engine) as db:
            cleared = identities.cleared_hits(db, input.platform_id, key)
        hits = [h for h in check.hits if f"{h.list}:{h.entity_id}" not in cleared]
        if len(hits) == len(check.hits):
            return check
        reason = f"{len(check.hits) - len(hits)} hit(s) cleared earlier by a reviewer"
        return check.model_copy(
            update={"hits": hits, "status": "hit" if hits else "clear", "reason": reason}
        )

    @activity.defn(name=ActivityName.DELIVER_EVENTS)
    async def deliver_events(self, input: DeliverEventsInput) -> None:
        """POST each event to every subscribed endpoint, signed; raise to retry failures."""
        failures: list[str] = []
        deliveries = await asyncio.to_thread(self._pending_deliveries, input.event_ids)
        async with httpx.AsyncClient(timeout=self._webhook_timeout_s) as client:
            for event, endpoint_id, url, secret in deliveries:
                payload = json.dumps(event, separators=(",", ":")).encode()
                headers = {
                    "Content-Type": "application/json",
                    "Stripe-Signature": signature_header(secret, payload, int(time.time())),
                }
                status: int | None = None
                try:
                    status = (await client.post(url, content=payload, headers=headers)).status_code
                except httpx.HTTPError:
                    status = None
                await asyncio.to_thread(self._record_delivery, event["id"], endpoint_id, status)
                if status is None or not 200 <= status < 300:
                    failures.append(endpoint_id)
        if failures:
            raise ApplicationError(
                f"{len(failures)} webhook endpoint(s) did not accept the event",
                type="webhook_delivery_failed",
            )

    def _pending_deliveries(
        self, event_ids: list[str]
    ) -> list[tuple[dict[str, Any], str, str, str]]:
        out = []
        with session_scope(self._engine) as db:
            for event_id in event_ids:
                event = db.get(EventRow, event_id)
                if event is None:
                    continue
                body = {
                    "id": event.id,
                    "object": "event",
                    "type": event.type,
                    "created": event.created,
                    "livemode": False,
                    "data": event.data,
                }
                for endpoint in event_db.endpoints_for(db, event):
                    if not event_db.was_delivered(db, event.id, endpoint.id):
                        out.append((body, endpoint.id, endpoint.url, endpoint.secret))
        return out

    def _record_delivery(self, event_id: str, endpoint_id: str, status: int | None) -> None:
        with session_scope(self._engine) as db:
            event_db.record_delivery(db, event_id, endpoint_id, status)
