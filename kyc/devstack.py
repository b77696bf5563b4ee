"""The embedded stack of `kyc dev`: Temporal dev server, SeaweedFS, SQLite, the API and a worker.

Every component comes from an installed package (no Docker, no network). A component whose URL
is set in the settings (`KYC_TEMPORAL_ADDRESS`, `KYC_S3_ENDPOINT`, `KYC_DATABASE_URL`) is used
instead of being started. The API and the worker are launched as `python -m ...` child
processes, never imported: `kyc/` does not import `api` or `worker` (DESIGN §2).

State dir layout: `secrets.json` (generated keys, read by `Settings.load()`), `dev-keys.json`
(the dev platform's raw API keys, for `kyc demo`), `stack.json` (URLs of the running stack),
`temporal.db`, `s3/`, `kyc.db`, `logs/<component>.log`.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kyc.crypto import generate_key
from kyc.devstack_procs import ChildProcess, DevStackError, check_ports, find_binary, wait_until
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
SEARCH_ATTRIBUTES = {"KycStatus": "Keyword", "KycNeedsReview": "Bool"}
# Ports `weed mini` opens whatever we pass (master, filer, volume and their gRPC twins, admin).
WEED_FIXED_PORTS = (9333, 19333, 8888, 18888, 9340, 19340, 23646, 33646)

Say = Callable[[str], None]


def _say(message: str) -> None:
    print(message, flush=True)


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
        "--ui-codec-endpoint", f"{settings.resolved_public_url}/codec",
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
    ]  # fmt: skip


def api_command(settings: Settings) -> list[str]:
    return [
        sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory",
        "--host", settings.api_host,
        "--port", str(settings.api_port),
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


# --- database and dev platform -------------------------------------------------------------------


@dataclass
class DevKeys:
    platform_id: str
    secret_key: str
    reviewer_key: str
    created: bool = False  # True on the start that made them (they are printed once)


def bootstrap(settings: Settings) -> DevKeys:
    """Migrate the database, and create the dev platform and its keys unless they still work."""
    from kyc.db.engine import make_engine, session_scope
    from kyc.db.migrate import upgrade
    from kyc.db.platforms import create_platform, find_key, issue_key

    url = settings.resolved_database_url
    upgrade(url)
    path = settings.state_dir / DEV_KEYS_FILE
    engine = make_engine(url)
    try:
        if path.exists():
            saved = json.loads(path.read_text())
            with session_scope(engine) as db:
                if find_key(db, saved["secret_key"]) and find_key(db, saved["reviewer_key"]):
                    return DevKeys(saved["platform_id"], saved["secret_key"], saved["reviewer_key"])
        with session_scope(engine) as db:
            platform = create_platform(db, "dev platform")
            secret = issue_key(db, platform.id, "secret")
            reviewer = issue_key(db, platform.id, "reviewer", reviewer_name="dev reviewer")
        keys = DevKeys(platform.id, secret.secret, reviewer.secret, created=True)
        write_private(
            path,
            {
                "platform_id": keys.platform_id,
                "secret_key": keys.secret_key,
                "reviewer_key": keys.reviewer_key,
            },
        )
        return keys
    finally:
        engine.dispose()


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


# --- the supervisor ------------------------------------------------------------------------------


@dataclass
class DevStack:
    """Starts the components in order, health-checks each, and stops them in reverse."""

    settings: Settings
    say: Say = _say
    with_api: bool = True
    with_worker: bool = True
    startup_timeout: float = 60.0
    worker_timeout: float = 300.0  # the worker loads OCR and face models before polling
    children: dict[str, ChildProcess] = field(default_factory=dict)
    keys: DevKeys | None = None
    timings: dict[str, float] = field(default_factory=dict)
    ready: bool = False  # every component answered its health check

    @property
    def state_dir(self) -> Path:
        return self.settings.state_dir.resolve()

    def _log(self, name: str) -> Path:
        return self.state_dir / "logs" / f"{name}.log"

    def _timed(self, name: str, seconds: float) -> None:
        self.timings[name] = seconds
        self.say(f"  {name} ready in {seconds:.1f} s")

    # -- start ---------------------------------------------------------------------------------

    def prepare(self) -> None:
        """State dir and secrets; reloads settings so they include the generated values."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.state_dir, 0o700)
        running = read_stack(self.state_dir)
        if running is not None:
            raise DevStackError(
                f"`kyc dev` is already running for {self.state_dir} (pid {running['pid']}); "
                "stop it first, or use another --state-dir"
            )
        reaped = reap_orphans(self.state_dir)
        if reaped:
            self.say(f"stopped {', '.join(reaped)} left running by a `kyc dev` that was killed")
        _, created = ensure_secrets(self.state_dir)
        if created:
            self.say(f"generated {', '.join(created)} in {self.state_dir / SECRETS_FILE}")
        self.settings = self._reload()

    def _reload(self) -> Settings:
        # Keep explicit values (ports, URLs) and add what secrets.json holds, env still winning.
        generated = json.loads((self.state_dir / SECRETS_FILE).read_text())
        updates = {
            k: v
            for k, v in generated.items()
            if f"KYC_{k.upper()}" not in os.environ and k in Settings.model_fields
        }
        return self.settings.model_copy(update={**updates, "state_dir": self.state_dir})

    def check_ports(self) -> None:
        s = self.settings
        ports: list[tuple[int, str]] = []
        if not s.temporal_address:
            ports += [
                (s.temporal_port, _moved_by("Temporal gRPC", "temporal-port")),
                (s.temporal_ui_port, _moved_by("Temporal UI", "temporal-ui-port")),
            ]
        if not s.s3_endpoint:
            ports.append((s.s3_port, _moved_by("SeaweedFS S3", "s3-port")))
            hint = (
                "SeaweedFS (`weed mini`) always opens ports "
                f"{', '.join(map(str, WEED_FIXED_PORTS))}: is another `kyc dev` or SeaweedFS "
                "running? (`pgrep -a weed`); or point KYC_S3_ENDPOINT at an S3 service"
            )
            ports += [(p, hint) for p in WEED_FIXED_PORTS]
        if self.with_api:
            ports.append((s.api_port, _moved_by("the API", "api-port")))
        check_ports("127.0.0.1", ports)

    def _start(self, child: ChildProcess) -> ChildProcess:
        self.children[child.name] = child
        child.start()
        # Recorded at once, so a `kyc dev` killed during startup leaves no untracked children.
        self.write_stack_file(ready=self.ready)
        return child

    def start_infrastructure(self) -> None:
        """Temporal and SeaweedFS (both launched, then awaited), then the database."""
        s = self.settings
        temporal_bin = find_binary("temporal")
        temporal: ChildProcess | None = None
        seaweed: ChildProcess | None = None
        began = time.monotonic()
        if not s.temporal_address:
            self.say(f"starting Temporal dev server on 127.0.0.1:{s.temporal_port} ...")
            temporal = self._start(
                ChildProcess(
                    "temporal",
                    temporal_command(s, temporal_bin),
                    self._log("temporal"),
                    stop_signal=signal.SIGINT,
                )
            )
        else:
            self.say(f"using Temporal at {s.temporal_address} (KYC_TEMPORAL_ADDRESS)")
        if not s.s3_endpoint:
            weed_bin = find_binary("weed")
            s3_config = self.state_dir / "s3-identities.json"
            write_private(s3_config, seaweed_identities(s.s3_access_key, s.s3_secret_key))
            (self.state_dir / "s3").mkdir(exist_ok=True)
            self.say(f"starting SeaweedFS (S3 on 127.0.0.1:{s.s3_port}) ...")
            seaweed = self._start(
                ChildProcess(
                    "seaweedfs",
                    seaweed_command(s, weed_bin, s3_config),
                    self._log("seaweedfs"),
                    stop_signal=signal.SIGTERM,
                )
            )
        else:
            self.say(f"using S3 at {s.s3_endpoint} (KYC_S3_ENDPOINT)")
        # Migrations need neither, so they run while the servers boot. (The URL is not printed:
        # it may hold a password.)
        where = "KYC_DATABASE_URL" if s.database_url else "SQLite in the state dir"
        self.say(f"migrating the database ({where}) ...")
        t0 = time.monotonic()
        self.keys = bootstrap(s)
        self._timed("database", time.monotonic() - t0)

        address = s.resolved_temporal_address
        wait_until(
            temporal,
            lambda: temporal_serving(temporal_bin, address),
            self.startup_timeout,
            f"Temporal at {address}",
        )
        self._timed("Temporal", time.monotonic() - began)

        store = s.object_store()

        def bucket_ready() -> bool:
            # The filer answers before the volume server has registered: only a write and a
            # read back prove that objects can be stored and read.
            store.ensure_bucket()
            store.put("_health/probe", b"ok")
            return store.get("_health/probe") == b"ok"

        wait_until(seaweed, bucket_ready, self.startup_timeout, f"S3 at {s.resolved_s3_endpoint}")
        self._timed("object storage", time.monotonic() - began)

    def start_app(self) -> None:
        """The API and the worker, each in its own process, then their health checks."""
        s = self.settings
        env = child_env(s)
        api = worker = None
        since = datetime.now(UTC)
        began = time.monotonic()
        if self.with_worker:
            self.say(f"starting worker (task queues {s.task_queue}, {s.ml_task_queue}) ...")
            worker = self._start(
                ChildProcess(
                    "worker", worker_command(), self._log("worker"), env, stop_signal=signal.SIGINT
                )
            )
        if self.with_api:
            self.say(f"starting API on {s.api_host}:{s.api_port} ...")
            api = self._start(ChildProcess("api", api_command(s), self._log("api"), env))
            host = "127.0.0.1" if s.api_host in ("0.0.0.0", "") else s.api_host
            url = f"http://{host}:{s.api_port}/readyz"  # the process itself, not a proxy
            wait_until(api, lambda: http_ok(url), self.startup_timeout, "API")
            self._timed("API", time.monotonic() - began)
        if worker is not None:
            self._wait_polling(worker, since)
            self._timed("worker", time.monotonic() - began)

    def start(self) -> None:
        self.prepare()
        self.check_ports()
        self.start_infrastructure()
        self.start_app()
        self.ready = True
        self.write_stack_file(ready=True)

    def write_stack_file(self, ready: bool) -> None:
        s = self.settings
        write_private(
            self.state_dir / STACK_FILE,
            {
                "pid": os.getpid(),
                "ready": ready,
                "api_url": s.resolved_public_url,
                "temporal_address": s.resolved_temporal_address,
                "temporal_ui_url": s.resolved_temporal_ui_url,
                "s3_endpoint": s.resolved_s3_endpoint,
                "children": {name: c.pid for name, c in self.children.items()},
            },
        )

    # -- run and stop --------------------------------------------------------------------------

    def banner(self) -> str:
        s = self.settings
        api = s.resolved_public_url
        lines = [
            "",
            "kycflow is running",
            f"  API           {api}",
            f"  OpenAPI docs  {api}/docs",
            f"  Temporal UI   {s.resolved_temporal_ui_url}",
            f"  state dir     {self.state_dir}",
            f"  logs          {self.state_dir / 'logs'}",
        ]
        if self.keys is not None and self.keys.created:
            lines += [
                "",
                "New dev platform (shown once; also kept in "
                f"{self.state_dir / DEV_KEYS_FILE}, mode 0600):",
                f"  secret key    {self.keys.secret_key}",
                f"  reviewer key  {self.keys.reviewer_key}",
            ]
        lines += ["", "Try `kyc demo` in another terminal. Ctrl-C stops everything."]
        return "\n".join(lines)

    def restart_worker(self, kill: bool = True) -> float:
        """Stop the worker (SIGKILL when `kill`: a crash), start a new one and wait until it
        polls both queues again; returns the seconds until it polls."""
        old = self.children["worker"]
        if kill:
            old.kill()
        else:
            old.stop()
        since = datetime.now(UTC)
        began = time.monotonic()
        worker = self._start(
            ChildProcess(
                "worker", old.argv, old.log_path, old.env, stop_signal=signal.SIGINT, nice=old.nice
            )
        )
        self._wait_polling(worker, since)
        self.write_stack_file(ready=self.ready)
        return time.monotonic() - began

    def _wait_polling(self, worker: ChildProcess, since: datetime) -> None:
        s = self.settings
        temporal_bin = find_binary("temporal")
        address, ns = s.resolved_temporal_address, s.temporal_namespace
        for queue in (s.task_queue, s.ml_task_queue):
            wait_until(
                worker,
                lambda q=queue: queue_polled(temporal_bin, address, ns, q, since),  # type: ignore[misc]
                self.worker_timeout,
                f"worker polling {queue}",
                interval=1.0,
            )

    def first_dead_child(self) -> ChildProcess | None:
        return next((c for c in self.children.values() if not c.alive()), None)

    def stop(self) -> None:
        """API and worker first (they use the others), then Temporal and SeaweedFS."""
        order = ["api", "worker", "temporal", "seaweedfs"]
        for name in sorted(self.children, key=lambda n: order.index(n) if n in order else -1):
            child = self.children[name]
            if child.alive():
                self.say(f"stopping {name} ...")
            child.stop()
        if self.children:  # only the instance that wrote stack.json removes it
            (self.state_dir / STACK_FILE).unlink(missing_ok=True)
        self.children.clear()


