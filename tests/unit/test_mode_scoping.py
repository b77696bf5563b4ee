"""Test and live mode keep their remembered verdicts and face templates apart: a tester clearing
a screening hit, or verifying a face, changes nothing in live mode."""

from __future__ import annotations

from pathlib import Path

from kyc.db import dispositions, face_templates
from kyc.db.engine import make_engine, session_scope
from kyc.db.migrate import upgrade
from kyc.db.platforms import create_platform
from kyc.db.tables import FaceTemplateRow
from tests.activities.factories import session_row


def test_verdicts_and_face_templates_stay_in_their_mode(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'kyc.db'}"
    upgrade(url)
    engine = make_engine(url)
    with session_scope(engine) as db:
        platform = create_platform(db, "acme").id
        test, live = session_row(platform, False), session_row(platform, True)
        db.add_all([test, live])
        db.flush()
        dispositions.record_disposition(db, test, "key", "un:QDi.1", "false_positive", "rev")
        # The same identity and hit, judged in live mode too: a second row, not a replacement.
        dispositions.record_disposition(db, live, "key", "un:QDi.1", "confirmed", "rev")
        for row in (test, live):
            template = FaceTemplateRow(
                session_id=row.id,
                platform_id=platform,
                livemode=row.livemode,
                identity_key="key",
                model="Dlib",
                embedding_sealed=b"x",
                verified=True,
                created=1,
            )
            face_templates.save_face_template(db, template)
    with session_scope(engine) as db:
        assert dispositions.cleared_hits(db, platform, "key", livemode=False) == {"un:QDi.1"}
        assert dispositions.cleared_hits(db, platform, "key", livemode=True) == set()
        assert dispositions.judged_hits(db, platform, "key", livemode=True) == {"un:QDi.1"}
        found = face_templates.verified_face_templates(db, platform, "Dlib", "vs_x", livemode=True)
        assert [t.session_id for t in found] == [live.id]
    engine.dispose()
