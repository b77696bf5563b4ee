"""`kyc api` and `kyc worker` launch one component each, by exec (never by import)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from kyc.cli import build_parser
from kyc.dev.components import ensure_secrets

KYC = Path(sys.executable).parent / "kyc"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_kyc_command_has_the_stack_commands() -> None:
    parser = build_parser()
    for argv in (["dev", "--api-port", "9001"], ["api"], ["worker", "--queues", "kyc"], ["demo"]):
        args = parser.parse_args(argv)
        assert callable(args.func), argv
    assert parser.parse_args(["dev", "--s3-port", "9444"]).s3_port == 9444


def test_kyc_api_migrates_then_serves(tmp_path: Path) -> None:
    ensure_secrets(tmp_path)  # the API refuses to start without a master key
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KYC_")}
    env["KYC_STATE_DIR"] = str(tmp_path)
    proc = subprocess.Popen(
        [str(KYC), "api", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        body = b""
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    body = r.read()
                    break
            except OSError:
                time.sleep(0.3)
        assert b'"ok"' in body
        assert (tmp_path / "kyc.db").exists()  # migrations ran before uvicorn
        # exec: the `kyc` process itself became uvicorn (same pid).
        cmdline = Path(f"/proc/{proc.pid}/cmdline").read_bytes().split(b"\0")
        assert b"uvicorn" in cmdline and b"api.app:create_app" in cmdline
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(20)
    # uvicorn shuts down gracefully, then re-raises the signal it caught.
    assert proc.returncode in (0, -signal.SIGTERM)
