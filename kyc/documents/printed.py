"""Printed (visual-zone) fields of documents without an MRZ, chiefly US licence fronts.

US licences follow the AAMVA card design: numbered fields (1 family name, 2 given names, 3 date of
birth, 4a issue, 4b expiry, 4d licence number, 8 address, 15 sex) and/or labels (DOB, EXP, ISS,
DL, LN, FN, SEX). The OCR lines are grouped into rows; a label's value is on the same row to its
right, or on the next row below it. Without labels, dates fall back to their order (birth is the
earliest, expiry the latest) with a lower confidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from kyc.documents.ocr import TextLine

_DATE = re.compile(
    r"(?<!\d)(?<!\d[/\-.])(\d{1,2})\s?[/\-.]\s?(\d{1,2})\s?[/\-.]\s?(\d{4}|\d{2})(?!\d)(?![/\-.]\d)"
)
_LABELS = {
    "date_of_birth": re.compile(r"(?:\b3\s*)?(?:D\.?\s?O\.?\s?[B8]\.?|BIRTH|\bBD\b)", re.I),
    "expiration_date": re.compile(r"(?:\b4b\s*)?(?:EXP(?:IRES)?\b|EXP(?=[\s\d:]))|\b4b\b", re.I),
    "issue_date": re.compile(r"(?:\b4a\s*)?(?:ISS(?:UED)?\b|ISS(?=[\s\d:]))|\b4a\b", re.I),
}
# Licence-number captions: AAMVA field 4d (alone or with DL / DLN / ID / NO), or the words.
_NUMBER_LABEL = re.compile(
    r"(?:\b4d\s*(?:DLN|DL|LIC|NO|ID)?|\bDLN|\bDL(?=\s*[#:.]|\s+[A-Z]?\d)"
    r"|\bLIC(?:ENSE)?\s*(?:NO|#)|\bID\s*NO|\bNO(?=\s*[#:.]|\s*\d|\.\d))\s*[#:.]*\s*",
    re.I,
)
_NUMBER_VALUE = re.compile(r"[A-Z]{0,3}\d[\dA-Z\-]*(?: \d{2,4})*", re.I)
_SEX = re.compile(r"\bSEX\s*[:.]?\s*([MFX])\b|\b15\s*SEX\s*([MFX])\b|SEX([MF])", re.I)
_ZIP_LINE = re.compile(r"[A-Z .'-]+,?\s*[A-Z]{2}\s*\d{5}(?:-\d{4})?", re.I)
_CITY_STATE_ZIP = re.compile(r"([A-Z][A-Z .'-]*?),?\s*\b([A-Z]{2})\s*(\d{5}(?:-\d{4})?)\b", re.I)
_STREET = re.compile(r"^(?:8\s+)?\d{1,6}\s+[A-Z0-9 .'#-]+$", re.I)
_US_STATES = {
    "ALABAMA", "ALASKA", "ARIZONA", "ARKANSAS", "CALIFORNIA", "COLORADO", "CONNECTICUT",
    "DELAWARE", "FLORIDA", "GEORGIA", "HAWAII", "IDAHO", "ILLINOIS", "INDIANA", "IOWA", "KANSAS",
    "KENTUCKY", "LOUISIANA", "MAINE", "MARYLAND", "MASSACHUSETTS", "MICHIGAN", "MINNESOTA",
    "MISSISSIPPI", "MISSOURI", "MONTANA", "NEBRASKA", "NEVADA", "NEW HAMPSHIRE", "NEW JERSEY",
    "NEW MEXICO", "NEW YORK", "NORTH CAROLINA", "NORTH DAKOTA", "OHIO", "OKLAHOMA", "OREGON",
    "PENNSYLVANIA", "RHODE ISLAND", "SOUTH CAROLINA", "SOUTH DAKOTA", "TENNESSEE", "TEXAS", "UTAH",
    "VERMONT", "VIRGINIA", "WASHINGTON", "WEST VIRGINIA", "WISCONSIN", "WYOMING",
    "DISTRICT OF COLUMBIA",
}  # fmt: skip
_NOT_NAMES = {
    "DRIVER", "LICENSE", "LICENCE", "USA", "CLASS", "DONOR", "VETERAN", "NONE",
    "RESTRICTIONS", "ENDORSEMENTS", "IDENTIFICATION", "CARD", "REAL", "ID", "NOT", "FOR",
}  # fmt: skip


@dataclass
class PrintedFields:
    """Fields read from the visual zone, each with its confidence (0..1)."""

    values: dict[str, object] = field(default_factory=dict)
    confidence: dict[str, float] = field(default_factory=dict)
    document_hint: str | None = None  # "driving_license" / "id_card" from the card's wording
    country_hint: str | None = None

    def set(self, name: str, value: object, confidence: float) -> None:
        if value in (None, "") or name in self.values:
            return
        self.values[name] = value
        self.confidence[name] = round(confidence, 3)


@dataclass
class _Row:
    items: list[TextLine]

    @property
    def text(self) -> str:
        return " ".join(t.text for t in self.items)

    @property
    def score(self) -> float:
        return min(t.score for t in self.items)


def _rows(lines: list[TextLine]) -> list[_Row]:
    """Group OCR lines into rows by their vertical centres, left to right within a row."""
    ordered = sorted(lines, key=lambda t: t.center[1])
    rows: list[list[TextLine]] = []
    for t in ordered:
        if rows:
            last = rows[-1]
            ref = sum(x.center[1] for x in last) / len(last)
            if abs(t.center[1] - ref) < 0.5 * max(t.height, last[0].height):
                last.append(t)
                continue
        rows.append([t])
    return [_Row(sorted(r, key=lambda t: t.center[0])) for r in rows]


def parse_us_date(m: re.Match[str]) -> date | None:
    """MM/DD/YYYY (US order) from a date match; two-digit years go to the nearest century."""
    month, day, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if year < 100:
        year += 2000 if year < 50 else 1900
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _dates_in(text: str) -> list[date]:
    return [d for m in _DATE.finditer(_fix_digits(text)) if (d := parse_us_date(m))]


def _fix_digits(text: str) -> str:
    """O and l inside runs of digits and separators are zeros and ones."""
    return re.sub(
        r"(?<=\d)[OolI](?=[\d/\-.])|(?<=[\d/\-.])[OolI](?=\d)",
        lambda m: "0" if m.group(0) in "Oo" else "1",
        text,
    )


def _value_after(rows: list[_Row], i: int, label: re.Match[str], text: str) -> list[date]:
    """Dates after a label: on its row to the right, else on the next row."""
    after = _dates_in(text[label.end() :])
    if after:
        return after
    if i + 1 < len(rows):
        return _dates_in(rows[i + 1].text)
    return []


def read_printed(lines: list[TextLine]) -> PrintedFields:
    """Extract name, dates, number, sex and address from a document's OCR lines."""
    out = PrintedFields()
    rows = _rows([t for t in lines if t.text.strip()])
    full = " ".join(r.text for r in rows).upper()
    if "DRIVER" in full or "LICENSE" in full or "LICENCE" in full:
        out.document_hint = "driving_license"
    elif "IDENTIFICATION" in full or "ID CARD" in full:
        out.document_hint = "id_card"
    if any(state in full for state in _US_STATES) or " USA" in full:
        out.country_hint = "USA"

    for i, row in enumerate(rows):
        text = _fix_digits(row.text)
        for name, label in _LABELS.items():
            for m in label.finditer(text):
                found = _value_after(rows, i, m, text)
                if found:
                    out.set(name, found[0], 0.85 * row.score)
                    break
        sm = _SEX.search(text.upper())
        if sm:
            out.set("sex", next(g for g in sm.groups() if g).upper(), 0.8 * row.score)

    _document_number(rows, out)
    _names(rows, out)
    _passport_names(rows, out)
    _address(rows, out)
    # Without labels: birth is the earliest date printed, expiry the latest.
    all_dates = sorted({d for r in rows for d in _dates_in(r.text)})
    if len(all_dates) >= 2:
        out.set("date_of_birth", all_dates[0], 0.5)
        out.set("expiration_date", all_dates[-1], 0.5)
    return out


