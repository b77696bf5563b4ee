"""One typed Settings per process, read from `KYC_*` environment variables.

`kyc dev` writes the generated values (keys, S3 credentials, master key) into the state dir;
`Settings.load()` reads them from there unless the environment sets them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from kyc.contracts import ML_TASK_QUEUE, TASK_QUEUE
from kyc.crypto import decode_key
from kyc.storage import ObjectStore, S3Config

# Values people paste while setting up; refused outside development (`check_secrets`).
PLACEHOLDER_SECRETS = {"", "change-me", "changeme", "placeholder", "secret", "todo", "xxx"}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KYC_", extra="ignore")

    # --- where things live ------------------------------------------------------------------
    # Everything `kyc dev` generates or stores: Temporal DB, S3 data, SQLite DB, keys.
    state_dir: Path = Path(".kyc")
    environment: Literal["development", "test", "production"] = "development"

    # --- Temporal -----------------------------------------------------------------------------
    # Address of a Temporal frontend; empty means `kyc dev` starts the embedded dev server.
    temporal_address: str = ""
    temporal_namespace: str = "default"
    temporal_port: int = 7233  # embedded dev server's gRPC port
    temporal_ui_port: int = 8233  # embedded dev server's Web UI port
    # Base URL of the Temporal Web UI, for links printed by the CLI and shown to reviewers.
    temporal_ui_url: str = ""
    task_queue: str = TASK_QUEUE  # orchestration and I/O activities
    ml_task_queue: str = ML_TASK_QUEUE  # OCR and face activities (CPU-bound)
    # Which queues this worker process polls: "kyc", "kyc-ml" or both (comma-separated), so
    # production can run separate pools for orchestration and ML.
    worker_queues: str = "kyc,kyc-ml"
    ml_activity_threads: int = 2  # concurrent ML activities per worker (one per core here)
    # Cores given to this worker's ML activities (0: all of the machine's). Every native thread
    # pool (onnxruntime, OpenCV, BLAS, torch) gets cores // ml_activity_threads threads, so
    # concurrent activities do not oversubscribe the cores (kyc/threads.py).
    ml_cores: int = Field(default=0, ge=0)

    # --- object storage (S3 API) --------------------------------------------------------------
    # S3 endpoint; empty means `kyc dev` starts the embedded SeaweedFS.
    s3_endpoint: str = ""
    s3_port: int = 8333  # embedded SeaweedFS S3 port
    # First of the embedded SeaweedFS's internal ports (master, filer, volume, admin = base..base+3,
    # their gRPC ports +10000); 0 keeps `weed mini`'s fixed defaults (9333, 8888, 9340, 23646).
    # Set it to run two stacks on one machine (tests do).
    s3_internal_port_base: int = 0
    s3_access_key: str = ""
    s3_secret_key: str = ""
    s3_bucket: str = "kycflow"
    s3_region: str = "us-east-1"

    # --- database -----------------------------------------------------------------------------
    # SQLAlchemy URL; empty means a SQLite file in the state dir.
    database_url: str = ""

    # --- API ----------------------------------------------------------------------------------
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    # uvicorn worker processes for `kyc api` / `kyc dev`; each has its own database pool and
    # Temporal connection. More than one lets reads use every core.
    api_workers: int = Field(default=1, ge=1, le=64)
    # Public base URL of the API, used for session `url`s and the codec endpoint.
    public_url: str = ""
    # Origins allowed to call the codec endpoint (the Temporal UI).
    codec_cors_origins: list[str] = Field(default_factory=list)

    # --- secrets ------------------------------------------------------------------------------
    # Base64 32-byte key that wraps every per-session data key (envelope encryption).
    master_key: str = ""
    # Earlier master keys, comma-separated: still read, never written (`kyc keys rotate` moves
    # the old key here; `kyc keys rewrap` reseals their data under the current one).
    retired_master_keys: str = ""
    # Base64 32-byte key of the Temporal payload codec.
    payload_key: str = ""
    # Operator token for the Temporal codec endpoint (the UI sends it as a bearer token).
    operator_token: str = ""

    # --- uploads ------------------------------------------------------------------------------
    max_upload_bytes: int = 10 * 1024 * 1024  # files over this are refused (413)
    max_image_pixels: int = 40_000_000  # decompression-bomb guard: width x height
    min_image_side: int = 320  # images smaller than this on their short side cannot be read
    # Capture-page prechecks (face detection in the API process) per session and minute: the
    # page checks a photo when it is taken, a few per minute; more is a loop or an attack.
    precheck_per_minute: int = Field(default=20, ge=1)

    # --- verification policy ------------------------------------------------------------------
    session_expires_after_s: int = 24 * 3600  # a session with no submission -> canceled/abandoned
    review_timeout_s: int = 72 * 3600  # a pending review with no decision -> default action
    review_escalation_fraction: float = 0.75  # escalation event at this fraction of the timeout
    review_default_action: Literal["reject", "approve", "request_resubmission"] = "reject"
    max_attempts: int = 3  # submissions per session before it is canceled
    minimum_age: int = 18
    # What to do when screening was asked for but no list has been imported.
    screening_not_run_action: Literal["review", "allow"] = "review"
    ocr_engine: Literal["rapidocr", "easyocr", "tesseract"] = "rapidocr"

    # Redact every session this many days after its final status (verified or canceled; the
    # last status change, so a screening alert's review restarts the clock); 0 keeps sessions
    # until the platform redacts them. The `kyc-retention` schedule runs it hourly.
    retention_days: int = Field(default=0, ge=0)

    # --- sanctions lists ----------------------------------------------------------------------
    # Official download URLs per list format for `kyc lists update` (JSON in the environment);
    # empty means the defaults in kyc/screening/sources.py.
    screening_list_urls: dict[str, list[str]] = Field(default_factory=dict)
    # Every this many seconds the `kyc-screening-monitor` schedule checks for a new snapshot and
    # re-screens verified identities against it (`kyc lists import` also triggers it at once).
    monitoring_interval_s: int = 900

    # --- webhooks -----------------------------------------------------------------------------
    webhook_timeout_s: float = 5.0
    # Admit http and loopback/private receivers (a local test endpoint). Refused in production
    # (`check_secrets`): the worker would POST events wherever a platform points it (SSRF).
    webhook_allow_local_receivers: bool = False
    webhook_max_endpoints: int = Field(default=16, ge=1)  # per platform, like Stripe

    # --- operations: metrics, logs, shutdown, versioning (deploy/, README "Production") --------
    # Worker /metrics port (Temporal SDK `temporal_*` series + business gauges on `kyc` workers);
    # 0 turns it off. On by default so `kyc dev` shows them; a port already taken (a second
    # stack on one machine) only logs a warning.
    worker_metrics_port: int = Field(default=9464, ge=0, le=65535)
    worker_metrics_host: str = "127.0.0.1"  # 0.0.0.0 in a pod, so Prometheus can scrape it
    api_metrics: bool = True  # `GET /metrics` on the API (latency and status by route)
    # "json": one object per line with request and session ids, never personal data.
    log_format: Literal["text", "json"] = "text"
    # SIGTERM lets running activities finish this long before they are cancelled: above the ML
    # activity p99 (a few seconds on 2 cores, DESIGN); the chart's terminationGracePeriodSeconds
    # is larger still.
    worker_shutdown_grace_s: float = Field(default=60.0, ge=0)
    # Temporal Cloud (or any TLS frontend): an API key, or client certificate and key files (mTLS).
    temporal_api_key: str = ""
    temporal_tls: bool = False  # TLS without a client certificate (implied by the two below)
    temporal_tls_cert_path: str = ""
    temporal_tls_key_path: str = ""
    # OpenTelemetry traces (API -> workflow -> activities) to this OTLP/HTTP endpoint, e.g.
    # http://otel-collector:4318/v1/traces; empty turns tracing off.
    otlp_traces_endpoint: str = ""

    # --- derived ------------------------------------------------------------------------------
    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.state_dir / 'kyc.db').resolve()}"

    @property
    def resolved_temporal_address(self) -> str:
        return self.temporal_address or f"127.0.0.1:{self.temporal_port}"

    @property
    def resolved_s3_endpoint(self) -> str:
        return self.s3_endpoint or f"http://127.0.0.1:{self.s3_port}"

    @property
    def resolved_public_url(self) -> str:
        return self.public_url or f"http://{self.api_host}:{self.api_port}"

    @property
    def resolved_temporal_ui_url(self) -> str:
        return self.temporal_ui_url or f"http://127.0.0.1:{self.temporal_ui_port}"

    @property
    def deepface_home(self) -> Path:
        return (self.state_dir / "deepface").resolve()

    def s3_config(self) -> S3Config:
        return S3Config(
            endpoint=self.resolved_s3_endpoint,
            access_key=self.s3_access_key,
            secret_key=self.s3_secret_key,
            bucket=self.s3_bucket,
            region=self.s3_region,
        )

    def object_store(self) -> ObjectStore:
        return ObjectStore(self.s3_config())

    @property
    def master_keys(self) -> list[str]:
        """The key ring: the current master key first, then the retired ones."""
        retired = [k.strip() for k in self.retired_master_keys.split(",") if k.strip()]
        return [self.master_key, *retired]

    def check_secrets(self) -> None:
        """Outside development, refuse a missing or placeholder master or payload key: an
        empty payload key would silently turn history encryption off. In production, refuse
        local webhook receivers too (the `test` environment's receivers are local by design)."""
        if self.environment == "production" and self.webhook_allow_local_receivers:
            raise ValueError(
                "KYC_WEBHOOK_ALLOW_LOCAL_RECEIVERS is refused in production: the worker would "
                "POST events to internal addresses (SSRF)"
            )
        if self.environment == "development":
            return
        for name in ("master_key", "payload_key"):
            value = getattr(self, name)
            if value.strip().lower() in PLACEHOLDER_SECRETS:
                raise ValueError(
                    f"KYC_{name.upper()} is missing or a placeholder ({self.environment})"
                )
            try:
                key = decode_key(value)
            except ValueError as exc:
                raise ValueError(f"KYC_{name.upper()} is not a base64 32-byte key") from exc
            if len(set(key)) < 8:
                raise ValueError(f"KYC_{name.upper()} looks like a placeholder, not a random key")

    @classmethod
    def load(cls, state_dir: Path | None = None) -> Settings:
        """Settings from the environment, completed by the generated secrets in the state dir."""
        base = cls() if state_dir is None else cls(state_dir=state_dir)
        generated = base.state_dir / "secrets.json"
        if not generated.exists():
            return base
        values = json.loads(generated.read_text())
        # The environment wins over generated values.
        overrides = {
            k: v
            for k, v in values.items()
            if f"KYC_{k.upper()}" not in os.environ and k in cls.model_fields
        }
        return base.model_copy(update=overrides)
