"""Temporal Cloud settings: an API key (over TLS) or namespace certificates (mTLS)."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.service import TLSConfig

from kyc.settings import Settings
from kyc.temporal import tls_config


def test_no_tls_by_default() -> None:
    settings = Settings()
    assert tls_config(settings.temporal_tls) is False
    assert tls_config(True) is True  # an API key alone: TLS with the system roots


def test_mtls_reads_the_client_certificate(tmp_path: Path) -> None:
    cert, key = tmp_path / "tls.crt", tmp_path / "tls.key"
    cert.write_bytes(b"-----BEGIN CERTIFICATE-----\nMII\n")
    key.write_bytes(b"-----BEGIN PRIVATE KEY-----\nMII\n")
    config = tls_config(False, str(cert), str(key))
    assert isinstance(config, TLSConfig)
    assert config.client_cert == cert.read_bytes()
    assert config.client_private_key == key.read_bytes()


def test_a_certificate_without_its_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="go together"):
        tls_config(False, str(tmp_path / "tls.crt"), "")


def test_cloud_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KYC_TEMPORAL_ADDRESS", "kycflow.a1b2c.tmprl.cloud:7233")
    monkeypatch.setenv("KYC_TEMPORAL_NAMESPACE", "kycflow.a1b2c")
    monkeypatch.setenv("KYC_TEMPORAL_API_KEY", "ak_test")
    settings = Settings()
    assert settings.temporal_api_key == "ak_test"
    assert settings.resolved_temporal_address == "kycflow.a1b2c.tmprl.cloud:7233"
