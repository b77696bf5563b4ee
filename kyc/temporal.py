"""The one Temporal data converter (pydantic + encryption codec) and client factory.

Every client (API, worker, CLI, tests) gets its converter here, so the history never holds
readable personal data, and the codec endpoint (api/codec.py) uses the same codec to show
decoded payloads to operators in the Temporal UI.

Crypto-shredding of history: a payload of a session's workflows (the VerificationWorkflow
`vs_...` and its `alert_vs_..._<snapshot>` reviews, known from the serialization context's
workflow id) is encrypted with that session's own key, HKDF-SHA256(payload master key, salt =
the session's random salt, info = purpose + session id), and carries the session id in its
metadata so the codec endpoint, which has no context, can find the key. The salt lives in the
database (`kyc.db.payload_keys`), where API and worker processes find the same one; redaction
deletes it, so the session's history, and any export or archive of it, no longer decrypts
(the codec endpoint answers a `redacted` marker for such payloads). Other workflows (monitor,
event delivery: ids and statuses only) use the master payload key's own subkey. Failures are
encoded too (`encode_common_attributes`: messages and stack traces are not left in clear).
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, Self

from temporalio.api.common.v1 import Payload
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import (
    ActivitySerializationContext,
    DataConverter,
    DefaultFailureConverter,
    PayloadCodec,
    SerializationContext,
    WithSerializationContext,
    WorkflowSerializationContext,
)
from temporalio.service import TLSConfig

from kyc.crypto import DecryptionFailed, decode_key, derive_key, key_id, seal, unseal
from kyc.db.payload_keys import Shredded

if TYPE_CHECKING:
    from kyc.settings import Settings

ENCODING = b"binary/kyc-encrypted"
LEGACY_KEY_ID = b"k1"  # payloads sealed before key ids: the payload key (or its global subkey)
SESSION_META = "kyc-session-id"
PURPOSE_GLOBAL = "kyc payload global"
PURPOSE_SESSION = "kyc payload session"
SALT_TTL_S = 30.0  # a redaction reaches other processes' caches within this


class PayloadKeys(Protocol):
    """Where a session's payload salt lives (the database in every process)."""

    def salt(self, session_id: str, create: bool) -> bytes | None:
        """The salt; a new one when `create`; `Shredded` once the session was redacted."""
        ...


class PayloadKeyShredded(DecryptionFailed):
    code = "payload_redacted"


def session_of(workflow_id: str | None) -> str | None:
    """The session whose data a workflow's payloads hold, from its workflow id."""
    if not workflow_id:
        return None
    if workflow_id.startswith("vs_"):
        return workflow_id
    parts = workflow_id.split("_")
    if parts[0] == "alert" and len(parts) >= 3 and parts[1] == "vs":
        return f"vs_{parts[2]}"
    return None


@dataclasses.dataclass
class _SaltCache:
    keys: PayloadKeys
    ttl_s: float
    entries: dict[str, tuple[float, bytes]] = dataclasses.field(default_factory=dict)

    def get(self, session_id: str, create: bool) -> bytes | None:
        hit = self.entries.get(session_id)
        if hit is not None and time.monotonic() - hit[0] < self.ttl_s:
            return hit[1]
        salt = self.keys.salt(session_id, create)
        if salt is not None:
            if len(self.entries) > 4096:
                self.entries.clear()
            self.entries[session_id] = (time.monotonic(), salt)
        return salt

    def forget(self, session_id: str) -> None:
        self.entries.pop(session_id, None)