def _number_value(text: str) -> str | None:
    """A licence number at the start of `text`: at least four digits, not a date."""
    m = _NUMBER_VALUE.match(text.strip())
    if not m:
        return None
    value = m.group(0).strip()
    if sum(ch.isdigit() for ch in value) < 4 or _DATE.search(value):
        return None
    return value.replace(" ", "").upper()


def _document_number(rows: list[_Row], out: PrintedFields) -> None:
    """The value after a number caption: in the same box, the next box, or the box below."""
    for i, row in enumerate(rows):
        for k, t in enumerate(row.items):
            m = _NUMBER_LABEL.search(t.text)
            if not m:
                continue
            value = _number_value(t.text[m.end() :])
            if value is None and k + 1 < len(row.items):
                value = _number_value(row.items[k + 1].text)
            if value is None and i + 1 < len(rows):
                x = t.box[0][0]
                below = min(rows[i + 1].items, key=lambda b: abs(b.box[0][0] - x))
                if abs(below.box[0][0] - x) < 4 * t.height:
                    value = _number_value(below.text)
            if value:
                out.set("document_number", value, 0.8 * t.score)
                return


def _clean_words(text: str) -> str:
    words = re.findall(r"[A-Z][A-Z'\-]+", text.upper())
    return " ".join(words)