def _moved_by(what: str, flag: str) -> str:
    env = "KYC_" + flag.upper().replace("-", "_")
    return f"{what}; choose another with --{flag} or {env}"


@dataclass
class StackHandle:
    """A stack to run clients against (benchmarks, tests): URLs, keys, and who owns it."""

    settings: Settings
    api_url: str
    secret_key: str
    reviewer_key: str
    worker_pid: int | None
    owned: DevStack | None  # set when we started it (and so must stop it)


@contextmanager
def open_stack(
    state_dir: Path | None, *, with_worker: bool = True, say: Say = _say
) -> Iterator[StackHandle]:
    """The stack `kyc dev` runs in `state_dir` if there is one, else a new one in a temp dir."""
    info = read_stack(state_dir) if state_dir is not None else None
    if state_dir is not None and info is not None and info.get("ready"):
        keys = json.loads((state_dir / DEV_KEYS_FILE).read_text())
        say(f"using the running stack of {state_dir} ({info['api_url']})")
        yield StackHandle(
            Settings.load(state_dir),
            info["api_url"],
            keys["secret_key"],
            keys["reviewer_key"],
            info.get("children", {}).get("worker"),
            None,
        )
        return
    with tempfile.TemporaryDirectory(prefix="kyc-stack-") as tmp:
        stack = DevStack(Settings(state_dir=Path(tmp)), say=say, with_worker=with_worker)
        try:
            stack.start()
            assert stack.keys is not None
            worker = stack.children.get("worker")
            yield StackHandle(
                stack.settings,
                stack.settings.resolved_public_url,
                stack.keys.secret_key,
                stack.keys.reviewer_key,
                worker.pid if worker else None,
                stack,
            )
        finally:
            stack.stop()


class _Stop(Exception):
    """Raised from the signal handler to unwind startup or the monitor loop."""


def run(settings: Settings, say: Say = _say) -> int:
    """`kyc dev`: start everything, print the URLs, supervise until Ctrl-C or a child dies."""
    stack = DevStack(settings, say=say)

    def on_signal(signum: int, _frame: object) -> None:
        raise _Stop(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    code = 0
    try:
        started = time.monotonic()
        stack.start()
        say(f"  everything ready in {time.monotonic() - started:.1f} s")
        say(stack.banner())
        while True:
            dead = stack.first_dead_child()
            if dead is not None:
                say(
                    f"{dead.name} exited unexpectedly with code {dead.returncode}; "
                    f"last lines of {dead.log_path}:\n{dead.log_tail()}"
                )
                code = 1
                break
            time.sleep(0.5)
    except _Stop:
        say("\nshutting down ...")
    except DevStackError as exc:
        say(f"error: {exc}")
        code = 1
    finally:
        for sig in previous:
            signal.signal(sig, signal.SIG_IGN)
        stack.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if code == 0:
        say("stopped; state kept in " + str(stack.state_dir))
    return code
