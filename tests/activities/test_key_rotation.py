"""Master key rotation across a verification in flight: data sealed before the rotation stays
readable, data written after it is sealed under the new key, and `rewrap` leaves nothing that
needs the old key."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from kyc.crypto import PURPOSE_COLUMNS, PurposeSealer, SealedStore, generate_key
from kyc.db.engine import make_engine, session_scope
from kyc.db.personal import verified_fields
from kyc.db.reports import report_body
from kyc.db.sealing import ColumnSealer
from kyc.db.tables import VerificationReportRow, VerificationSessionRow
from kyc.keys import rewrap, rotate_secrets
from kyc.redaction import erase_session_data
from kyc.status import StatusRecorder
from kyc.types import (
    DocumentCheck,
    DocumentFields,
    RecordStatusInput,
    SessionStatus,
    VerificationReport,
)
from tests.activities.factories import new_session
from tests.api.api_helpers import MemoryStore

OLD, NEW = generate_key(), generate_key()
FIELDS = DocumentFields(surname="ERIKSSON", given_names="ANNA", document_number="L898902C3")


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    # The database is shared by the test session: leave no verified session sealed under this
    # module's keys for the monitoring tests (which re-screen every verified session) to meet.
    with session_scope(engine) as db:
        for row in db.query(VerificationSessionRow).filter_by(status="verified").all():
            if row.verified_outputs_sealed and row.verified_outputs_sealed.startswith(b"k2"):
                key_ids = {PurposeSealer(k, PURPOSE_COLUMNS).key_id for k in (OLD, NEW)}
                if row.verified_outputs_sealed[2:10] in key_ids:
                    erase_session_data(db, row)
    engine.dispose()


def report(attempt: int) -> VerificationReport:
    return VerificationReport(
        attempt=attempt, document=DocumentCheck(status="verified", fields=FIELDS)
    )


def test_rotation_across_a_verification_in_flight(engine: Engine) -> None:
    _, sid = new_session(engine)
    memory = MemoryStore()
    # Before the rotation: the upload and the first attempt's report, under the old key.
    upload = SealedStore(memory, OLD).put(sid, "uploads/file_1", b"front")  # type: ignore[arg-type]
    StatusRecorder(engine, ColumnSealer(OLD), OLD).record(
        RecordStatusInput(
            session_id=sid, status=SessionStatus.processing, event_type="", report=report(1)
        )
    )

    # Processes restarted with the new ring go on with the same session.
    ring = [NEW, OLD]
    store = SealedStore(memory, ring)  # type: ignore[arg-type]
    assert store.get(sid, upload) == b"front"
    portrait = store.put(sid, "attempts/1/portrait.jpg", b"face")
    StatusRecorder(engine, ColumnSealer(ring), NEW).record(
        RecordStatusInput(
            session_id=sid,
            status=SessionStatus.verified,
            event_type="",
            report=report(1),
            verified_identity=FIELDS,
        )
    )
    new_id = PurposeSealer(NEW, PURPOSE_COLUMNS).key_id
    with session_scope(engine) as db:
        row = db.get(VerificationSessionRow, sid)
        assert row is not None and row.verified_outputs_sealed is not None
        assert row.verified_outputs_sealed.startswith(b"k2" + new_id)
    # A process not restarted yet still seals under the old key, which the ring reads.
    StatusRecorder(engine, ColumnSealer(OLD), OLD).record(
        RecordStatusInput(
            session_id=sid, status=SessionStatus.verified, event_type="", report=report(2)
        )
    )

    done = rewrap(engine, memory, ring)  # type: ignore[arg-type]
    assert done.data_keys == 1 and done.columns >= 1
    assert rewrap(engine, memory, ring).columns == 0  # type: ignore[arg-type]

    # The old key can go: everything reads with the new key alone.
    alone = SealedStore(memory, NEW)  # type: ignore[arg-type]
    assert alone.get(sid, upload) == b"front" and alone.get(sid, portrait) == b"face"
    sealer = ColumnSealer(NEW)
    with session_scope(engine) as db:
        row = db.get(VerificationSessionRow, sid)
        assert row is not None and row.verified_outputs_sealed is not None
        assert (verified_fields(db, sealer, row) or {})["surname"] == "ERIKSSON"
        reports = db.query(VerificationReportRow).filter_by(session_id=sid).all()
        assert len(reports) == 2
        for stored in reports:
            assert stored.body_sealed is not None
            body = report_body(db, sealer, stored)
            assert body["document"]["fields"]["surname"] == "ERIKSSON"


def test_rotate_secrets_makes_a_new_key_current_and_retires_the_old(tmp_path: Path) -> None:
    (tmp_path / "secrets.json").write_text(json.dumps({"master_key": OLD, "payload_key": NEW}))
    key_id = rotate_secrets(tmp_path)
    values = json.loads((tmp_path / "secrets.json").read_text())
    assert values["master_key"] not in (OLD, NEW)
    assert values["retired_master_keys"] == OLD and values["payload_key"] == NEW
    assert PurposeSealer(values["master_key"], PURPOSE_COLUMNS).key_id.decode() == key_id
