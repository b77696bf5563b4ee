"""What each component of the embedded stack needs: generated secrets, command lines, the
environment of the children and health checks (used by kyc.dev.stack; the dev platform's
keys are kyc.dev.keys').

State dir layout: `secrets.json` (generated keys, read by `Settings.load()`), `dev-keys.json`
(the dev platform's raw API keys, for `kyc demo`), `stack.json` (URLs and pids of the running
stack), `temporal.db`, `s3/`, `kyc.db`, `logs/<component>.log`.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kyc.contracts import SEARCH_ATTRIBUTES
from kyc.crypto import generate_key
from kyc.settings import Settings

SECRETS_FILE = "secrets.json"
DEV_KEYS_FILE = "dev-keys.json"
STACK_FILE = "stack.json"

# Dynamic config of the dev server (DESIGN §3: without it each task dispatch waits ~50 ms).
TEMPORAL_DYNAMIC_CONFIG = {
    "history.transferProcessorMaxPollRPS": "1000",
    "history.timerProcessorMaxPollRPS": "1000",
    "history.visibilityProcessorMaxPollRPS": "1000",
}
# Ports `weed mini` opens whatever we pass (master, filer, volume and their gRPC twins, admin).
WEED_FIXED_PORTS = (9333, 19333, 8888, 18888, 9340, 19340, 23646, 33646)
WEED_GRPC_OFFSET = 10000  # weed's convention; its plugin worker dials admin + 10000 regardless


def weed_ports(settings: Settings) -> dict[str, int]:
    """HTTP ports of weed's internal servers: its defaults, or from `s3_internal_port_base`."""
    base = settings.s3_internal_port_base
    if not base:
        return {"master": 9333, "filer": 8888, "volume": 9340, "admin": 23646}
    return {"master": base, "filer": base + 1, "volume": base + 2, "admin": base + 3}


def free_port() -> int:
    """A TCP port nothing listens on now (the OS picks it)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def isolated_settings(state_dir: Path, attempts: int = 200) -> Settings:
    """Settings for a stack that shares no port with any other (tests, benchmarks)."""
    import random

    from kyc.dev.procs import port_in_use

    for _ in range(attempts):
        base = random.randrange(20000, 29990, 4)
        ports = [p + offset for p in range(base, base + 4) for offset in (0, WEED_GRPC_OFFSET)]
        if not any(port_in_use("127.0.0.1", p) for p in ports):
            return Settings(
                state_dir=state_dir,
                temporal_port=free_port(),
                temporal_ui_port=free_port(),
                s3_port=free_port(),
                api_port=free_port(),
                s3_internal_port_base=base,
            )
    raise RuntimeError("no free block of ports for SeaweedFS's internal servers")


def weed_port_list(settings: Settings) -> list[int]:
    """Every internal port `weed mini` opens (HTTP and gRPC), besides the S3 port."""
    http = list(weed_ports(settings).values())
    return sorted(http + [p + WEED_GRPC_OFFSET for p in http])


# --- generated secrets ---------------------------------------------------------------------------


def write_private(path: Path, data: Any) -> None:
    """Write JSON readable by the owner only (created 0600, never world-readable in between)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(data, out, indent=2)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def ensure_secrets(state_dir: Path) -> tuple[dict[str, str], list[str]]:
    """`<state>/secrets.json` with every generated secret; returns it and the names just created.

    Existing values are kept: regenerating the master or payload key would make stored data and
    workflow histories unreadable.
    """
    path = state_dir / SECRETS_FILE
    values: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    generators: dict[str, Callable[[], str]] = {
        "s3_access_key": lambda: "kyc" + secrets.token_hex(8),
        "s3_secret_key": lambda: secrets.token_urlsafe(30),
        "master_key": generate_key,
        "payload_key": generate_key,
        "operator_token": lambda: "op_" + secrets.token_urlsafe(32),
    }
    created = [name for name in generators if not values.get(name)]
    for name in created:
        values[name] = generators[name]()
    if created or not path.exists():
        write_private(path, values)
    return values, created


# --- command lines -------------------------------------------------------------------------------


def temporal_command(settings: Settings, binary: str) -> list[str]:
    """`temporal server start-dev` on loopback, SQLite+WAL in the state dir, codec via the API."""
    state = settings.state_dir.resolve()
    argv = [
        binary, "server", "start-dev",
        "--ip", "127.0.0.1",
        "--port", str(settings.temporal_port),
        "--ui-port", str(settings.temporal_ui_port),
        "--db-filename", str(state / "temporal.db"),
        "--sqlite-pragma", "journal_mode=wal",
        "--sqlite-pragma", "synchronous=normal",
        "--namespace", settings.temporal_namespace,
        # The dev UI cannot send a bearer token: the operator token is the path's last segment.
        "--ui-codec-endpoint", f"{settings.resolved_public_url}/codec/{settings.operator_token}",
        "--ui-disable-news-fetch",
        "--log-level", "warn",
    ]  # fmt: skip
    for name, kind in SEARCH_ATTRIBUTES.items():
        argv += ["--search-attribute", f"{name}={kind}"]
    for key, value in TEMPORAL_DYNAMIC_CONFIG.items():
        argv += ["--dynamic-config-value", f"{key}={value}"]
    return argv


def seaweed_identities(access_key: str, secret_key: str) -> dict[str, Any]:
    """The `-s3.config` document: one identity, with our generated credentials."""
    return {
        "identities": [
            {
                "name": "kycflow",
                "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"],
            }
        ]
    }


