"""The embedded stack of `kyc dev`: Temporal dev server, SeaweedFS, SQLite, the API and a worker.

Every component comes from an installed package (no Docker, no network). A component whose URL
is set in the settings (`KYC_TEMPORAL_ADDRESS`, `KYC_S3_ENDPOINT`, `KYC_DATABASE_URL`) is used
instead of being started. The API and the worker are launched as `python -m ...` child
processes, never imported: `kyc/` does not import `api` or `worker` (DESIGN §2).

The pieces live beside this supervisor: kyc.dev.components (secrets, command lines, health
checks, bootstrap) and kyc.dev.procs (child processes, ports, binaries).
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from kyc.dev.components import (
    DEV_KEYS_FILE,
    SECRETS_FILE,
    STACK_FILE,
    api_command,
    child_env,
    ensure_secrets,
    http_ok,
    queue_polled,
    read_stack,
    reap_orphans,
    seaweed_command,
    seaweed_identities,
    temporal_command,
    temporal_serving,
    weed_port_list,
    worker_command,
    write_private,
)
from kyc.dev.keys import DevKeys, bootstrap
from kyc.dev.procs import ChildProcess, DevStackError, check_ports, find_binary, wait_until
from kyc.settings import Settings

Say = Callable[[str], None]


def say_line(message: str) -> None:
    print(message, flush=True)


# --- the supervisor ------------------------------------------------------------------------------


@dataclass
class DevStack:
    """Starts the components in order, health-checks each, and stops them in reverse."""

    settings: Settings
    say: Say = say_line
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
            internal = weed_port_list(s)
            hint = (
                f"SeaweedFS (`weed mini`) opens ports {', '.join(map(str, internal))}: is "
                "another `kyc dev` or SeaweedFS running? (`pgrep -a weed`); move them with "
                "KYC_S3_INTERNAL_PORT_BASE, or point KYC_S3_ENDPOINT at an S3 service"
            )
            ports += [(p, hint) for p in internal]
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
                f"  secret key    {self.keys.secret_key}   (test mode)",
                f"  reviewer key  {self.keys.reviewer_key}   (test mode)",
            ]
        if self.keys is not None and self.keys.live_created and not self.keys.created:
            lines += [
                "",
                "New live-mode keys of the dev platform (shown once; also kept in "
                f"{self.state_dir / DEV_KEYS_FILE}):",
            ]
        if self.keys is not None and (self.keys.created or self.keys.live_created):
            lines += [
                f"  secret key    {self.keys.live_secret_key}   (live mode)",
                f"  reviewer key  {self.keys.live_reviewer_key}   (live mode)",
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
            was_running = child.alive()
            took = child.stop()
            if was_running:
                self.say(f"  {name} stopped in {took:.1f} s")
        if self.children:  # only the instance that wrote stack.json removes it
            (self.state_dir / STACK_FILE).unlink(missing_ok=True)
        self.children.clear()


def _moved_by(what: str, flag: str) -> str:
    env = "KYC_" + flag.upper().replace("-", "_")
    return f"{what}; choose another with --{flag} or {env}"


class _Stop(Exception):
    """Raised from the signal handler to unwind startup or the monitor loop."""


def run(settings: Settings, say: Say = say_line) -> int:
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
