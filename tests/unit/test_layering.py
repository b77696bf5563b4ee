"""DESIGN §2's import direction, checked in a clean interpreter (test order cannot hide it):
`kyc` never imports `api`, `worker`, `workflows` or `activities`; `workflows` imports no engine;
`activities` never imports `workflows` or `api`; `api` never imports `activities` or `worker`."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import importlib, json, pkgutil, sys
import {package}
names = [m.name for m in pkgutil.walk_packages({package}.__path__, "{package}.")
         if ".migrations" not in m.name]
for name in names:
    importlib.import_module(name)
print(json.dumps(sorted({{m.split(".")[0] for m in sys.modules}})))
"""


def imported_roots(package: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(package=package)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_kyc_imports_no_outer_layer() -> None:
    assert imported_roots("kyc") & {"api", "worker", "workflows", "activities"} == set()


def test_workflows_import_no_engine_or_io_library() -> None:
    forbidden = {"numpy", "cv2", "minio", "sqlmodel", "sqlalchemy", "torch", "deepface", "api"}
    assert imported_roots("workflows") & forbidden == set()


def test_activities_import_no_workflow_or_api() -> None:
    assert imported_roots("activities") & {"workflows", "api", "worker"} == set()


def test_api_imports_no_activity_or_worker() -> None:
    assert imported_roots("api") & {"activities", "worker"} == set()
