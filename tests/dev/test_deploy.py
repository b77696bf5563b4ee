"""deploy/: the compose file and the Helm chart have the production shape and use only
settings that exist; the chart renders (Helm's own engine, offline) and validates strictly
against the Kubernetes schemas for several values sets."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from kyc.settings import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
CHART = DEPLOY / "helm" / "kycflow"
KYC_SERVICES = ("migrate", "api", "worker-kyc", "worker-ml")
KUBERNETES = "1.30.0"
SECRET = {"existingSecret": "kycflow-secrets"}


def is_setting(key: str) -> bool:
    return key.removeprefix("KYC_").lower() in Settings.model_fields


# --- compose -------------------------------------------------------------------------------------


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
            assert is_setting(key), f"{name}: {key} is not a Settings field"
            seen += 1
    assert seen > 40  # the anchor is merged into all four kycflow services


def test_every_kycflow_service_points_at_production_components(compose: dict[str, Any]) -> None:
    for name in KYC_SERVICES:
        env = kyc_settings(compose["services"][name]["environment"])
        assert env["KYC_ENVIRONMENT"] == "production", name
        assert env["KYC_TEMPORAL_ADDRESS"] == "temporal:7233", name
        assert env["KYC_S3_ENDPOINT"] == "http://s3:8333", name
        assert env["KYC_DATABASE_URL"].startswith("postgresql+psycopg://"), name
        assert "@app-db:5432/" in env["KYC_DATABASE_URL"], name
        assert env["KYC_LOG_FORMAT"] == "json", name
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
    assert settings.log_format == "json"


def test_one_migration_job_before_the_api_and_workers(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["migrate"]["command"] == ["kyc", "migrate"]
    assert services["api"]["command"] == ["kyc", "api", "--no-migrate"]
    for name in ("api", "worker-kyc", "worker-ml"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }, name
    queues = {
        n: services[n]["environment"]["KYC_WORKER_QUEUES"] for n in ("worker-kyc", "worker-ml")
    }
    assert queues == {"worker-kyc": "kyc", "worker-ml": "kyc-ml"}
    for name in ("worker-kyc", "worker-ml"):
        assert services[name]["command"] == ["kyc", "worker"]
        assert services[name]["build"]["target"] == "worker"
        grace = int(services[name]["environment"]["KYC_WORKER_SHUTDOWN_GRACE_S"])
        assert int(services[name]["stop_grace_period"].removesuffix("s")) > grace, name


def test_maintained_images(compose: dict[str, Any]) -> None:
    services = compose["services"]
    images = {name: s.get("image", "") for name, s in services.items()}
    assert not any("auto-setup" in i or i.startswith("minio/") for i in images.values()), images
    assert images["temporal"].startswith("temporalio/server:")
    assert images["temporal-schema"].startswith("temporalio/admin-tools:")
    assert images["s3"].startswith("chrislusf/seaweedfs:")
    assert services["temporal"]["environment"]["DB"] == "postgres12"
    assert services["temporal"]["depends_on"]["temporal-schema"] == {
        "condition": "service_completed_successfully"
    }
    schema = " ".join(services["temporal-schema"]["command"])
    assert schema.count("update-schema") == 2 and "visibility/versioned" in schema
    setup = " ".join(services["temporal-setup"]["command"])
    assert "--name KycStatus --type Keyword" in setup
    assert "--name KycNeedsReview --type Bool" in setup
    # `--type` applies to every `--name` of one call: one attribute per create.
    creates = [c for c in setup.split(";") if "search-attribute create" in c]
    assert [c.count("--name ") for c in creates] == [1, 1]
    assert services["temporal-ui"]["environment"]["TEMPORAL_CODEC_ENDPOINT"].endswith("/codec")


def test_dockerfile_has_the_targets_compose_builds(compose: dict[str, Any]) -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    targets = set(re.findall(r"^FROM \S+ AS (\S+)$", dockerfile, re.MULTILINE))
    wanted = {s["build"]["target"] for s in compose["services"].values() if "build" in s}
    assert wanted == {"api", "worker"}
    assert wanted <= targets
    # The Dockerfile's own KYC_ defaults are settings too.
    for key in re.findall(r"\b(KYC_[A-Z_]+)=", dockerfile):
        assert is_setting(key), key


# --- the Helm chart ------------------------------------------------------------------------------

helm = pytest.importorskip("helm_python", reason="helm-python-sdk renders the chart offline")
kubernetes_validate = pytest.importorskip("kubernetes_validate")

VALUE_SETS: dict[str, dict[str, Any]] = {
    "defaults": SECRET,
    "everything-on": {
        **SECRET,
        "keda": {"enabled": True, "authenticationRef": "temporal-cloud-api-key"},
        "serviceMonitor": {"enabled": True, "labels": {"release": "prometheus"}},
        "prometheusRule": {"enabled": True},
        "networkPolicy": {
            "enabled": True,
            "apiFrom": [{"namespaceSelector": {"matchLabels": {"name": "ingress"}}}],
        },
        "extraEnv": {"KYC_REVIEW_TIMEOUT_S": 86400, "KYC_MAX_ATTEMPTS": "5"},
    },
    "temporal-cloud": {
        **SECRET,
        "temporal": {
            "address": "kycflow.a1b2c.tmprl.cloud:7233",
            "namespace": "kycflow.a1b2c",
            "mtlsSecret": "temporal-client-cert",
            "registerSearchAttributes": False,
        },
        "api": {"port": 8000, "service": {}, "hpa": {"enabled": False}, "pdb": {"enabled": False}},
    },
}


def render(values: dict[str, Any]) -> list[dict[str, Any]]:
    chart = helm.Chart.load(str(CHART))
    rendered = chart.render(values, name="kyc", namespace="kyc", is_install=True)
    return [
        doc
        for text in rendered.values()
        for doc in yaml.safe_load_all(text)
        if doc  # templates whose feature is off render nothing
    ]


@pytest.fixture(scope="module", params=list(VALUE_SETS))
def manifests(request: pytest.FixtureRequest) -> tuple[str, list[dict[str, Any]]]:
    return request.param, render(VALUE_SETS[request.param])


def by_kind(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def containers(doc: dict[str, Any]) -> list[dict[str, Any]]:
    spec = doc["spec"]["template"]["spec"] if "template" in doc["spec"] else {}
    return list(spec.get("containers", []))


def test_chart_lints_clean() -> None:
    report = helm.lint(str(CHART), SECRET, strict=True, kube_version=f"v{KUBERNETES}")
    errors = [m for m in report["messages"] if m["severity"] >= 2]
    assert report["errors"] == [] and errors == [], report


def test_manifests_validate_strictly(manifests: tuple[str, list[dict[str, Any]]]) -> None:
    name, docs = manifests
    core = [
        d
        for d in docs
        if d["apiVersion"].split("/")[0]
        in ("v1", "apps", "batch", "policy", "autoscaling", "networking.k8s.io")
    ]
    for doc in core:
        kubernetes_validate.validate(doc, KUBERNETES, strict=True)
    assert len(core) >= 5, name
    # Strict: a misspelt field is an error, not silently dropped by the API server.
    typo = {**core[0], "spec": {**core[0]["spec"], "replica": 2}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(typo, KUBERNETES, strict=True)


def test_every_kyc_variable_in_the_chart_is_a_setting(
    manifests: tuple[str, list[dict[str, Any]]],
) -> None:
    _, docs = manifests
    seen = 0
    for doc in docs:
        for container in containers(doc):
            for env in container.get("env", []):
                if env["name"].startswith("KYC_"):
                    assert is_setting(env["name"]), (doc["metadata"]["name"], env["name"])
                    seen += 1
                    # Secrets only by reference to the existing Secret.
                    if env["name"] in (
                        "KYC_MASTER_KEY",
                        "KYC_DATABASE_URL",
                        "KYC_TEMPORAL_API_KEY",
                    ):
                        ref = env["valueFrom"]["secretKeyRef"]
                        assert ref["name"] == "kycflow-secrets" and "value" not in env
    assert seen > 60
    assert not by_kind(docs, "Secret")  # the chart never creates one


def test_workload_shape(manifests: tuple[str, list[dict[str, Any]]]) -> None:
    name, docs = manifests
    deployments = by_kind(docs, "Deployment")
    assert set(deployments) == {
        "kyc-kycflow-api",
        "kyc-kycflow-worker-kyc",
        "kyc-kycflow-worker-ml",
    }
    api = containers(deployments["kyc-kycflow-api"])[0]
    assert api["command"] == ["kyc", "api", "--no-migrate"]
    for pool, queues in (("kyc", "kyc"), ("ml", "kyc-ml")):
        worker = deployments[f"kyc-kycflow-worker-{pool}"]
        env = {e["name"]: e.get("value") for e in containers(worker)[0]["env"]}
        assert env["KYC_WORKER_QUEUES"] == queues
        grace = worker["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
        assert grace > float(env["KYC_WORKER_SHUTDOWN_GRACE_S"])
    jobs = by_kind(docs, "Job")
    migrate = jobs["kyc-kycflow-migrate"]
    assert containers(migrate)[0]["command"] == ["kyc", "migrate"]
    assert migrate["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    has_registration = "kyc-kycflow-search-attributes" in jobs
    assert has_registration == (name != "temporal-cloud")
    hpa, pdb = by_kind(docs, "HorizontalPodAutoscaler"), by_kind(docs, "PodDisruptionBudget")
    assert bool(hpa) == bool(pdb) == (name != "temporal-cloud")
    assert ("replicas" in deployments["kyc-kycflow-api"]["spec"]) == (not hpa)


def test_optional_objects(manifests: tuple[str, list[dict[str, Any]]]) -> None:
    name, docs = manifests
    scaled = by_kind(docs, "ScaledObject")
    if name != "everything-on":
        assert (
            not scaled
            and not by_kind(docs, "ServiceMonitor")
            and not by_kind(docs, "NetworkPolicy")
        )
        return
    assert set(scaled) == {"kyc-kycflow-worker-kyc", "kyc-kycflow-worker-ml"}
    trigger = scaled["kyc-kycflow-worker-ml"]["spec"]["triggers"][0]
    assert trigger["type"] == "temporal"
    assert trigger["metadata"]["taskQueue"] == "kyc-ml"
    assert trigger["authenticationRef"] == {"name": "temporal-cloud-api-key"}
    # KEDA owns the replica count.
    assert "replicas" not in by_kind(docs, "Deployment")["kyc-kycflow-worker-ml"]["spec"]
    (rule,) = by_kind(docs, "PrometheusRule").values()
    alerts = {r["alert"] for g in rule["spec"]["groups"] for r in g["rules"]}
    assert {"KycMlBacklog", "KycReviewQueueAging", "KycApiErrors"} <= alerts
    policies = by_kind(docs, "NetworkPolicy")
    assert len(policies) == 2
    api_sources = [rule["from"] for rule in policies["kyc-kycflow-api"]["spec"]["ingress"]]
    assert {"namespaceSelector": {"matchLabels": {"name": "ingress"}}} in api_sources[0]
    monitoring = {"kubernetes.io/metadata.name": "monitoring"}
    assert api_sources[1][0]["namespaceSelector"]["matchLabels"] == monitoring
    assert by_kind(docs, "ServiceMonitor")


def test_values_schema_refuses_bad_values() -> None:
    chart = helm.Chart.load(str(CHART))
    chart.validate_schema(SECRET)
    for bad in (
        {**SECRET, "temporal": {"address": "no-port", "namespace": "default"}},
        {**SECRET, "extraEnv": {"NOT_KYC": "1"}},
        {**SECRET, "secrets": {"KYC_MASTER_KEY": "literal"}},  # no inline secrets
    ):
        with pytest.raises(helm.HelmError):
            chart.validate_schema(bad)


def test_chart_refuses_a_grace_period_shorter_than_the_shutdown() -> None:
    values = {**SECRET, "worker": {"shutdownGraceSeconds": 120, "metricsPort": 9464}}
    with pytest.raises(helm.HelmError, match="terminationGracePeriodSeconds"):
        render(values)
    with pytest.raises(helm.HelmError, match="existingSecret"):
        render({})