def seaweed_command(settings: Settings, binary: str, s3_config: Path) -> list[str]:
    """`weed mini` bound to loopback (else it binds 0.0.0.0 and advertises 192.0.2.2)."""
    state = settings.state_dir.resolve()
    return [
        binary, "mini",
        f"-dir={state / 's3'}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-s3.port={settings.s3_port}",
        f"-s3.config={s3_config}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        "-admin.ui=false",
        "-webdav=false",
        "-master.telemetry=false",
    ] + [
        flag
        for name, port in weed_ports(settings).items()
        for flag in (f"-{name}.port={port}", f"-{name}.port.grpc={port + WEED_GRPC_OFFSET}")
    ]  # fmt: skip


def api_command(settings: Settings) -> list[str]:
    return [
        sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory",
        "--host", settings.api_host,
        "--port", str(settings.api_port),
        "--workers", str(settings.api_workers),
        "--no-access-log",
    ]  # fmt: skip


def worker_command() -> list[str]:
    return [sys.executable, "-m", "worker"]


def child_env(settings: Settings) -> dict[str, str]:
    """Settings for the API and worker: resolved URLs, so every process sees the same stack."""
    env = dict(os.environ)
    env.update(
        {
            "KYC_STATE_DIR": str(settings.state_dir.resolve()),
            "KYC_ENVIRONMENT": settings.environment,
            "KYC_TEMPORAL_ADDRESS": settings.resolved_temporal_address,
            "KYC_TEMPORAL_NAMESPACE": settings.temporal_namespace,
            "KYC_TEMPORAL_UI_URL": settings.resolved_temporal_ui_url,
            "KYC_S3_ENDPOINT": settings.resolved_s3_endpoint,
            "KYC_DATABASE_URL": settings.resolved_database_url,
            "KYC_API_HOST": settings.api_host,
            "KYC_API_PORT": str(settings.api_port),
            "KYC_PUBLIC_URL": settings.resolved_public_url,
            # The Temporal UI's browser calls the codec endpoint.
            "KYC_CODEC_CORS_ORIGINS": json.dumps(
                settings.codec_cors_origins
                or [
                    f"http://127.0.0.1:{settings.temporal_ui_port}",
                    f"http://localhost:{settings.temporal_ui_port}",
                ]
            ),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


# --- health checks -------------------------------------------------------------------------------


def temporal_serving(temporal_bin: str, address: str) -> bool:
    """`temporal operator cluster health` says SERVING (the UI answers before gRPC is ready)."""
    out = subprocess.run(
        [temporal_bin, "operator", "cluster", "health", "--address", address],
        capture_output=True,
        text=True,
        timeout=10,
    )
    return out.returncode == 0 and "SERVING" in out.stdout


def _parse_time(value: str) -> datetime:
    # RFC 3339 with nanoseconds: keep microseconds for fromisoformat.
    head, _, frac = value.rstrip("Z").partition(".")
    stamp = datetime.fromisoformat(head + ("." + frac[:6] if frac else ""))
    return stamp.replace(tzinfo=UTC)


def pollers_since(describe_json: dict[str, Any], since: datetime) -> int:
    """Pollers of a `temporal task-queue describe -o json` answer seen at or after `since`.

    Pollers of a previous run stay listed for a minute, so only fresh ones count.
    """
    return sum(
        1
        for p in describe_json.get("pollers") or []
        if p.get("lastAccessTime") and _parse_time(p["lastAccessTime"]) >= since
    )


def queue_polled(
    temporal_bin: str, address: str, namespace: str, queue: str, since: datetime
) -> bool:
    out = subprocess.run(
        [
            temporal_bin, "task-queue", "describe", "--task-queue", queue,
            "--address", address, "--namespace", namespace, "-o", "json",
        ],
        capture_output=True,
        text=True,
        timeout=10,
    )  # fmt: skip
    return out.returncode == 0 and pollers_since(json.loads(out.stdout), since) > 0


def http_ok(url: str) -> bool:
    with urllib.request.urlopen(url, timeout=2) as response:
        return bool(200 <= response.status < 300)


def read_stack(state_dir: Path) -> dict[str, Any] | None:
    """What `kyc dev` wrote about the running stack, or None when none is running there."""
    path = state_dir / STACK_FILE
    if not path.exists():
        return None
    info: dict[str, Any] = json.loads(path.read_text())
    pid = info.get("pid")
    if isinstance(pid, int):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
    return info


def _belongs_to(pid: int, state_dir: Path) -> bool:
    """Whether a live process was started for this state dir (so a recycled pid is spared)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        environ = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return False
    marker = str(state_dir).encode()
    return marker in cmdline or f"KYC_STATE_DIR={state_dir}".encode() in environ.split(b"\0")


def reap_orphans(state_dir: Path) -> list[str]:
    """Stop the children of a `kyc dev` that died without stopping them (SIGKILL, crash)."""
    path = state_dir / STACK_FILE
    if not path.exists():
        return []
    info = json.loads(path.read_text())
    reaped = []
    for name, pid in (info.get("children") or {}).items():
        if isinstance(pid, int) and _belongs_to(pid, state_dir):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGTERM)
                for _ in range(50):
                    time.sleep(0.1)
                    os.kill(pid, 0)
                    if Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z":
                        break
                else:
                    os.killpg(pid, signal.SIGKILL)
            reaped.append(name)
    path.unlink(missing_ok=True)
    return reaped
