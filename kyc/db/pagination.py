"""Stripe cursor pagination over (created desc, id desc)."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import and_, or_
from sqlmodel import Session, SQLModel, select

from kyc.errors import InvalidRequest

Row = TypeVar("Row", bound=SQLModel)


def page(
    db: Session,
    model: type[Row],
    filters: list[Any],
    *,
    limit: int,
    starting_after: str | None = None,
    ending_before: str | None = None,
) -> tuple[list[Row], bool]:
    """One page, newest first, and whether more rows follow in the direction of travel.

    `filters` must already scope rows to one platform; cursors from another platform are not
    found by the same filters, so they are refused like unknown ids.
    """
    if starting_after and ending_before:
        raise InvalidRequest(
            "Pass at most one of starting_after and ending_before.", param="ending_before"
        )
    created: Any = model.created  # type: ignore[attr-defined]
    ident: Any = model.id  # type: ignore[attr-defined]
    query = select(model).where(*filters)
    cursor_id = starting_after or ending_before
    if cursor_id:
        cursor = db.exec(select(model).where(*filters, ident == cursor_id)).first()
        if cursor is None:
            param = "starting_after" if starting_after else "ending_before"
            raise InvalidRequest(f"No such object: '{cursor_id}'", param=param)
        c_created, c_id = cursor.created, cursor.id  # type: ignore[attr-defined]
        if starting_after:
            query = query.where(
                or_(created < c_created, and_(created == c_created, ident < c_id))
            ).order_by(created.desc(), ident.desc())
        else:
            query = query.where(
                or_(created > c_created, and_(created == c_created, ident > c_id))
            ).order_by(created.asc(), ident.asc())
    else:
        query = query.order_by(created.desc(), ident.desc())
    rows = list(db.exec(query.limit(limit + 1)).all())
    has_more = len(rows) > limit
    rows = rows[:limit]
    if ending_before:
        rows.reverse()
    return rows, has_more


def created_filters(column: Any, created: dict[str, int] | None) -> list[Any]:
    """Stripe's `created[gt|gte|lt|lte]` list filter as SQL conditions on `column`."""
    ops = {"gt": column.__gt__, "gte": column.__ge__, "lt": column.__lt__, "lte": column.__le__}
    return [ops[op](value) for op, value in (created or {}).items()]
