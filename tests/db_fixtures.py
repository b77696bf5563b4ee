"""Database fixtures shared by test folders: a tmp SQLite file, and PostgreSQL too when
`KYC_TEST_DATABASE_URL` is set (each test session gets a fresh schema, dropped at the end).

Import the fixture in a conftest: `from tests.db_fixtures import database_url  # noqa: F401`.
Tests that need an empty, unmigrated PostgreSQL use `with fresh_pg_schema("kyc_x") as url:`.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text

from kyc.db.migrate import upgrade

PG_ENV = "KYC_TEST_DATABASE_URL"
BACKENDS = ["sqlite", *(["postgresql"] if os.environ.get(PG_ENV) else [])]


def psycopg_url(url: str) -> str:
    """SQLAlchemy URL with the psycopg (v3) driver, the one installed."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def with_search_path(url: str, schema: str) -> str:
    # Unescaped `=` inside the value: alembic's config would read `%3D` as interpolation.
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path={schema}"


@contextmanager
def fresh_pg_schema(prefix: str, needed_by: str = "this test") -> Iterator[str]:
    """A new empty schema on the test PostgreSQL, dropped (with everything in it) on exit.

    Yields a URL whose connections use that schema only (search_path), so tests and the
    processes they start never see each other's tables. Skips when no PostgreSQL is given.
    """
    if not os.environ.get(PG_ENV):
        pytest.skip(f"{PG_ENV} is not set: {needed_by} needs PostgreSQL")
    base = psycopg_url(os.environ[PG_ENV])
    schema = f"{prefix}_{secrets.token_hex(6)}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield with_search_path(base, schema)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated, empty database for the test session."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'kyc.db'}"
        upgrade(url)
        yield url
        return
    with fresh_pg_schema("kyc_test") as url:
        upgrade(url)
        yield url
