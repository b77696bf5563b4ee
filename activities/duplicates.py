"""Duplicate faces: one face verified under two identities is a fraud signal (Stripe's blocklist).

Templates are sealed per session; the scan is linear over the platform's verified templates,
which is fine for tens of thousands of sessions (128 floats each) and simple to reason about.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from kyc.crypto import MasterKeys
from kyc.db import face_templates
from kyc.db.engine import session_scope
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
                embedding_sealed=self.sealer.seal(f"{input.session_id}:face", embedding),
                created=now(),
            )
            face_templates.save_face_template(db, template)
            for row in face_templates.verified_face_templates(
                db,
                input.platform_id,
                self.model,
                exclude_session=input.session_id,
                livemode=session.livemode,
            ):
                if row.identity_key in keys:
                    continue  # the same person verifying again is not a duplicate
                other = self.sealer.unseal(f"{row.session_id}:face", row.embedding_sealed)
                if is_duplicate(other, embedding):
                    return row.session_id
        return None
