"""The API accepts nothing longer than the column that stores it (kyc/limits.py is the table)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel
from sqlmodel import SQLModel

from api.params import ReviewDecisionParams, WebhookEndpointParams
from kyc.db.tables import (
    ReviewAuditRow,
    VerificationSessionRow,
    WebhookEndpointRow,
)


def param_max(model: type[BaseModel], name: str) -> int:
    for meta in model.model_fields[name].metadata:
        if hasattr(meta, "max_length") and meta.max_length is not None:
            return int(meta.max_length)
    raise AssertionError(f"{model.__name__}.{name} has no max_length")


def column_length(table: type[SQLModel], name: str) -> int:
    column: Any = table.__table__.c[name]  # type: ignore[attr-defined]
    return int(column.type.length)


@pytest.mark.parametrize(
    ("model", "param", "table", "column"),
    [
        # client_reference_id, return_url and last_error.reason are sealed: no column limit.
        (WebhookEndpointParams, "url", WebhookEndpointRow, "url"),
        (ReviewDecisionParams, "reason", VerificationSessionRow, "last_error_code"),
        (ReviewDecisionParams, "reason", ReviewAuditRow, "reason"),
    ],
)
def test_params_fit_their_columns(
    model: type[BaseModel], param: str, table: type[SQLModel], column: str
) -> None:
    assert param_max(model, param) <= column_length(table, column)
