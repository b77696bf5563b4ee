"""Settings refused at startup (`check_secrets`, called by the API and the worker)."""

from __future__ import annotations

import pytest

from kyc.crypto import generate_key
from kyc.settings import Settings

KEYS = {"master_key": generate_key(), "payload_key": generate_key()}


def test_local_webhook_receivers_are_refused_in_production() -> None:
    with pytest.raises(ValueError, match="KYC_WEBHOOK_ALLOW_LOCAL_RECEIVERS"):
        Settings(
            environment="production", webhook_allow_local_receivers=True, **KEYS
        ).check_secrets()
    Settings(environment="production", **KEYS).check_secrets()  # the default is refused nothing
    # Development and test suites run their receivers on loopback.
    for environment in ("development", "test"):
        Settings(
            environment=environment,  # type: ignore[arg-type]
            webhook_allow_local_receivers=True,
            **KEYS,
        ).check_secrets()


def test_the_environment_variable_is_what_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KYC_ENVIRONMENT", "production")
    monkeypatch.setenv("KYC_WEBHOOK_ALLOW_LOCAL_RECEIVERS", "true")
    monkeypatch.setenv("KYC_MASTER_KEY", KEYS["master_key"])
    monkeypatch.setenv("KYC_PAYLOAD_KEY", KEYS["payload_key"])
    with pytest.raises(ValueError, match="SSRF"):
        Settings().check_secrets()
