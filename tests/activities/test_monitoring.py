"""monitoring_plan / rescreen_verified / complete_monitoring against a real database (SQLite,
and PostgreSQL when KYC_TEST_DATABASE_URL is set) and a small real screening index."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select
from temporalio.client import Client
from temporalio.exceptions import ApplicationError

from activities.monitoring import MonitoringActivities
from activities.status import StatusActivities
from kyc.contracts import EventType
from kyc.crypto import generate_key
from kyc.db.engine import make_engine, session_scope
from kyc.db.sealing import ColumnSealer
from kyc.db.tables import EventRow, ScreeningAlertRow, VerificationSessionRow
from kyc.jobs import (
    CompleteMonitoringInput,
    MonitoringPlanInput,
    RescreenInput,
)
from kyc.redaction import erase_session_data
from kyc.screening.entities import BirthDate, ListedEntity, ListedName
from kyc.screening.index import ScreeningIndex
from kyc.status import StatusRecorder
from kyc.types import (
    DocumentCheck,
    DocumentFields,
    RecordStatusInput,
    ReviewDecision,
    ScreeningCheck,
    ScreeningHit,
    ScreeningQuery,
    SessionStatus,
    VerificationReport,
)
from tests.activities.factories import new_session

MASTER = generate_key()


def person(entity_id: str, name: str, born: BirthDate | None = None) -> ListedEntity:
    return ListedEntity(
        list_name="un",
        entity_id=entity_id,
        entity_type="person",
        names=[ListedName(name)],
        birth_dates=[born] if born else [],
    )


class Lists:
    """The imported list snapshots, as the worker's CurrentIndex would serve them."""

    def __init__(self) -> None:
        self.index: ScreeningIndex | None = None
        self.pointer: str | None = None  # what `lists/current.json` says

    def publish(self, *entities: ListedEntity) -> str:
        index = ScreeningIndex.build(list(entities))
        index.snapshot_id = f"ls_{uuid.uuid4().hex[:12]}"
        self.index, self.pointer = index, index.snapshot_id
        return index.snapshot_id

    def current(self) -> str | None:
        return self.pointer

    def screen(self, query: ScreeningQuery) -> ScreeningCheck:
        if self.index is None:
            return ScreeningCheck(status="not_run")
        hits = self.index.screen(query)
        return ScreeningCheck(
            status="hit" if hits else "clear", hits=hits, snapshot_id=self.index.snapshot_id
        )


def monitoring(engine: Engine, lists: Lists, client: Client | None = None) -> MonitoringActivities:
    return MonitoringActivities(
        engine,
        ColumnSealer(MASTER),
        MASTER,
        screen=lists.screen,
        current_snapshot=lists.current,
        client=client,
    )


def identity(given: str, surname: str, born: date) -> DocumentFields:
    return DocumentFields(given_names=given, surname=surname, date_of_birth=born)


async def verified_session(
    engine: Engine,
    fields: DocumentFields,
    *,
    platform_id: str | None = None,
    approved_hits: list[str] = (),  # type: ignore[assignment]
) -> tuple[str, str]:
    """A session verified with this identity; `approved_hits` were reviewed and approved."""
    platform_id, session_id = new_session(engine, platform_id)
    hits = [ScreeningHit(list="un", entity_id=h, name="LISTED", score=0.9) for h in approved_hits]
    await StatusActivities(StatusRecorder(engine, ColumnSealer(MASTER), MASTER)).record_status(
        RecordStatusInput(
            session_id=session_id,
            status=SessionStatus.verified,
            event_type="identity.verification_session.verified",
            report=VerificationReport(
                attempt=1,
                document=DocumentCheck(status="verified", fields=fields),
                screening=ScreeningCheck(status="hit" if hits else "clear", hits=hits),
            ),
            review_decision=ReviewDecision(decision="approve", reviewer_id="rev_1")
            if hits
            else None,
            verified_identity=fields,
            dedupe_key="verified:1:run",
        )
    )
    return platform_id, session_id


async def rescreen_all(activity: MonitoringActivities, snapshot_id: str) -> list[str]:
    """Every batch; returns "<session>=<hit>,..." per alert."""
    after, out = "", []
    while True:
        batch = await activity.rescreen_verified(
            RescreenInput(snapshot_id=snapshot_id, after_session_id=after, batch_size=2)
        )
        out += [f"{a.session_id}={','.join(a.hits)}" for a in batch.alerts]
        if batch.done or batch.last_session_id is None:
            return out
        after = batch.last_session_id


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def tag() -> str:
    """A surname no other test uses: the database is shared by the whole test session."""
    return "Q" + "".join(chr(ord("A") + int(c, 16) % 26) for c in uuid.uuid4().hex[:8])


