"""The OpenAPI document: FastAPI's (routes, response models, errors) plus what our routes parse
themselves — request bodies in Stripe's form encoding or JSON, and query parameters — from the
`api.params` models that validate them, so the document describes exactly what is accepted.

`python -m api.openapi > openapi.json` regenerates the committed copy; a test keeps it current.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from api import params as p
from kyc.contracts import UPLOAD_PURPOSES

SESSIONS = "/v1/identity/verification_sessions"
SESSION = SESSIONS + "/{session_id}"

BODIES: dict[tuple[str, str], type[BaseModel]] = {
    ("post", SESSIONS): p.SessionCreateParams,
    ("post", SESSION): p.SessionUpdateParams,
    ("post", SESSION + "/cancel"): p.SessionExpandParams,
    ("post", SESSION + "/redact"): p.SessionExpandParams,
    ("post", SESSION + "/submit"): p.SessionSubmitParams,
    ("post", "/v1/webhook_endpoints"): p.WebhookEndpointParams,
    ("post", "/v1/reviews/{session_id}"): p.ReviewDecisionParams,
}
QUERIES: dict[tuple[str, str], type[BaseModel]] = {
    ("get", SESSIONS): p.SessionListParams,
    ("get", SESSION): p.SessionExpandParams,
    ("get", "/v1/identity/verification_reports"): p.ReportListParams,
    ("get", "/v1/identity/verification_reports/{report_id}"): p.ExpandParams,
    ("get", "/v1/events"): p.EventListParams,
    ("get", "/v1/events/{event_id}"): p.ExpandParams,
    ("get", "/v1/webhook_endpoints"): p.WebhookListParams,
    ("get", "/v1/webhook_endpoints/{endpoint_id}"): p.ExpandParams,
    ("get", "/v1/reviews"): p.ReviewListParams,
}
UPLOAD = {
    "type": "object",
    "required": ["purpose", "file"],
    "properties": {
        "purpose": {"type": "string", "enum": list(UPLOAD_PURPOSES)},
        "file": {"type": "string", "format": "binary", "description": "JPEG, PNG or WebP"},
    },
    "additionalProperties": False,
}


def _component(model: type[BaseModel], components: dict[str, Any]) -> dict[str, str]:
    """Add the model (and the models it uses) to the components; return a reference to it."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(schema.pop("$defs", {}))
    components[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    """Each field as a query parameter: lists as `name[]`, objects in brackets (deepObject)."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    defs = schema.get("$defs", {})
    out = []
    for name, prop in schema.get("properties", {}).items():
        options = prop.get("anyOf", [prop])
        kinds = {o.get("type") for o in options} | {
            defs.get(o.get("$ref", "").rsplit("/", 1)[-1], {}).get("type") for o in options
        }
        parameter: dict[str, Any] = {"name": name, "in": "query", "schema": prop}
        if "array" in kinds:
            parameter.update(name=f"{name}[]", style="form", explode=True)
        elif "object" in kinds:
            parameter.update(style="deepObject", explode=True)
        out.append(parameter)
    return out


def build_openapi(app: FastAPI) -> dict[str, Any]:
    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for (method, path), model in BODIES.items():
        ref = _component(model, components)
        schema["paths"][path][method]["requestBody"] = {
            "required": False,
            "content": {
                "application/x-www-form-urlencoded": {"schema": ref},
                "application/json": {"schema": ref},
            },
        }
    for (method, path), model in QUERIES.items():
        operation = schema["paths"][path][method]
        path_parameters = [x for x in operation.get("parameters", []) if x["in"] == "path"]
        # Query parameters come from the model alone (FastAPI saw none: routes read the raw query).
        queries = _query_parameters(model)
        for query in queries:
            for name in _refs(query["schema"]):
                components.setdefault(name, _defs_of(model)[name])
        operation["parameters"] = path_parameters + queries
    upload = schema["paths"][SESSION + "/files"]["post"]
    upload["requestBody"] = {
        "required": True,
        "content": {"multipart/form-data": {"schema": UPLOAD}},
    }
    return schema


def _defs_of(model: type[BaseModel]) -> dict[str, Any]:
    defs: dict[str, Any] = model.model_json_schema(ref_template="#/components/schemas/{model}").get(
        "$defs", {}
    )
    return defs


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"].rsplit("/", 1)[-1]] if "$ref" in node else []
        return found + [r for value in node.values() for r in _refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in _refs(value)]
    return []


def install(app: FastAPI) -> None:
    """Serve the complete document at /openapi.json (built once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def main() -> None:
    """Print the document of an app built with test settings (no services are contacted)."""
    from api.app import create_app
    from kyc.crypto import generate_key
    from kyc.settings import Settings

    app = create_app(Settings(master_key=generate_key(), database_url="sqlite:////tmp/unused.db"))
    json.dump(app.openapi(), sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
