"""A real start, stop and resume of Temporal + SeaweedFS + SQLite in a temporary state dir."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest

from kyc.db.engine import make_engine, session_scope
from kyc.db.platforms import find_key
from kyc.dev import components
from kyc.dev import stack as dev_stack
from kyc.dev.procs import DevStackError, port_in_use
from kyc.settings import Settings
from kyc.temporal import connect


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # Ports of its own, SeaweedFS's internal ones included: runs beside any other stack.
    return components.isolated_settings(tmp_path / "state")


async def search_attributes(address: str) -> dict[str, int]:
    from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest

    client = await connect(address, "default", "")
    response = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace="default")
    )
    return dict(response.custom_attributes)


@pytest.mark.slow
def test_infrastructure_starts_stops_and_resumes_with_state(settings: Settings) -> None:
    said: list[str] = []
    stack = dev_stack.DevStack(settings, say=said.append, with_api=False, with_worker=False)
    try:
        stack.start()
        assert {"temporal", "seaweedfs"} == set(stack.children)
        assert stack.keys is not None and stack.keys.created
        first_key = stack.keys.secret_key
        store = stack.settings.object_store()
        store.put("probe/one", b"kept across restarts")
        # Data keys are created with a conditional write (kyc.crypto): the real store honours it.
        assert store.put_if_absent("probe/key", b"first")
        assert not store.put_if_absent("probe/key", b"second")
        assert store.get("probe/key") == b"first"
        attrs = asyncio.run(search_attributes(stack.settings.resolved_temporal_address))
        assert {"KycStatus", "KycNeedsReview"} <= set(attrs)
        assert any(line.startswith("  Temporal ready in") for line in said)
        stack_file = stack.state_dir / "stack.json"
        assert stack_file.exists()
    finally:
        stack.stop()
    assert not stack_file.exists()
    assert not port_in_use("127.0.0.1", settings.temporal_port)
    assert not any(port_in_use("127.0.0.1", p) for p in components.weed_port_list(settings))

    again = dev_stack.DevStack(settings, say=said.append, with_api=False, with_worker=False)
    try:
        again.start()
        assert again.keys is not None and not again.keys.created
        assert again.keys.secret_key == first_key
        assert again.settings.object_store().get("probe/one") == b"kept across restarts"
    finally:
        again.stop()
    assert (settings.state_dir / "logs" / "temporal.log").exists()
    assert (settings.state_dir / "logs" / "seaweedfs.log").exists()


def test_a_taken_port_is_refused_before_anything_starts(settings: Settings) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", settings.temporal_port))
        sock.listen()
        stack = dev_stack.DevStack(settings, say=lambda _: None)
        stack.prepare()
        with pytest.raises(DevStackError, match="--temporal-port or KYC_TEMPORAL_PORT"):
            stack.check_ports()
    assert stack.children == {}


@pytest.mark.slow
def test_components_given_by_url_are_used_instead_of_started(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = dev_stack.DevStack(settings, say=lambda _: None, with_api=False, with_worker=False)
    try:
        owner.start()
        s = owner.settings
        monkeypatch.setenv("KYC_S3_ACCESS_KEY", s.s3_access_key)
        monkeypatch.setenv("KYC_S3_SECRET_KEY", s.s3_secret_key)
        guest_settings = Settings(
            state_dir=tmp_path / "guest",
            temporal_address=s.resolved_temporal_address,
            s3_endpoint=s.resolved_s3_endpoint,
            database_url=s.resolved_database_url,
            s3_access_key=s.s3_access_key,
            s3_secret_key=s.s3_secret_key,
        )
        said: list[str] = []
        guest = dev_stack.DevStack(
            guest_settings, say=said.append, with_api=False, with_worker=False
        )
        guest.start()
        assert guest.children == {}
        assert f"using Temporal at {s.resolved_temporal_address} (KYC_TEMPORAL_ADDRESS)" in said
        assert "migrating the database (KYC_DATABASE_URL) ..." in said
        assert not (tmp_path / "guest" / "temporal.db").exists()
        assert not (tmp_path / "guest" / "kyc.db").exists()
        # Its dev platform went into the owner's database.
        assert guest.keys is not None and guest.keys.created
        engine = make_engine(s.resolved_database_url)
        with session_scope(engine) as db:
            assert find_key(db, guest.keys.secret_key) is not None
        engine.dispose()
        guest.stop()
    finally:
        owner.stop()
