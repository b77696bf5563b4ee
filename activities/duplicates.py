"""Duplicate faces: one face verified under two identities is a fraud signal (Stripe's blocklist).

Templates are sealed under their session's key; the scan is linear over the platform's verified
templates (their salts read in one query), which is fine for tens of thousands of sessions (128
floats each) and simple to reason about.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from kyc.crypto import MasterKeys
from kyc.db import face_templates, payload_keys
from kyc.db.engine import session_scope
from kyc.db.face_templates import FACE
from kyc.db.ids import now
from kyc.db.sealing import ColumnSealer
from kyc.db.tables import FaceTemplateRow
from kyc.faces.compare import is_duplicate
from kyc.identity import identity_keys_of
from kyc.redaction import fenced_row
from kyc.types import DocumentFields, MatchInput


@dataclass
class DuplicateFaces:
    engine: Engine
    sealer: ColumnSealer
    master_key: MasterKeys
    model: str

    def __call__(self, input: MatchInput, embedding: list[float]) -> str | None:
        """Store this selfie's template; return a verified session of another identity whose
        face matches, or None."""
        keys = identity_keys_of(self.master_key, input.identity or DocumentFields())
        key = keys[0]
        with session_scope(self.engine) as db:
            session = fenced_row(db, input.session_id)  # SessionRedacted once redaction began
            template = FaceTemplateRow(
                session_id=input.session_id,
                platform_id=input.platform_id,
                livemode=session.livemode,
                identity_key=key,
                model=self.model,
                embedding_sealed=self.sealer.seal_for_session(
                    db, input.session_id, FACE, embedding
                ),
                created=now(),
            )
            face_templates.save_face_template(db, template)
            others = face_templates.verified_face_templates(
                db,
                input.platform_id,
                self.model,
                exclude_session=input.session_id,
                livemode=session.livemode,
            )
            payload_keys.prefetch(db, [row.session_id for row in others])
            for row in others:
                if row.identity_key in keys:
                    continue  # the same person verifying again is not a duplicate
                other = self.sealer.unseal_for_session(
                    db, row.session_id, FACE, row.embedding_sealed
                )
                if other is not None and is_duplicate(other, embedding):
                    return row.session_id
        return None
