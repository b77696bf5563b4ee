"""Every object belongs to one platform and one mode (test or live): another platform's object,
or one of the other mode, is simply not found."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlmodel import Session, SQLModel

from kyc.errors import NotFound

Row = TypeVar("Row", bound=SQLModel)


def owned(
    db: Session, model: type[Row], platform_id: str, object_id: str, name: str, *, livemode: bool
) -> Row:
    """The platform's `name` object of this mode; `NotFound` when missing, another platform's or
    the other mode's (a 404, never a 403: no oracle for other platforms' ids, and a test key
    learns nothing of live data)."""
    row: Any = db.get(model, object_id)
    if row is None or row.platform_id != platform_id or row.livemode != livemode:
        raise NotFound(f"No such {name}: '{object_id}'", param="id")
    return row  # type: ignore[no-any-return]
