"""Envelope encryption, the sealed object store and the Temporal payload codec."""

from __future__ import annotations

import base64
import contextlib
import threading
from collections.abc import Iterator

import pytest
from temporalio.api.common.v1 import Payload

from kyc.crypto import (
    PURPOSE_COLUMNS,
    PURPOSE_KEY_WRAPPING,
    DecryptionFailed,
    PurposeSealer,
    SealedStore,
    decode_key,
    generate_key,
    seal,
    unseal,
)
from kyc.db.sealing import ColumnSealer
from kyc.errors import NotFound
from kyc.settings import Settings
from kyc.temporal import ENCODING, EncryptionCodec


class MemoryStore:
    """ObjectStore's interface over a dict (a test double)."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def put(self, key: str, data: bytes, content_type: str = "") -> None:
        self.objects[key] = data

    def put_if_absent(self, key: str, data: bytes) -> bool:
        return self.objects.setdefault(key, data) is data  # atomic under the GIL, like S3's

    def get(self, key: str) -> bytes:
        if key not in self.objects:
            raise NotFound(key)
        return self.objects[key]

    def keys(self, prefix: str) -> Iterator[str]:
        return iter([k for k in self.objects if k.startswith(prefix)])

    def delete(self, key: str) -> None:
        self.objects.pop(key, None)


def test_seal_round_trip_and_tamper_detection() -> None:
    key = bytes(range(32))
    blob = seal(key, b"ANNA ERIKSSON", b"ctx")
    assert b"ANNA" not in blob
    assert unseal(key, blob, b"ctx") == b"ANNA ERIKSSON"
    with pytest.raises(DecryptionFailed):
        unseal(key, blob, b"other context")
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(DecryptionFailed):
        unseal(key, tampered, b"ctx")


def test_sealed_store_encrypts_per_session_and_shreds() -> None:
    memory = MemoryStore()
    sealed = SealedStore(memory, generate_key())  # type: ignore[arg-type]
    key = sealed.put("vs_1", "uploads/front", b"\x89PNG passport bytes")
    assert key == "sessions/vs_1/uploads/front"
    assert b"passport" not in memory.objects[key]
    assert "sessions/vs_1/data-key" in memory.objects
    assert sealed.get("vs_1", key) == b"\x89PNG passport bytes"
    # another session's key can never read it, even if the key name is forged
    with pytest.raises(NotFound):
        sealed.get("vs_2", key)
    assert sealed.shred("vs_1") == 2
    assert memory.objects == {}


def test_a_fresh_process_reads_with_the_wrapped_key_but_not_with_another_master() -> None:
    memory = MemoryStore()
    master = generate_key()
    key = SealedStore(memory, master).put("vs_1", "x", b"data")  # type: ignore[arg-type]
    assert SealedStore(memory, master).get("vs_1", key) == b"data"  # type: ignore[arg-type]
    with pytest.raises(DecryptionFailed):
        SealedStore(memory, generate_key()).get("vs_1", key)  # type: ignore[arg-type]


async def test_payload_codec_round_trip_hides_content() -> None:
    codec = EncryptionCodec(generate_key())
    original = Payload(metadata={"encoding": b"json/plain"}, data=b'{"surname":"ERIKSSON"}')
    [encoded] = await codec.encode([original])
    assert encoded.metadata["encoding"] == ENCODING
    assert b"ERIKSSON" not in encoded.data
    [decoded] = await codec.decode([encoded])
    assert decoded == original


async def test_payload_codec_passes_through_unencrypted_and_refuses_wrong_key() -> None:
    plain = Payload(metadata={"encoding": b"json/plain"}, data=b"1")
    assert await EncryptionCodec(generate_key()).decode([plain]) == [plain]
    [encoded] = await EncryptionCodec(generate_key()).encode([plain])
    with pytest.raises(DecryptionFailed):
        await EncryptionCodec(generate_key()).decode([encoded])


def test_purpose_subkeys_with_key_ids_and_the_k1_format_still_read() -> None:
    master = generate_key()
    columns = PurposeSealer(master, PURPOSE_COLUMNS)
    blob = columns.seal(b"ERIKSSON", b"vs_1:verified_outputs")
    assert blob.startswith(b"k2" + columns.key_id) and len(columns.key_id) == 8
    # The master key itself does not open it, nor does another purpose's subkey.
    with pytest.raises(DecryptionFailed):
        unseal(decode_key(master), blob[2 + 8 :], b"vs_1:verified_outputs")
    with pytest.raises(DecryptionFailed):
        PurposeSealer(master, PURPOSE_KEY_WRAPPING).unseal(blob, b"vs_1:verified_outputs")
    # Another master key is refused by its id before any decryption is tried.
    with pytest.raises(DecryptionFailed, match="sealed under master key"):
        PurposeSealer(generate_key(), PURPOSE_COLUMNS).unseal(blob, b"vs_1:verified_outputs")
    # Columns sealed before subkeys (k1, the master key itself) still open.
    old = seal(decode_key(master), b'{"surname": "ERIKSSON"}', b"vs_1:verified_outputs")
    assert ColumnSealer(master).unseal("vs_1:verified_outputs", old) == {"surname": "ERIKSSON"}


def test_data_keys_wrapped_before_subkeys_still_unwrap() -> None:
    memory = MemoryStore()
    master = generate_key()
    data_key = bytes(range(32))
    memory.objects["sessions/vs_1/data-key"] = seal(decode_key(master), data_key, b"vs_1")
    memory.objects["sessions/vs_1/x"] = seal(data_key, b"data", b"sessions/vs_1/x")
    assert SealedStore(memory, master).get("vs_1", "sessions/vs_1/x") == b"data"  # type: ignore[arg-type]
    SealedStore(memory, master).put("vs_2", "y", b"new")  # type: ignore[arg-type]
    assert memory.objects["sessions/vs_2/data-key"].startswith(b"k2")


@pytest.mark.parametrize("value", ["", "change-me", base64.b64encode(bytes(32)).decode(), "short"])
def test_placeholder_keys_are_refused_outside_development(value: str) -> None:
    good = generate_key()
    with pytest.raises(ValueError, match="KYC_PAYLOAD_KEY"):
        Settings(environment="production", master_key=good, payload_key=value).check_secrets()
    Settings(environment="development", master_key=good, payload_key=value).check_secrets()
    Settings(environment="production", master_key=good, payload_key=generate_key()).check_secrets()


class SlowFirstReads(MemoryStore):
    """Every read waits at a barrier first, so concurrent first uploads all miss the key."""

    def __init__(self, parties: int) -> None:
        super().__init__()
        self.barrier = threading.Barrier(parties, timeout=5)

    def get(self, key: str) -> bytes:
        if key.endswith("data-key"):
            with contextlib.suppress(threading.BrokenBarrierError):
                self.barrier.wait()
        return super().get(key)


def test_concurrent_first_uploads_share_one_data_key() -> None:
    # Two API processes (two SealedStores on one bucket) upload a session's first files at
    # once: both miss the key; the conditional write lets one create it, the other re-reads it.
    master = generate_key()
    store = SlowFirstReads(parties=2)
    processes = [SealedStore(store, master), SealedStore(store, master)]  # type: ignore[arg-type]
    keys: dict[int, str] = {}

    def upload(i: int) -> None:
        keys[i] = processes[i].put("vs_race", f"file-{i}", f"photo {i}".encode())

    threads = [threading.Thread(target=upload, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    reader = SealedStore(store, master)  # type: ignore[arg-type]
    assert [reader.get("vs_race", keys[i]) for i in range(2)] == [b"photo 0", b"photo 1"]
