"""ICAO 9303 machine-readable zone parser: TD1, TD2, TD3, MRV-A and MRV-B.

`parse(lines)` takes the MRZ lines as OCR read them, corrects characters by the type of their
position (digits in date and check-digit positions, letters in name and country positions),
repairs ambiguous characters where the check digits single out one reading, and reports every
check digit's verdict. It never forces a check to pass: a document whose printed digits are wrong
stays invalid.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date

from kyc.documents.countries import is_known_country, normalise_country
from kyc.documents.models import MrzReading
from kyc.documents.mrz_layout import (
    SHAPES,
    Lines,
    check_digit,
    document_number_parts,
    field_checks,
    layout,
)
from kyc.documents.mrz_repair import (
    fix_country,
    fix_fillers,
    fix_kind,
    fix_name_separator,
    prefer_zero,
    repair,
)

__all__ = ["SHAPES", "MrzResult", "check_digit", "detect_type", "normalise_line", "parse"]


def normalise_line(text: str) -> str:
    """Uppercase an OCR'd MRZ line, map look-alikes of `<` and drop spaces and stray marks."""
    # Letters with diacritics (the Ñ of old Spanish cards) keep their base letter.
    text = unicodedata.normalize("NFKD", text.upper())
    for look_alike in ("«", "‹", "〈", "く", "(", "[", "{", "£", "€"):
        text = text.replace(look_alike, "<")
    return "".join(ch for ch in text if ch.isascii() and (ch.isalnum() or ch == "<"))


def detect_type(lines: list[str]) -> str | None:
    """The MRZ format from the number of lines, their length and the document code."""
    if len(lines) == 3 and all(len(x) == 30 for x in lines):
        return "TD1"
    if len(lines) == 2 and len(lines[0]) == len(lines[1]) == 44:
        return "MRVA" if lines[0][0] == "V" else "TD3"
    if len(lines) == 2 and len(lines[0]) == len(lines[1]) == 36:
        return "MRVB" if lines[0][0] == "V" else "TD2"
    return None


def _parse_date(text: str, *, kind: str, today: date) -> date | None:
    """YYMMDD with the century inferred: births lie in the past, expiries within 50 years ahead."""
    if not text.isdigit() or len(text) != 6:
        return None
    yy, mm, dd = int(text[:2]), int(text[2:4]), int(text[4:6])
    if kind == "birth":
        year = 2000 + yy if 2000 + yy <= today.year else 1900 + yy
    else:
        year = 2000 + yy if 2000 + yy <= today.year + 50 else 1900 + yy
    try:
        value = date(year, mm, dd)
    except ValueError:
        return None
    if kind == "birth" and value > today:
        value = value.replace(year=year - 100)
    return value


def split_names(field_text: str) -> tuple[str, str]:
    """Primary and secondary identifiers: `<<` separates them, `<` separates name parts."""
    text = field_text.rstrip("<")
    primary, _, secondary = text.partition("<<")
    clean = lambda s: " ".join(p for p in s.split("<") if p)  # noqa: E731
    return clean(primary), clean(secondary)


@dataclass
class MrzResult:
    """A parsed MRZ: the corrected lines, each check's verdict and the decoded fields."""

    type: str
    lines: list[str]
    valid: bool
    checks: dict[str, bool]
    fields: dict[str, object]
    confidence: dict[str, float]
    repaired: list[str] = field(default_factory=list)

    def to_reading(self) -> MrzReading:
        """The pydantic model that crosses into workflows."""
        return MrzReading(type=self.type, lines=self.lines, valid=self.valid, checks=self.checks)  # type: ignore[arg-type]