async def test_new_snapshot_alerts_newly_listed_identities_once(engine: Engine) -> None:
    surname = tag()
    born = date(1970, 1, 1)
    platform_id, listed = await verified_session(engine, identity("IVAN", surname, born))
    _, other = await verified_session(engine, identity("ANNA", tag(), date(1990, 5, 5)))
    _, redacted = await verified_session(engine, identity("IVAN", surname, born))
    with session_scope(engine) as db:
        row = db.get(VerificationSessionRow, redacted)
        assert row is not None
        erase_session_data(db, row)

    lists = Lists()
    activity = monitoring(engine, lists)
    assert (await activity.monitoring_plan(MonitoringPlanInput())).snapshot_id is None

    entity = person(f"QDi.{surname}", f"Ivan {surname}", BirthDate(1970, 1, 1))
    first = lists.publish(entity)
    plan = await activity.monitoring_plan(MonitoringPlanInput())
    assert (plan.snapshot_id, plan.already_monitored) == (first, False)
    alerts = await rescreen_all(activity, first)
    assert alerts == [f"{listed}=un:QDi.{surname}"]  # not the redacted one, not the other
    # A retried batch raises the same alert again (its review workflow id dedupes the start).
    assert await rescreen_all(activity, first) == alerts
    await activity.complete_monitoring(CompleteMonitoringInput(snapshot_id=first))
    assert (await activity.monitoring_plan(MonitoringPlanInput())).already_monitored

    with session_scope(engine) as db:
        stored = db.exec(
            select(ScreeningAlertRow).where(ScreeningAlertRow.session_id == listed)
        ).all()
        assert [(a.entity_id, a.snapshot_id) for a in stored] == [(f"QDi.{surname}", first)]
        assert stored[0].hit_sealed is not None and surname.encode() not in stored[0].hit_sealed
        events = db.exec(
            select(EventRow).where(
                EventRow.platform_id == platform_id, EventRow.type == EventType.SCREENING_ALERT
            )
        ).all()
        assert [e.data["object"]["id"] for e in events] == [listed]
        assert surname not in str(events[0].data)
        assert other not in str(events[0].data)

    # The same hit in a later snapshot is not raised twice.
    second = lists.publish(entity, person("QDi.other", "Maria Elena GONZALEZ"))
    assert await rescreen_all(activity, second) == []


async def test_hits_cleared_by_a_reviewer_are_not_raised(engine: Engine) -> None:
    surname = tag()
    fields = identity("IVAN", surname, date(1970, 1, 1))
    _, cleared = await verified_session(engine, fields, approved_hits=[f"QDi.{surname}"])
    lists = Lists()
    snapshot = lists.publish(person(f"QDi.{surname}", f"Ivan {surname}", BirthDate(1970)))
    assert await rescreen_all(monitoring(engine, lists), snapshot) == []
    # A newly listed entity with the same name is new, though.
    snapshot = lists.publish(
        person(f"QDi.{surname}", f"Ivan {surname}", BirthDate(1970)),
        person(f"QDe.{surname}", f"Ivan {surname}", BirthDate(1970, 1, 1)),
    )
    assert await rescreen_all(monitoring(engine, lists), snapshot) == [
        f"{cleared}=un:QDe.{surname}"
    ]


async def test_a_batch_screened_with_another_snapshot_is_retried_or_superseded(
    engine: Engine,
) -> None:
    await verified_session(engine, identity("ANNA", tag(), date(1990, 5, 5)))
    lists = Lists()
    activity = monitoring(engine, lists)
    old = lists.publish(person("QDi.x", "Nobody Listed"))
    lists.pointer = "ls_new"  # imported, but the index has not reloaded it yet
    with pytest.raises(ApplicationError) as waiting:
        await activity.rescreen_verified(RescreenInput(snapshot_id="ls_new"))
    assert (waiting.value.type, waiting.value.non_retryable) == ("snapshot_not_loaded", False)
    lists.publish(person("QDi.y", "Somebody Listed"))  # a newer import, loaded
    with pytest.raises(ApplicationError) as superseded:
        await activity.rescreen_verified(RescreenInput(snapshot_id=old))
    assert (superseded.value.type, superseded.value.non_retryable) == (
        "snapshot_superseded",
        True,
    )
