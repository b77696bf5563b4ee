"""Readiness probe for the database."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session


def ping(db: Session) -> None:
    """Raise when the database cannot answer a trivial query."""
    db.connection().execute(text("SELECT 1"))
