"""Engine and sessions. SQLite (dev, WAL) or PostgreSQL, same code and same migrations."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL and a busy timeout so API and worker can share it."""
    if url.startswith("sqlite"):
        # SQLite connections are cheap file handles: a wide pool, so requests waiting on
        # Temporal while holding one cannot starve the others.
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=20,
            max_overflow=80,
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            # Deleted and overwritten content is zeroed, so a redacted value does not linger in
            # free pages of the file (with `purge_freed_pages` for the write-ahead log).
            cursor.execute("PRAGMA secure_delete=ON")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: committed when the block succeeds, rolled back when it raises."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def purge_freed_pages(engine: Engine) -> None:
    """After a redaction: SQLite's write-ahead log still holds the pages as they were written
    before; checkpoint it into the (securely deleting) main file and truncate it. PostgreSQL
    keeps dead tuples until VACUUM reclaims them; that is the operator's schedule."""
    if not engine.url.get_backend_name().startswith("sqlite"):
        return
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
