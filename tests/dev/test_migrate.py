"""`kyc migrate`: concurrent runs on an empty database all succeed and migrate it once."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from kyc.db.migrate import current_revision, head_revision
from tests.db_fixtures import fresh_pg_schema

KYC = Path(sys.executable).parent / "kyc"
RUNS = 4


def run_concurrently(database_url: str, state_dir: Path) -> list[subprocess.CompletedProcess[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KYC_")}
    env |= {"KYC_DATABASE_URL": database_url, "KYC_STATE_DIR": str(state_dir)}
    procs = [
        subprocess.Popen(
            [str(KYC), "migrate"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(RUNS)
    ]
    done = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        done.append(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
    return done


def assert_migrated_once(url: str, done: list[subprocess.CompletedProcess[str]]) -> None:
    for result in done:
        assert result.returncode == 0, result.stderr[-2000:]
        assert f"-> {head_revision()} (head {head_revision()})" in result.stdout
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            versions = conn.execute(text("SELECT version_num FROM alembic_version")).all()
            tables = set(inspect(conn).get_table_names())
    finally:
        engine.dispose()
    assert versions == [(head_revision(),)]
    assert {"verification_sessions", "platforms", "events"} <= tables


@pytest.fixture
def empty_pg_schema() -> Iterator[str]:
    with fresh_pg_schema("kyc_migrate", "migrating PostgreSQL") as url:
        yield url


def test_concurrent_migrations_on_empty_postgresql(empty_pg_schema: str, tmp_path: Path) -> None:
    assert current_revision(empty_pg_schema) is None
    assert_migrated_once(empty_pg_schema, run_concurrently(empty_pg_schema, tmp_path))


def test_concurrent_migrations_on_a_new_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'kyc.db'}"
    assert_migrated_once(url, run_concurrently(url, tmp_path))
