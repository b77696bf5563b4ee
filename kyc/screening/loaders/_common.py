"""Helpers shared by the list loaders: reading text, parsing birth dates."""

from __future__ import annotations

import re
from pathlib import Path

from kyc.errors import ListUnavailable
from kyc.screening.entities import BirthDate

_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    )
}


def read_text(path: Path) -> str:
    """The file's text: UTF-8 when it decodes, else Windows-1252 (OFAC's legacy files)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ListUnavailable(f"cannot read list file {path}: {exc.strerror}") from exc
    raw = raw.rstrip(b"\x1a\r\n ")  # OFAC ends its files with a DOS end-of-file byte
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _year(text: str) -> int | None:
    value = int(text)
    return value if 1850 <= value <= 2100 else None


def parse_birth_dates(text: str | None) -> list[BirthDate]:
    """Birth dates from the forms lists use.

    "1965", "1960-06-29", "1960-06", "29 Jun 1960", "Jun 1960", "circa 1958",
    "1958 to 1960", "Between 1958 and 1960", "29/06/1960"; several may be separated by ";".
    """
    if not text:
        return []
    out: list[BirthDate] = []
    for part in re.split(r"[;,]| alt\. ", text):
        part = part.strip().lower()
        if not part:
            continue
        date = _parse_one(part)
        if date is not None and date not in out:
            out.append(date)
    return out


def _parse_one(part: str) -> BirthDate | None:
    if m := re.search(r"(\d{4})\s*(?:to|-|and|–)\s*(\d{4})", part):
        low, high = _year(m.group(1)), _year(m.group(2))
        if low and high:
            return BirthDate(min(low, high), to_year=max(low, high))
    if m := re.fullmatch(r".*?(\d{4})-(\d{1,2})(?:-(\d{1,2}))?.*", part):
        year = _year(m.group(1))
        if year:
            day = int(m.group(3)) if m.group(3) else None
            return BirthDate(year, int(m.group(2)) or None, day or None)
    if m := re.search(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})", part):
        year = _year(m.group(3))
        if year:
            return BirthDate(year, int(m.group(2)) or None, int(m.group(1)) or None)
    if m := re.search(r"(?:(\d{1,2})\s+)?([a-z]{3})[a-z]*\.?\s+(\d{4})", part):
        year, month = _year(m.group(3)), _MONTHS.get(m.group(2))
        if year and month:
            return BirthDate(year, month, int(m.group(1)) if m.group(1) else None)
    if m := re.search(r"\b(\d{4})\b", part):
        year = _year(m.group(1))
        if year:
            return BirthDate(year)
    return None
