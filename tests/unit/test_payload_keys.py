"""Per-session payload keys: derivation, agreement between processes, shredding, old format."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from temporalio.api.common.v1 import Payload
from temporalio.api.failure.v1 import Failure
from temporalio.converter import ActivitySerializationContext, WorkflowSerializationContext
from temporalio.exceptions import ApplicationError

from kyc.crypto import DecryptionFailed, decode_key, generate_key, seal
from kyc.db import payload_keys
from kyc.db.engine import make_engine, session_scope
from kyc.db.migrate import upgrade
from kyc.db.payload_keys import DatabasePayloadKeys
from kyc.temporal import (
    ENCODING,
    SESSION_META,
    EncryptionCodec,
    PayloadKeyShredded,
    data_converter,
    session_of,
)

KEY = generate_key()
PLAIN = Payload(metadata={"encoding": b"json/plain"}, data=b'{"surname":"ERIKSSON"}')


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path / 'kyc.db'}"
    upgrade(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


def bound(codec: EncryptionCodec, workflow_id: str) -> EncryptionCodec:
    return codec.with_context(
        WorkflowSerializationContext(namespace="default", workflow_id=workflow_id)
    )


def test_session_of_workflow_ids() -> None:
    assert session_of("vs_AbC1") == "vs_AbC1"
    assert session_of("alert_vs_AbC1_ofac-2026-11-30") == "vs_AbC1"
    assert session_of("deliver_evt_x") is None
    assert session_of("kyc-screening-monitor") is None
    assert session_of(None) is None


async def test_processes_agree_and_sessions_differ(engine: Engine) -> None:
    api = EncryptionCodec(KEY, DatabasePayloadKeys(engine))
    worker = EncryptionCodec(KEY, DatabasePayloadKeys(engine))  # another process, own cache
    [a] = await bound(api, "vs_a").encode([PLAIN])
    assert a.metadata[SESSION_META] == b"vs_a" and b"ERIKSSON" not in a.data
    activity = worker.with_context(
        ActivitySerializationContext(
            namespace="default",
            activity_id="1",
            activity_type="extract",
            activity_task_queue="kyc",
            workflow_id="vs_a",
            workflow_type="VerificationWorkflow",
            is_local=False,
        )
    )
    assert await activity.decode([a]) == [PLAIN]
    [b] = await bound(worker, "vs_b").encode([PLAIN])
    # b's key is not a's: move b's ciphertext under a's name and it fails authentication.
    forged = Payload(metadata={**b.metadata, SESSION_META: b"vs_a"}, data=b.data)
    with pytest.raises(DecryptionFailed):
        await api.decode([forged])


async def test_shredded_session_no_longer_decodes_and_gets_no_new_key(engine: Engine) -> None:
    codec = EncryptionCodec(KEY, DatabasePayloadKeys(engine), salt_ttl_s=0)
    [sealed] = await bound(codec, "vs_a").encode([PLAIN])
    with session_scope(engine) as db:
        payload_keys.shred(db, "vs_a")
    with pytest.raises(PayloadKeyShredded):
        await codec.decode([sealed])
    # A workflow still finishing after the redaction writes statuses under the global key.
    [after] = await bound(codec, "vs_a").encode([PLAIN])
    assert SESSION_META not in after.metadata
    assert await codec.decode([after]) == [PLAIN]
    with pytest.raises(payload_keys.Shredded):
        payload_keys.salt_of(engine, "vs_a", create=True)


async def test_payloads_sealed_with_the_master_key_itself_still_decode() -> None:
    """The format before subkeys: k1, the whole payload sealed with the master key."""
    old = Payload(
        metadata={"encoding": ENCODING, "encryption-key-id": b"k1"},
        data=seal(decode_key(KEY), PLAIN.SerializeToString()),
    )
    assert await EncryptionCodec(KEY).decode([old]) == [PLAIN]


async def test_failures_keep_no_message_in_clear(engine: Engine) -> None:
    converter = data_converter(KEY, DatabasePayloadKeys(engine))
    failure = Failure()
    await converter.encode_failure(ApplicationError("no match for ANNA ERIKSSON"), failure)
    assert "ERIKSSON" not in failure.message and b"ERIKSSON" not in failure.SerializeToString()
    decoded = await converter.decode_failure(failure)
    assert "ANNA ERIKSSON" in str(decoded)
