"""The one Temporal data converter (pydantic + encryption codec) and client factory.

Every client (API, worker, CLI, tests) gets its converter here, so the history never holds
readable personal data, and the codec endpoint (api/codec.py) uses the same codec to show
decoded payloads to operators in the Temporal UI.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from temporalio.api.common.v1 import Payload
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, PayloadCodec
from temporalio.service import TLSConfig

from kyc.crypto import DecryptionFailed, decode_key, seal, unseal

if TYPE_CHECKING:
    from kyc.settings import Settings

ENCODING = b"binary/kyc-encrypted"


class EncryptionCodec(PayloadCodec):
    """AES-256-GCM over each whole serialized payload (data and metadata)."""

    def __init__(self, key: str, key_id: str = "k1") -> None:
        self._key = decode_key(key)
        self._key_id = key_id.encode()

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [
            Payload(
                metadata={"encoding": ENCODING, "encryption-key-id": self._key_id},
                data=seal(self._key, p.SerializeToString()),
            )
            for p in payloads
        ]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        decoded = []
        for p in payloads:
            if p.metadata.get("encoding", b"") != ENCODING:
                decoded.append(p)  # written before encryption was on, or by another codec
                continue
            if p.metadata.get("encryption-key-id", b"") != self._key_id:
                raise DecryptionFailed("payload was encrypted with an unknown key id")
            out = Payload()
            out.ParseFromString(unseal(self._key, p.data))
            decoded.append(out)
        return decoded


def data_converter(payload_key: str) -> DataConverter:
    """Pydantic payloads, encrypted when a key is configured."""
    if not payload_key:
        return pydantic_data_converter
    return dataclasses.replace(pydantic_data_converter, payload_codec=EncryptionCodec(payload_key))


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
        data_converter=data_converter(payload_key),
        api_key=api_key or None,
        tls=True if api_key and tls is False else tls,  # an API key is only sent over TLS
        interceptors=interceptors,
    )


async def connect_settings(settings: Settings) -> Client:
    """The client for these settings: address, namespace, codec and Cloud credentials."""
    return await connect(
        settings.resolved_temporal_address,
        settings.temporal_namespace,
        settings.payload_key,
        api_key=settings.temporal_api_key,
        tls=tls_config(
            settings.temporal_tls, settings.temporal_tls_cert_path, settings.temporal_tls_key_path
        ),
        tracing=bool(settings.otlp_traces_endpoint),
    )
