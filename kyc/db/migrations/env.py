"""Alembic environment: the URL comes from the caller (kyc.db.migrate), never from a file."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import kyc.db.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from kyc.db.engine import make_engine

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        context.configure(connection=connectable, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            # Batch operations rebuild a table by copy, drop and rename; rows of other tables
            # that reference it (files, reports, review_audit) must not fail that drop. The
            # pragma is ignored inside a transaction, hence the commit before the migrations.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