def _names(rows: list[_Row], out: PrintedFields) -> None:
    """Family and given names: AAMVA fields 1 and 2, or LN / FN labels."""
    for i, row in enumerate(rows):
        for t_index, t in enumerate(row.items):
            text = t.text.strip()
            for pattern, name in (
                (r"^(?:1|LN)\s*[.:]?\s*([A-Z][A-Z' \-]+)$", "surname"),
                (r"^(?:2|FN)\s*[.:]?\s*([A-Z][A-Z' ,\-]+)$", "given_names"),
            ):
                m = re.match(pattern, text, re.I)
                next_row = rows[i + 1].text if i + 1 < len(rows) else ""
                if m and _ZIP_LINE.search(next_row) and name == "surname":
                    continue  # "1 MAIN STREET" above "CITY, ST 12345" is an address
                if m and _clean_words(m.group(1)) not in _NOT_NAMES:
                    out.set(name, _clean_words(m.group(1)), 0.75 * t.score)
                    continue
                # A bare field number with its value in the next box or on the next row.
                bare = re.fullmatch(r"(?:1|LN)" if name == "surname" else r"(?:2|FN)", text)
                if bare:
                    if t_index + 1 < len(row.items):
                        value = row.items[t_index + 1].text
                    elif i + 1 < len(rows):
                        value = rows[i + 1].items[0].text
                    else:
                        continue
                    if re.fullmatch(r"[A-Z][A-Z' ,\-]+", value.strip(), re.I):
                        out.set(name, _clean_words(value), 0.7 * t.score)


# Words of captions, never of a holder's name.
_CAPTION_WORDS = {"NOM", "NAME", "NAMES", "SURNAME", "USAGE", "PRENOMS", "PRÉNOMS", "GIVEN", "DATE"}
_PASSPORT_LABELS = (
    (re.compile(r"^(?:SURNAME|PRIMARY IDENTIFIER)\b", re.I), "surname"),
    (re.compile(r"^(?:GIVEN NAMES?|SECONDARY IDENTIFIER)\b", re.I), "given_names"),
)


def _passport_names(rows: list[_Row], out: PrintedFields) -> None:
    """Passport-style captions ("Surname / Nom") with the value on the row below, left-aligned."""
    for i, row in enumerate(rows[:-1]):
        for t in row.items:
            for pattern, name in _PASSPORT_LABELS:
                if not pattern.match(t.text.strip()):
                    continue
                x0 = t.box[0][0]
                below = [b for b in rows[i + 1].items if abs(b.box[0][0] - x0) < 3 * t.height]
                # Values are printed in capitals; a mixed-case line below is another caption.
                value = below[0].text.strip() if below else ""
                if (
                    re.fullmatch(r"[A-Z][A-Z' \-]+", value)
                    and not set(value.split()) & _CAPTION_WORDS
                ):
                    out.set(name, _clean_words(value), 0.7 * below[0].score)


def _address(rows: list[_Row], out: PrintedFields) -> None:
    """A street line (field 8, or number + words) followed by a `CITY, ST 12345` line."""
    for i in range(len(rows) - 1):
        for t in rows[i].items:
            street = t.text.strip()
            if not _STREET.match(street) or _DATE.search(street):
                continue
            nxt = next((x.text for x in rows[i + 1].items if _ZIP_LINE.search(x.text)), None)
            if nxt:
                street = re.sub(r"^8\s+", "", street)
                out.set("address", f"{street}, {nxt.strip()}", 0.7 * t.score)
                parts = _CITY_STATE_ZIP.search(nxt.strip())
                if parts:  # a five-digit ZIP after a state code: a US address
                    city, state, postal = parts.groups()
                    where = {"city": city.strip(), "state": state.upper(), "postal_code": postal}
                    address = {"line1": street, "line2": None, **where, "country": "US"}
                    out.set("postal_address", address, 0.7 * t.score)
                return
