"""Revision 0009 seals the personal fields of the sessions, events and review notes stored before
it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text
from sqlmodel import select

from kyc.crypto import generate_key
from kyc.db import reviews
from kyc.db import sessions as db_sessions
from kyc.db.engine import make_engine, purge_freed_pages, session_scope
from kyc.db.face_templates import FACE
from kyc.db.migrate import alembic_config, upgrade
from kyc.db.monitoring import alert_context
from kyc.db.pagination import PageRequest
from kyc.db.personal import event_data, personal_of, verified_fields
from kyc.db.reports import report_body
from kyc.db.sealing import ColumnSealer
from kyc.db.tables import (
    EventRow,
    FaceTemplateRow,
    ScreeningAlertRow,
    VerificationReportRow,
    VerificationSessionRow,
)
from tests.db_fixtures import BACKENDS, fresh_pg_schema

MASTER = generate_key()


@pytest.fixture(params=BACKENDS)
def at_0008(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database at revision 0008 holding one platform."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'kyc.db'}"
        command.upgrade(alembic_config(url), "0008")
        yield url
        return
    with fresh_pg_schema("kyc_0009", "migrating PostgreSQL") as url:
        command.upgrade(alembic_config(url), "0008")
        yield url


def store_clear_session(url: str, marker: str) -> str:
    """A session and its event as 0008 stored them: metadata and reference ids in clear."""
    session_id = f"vs_{uuid.uuid4().hex[:24]}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO platforms (id, name, created) VALUES ('acct_1', 'a', 0)"))
        conn.execute(
            text(
                "INSERT INTO verification_sessions (id, platform_id, livemode, type, status, "
                "options, metadata, client_reference_id, client_secret_hash, return_url, created, "
                "expires_at, attempt, last_error_reason, review_pending, review_reasons, updated,"
                " related_customer) VALUES (:id, 'acct_1', false, 'document', 'requires_input',"
                " '{}', :metadata, :ref, 'h', 'https://shop.example/back', 0, 9, 0, :reason,"
                " false, '[]', 0, 'cus_1')"
            ),
            {
                "id": session_id,
                "metadata": f'{{"account": "{marker}"}}',
                "ref": f"ref-{marker}",
                "reason": f"note about {marker}",
            },
        )
        data = f'{{"object": {{"id": "{session_id}", "metadata": {{"account": "{marker}"}}}}}}'
        conn.execute(
            text(
                "INSERT INTO events (id, platform_id, livemode, type, created, data, dedupe_key,"
                " session_id) VALUES ('evt_1', 'acct_1', false, 'created', 0, :data, 'k', :sid)"
            ),
            {"data": data, "sid": session_id},
        )
        conn.execute(
            text(
                "INSERT INTO review_audit (session_id, platform_id, reviewer_id, decision, note,"
                " resulting_status, created) VALUES (:sid, 'acct_1', 'rev', 'approve', :note,"
                " 'verified', 0)"
            ),
            {"sid": session_id, "note": f"looks like {marker}"},
        )
        # What 0008 sealed under the column subkey moves to the session's key.
        columns = ColumnSealer(MASTER)
        conn.execute(
            text("UPDATE verification_sessions SET verified_outputs_sealed = :v WHERE id = :id"),
            {
                "v": columns.seal(f"{session_id}:verified_outputs", {"surname": marker}),
                "id": session_id,
            },
        )
        conn.execute(
            text(
                "INSERT INTO verification_reports (id, platform_id, livemode, session_id, attempt,"
                " created, type, body_sealed) VALUES ('vr_1', 'acct_1', false, :sid, 1, 0,"
                " 'document', :body)"
            ),
            {"sid": session_id, "body": columns.seal("vr_1:body", {"attempt": 1, "m": marker})},
        )
        conn.execute(
            text(
                "INSERT INTO face_templates (session_id, platform_id, livemode, identity_key,"
                " model, embedding_sealed, verified, created) VALUES (:sid, 'acct_1', false,"
                " 'k', 'dlib', :e, true, 0)"
            ),
            {"sid": session_id, "e": columns.seal(f"{session_id}:face", [0.5, 0.25])},
        )
        conn.execute(
            text(
                "INSERT INTO screening_alerts (platform_id, session_id, list, entity_id,"
                " snapshot_id, hit_sealed, created) VALUES ('acct_1', :sid, 'un', 'QDi.1', 's',"
                " :h, 0)"
            ),
            {"sid": session_id, "h": columns.seal(f"{session_id}:alert:un:QDi.1", {"m": marker})},
        )
    engine.dispose()
    return session_id


def test_rows_stored_in_clear_are_sealed_and_read_back(at_0008: str) -> None:
    marker = uuid.uuid4().hex
    session_id = store_clear_session(at_0008, marker)
    upgrade(at_0008, [MASTER])
    sealer = ColumnSealer(MASTER)
    engine = make_engine(at_0008)
    try:
        with session_scope(engine) as db:
            row = db.get(VerificationSessionRow, session_id)
            assert row is not None
            personal = personal_of(db, sealer, row)
            assert personal.metadata == {"account": marker}
            assert personal.client_reference_id == f"ref-{marker}"
            assert personal.last_error_reason == f"note about {marker}"
            assert personal.related_customer == "cus_1"
            assert personal.return_url == "https://shop.example/back"
            found, _ = db_sessions.list_sessions(
                db,
                sealer,
                "acct_1",
                PageRequest(limit=10),
                livemode=False,
                client_reference_id=f"ref-{marker}",
            )
            assert [r.id for r in found] == [session_id]
            event = db.get(EventRow, "evt_1")
            assert event is not None and event.data_sealed is not None
            assert marker not in str(event.data)
            assert event_data(db, sealer, event)["object"]["metadata"] == {"account": marker}
            assert (verified_fields(db, sealer, row) or {}).get("surname") == marker
            [report] = db.exec(select(VerificationReportRow)).all()
            assert report_body(db, sealer, report)["m"] == marker
            [face] = db.exec(select(FaceTemplateRow)).all()
            opened = sealer.unseal_for_session(db, session_id, FACE, face.embedding_sealed)
            assert opened == [0.5, 0.25]
            [alert] = db.exec(select(ScreeningAlertRow)).all()
            assert alert.hit_sealed is not None
            context = alert_context("un:QDi.1")
            assert sealer.unseal_for_session(db, session_id, context, alert.hit_sealed) == {
                "m": marker
            }
            [audit] = reviews.review_history(db, session_id)
            assert reviews.note_of(db, sealer, audit) == f"looks like {marker}"
        if at_0008.startswith("sqlite"):  # the rebuilt table's old pages were zeroed
            with engine.connect() as conn:  # and its rebuild kept the references intact
                assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
            purge_freed_pages(engine)
            assert marker.encode() not in Path(at_0008.removeprefix("sqlite:///")).read_bytes()
    finally:
        engine.dispose()


def test_without_the_key_ring_existing_rows_are_refused_with_a_clear_error(at_0008: str) -> None:
    store_clear_session(at_0008, "anna")
    with pytest.raises(RuntimeError, match="run it through `kyc migrate`"):
        upgrade(at_0008)
