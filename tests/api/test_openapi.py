"""The OpenAPI document describes every /v1 operation (request and response) and the committed
openapi.json is the app's own (regenerate: `python -m api.openapi > openapi.json`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from api.app import create_app
from kyc.crypto import generate_key
from kyc.settings import Settings

COMMITTED = Path(__file__).resolve().parents[2] / "openapi.json"


def document(tmp_path: Path) -> dict[str, Any]:
    settings = Settings(master_key=generate_key(), database_url=f"sqlite:///{tmp_path}/x.db")
    schema: dict[str, Any] = create_app(settings).openapi()
    return schema


def test_committed_document_is_current(tmp_path: Path) -> None:
    # Through JSON, as the file holds it (tuples become lists).
    assert json.loads(json.dumps(document(tmp_path))) == json.loads(COMMITTED.read_text())


def test_every_operation_documents_its_request_and_response(tmp_path: Path) -> None:
    paths = document(tmp_path)["paths"]
    operations = [
        (m, p, o) for p, item in paths.items() if p.startswith("/v1") for m, o in item.items()
    ]
    assert len(operations) == 19
    for method, path, op in operations:
        ok = op["responses"]["200"]["content"]["application/json"]["schema"]
        assert ok, (method, path)
        assert "400" in op["responses"], (method, path)
        if method == "post":
            assert op["requestBody"]["content"], (method, path)
    create = paths["/v1/identity/verification_sessions"]["post"]["requestBody"]["content"]
    assert set(create) == {"application/x-www-form-urlencoded", "application/json"}
    listed = {q["name"] for q in paths["/v1/events"]["get"]["parameters"]}
    assert {"limit", "starting_after", "ending_before", "created", "type", "types[]"} <= listed
