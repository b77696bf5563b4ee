"""HTTP routes, one module per resource; each is thin (validate, call Temporal or a `kyc.db`
function, return a public object)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from api.deps import valid_path_ids
from api.errors import ERROR_RESPONSES


def resource_router(prefix: str, tag: str) -> APIRouter:
    """A resource's router: ids that cannot exist are 404s, errors are described in OpenAPI."""
    return APIRouter(
        prefix=prefix, tags=[tag], dependencies=[Depends(valid_path_ids)], responses=ERROR_RESPONSES
    )