def parse(lines: list[str], *, today: date | None = None, ocr_confidence: float = 1.0) -> MrzResult:
    """Parse MRZ lines (as OCR read them) into fields with each check digit's verdict.

    Raises ValueError when the lines have no MRZ shape (3x30, 2x36 or 2x44 after normalising).
    `today` anchors the two-digit-year century inference (defaults to the current date).
    """
    today = today or date.today()
    rows = [normalise_line(x) for x in lines]
    mrz_type = detect_type(rows)
    if mrz_type is None:
        raise ValueError(f"not an MRZ shape: line lengths {[len(x) for x in rows]}")
    rows = [fix_fillers(r) for r in rows]
    positions = layout(mrz_type)
    fields = {f.name: f for f in positions}
    buf = Lines(rows)
    for f in positions:
        if f.kind != "X":
            buf.set(f, fix_kind(buf.get(f), f.kind))
    fix_name_separator(buf, fields["names"])
    for name in ("issuing_country", "nationality"):
        fix_country(buf, fields[name])
    # "IO" and "I0" are no state's document code, while "ID" is the commonest: OCR turns D
    # into O (and, now that a TD1 code's second character may be a digit, into 0).
    if buf.get(fields["document_code"]) in ("IO", "I0"):
        buf.set(fields["document_code"], "ID")
    repaired = repair(mrz_type, buf, fields)
    repaired += prefer_zero(mrz_type, buf, fields)
    checks = field_checks(mrz_type, buf, fields)

    surname, given = split_names(buf.get(fields["names"]))
    number, _ = document_number_parts(mrz_type, buf, fields)
    sex = buf.get(fields["sex"])
    issuing_raw = buf.get(fields["issuing_country"])
    nationality_raw = buf.get(fields["nationality"])
    optional = [
        buf.get(fields[n])
        for n in ("optional_data_1", "optional_data_2", "personal_number")
        if n in fields
    ]
    values: dict[str, object] = {
        "document_code": buf.get(fields["document_code"]).rstrip("<"),
        "issuing_country": normalise_country(issuing_raw) or issuing_raw.replace("<", ""),
        "surname": surname,
        "given_names": given,
        "document_number": number.replace("<", ""),
        "nationality": normalise_country(nationality_raw) or nationality_raw.replace("<", ""),
        "date_of_birth": _parse_date(buf.get(fields["date_of_birth"]), kind="birth", today=today),
        "expiration_date": _parse_date(
            buf.get(fields["expiration_date"]), kind="expiry", today=today
        ),
        "sex": sex if sex in ("M", "F", "X") else None,
        "optional_data": "".join(o.replace("<", " ") for o in optional).strip() or None,
    }
    # Beyond the digits: dates that exist in the right order and countries ICAO knows.
    birth, expiry = values["date_of_birth"], values["expiration_date"]
    checks["dates"] = isinstance(birth, date) and isinstance(expiry, date) and birth < expiry
    checks["country_codes"] = is_known_country(issuing_raw) and is_known_country(nationality_raw)
    valid = all(checks.values())
    confidence = _confidences(checks, values, issuing_raw, nationality_raw, ocr_confidence)
    return MrzResult(
        type=mrz_type,
        lines=buf.text(),
        valid=valid,
        checks=checks,
        fields=values,
        confidence=confidence,
        repaired=repaired,
    )


def _confidences(
    checks: dict[str, bool],
    values: dict[str, object],
    issuing_raw: str,
    nationality_raw: str,
    ocr_confidence: float,
) -> dict[str, float]:
    """Per-field confidence: a passing check digit vouches for its field; names only via the
    composite (they carry no digit of their own, so they rely on the OCR score)."""
    overall = all(checks.values())
    base = max(0.0, min(1.0, ocr_confidence))

    def checked(ok: bool | None) -> float:
        return round(base * (0.99 if ok else 0.4), 3)

    out = {
        "document_number": checked(checks.get("document_number")),
        "date_of_birth": checked(
            checks.get("date_of_birth") and values["date_of_birth"] is not None
        ),
        "expiration_date": checked(
            checks.get("expiration_date") and values["expiration_date"] is not None
        ),
        "surname": round(base * (0.9 if overall else 0.6), 3),
        "given_names": round(base * (0.9 if overall else 0.6), 3),
        "sex": round(base * (0.9 if values["sex"] else 0.3), 3),
        "issuing_country": round(base * (0.95 if is_known_country(issuing_raw) else 0.3), 3),
        "nationality": round(base * (0.95 if is_known_country(nationality_raw) else 0.3), 3),
    }
    return out
