"""record_status / screen / duplicate faces against a real database (SQLite, and PostgreSQL
when KYC_TEST_DATABASE_URL is set)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from activities.duplicates import DuplicateFaces
from activities.screening import ScreeningActivities
from activities.status import StatusActivities
from kyc.crypto import DecryptionFailed, generate_key
from kyc.db.engine import make_engine, session_scope
from kyc.db.personal import verified_fields
from kyc.db.sealing import ColumnSealer
from kyc.db.tables import EventRow, FaceTemplateRow, VerificationReportRow, VerificationSessionRow
from kyc.redaction import erase_session_data
from kyc.status import StatusRecorder
from kyc.types import (
    CapturedImage,
    CheckError,
    DocumentCheck,
    DocumentFields,
    MatchInput,
    RecordStatusInput,
    ReviewDecision,
    ScreeningCheck,
    ScreeningHit,
    ScreeningQuery,
    ScreenInput,
    SessionStatus,
    VerificationReport,
)
from tests.activities.factories import new_session

MASTER = generate_key()
IDENTITY = DocumentFields(
    surname="ERIKSSON", given_names="ANNA MARIA", date_of_birth=date(1985, 3, 14)
)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def hit(entity_id: str) -> ScreeningHit:
    return ScreeningHit(list="un", entity_id=entity_id, name="LISTED", score=0.9)


class Records:
    """The status and screening activities over one database, as the worker wires them."""

    def __init__(self, engine: Engine, hits: list[ScreeningHit] | None) -> None:
        def screen_identity(input: ScreenInput) -> ScreeningCheck:
            return ScreeningCheck(status="hit" if hits else "clear", hits=hits or [])

        status = StatusActivities(StatusRecorder(engine, ColumnSealer(MASTER), MASTER))
        self.record_status = status.record_status
        self.screen = ScreeningActivities(engine, MASTER, screen_identity).screen


def records(engine: Engine, hits: list[ScreeningHit] | None = None) -> Records:
    return Records(engine, hits)


async def test_record_status_persists_seals_and_emits_once(engine: Engine) -> None:
    _, session_id = new_session(engine)
    activity = records(engine)
    report = VerificationReport(
        attempt=1, document=DocumentCheck(status="verified", fields=IDENTITY)
    )
    change = RecordStatusInput(
        session_id=session_id,
        status=SessionStatus.verified,
        event_type="identity.verification_session.verified",
        report=report,
        verified_identity=IDENTITY,
        dedupe_key="verified:1:run",
    )
    first = await activity.record_status(change)
    again = await activity.record_status(change)  # a retried activity
    assert first.event_ids == again.event_ids
    with session_scope(engine) as db:
        row = db.get(VerificationSessionRow, session_id)
        assert row is not None and row.status == "verified"
        assert row.verified_outputs_sealed is not None
        assert b"ERIKSSON" not in row.verified_outputs_sealed
        sealed = verified_fields(db, ColumnSealer(MASTER), row)
        assert sealed is not None and sealed["surname"] == "ERIKSSON"
        with pytest.raises(DecryptionFailed):  # the session's key, not the column subkey
            ColumnSealer(MASTER).unseal(f"{row.id}:verified_outputs", row.verified_outputs_sealed)
        events = db.exec(select(EventRow).where(EventRow.platform_id == row.platform_id)).all()
        assert [e.type for e in events] == ["identity.verification_session.verified"]
        assert "ERIKSSON" not in str(events[0].data)
        reports = db.exec(select(VerificationReportRow)).all()
        assert [r.id for r in reports if r.session_id == session_id] == [row.last_report_id]


async def test_requires_input_records_the_error(engine: Engine) -> None:
    _, session_id = new_session(engine)
    await records(engine).record_status(
        RecordStatusInput(
            session_id=session_id,
            status=SessionStatus.requires_input,
            event_type="identity.verification_session.requires_input",
            last_error=CheckError(code="document_expired", reason="Expired."),
            dedupe_key="requires_input:1:run",
        )
    )
    with session_scope(engine) as db:
        row = db.get(VerificationSessionRow, session_id)
        assert row is not None
        assert (row.status, row.last_error_code) == ("requires_input", "document_expired")


async def test_false_positive_is_remembered_for_the_identity(engine: Engine) -> None:
    platform_id, session_id = new_session(engine)
    activity = records(engine, hits=[hit("QDi.1"), hit("QDi.2")])
    query = ScreeningQuery(name="ANNA MARIA ERIKSSON", birth_date="1985-03-14")
    first = await activity.screen(
        ScreenInput(session_id=session_id, platform_id=platform_id, query=query)
    )
    assert [h.entity_id for h in first.hits] == ["QDi.1", "QDi.2"]

    await activity.record_status(
        RecordStatusInput(
            session_id=session_id,
            status=SessionStatus.verified,
            event_type="identity.verification_session.verified",
            report=VerificationReport(
                attempt=1, document=DocumentCheck(status="verified", fields=IDENTITY)
            ),
            review_decision=ReviewDecision(
                decision="approve",
                reviewer_id="rev_1",
                screening_hits={"un:QDi.1": "false_positive"},
            ),
            dedupe_key="verified:1:run",
        )
    )
    # The same person (name order and case do not matter) is not flagged for QDi.1 again.
    again = ScreeningQuery(name="eriksson anna maria", birth_date="1985-03-14")
    second = await activity.screen(
        ScreenInput(session_id="vs_next", platform_id=platform_id, query=again)
    )
    assert [h.entity_id for h in second.hits] == ["QDi.2"]
    assert second.reason == "1 hit(s) cleared earlier by a reviewer"
    # Another identity with a similar name still is.
    other = ScreeningQuery(name="ANNA MARIA ERIKSSON", birth_date="1990-01-01")
    third = await activity.screen(
        ScreenInput(session_id="vs_other", platform_id=platform_id, query=other)
    )
    assert [h.entity_id for h in third.hits] == ["QDi.1", "QDi.2"]


async def test_approval_without_verdicts_clears_the_reported_hits(engine: Engine) -> None:
    platform_id, session_id = new_session(engine)
    activity = records(engine, hits=[hit("QDi.1"), hit("QDi.2")])
    await activity.record_status(
        RecordStatusInput(
            session_id=session_id,
            status=SessionStatus.verified,
            event_type="identity.verification_session.verified",
            report=VerificationReport(
                attempt=1,
                document=DocumentCheck(status="verified", fields=IDENTITY),
                screening=ScreeningCheck(status="hit", hits=[hit("QDi.1"), hit("QDi.2")]),
            ),
            review_decision=ReviewDecision(decision="approve", reviewer_id="rev_1"),
            dedupe_key="verified:1:run",
        )
    )
    query = ScreeningQuery(name="ANNA MARIA ERIKSSON", birth_date="1985-03-14")
    again = await activity.screen(
        ScreenInput(session_id="vs_next", platform_id=platform_id, query=query)
    )
    assert (again.status, again.hits) == ("clear", [])
    assert again.reason == "2 hit(s) cleared earlier by a reviewer"


async def test_rejection_without_verdicts_clears_nothing(engine: Engine) -> None:
    platform_id, session_id = new_session(engine)
    activity = records(engine, hits=[hit("QDi.1")])
    await activity.record_status(
        RecordStatusInput(
            session_id=session_id,
            status=SessionStatus.canceled,
            event_type="identity.verification_session.canceled",
            report=VerificationReport(
                attempt=1,
                document=DocumentCheck(status="verified", fields=IDENTITY),
                screening=ScreeningCheck(status="hit", hits=[hit("QDi.1")]),
            ),
            review_decision=ReviewDecision(decision="reject", reviewer_id="rev_1"),
            dedupe_key="canceled:1:run",
        )
    )
    query = ScreeningQuery(name="ANNA MARIA ERIKSSON", birth_date="1985-03-14")
    again = await activity.screen(
        ScreenInput(session_id="vs_next", platform_id=platform_id, query=query)
    )
    assert [h.entity_id for h in again.hits] == ["QDi.1"]


async def test_screen_without_a_list_is_not_run(engine: Engine) -> None:
    activity = ScreeningActivities(engine, MASTER, None)
    check = await activity.screen(
        ScreenInput(session_id="vs_1", platform_id="acct_1", query=ScreeningQuery(name="X"))
    )
    assert check.status == "not_run"


def match_input(platform_id: str, session_id: str, identity: DocumentFields) -> MatchInput:
    image = CapturedImage(key="k", sha256="0" * 64, width=1, height=1)
    return MatchInput(
        session_id=session_id,
        platform_id=platform_id,
        document=image,
        selfie=image,
        identity=identity,
    )


async def test_duplicate_face_on_another_identity_is_flagged(engine: Engine) -> None:
    platform_id, first = new_session(engine)
    duplicates = DuplicateFaces(engine, ColumnSealer(MASTER), MASTER, "Dlib")
    face = [0.1] * 128
    assert duplicates(match_input(platform_id, first, IDENTITY), face) is None
    # Not verified yet: a second identity with the same face is not compared with it.
    second = new_session(engine, platform_id)[1]
    other_identity = IDENTITY.model_copy(update={"surname": "LARSSON"})
    assert duplicates(match_input(platform_id, second, other_identity), face) is None

    await records(engine).record_status(
        RecordStatusInput(
            session_id=first,
            status=SessionStatus.verified,
            event_type="identity.verification_session.verified",
            dedupe_key="verified:1:run",
        )
    )
    assert duplicates(match_input(platform_id, second, other_identity), face) == first
    # The same identity verifying again is not a duplicate, nor is a different face.
    third = new_session(engine, platform_id)[1]
    assert duplicates(match_input(platform_id, third, IDENTITY), face) is None
    different_face = [0.1] * 64 + [0.9] * 64
    assert duplicates(match_input(platform_id, third, other_identity), different_face) is None


async def test_redaction_deletes_the_face_template(engine: Engine) -> None:
    platform_id, session_id = new_session(engine)
    DuplicateFaces(engine, ColumnSealer(MASTER), MASTER, "Dlib")(
        match_input(platform_id, session_id, IDENTITY), [0.2] * 128
    )
    with session_scope(engine) as db:
        assert db.get(FaceTemplateRow, session_id) is not None
        row = db.get(VerificationSessionRow, session_id)
        assert row is not None
        erase_session_data(db, row)
    with session_scope(engine) as db:
        assert db.get(FaceTemplateRow, session_id) is None
