"""Small factories for the activity tests."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from kyc.db import sessions as session_db
from kyc.db.engine import session_scope
from kyc.db.platforms import create_platform
from kyc.db.tables import VerificationSessionRow


def session_row(platform_id: str, livemode: bool = False) -> VerificationSessionRow:
    """A minimal document session of the platform, not yet stored."""
    return session_db.new_session(
        platform_id=platform_id,
        type="document",
        options={},
        expires_after_s=3600,
        client_secret="secret",
        livemode=livemode,
    )


def new_session(engine: Engine, platform_id: str | None = None) -> tuple[str, str]:
    """A new session row (of a new platform unless `platform_id`): (platform id, session id)."""
    with session_scope(engine) as db:
        platform_id = platform_id or create_platform(db, "acme").id
        row = session_row(platform_id)
        db.add(row)
        return platform_id, row.id
