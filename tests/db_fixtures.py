"""Database fixtures shared by test folders: a tmp SQLite file, and PostgreSQL too when
`KYC_TEST_DATABASE_URL` is set (each test session gets a fresh schema, dropped at the end).

Import the fixture in a conftest: `from tests.db_fixtures import database_url  # noqa: F401`.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

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
    base = psycopg_url(os.environ[PG_ENV])
    schema = f"kyc_test_{secrets.token_hex(6)}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = with_search_path(base, schema)
        upgrade(url)
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
