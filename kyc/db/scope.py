"""Every object belongs to one platform: another platform's object is simply not found."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlmodel import Session, SQLModel

from kyc.errors import NotFound

Row = TypeVar("Row", bound=SQLModel)


def owned(db: Session, model: type[Row], platform_id: str, object_id: str, name: str) -> Row:
    """The platform's `name` object; `NotFound` when missing or another platform's (a 404, never
    a 403: no oracle for other platforms' ids)."""
    row: Any = db.get(model, object_id)
    if row is None or row.platform_id != platform_id:
        raise NotFound(f"No such {name}: '{object_id}'", param="id")
    return row  # type: ignore[no-any-return]
