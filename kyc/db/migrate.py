"""Schema migrations with Alembic, run programmatically (no alembic.ini to ship or find).

`migrate()` is what `kyc migrate` (the deployment's one migration job) and `kyc dev` run: it
holds a lock for the whole run, so replicas or jobs started together on an empty database
never race each other's DDL; whoever waited finds the schema at head and does nothing.
"""

from __future__ import annotations

import fcntl
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from kyc.crypto import MasterKeys

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# pg_advisory_lock key: "kycflow migrate" as a signed 64-bit int, fixed so every release agrees.
ADVISORY_LOCK_KEY = int.from_bytes(b"kycmigr8", "big", signed=True)


def alembic_config(url: str, master_keys: MasterKeys | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    # Revisions that seal existing clear data (0009) need the key ring; an empty database
    # needs none.
    config.attributes["master_keys"] = master_keys
    return config


def upgrade(url: str, master_keys: MasterKeys | None = None) -> None:
    """Bring the database at `url` to the newest schema (idempotent, unlocked: one caller)."""
    command.upgrade(alembic_config(url, master_keys), "head")


def current_revision(url: str) -> str | None:
    """The schema revision recorded in the database, None before the first migration."""
    from alembic.runtime.migration import MigrationContext

    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def migrate(url: str, master_keys: MasterKeys | None = None) -> None:
    """Upgrade to head under a lock: a PostgreSQL advisory lock (session-level, released when
    its connection closes, so a killed job never leaves it held), or a file lock beside a
    SQLite file. Other backends are upgraded unlocked."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        engine = create_engine(url, poolclass=NullPool)
        try:
            with engine.connect() as lock:
                lock.execute(text("SELECT pg_advisory_lock(:k)"), {"k": ADVISORY_LOCK_KEY})
                try:
                    upgrade(url, master_keys)
                finally:
                    lock.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_LOCK_KEY})
        finally:
            engine.dispose()
        return
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        lock_path = Path(f"{parsed.database}.migrate.lock")
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        with lock_path.open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file is closed
            upgrade(url, master_keys)
        return
    upgrade(url, master_keys)
