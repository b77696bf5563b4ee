"""Identity keys: under the identity subkey, with keys from before subkeys still matched."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from kyc.crypto import decode_key, generate_key
from kyc.db import dispositions
from kyc.db.engine import make_engine, session_scope
from kyc.db.migrate import upgrade
from kyc.db.platforms import create_platform
from kyc.identity import identity_key, identity_keys
from tests.activities.factories import session_row

MASTER = generate_key()


def test_identity_key_is_not_made_with_the_master_key_itself() -> None:
    current, legacy = identity_keys(MASTER, "Anna Maria ERIKSSON", "1974-08-12")
    assert current == identity_key(MASTER, "eriksson anna maria", "1974-08-12")
    master_hmac = hmac.new(
        decode_key(MASTER), b"ANNA ERIKSSON MARIA|1974-08-12", hashlib.sha256
    ).hexdigest()
    assert legacy == master_hmac and current != legacy


def test_a_verdict_stored_under_the_legacy_key_still_clears_the_hit(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'kyc.db'}"
    upgrade(url)
    engine = make_engine(url)
    current, legacy = identity_keys(MASTER, "ANNA ERIKSSON", "1974-08-12")
    with session_scope(engine) as db:
        platform = create_platform(db, "acme")
        row = session_row(platform.id)
        db.add(row)
        db.flush()
        dispositions.record_disposition(db, row, legacy, "un:QDi.1", "false_positive", "rev")
    with session_scope(engine) as db:
        assert dispositions.cleared_hits(db, platform.id, (current, legacy), livemode=False) == {
            "un:QDi.1"
        }
        assert dispositions.cleared_hits(db, platform.id, current, livemode=False) == set()
    engine.dispose()


def test_after_a_rotation_keys_under_the_retired_master_key_still_match() -> None:
    new = generate_key()
    before = identity_key(MASTER, "ANNA ERIKSSON", "1974-08-12")
    after = identity_keys([new, MASTER], "ANNA ERIKSSON", "1974-08-12")
    assert after[0] == identity_key(new, "ANNA ERIKSSON", "1974-08-12") != before
    assert before in after
