"""`kyc dev` as a process: starts, prints URLs and keys once, stops every child on Ctrl-C,
resumes with its state, and stops everything when a child dies."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kyc.dev import components

FAKES = Path(__file__).resolve().parent / "fake_components.py"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    values = dict(os.environ)
    for key in [k for k in values if k.startswith("KYC_")]:
        del values[key]
    s = components.isolated_settings(tmp_path / "state")
    values.update(
        KYC_STATE_DIR=str(s.state_dir),
        KYC_API_PORT=str(s.api_port),
        KYC_TEMPORAL_PORT=str(s.temporal_port),
        KYC_TEMPORAL_UI_PORT=str(s.temporal_ui_port),
        KYC_S3_PORT=str(s.s3_port),
        KYC_S3_INTERNAL_PORT_BASE=str(s.s3_internal_port_base),
    )
    return values


def start_dev(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(FAKES), "dev"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def read_until(proc: subprocess.Popen[str], marker: str, timeout: float = 60) -> str:
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if marker in line:
            return "".join(lines)
    proc.kill()
    raise AssertionError(f"{marker!r} never printed:\n{''.join(lines)}")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it has stopped all the same.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


@pytest.mark.slow
def test_ctrl_c_stops_every_child_and_a_restart_resumes(env: dict[str, str]) -> None:
    state = Path(env["KYC_STATE_DIR"])
    dev = start_dev(env)
    out = read_until(dev, "Ctrl-C stops everything")
    assert f"API           http://127.0.0.1:{env['KYC_API_PORT']}" in out
    assert f"OpenAPI docs  http://127.0.0.1:{env['KYC_API_PORT']}/docs" in out
    assert f"Temporal UI   http://127.0.0.1:{env['KYC_TEMPORAL_UI_PORT']}" in out
    keys = json.loads((state / "dev-keys.json").read_text())
    assert keys["secret_key"] in out and keys["reviewer_key"] in out
    children = json.loads((state / "stack.json").read_text())["children"]
    assert set(children) == {"temporal", "seaweedfs", "api", "worker"}

    dev.send_signal(signal.SIGINT)
    rest = dev.communicate(timeout=60)[0]
    assert dev.returncode == 0, rest
    assert rest.index("api stopped") < rest.index("temporal stopped")
    assert rest.index("worker stopped") < rest.index("seaweedfs stopped")
    assert not any(alive(pid) for pid in children.values())
    assert not (state / "stack.json").exists()

    again = start_dev(env)
    out = read_until(again, "Ctrl-C stops everything")
    assert keys["secret_key"] not in out  # printed on the first start only
    assert json.loads((state / "dev-keys.json").read_text()) == keys
    again.send_signal(signal.SIGTERM)
    again.communicate(timeout=60)
    assert again.returncode == 0


@pytest.mark.slow
def test_a_child_dying_stops_the_others_and_shows_its_log(env: dict[str, str]) -> None:
    state = Path(env["KYC_STATE_DIR"])
    dev = start_dev(env)
    read_until(dev, "Ctrl-C stops everything")
    children = json.loads((state / "stack.json").read_text())["children"]
    os.killpg(children["api"], signal.SIGKILL)
    rest = dev.communicate(timeout=60)[0]
    assert dev.returncode == 1
    assert "api exited unexpectedly" in rest
    assert str(state / "logs" / "api.log") in rest
    assert not any(alive(pid) for pid in children.values())


@pytest.mark.slow
def test_children_of_a_killed_dev_are_stopped_by_the_next_start(env: dict[str, str]) -> None:
    state = Path(env["KYC_STATE_DIR"])
    dev = start_dev(env)
    read_until(dev, "Ctrl-C stops everything")
    children = json.loads((state / "stack.json").read_text())["children"]
    second = start_dev(env)
    out = second.communicate(timeout=30)[0]
    assert second.returncode == 1
    assert "already running" in out and str(dev.pid) in out

    dev.kill()  # SIGKILL: no chance to stop its children
    dev.wait(10)
    assert all(alive(pid) for pid in children.values())
    again = start_dev(env)
    out = read_until(again, "Ctrl-C stops everything")
    assert "left running by a `kyc dev` that was killed" in out
    assert not any(alive(pid) for pid in children.values())
    again.send_signal(signal.SIGINT)
    again.communicate(timeout=60)
    assert again.returncode == 0
