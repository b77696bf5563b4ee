"""Stripe cursor pagination over (created desc, id desc)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeAlias, TypeVar

from sqlalchemy import and_, or_
from sqlmodel import Session, SQLModel, select

from kyc.errors import InvalidRequest

Row = TypeVar("Row", bound=SQLModel)
Page: TypeAlias = tuple[list[Row], bool]  # rows, and whether more follow


@dataclass(frozen=True)
class PageRequest:
    """Stripe's list parameters: `limit`, one cursor, and the `created[gt|gte|lt|lte]` range."""

    limit: int = 10
    starting_after: str | None = None
    ending_before: str | None = None
    created: dict[str, int] = field(default_factory=dict)


def page(
    db: Session, model: type[Row], request: PageRequest, *conditions: Any, **equal: str | None
) -> Page[Row]:
    """One page, newest first, and whether more rows follow in the direction of travel.

    Rows match `conditions` and every column named in `equal` whose value is set (None or ""
    means no filter). The filters must scope rows to one platform: cursors from another
    platform are then not found, so they are refused like unknown ids.
    """
    starting_after, ending_before = request.starting_after, request.ending_before
    if starting_after and ending_before:
        raise InvalidRequest(
            "Pass at most one of starting_after and ending_before.", param="ending_before"
        )
    created: Any = model.created  # type: ignore[attr-defined]
    ident: Any = model.id  # type: ignore[attr-defined]
    ops = {"gt": created.__gt__, "gte": created.__ge__, "lt": created.__lt__, "lte": created.__le__}
    filters = [
        *conditions,
        *(getattr(model, column) == value for column, value in equal.items() if value),
        *(ops[op](value) for op, value in request.created.items()),
    ]
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
    rows = list(db.exec(query.limit(request.limit + 1)).all())
    has_more = len(rows) > request.limit
    rows = rows[: request.limit]
    if ending_before:
        rows.reverse()
    return rows, has_more
