"""deploy/: the compose file has the production shape and uses only settings that exist."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from kyc.settings import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
KYC_SERVICES = ("api", "worker-kyc", "worker-ml")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    return data


def kyc_settings(env: dict[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in env.items() if k.startswith("KYC_")}


def test_every_kyc_variable_is_a_settings_field(compose: dict[str, Any]) -> None:
    seen = 0
    for name, service in compose["services"].items():
        for key in kyc_settings(service.get("environment") or {}):
            field = key.removeprefix("KYC_").lower()
            assert field in Settings.model_fields, f"{name}: {key} is not a Settings field"
            seen += 1
    assert seen > 30  # the anchor is merged into all three kycflow services


def test_every_kycflow_service_points_at_production_components(compose: dict[str, Any]) -> None:
    for name in KYC_SERVICES:
        env = kyc_settings(compose["services"][name]["environment"])
        assert env["KYC_ENVIRONMENT"] == "production", name
        assert env["KYC_TEMPORAL_ADDRESS"] == "temporal:7233", name
        assert env["KYC_S3_ENDPOINT"] == "http://minio:9000", name
        assert env["KYC_DATABASE_URL"].startswith("postgresql+psycopg://"), name
        assert "@app-db:5432/" in env["KYC_DATABASE_URL"], name
        for secret in ("KYC_MASTER_KEY", "KYC_PAYLOAD_KEY", "KYC_S3_SECRET_KEY"):
            # Never a literal in the file: interpolated from deploy/.env, required.
            assert re.fullmatch(r"\$\{[A-Z0-9_]+:\?[^}]+\}", env[secret]), (name, secret)


def test_environment_values_parse_as_settings(compose: dict[str, Any], monkeypatch: Any) -> None:
    env = kyc_settings(compose["services"]["api"]["environment"])
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    settings = Settings()
    assert settings.api_host == "0.0.0.0"
    assert settings.codec_cors_origins == ["http://localhost:8080"]


def test_two_worker_pools_cover_both_task_queues(compose: dict[str, Any]) -> None:
    services = compose["services"]
    queues = {name: services[name]["environment"]["KYC_WORKER_QUEUES"] for name in KYC_SERVICES[1:]}
    assert queues == {"worker-kyc": "kyc", "worker-ml": "kyc-ml"}
    for name in KYC_SERVICES[1:]:
        assert services[name]["command"] == ["kyc", "worker"]
        assert services[name]["build"]["target"] == "worker"
    assert services["api"]["command"] == ["kyc", "api"]


def test_production_shape(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["temporal"]["image"].startswith("temporalio/auto-setup")
    assert services["temporal"]["environment"]["DB"] == "postgres12"
    assert services["temporal-ui"]["image"].startswith("temporalio/ui")
    assert services["temporal-ui"]["environment"]["TEMPORAL_CODEC_ENDPOINT"].endswith("/codec")
    assert services["minio"]["image"].startswith("minio/minio")
    assert services["app-db"]["image"].startswith("postgres")
    setup = " ".join(services["temporal-setup"]["command"])
    assert "--name KycStatus --type Keyword" in setup
    assert "--name KycNeedsReview --type Bool" in setup
    # `--type` applies to every `--name` of one call: one attribute per create.
    creates = [c for c in setup.split(";") if "search-attribute create" in c]
    assert [c.count("--name ") for c in creates] == [1, 1]


def test_dockerfile_has_the_targets_compose_builds(compose: dict[str, Any]) -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    targets = set(re.findall(r"^FROM \S+ AS (\S+)$", dockerfile, re.MULTILINE))
    wanted = {s["build"]["target"] for s in compose["services"].values() if "build" in s}
    assert wanted == {"api", "worker"}
    assert wanted <= targets
    # The Dockerfile's own KYC_ defaults are settings too.
    for key in re.findall(r"\b(KYC_[A-Z_]+)=", dockerfile):
        assert key.removeprefix("KYC_").lower() in Settings.model_fields, key