class EncryptionCodec(PayloadCodec, WithSerializationContext):
    """AES-256-GCM over each whole serialized payload (data and metadata), with the session's
    key when the payload belongs to a session's workflow."""

    def __init__(
        self,
        key: str,
        keys: PayloadKeys | None = None,
        *,
        session_id: str | None = None,
        salt_ttl_s: float = SALT_TTL_S,
    ) -> None:
        self._master = decode_key(key)
        self._global = derive_key(self._master, PURPOSE_GLOBAL)
        self._key_id = key_id(self._master)
        self._cache = _SaltCache(keys, salt_ttl_s) if keys is not None else None
        self._session_id = session_id

    def with_context(self, context: SerializationContext) -> Self:
        workflow_id = None
        if isinstance(context, WorkflowSerializationContext | ActivitySerializationContext):
            workflow_id = context.workflow_id
        session_id = session_of(workflow_id)
        if session_id == self._session_id:
            return self
        sibling = copy.copy(self)  # same keys and salt cache, bound to this session
        sibling._session_id = session_id
        return sibling

    def forget(self, session_id: str) -> None:
        """Drop a cached salt (the redacting process calls this at once)."""
        if self._cache is not None:
            self._cache.forget(session_id)

    def _session_key(self, session_id: str, create: bool) -> bytes:
        if self._cache is None:
            raise DecryptionFailed("session payloads need the payload key store")
        try:
            salt = self._cache.get(session_id, create)
        except Shredded as exc:
            raise PayloadKeyShredded(f"the payload key of {session_id} was shredded") from exc
        if salt is None:
            raise PayloadKeyShredded(f"no payload key for {session_id}")
        return derive_key(self._master, f"{PURPOSE_SESSION} {session_id}", salt)

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        session_id = self._session_id if self._cache is not None else None
        metadata = {"encoding": ENCODING, "encryption-key-id": self._key_id}
        key = self._global
        if session_id is not None:
            try:
                key = await asyncio.to_thread(self._session_key, session_id, True)
                metadata[SESSION_META] = session_id.encode()
            except PayloadKeyShredded:
                # After the redaction only statuses are written (the fence refuses the rest):
                # they go under the global key, so the finishing workflow can still read them.
                key = self._global
        aad = metadata.get(SESSION_META, b"")
        return [
            Payload(metadata=metadata, data=seal(key, p.SerializeToString(), aad)) for p in payloads
        ]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        decoded = []
        for p in payloads:
            if p.metadata.get("encoding", b"") != ENCODING:
                decoded.append(p)  # written before encryption was on, or by another codec
                continue
            if p.metadata.get("encryption-key-id", b"") not in (self._key_id, LEGACY_KEY_ID):
                raise DecryptionFailed("payload was encrypted with an unknown key id")
            session = p.metadata.get(SESSION_META, b"")
            if session:
                key = await asyncio.to_thread(self._session_key, session.decode(), False)
                plain = unseal(key, p.data, session)
            else:
                plain = self._unseal_global(p.data)
            out = Payload()
            out.ParseFromString(plain)
            decoded.append(out)
        return decoded

    def _unseal_global(self, data: bytes) -> bytes:
        try:
            return unseal(self._global, data)
        except DecryptionFailed:
            return unseal(self._master, data)  # written before subkeys: the master key itself


def redacted_marker() -> Payload:
    """What the codec endpoint shows for a payload whose session was redacted."""
    return Payload(
        metadata={"encoding": b"json/plain"}, data=json.dumps({"redacted": True}).encode()
    )


def data_converter(payload_key: str, keys: PayloadKeys | None = None) -> DataConverter:
    """Pydantic payloads, encrypted (per session when `keys` is given), failures encoded."""
    if not payload_key:
        return pydantic_data_converter
    return dataclasses.replace(
        pydantic_data_converter,
        payload_codec=EncryptionCodec(payload_key, keys),
        failure_converter_class=EncodedFailureConverter,
    )


class EncodedFailureConverter(DefaultFailureConverter):
    """Failure messages and stack traces moved into an encoded payload (never in clear)."""

    def __init__(self) -> None:
        super().__init__(encode_common_attributes=True)


def tls_config(enabled: bool, cert_path: str = "", key_path: str = "") -> TLSConfig | bool:
    """TLS for a Temporal frontend: mTLS with a client certificate and key (Temporal Cloud's
    namespace certificates), plain TLS (an API key), or none (a cluster-internal frontend)."""
    if bool(cert_path) != bool(key_path):
        raise ValueError("KYC_TEMPORAL_TLS_CERT_PATH and KYC_TEMPORAL_TLS_KEY_PATH go together")
    if cert_path:
        return TLSConfig(
            client_cert=Path(cert_path).read_bytes(),
            client_private_key=Path(key_path).read_bytes(),
        )
    return enabled


async def connect(
    address: str,
    namespace: str,
    payload_key: str,
    keys: PayloadKeys | None = None,
    *,
    api_key: str = "",
    tls: TLSConfig | bool = False,
    tracing: bool = False,
) -> Client:
    interceptors = []
    if tracing:  # spans for client calls, and (as a worker interceptor) workflows, activities
        from temporalio.contrib.opentelemetry import TracingInterceptor

        interceptors.append(TracingInterceptor())
    return await Client.connect(
        address,
        namespace=namespace,
        data_converter=data_converter(payload_key, keys),
        api_key=api_key or None,
        tls=True if api_key and tls is False else tls,  # an API key is only sent over TLS
        interceptors=interceptors,
    )


async def connect_settings(settings: Settings, keys: PayloadKeys | None = None) -> Client:
    """The client for these settings: address, namespace, codec (with the sessions' payload
    keys when given) and Cloud credentials."""
    return await connect(
        settings.resolved_temporal_address,
        settings.temporal_namespace,
        settings.payload_key,
        keys,
        api_key=settings.temporal_api_key,
        tls=tls_config(
            settings.temporal_tls, settings.temporal_tls_cert_path, settings.temporal_tls_key_path
        ),
        tracing=bool(settings.otlp_traces_endpoint),
    )
