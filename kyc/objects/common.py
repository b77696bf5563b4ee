"""Pieces shared by several public objects: lists, errors, dates, and Stripe's spellings."""

from __future__ import annotations

from datetime import date
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel

T = TypeVar("T")


class ListPublic(BaseModel, Generic[T]):
    """Stripe's list object, with cursor pagination (`starting_after`, `ending_before`)."""

    object: Literal["list"] = "list"
    data: list[T]
    has_more: bool
    url: str


class ErrorDetail(BaseModel):
    """`last_error` of a session, or the error of one check."""

    code: str
    reason: str | None = None


class ErrorBody(BaseModel):
    type: str
    code: str
    message: str
    param: str | None = None


class ErrorPublic(BaseModel):
    """Stripe's error object: `{"error": {"type", "code", "message", "param"}}`."""

    error: ErrorBody

    def to_json(self) -> dict[str, Any]:
        """As Stripe sends it: `param` only when there is one."""
        return self.model_dump(mode="json", exclude_none=True)


class Redaction(BaseModel):
    status: Literal["processing", "redacted"]


class DateParts(BaseModel):
    day: int
    month: int
    year: int


def date_parts(value: Any) -> DateParts | None:
    """An ISO date (as stored) in Stripe's day/month/year shape."""
    if not value:
        return None
    d = date.fromisoformat(str(value))
    return DateParts(day=d.day, month=d.month, year=d.year)


def sex_word(value: Any) -> str | None:
    """The MRZ/AAMVA sex letter as Stripe spells it."""
    return {"M": "male", "F": "female", "X": "unknown"}.get(str(value)) if value else None


class Address(BaseModel):
    """Stripe's address: `country` is ISO alpha-2."""

    city: str | None = None
    country: str | None = None
    line1: str | None = None
    line2: str | None = None
    postal_code: str | None = None
    state: str | None = None


def address_of(fields: dict[str, Any]) -> Address | None:
    """The stored document fields' address: its parts where the document had them, else (a
    one-line address read before parts were kept) all of it as `line1`."""
    parts = fields.get("postal_address")
    if parts:
        return Address.model_validate(parts)
    return Address(line1=fields["address"]) if fields.get("address") else None
