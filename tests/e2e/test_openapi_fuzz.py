"""schemathesis over the committed OpenAPI document against the real stack: no 5xx, every status,
content type, header and body as documented, refusals of schema-invalid input, auth enforced.

Not checked: `positive_data_acceptance` — a schema-valid request may still be refused for what a
schema cannot say (an image too small to read, a submission before any upload, a `null` that
Stripe's form encoding cannot carry); those refusals are 4xx error objects, checked as such.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import Stack

pytestmark = pytest.mark.e2e
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"


def test_fuzzing_every_operation_finds_nothing(stack: Stack, tmp_path: Path) -> None:
    api = stack.dev.settings.resolved_public_url
    token = stack.client.http.headers["Authorization"]
    run = subprocess.run(
        [
            str(SCHEMATHESIS), "run", f"{api}/openapi.json",
            "--header", f"Authorization: {token}",
            "--checks", "all", "--exclude-checks", "positive_data_acceptance",
            "--max-examples", "8", "--generation-deterministic",
            "--phases", "examples,coverage,fuzzing",
            "--report", "junit", "--report-dir", str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip
    summary = run.stdout[-6000:]
    assert run.returncode == 0, summary
    assert "passed" in summary
