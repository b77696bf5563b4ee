"""ICAO 9303 machine-readable zone parser: TD1, TD2, TD3, MRV-A and MRV-B.

`parse(lines)` takes the MRZ lines as OCR read them, corrects characters by the type of their
position (digits in date and check-digit positions, letters in name and country positions),
repairs ambiguous characters where the check digits single out one reading, and reports every
check digit's verdict. It never forces a check to pass: a document whose printed digits are wrong
stays invalid.
"""

from __future__ import annotations

import itertools
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from kyc.documents.countries import is_known_country, normalise_country
from kyc.documents.models import MrzReading

# Lengths and line counts of each format: (lines, characters per line).
SHAPES: dict[str, tuple[int, int]] = {
    "TD1": (3, 30),
    "TD2": (2, 36),
    "TD3": (2, 44),
    "MRVA": (2, 44),
    "MRVB": (2, 36),
}

_WEIGHTS = (7, 3, 1)

# What OCR engines confuse, by the type a position must hold.
_TO_DIGIT = {"O": "0", "Q": "0", "D": "0", "U": "0", "I": "1", "L": "1", "T": "1", "Z": "2"}
_TO_DIGIT |= {"S": "5", "B": "8", "G": "6", "A": "4", "E": "8"}
_TO_LETTER = {"0": "O", "1": "I", "2": "Z", "5": "S", "8": "B", "6": "G", "4": "A", "7": "T"}
# Alternatives tried, guided by a check digit, in alphanumeric fields (document numbers).
_AMBIGUOUS = {
    "0": "OD",
    "O": "0",
    "D": "0",
    "Q": "0",
    "1": "I",
    "I": "1",
    "8": "B",
    "B": "8",
    "5": "S",
    "S": "5",
    "2": "Z",
    "Z": "2",
    "6": "G",
    "G": "6",
    "K": "<",
    "<": "K",
}


@dataclass(frozen=True)
class _Field:
    name: str
    line: int
    start: int
    end: int
    kind: str  # A letters, N digits, X alphanumeric, C check digit, S sex


def _layout(mrz_type: str) -> list[_Field]:
    """Field positions of one MRZ format (ICAO 9303 parts 4-6)."""
    if mrz_type == "TD1":
        return [
            _Field("document_code", 0, 0, 2, "A"),
            _Field("issuing_country", 0, 2, 5, "A"),
            _Field("document_number", 0, 5, 14, "X"),
            _Field("document_number_check", 0, 14, 15, "C"),
            _Field("optional_data_1", 0, 15, 30, "X"),
            _Field("date_of_birth", 1, 0, 6, "N"),
            _Field("date_of_birth_check", 1, 6, 7, "C"),
            _Field("sex", 1, 7, 8, "S"),
            _Field("expiration_date", 1, 8, 14, "N"),
            _Field("expiration_date_check", 1, 14, 15, "C"),
            _Field("nationality", 1, 15, 18, "A"),
            _Field("optional_data_2", 1, 18, 29, "X"),
            _Field("composite_check", 1, 29, 30, "C"),
            _Field("names", 2, 0, 30, "A"),
        ]
    width = SHAPES[mrz_type][1]
    fields = [
        _Field("document_code", 0, 0, 2, "A"),
        _Field("issuing_country", 0, 2, 5, "A"),
        _Field("names", 0, 5, width, "A"),
        _Field("document_number", 1, 0, 9, "X"),
        _Field("document_number_check", 1, 9, 10, "C"),
        _Field("nationality", 1, 10, 13, "A"),
        _Field("date_of_birth", 1, 13, 19, "N"),
        _Field("date_of_birth_check", 1, 19, 20, "C"),
        _Field("sex", 1, 20, 21, "S"),
        _Field("expiration_date", 1, 21, 27, "N"),
        _Field("expiration_date_check", 1, 27, 28, "C"),
    ]
    if mrz_type == "TD3":
        fields += [
            _Field("personal_number", 1, 28, 42, "X"),
            _Field("personal_number_check", 1, 42, 43, "C"),
            _Field("composite_check", 1, 43, 44, "C"),
        ]
    elif mrz_type == "TD2":
        fields += [
            _Field("optional_data_2", 1, 28, 35, "X"),
            _Field("composite_check", 1, 35, 36, "C"),
        ]
    else:  # visas carry no composite check digit
        fields += [_Field("optional_data_2", 1, 28, width, "X")]
    return fields


def check_digit(text: str) -> str:
    """ICAO 9303 check digit of `text`: weights 7-3-1, letters A=10..Z=35, `<` = 0, mod 10."""
    total = 0
    for i, ch in enumerate(text):
        if ch.isdigit():
            value = int(ch)
        elif "A" <= ch <= "Z":
            value = ord(ch) - 55
        else:
            value = 0
        total += value * _WEIGHTS[i % 3]
    return str(total % 10)


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


def _fix_kind(text: str, kind: str) -> str:
    """Positional correction: letters in digit positions become digits and vice versa."""
    if kind in ("N", "C"):
        return "".join(_TO_DIGIT.get(ch, ch) for ch in text)
    if kind == "A":
        return "".join(_TO_LETTER.get(ch, ch) for ch in text)
    if kind == "S":
        return {"P": "F", "E": "F", "H": "M", "N": "M"}.get(text, text)
    return text


def _fix_fillers(line: str) -> str:
    """A `K` between two fillers is a misread filler (the two look alike in OCR-B)."""
    chars = list(line)
    for i in range(len(chars)):
        left = chars[i - 1] if i > 0 else "<"
        right = chars[i + 1] if i + 1 < len(chars) else "<"
        if chars[i] == "K" and left == "<" and right == "<":
            chars[i] = "<"
    return "".join(chars)


def _fix_name_separator(lines: _Lines, names: _Field) -> None:
    """Every name with given names has a `<<` separator; when OCR left none but reads `<K`
    (the commonest misreading of `<<`), the first `<K` is the separator."""
    text = lines.get(names)
    core = text.rstrip("<")
    if "<<" in core or "<K" not in core:
        return
    i = core.index("<K")
    lines.set(names, text[: i + 1] + "<" + text[i + 2 :])


_COUNTRY_LOOKALIKES = {"O": "DQ", "D": "O", "Q": "O", "U": "V", "V": "U", "I": "L", "L": "I"}


def _fix_country(lines: _Lines, f: _Field) -> None:
    """An unknown country code becomes the one known code a single look-alike swap gives."""
    code = lines.get(f)
    if is_known_country(code):
        return
    found = set()
    for i, ch in enumerate(code):
        for alt in _COUNTRY_LOOKALIKES.get(ch, ""):
            cand = code[:i] + alt + code[i + 1 :]
            if is_known_country(cand):
                found.add(cand)
    if len(found) == 1:
        lines.set(f, found.pop())


def _prefer_zero(mrz_type: str, lines: _Lines, fields: dict[str, _Field]) -> list[str]:
    """Letter O in a document number becomes digit 0 when every check still passes.

    Issuers avoid O in numbers; check digits cannot always tell the two apart (O and 0 differ
    by 24 x weight, which can vanish mod 10), so prefer the digit in that case.
    """
    f = fields["document_number"]
    text = lines.get(f)
    if "O" not in text:
        return []
    before = _field_checks(mrz_type, lines, fields)
    if not before["document_number"] or not before.get("composite", True):
        return []
    lines.set(f, text.replace("O", "0"))
    after = _field_checks(mrz_type, lines, fields)
    if after["document_number"] and after.get("composite", True):
        return ["document_number"]
    lines.set(f, text)
    return []


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


class _Lines:
    """Mutable MRZ lines with slicing by field."""

    def __init__(self, lines: list[str]) -> None:
        self.rows = [list(x) for x in lines]

    def get(self, f: _Field) -> str:
        return "".join(self.rows[f.line][f.start : f.end])

    def set(self, f: _Field, text: str) -> None:
        self.rows[f.line][f.start : f.end] = list(text)

    def text(self) -> list[str]:
        return ["".join(r) for r in self.rows]


def _document_number_parts(
    mrz_type: str, lines: _Lines, fields: dict[str, _Field]
) -> tuple[str, str]:
    """The document number and its check digit, following TD1's long-number extension."""
    number = lines.get(fields["document_number"])
    check = lines.get(fields["document_number_check"])
    if mrz_type == "TD1" and check == "<":
        extension = lines.get(fields["optional_data_1"]).split("<")[0]
        if len(extension) >= 2:
            return number + extension[:-1], extension[-1]
    return number, check


def _composite_text(mrz_type: str, rows: list[str]) -> str:
    """The characters the composite check digit covers."""
    if mrz_type == "TD1":
        return rows[0][5:30] + rows[1][0:7] + rows[1][8:15] + rows[1][18:29]
    if mrz_type == "TD2":
        return rows[1][0:10] + rows[1][13:20] + rows[1][21:35]
    return rows[1][0:10] + rows[1][13:20] + rows[1][21:43]


def _field_checks(mrz_type: str, lines: _Lines, fields: dict[str, _Field]) -> dict[str, bool]:
    """Every check digit's verdict on the lines as they are now."""
    checks: dict[str, bool] = {}
    number, digit = _document_number_parts(mrz_type, lines, fields)
    checks["document_number"] = check_digit(number) == digit
    for name in ("date_of_birth", "expiration_date"):
        checks[name] = check_digit(lines.get(fields[name])) == lines.get(fields[name + "_check"])
    if "personal_number" in fields:
        personal = lines.get(fields["personal_number"])
        digit = lines.get(fields["personal_number_check"])
        # An empty personal number may carry `<` or 0 as its check digit.
        empty = set(personal) <= {"<"} and digit in ("<", "0")
        checks["personal_number"] = empty or check_digit(personal) == digit
    if "composite_check" in fields:
        rows = lines.text()
        checks["composite"] = check_digit(_composite_text(mrz_type, rows)) == lines.get(
            fields["composite_check"]
        )
    return checks


def _candidates(text: str, max_changes: int = 2) -> list[str]:
    """Readings of `text` with up to `max_changes` ambiguous characters swapped, fewest first."""
    positions = [i for i, ch in enumerate(text) if ch in _AMBIGUOUS]
    out: list[str] = []
    for n in range(1, max_changes + 1):
        for combo in itertools.combinations(positions, n):
            for repl in itertools.product(*(_AMBIGUOUS[text[i]] for i in combo)):
                chars = list(text)
                for i, ch in zip(combo, repl, strict=True):
                    chars[i] = ch
                out.append("".join(chars))
    return out


def _repair(mrz_type: str, lines: _Lines, fields: dict[str, _Field]) -> list[str]:
    """Swap ambiguous characters of alphanumeric fields where the check digits choose one reading.

    A swap is kept only if it makes the field's own check pass and, where the format has a
    composite check digit, the composite too; so an MRZ printed with wrong digits stays invalid.
    """
    checks = _field_checks(mrz_type, lines, fields)
    failing = [n for n in ("document_number", "personal_number") if n in checks and not checks[n]]
    if not failing:
        return _repair_optional(mrz_type, lines, fields)
    options: dict[str, list[str]] = {}
    for name in failing:
        f = fields[name]
        original = lines.get(f)
        if (
            name == "document_number"
            and mrz_type == "TD1"
            and lines.get(fields["document_number_check"]) == "<"
        ):
            continue  # long numbers span two fields; not worth the combinatorics
        digit = lines.get(fields[name + "_check"])
        passing = [c for c in _candidates(original) if check_digit(c) == digit]
        if passing:
            options[name] = passing[:20]
    if not options:
        return _repair_optional(mrz_type, lines, fields)
    has_composite = "composite_check" in fields
    names = list(options)
    for combo in itertools.product(*(options[n] for n in names)):
        saved = {n: lines.get(fields[n]) for n in names}
        for n, value in zip(names, combo, strict=True):
            lines.set(fields[n], value)
        after = _field_checks(mrz_type, lines, fields)
        if not has_composite or after.get("composite", True):
            return names
        for n, value in saved.items():
            lines.set(fields[n], value)
    return []


def _repair_optional(mrz_type: str, lines: _Lines, fields: dict[str, _Field]) -> list[str]:
    """Optional data has no check digit of its own: repair one character only when every other
    check passes, the composite fails, and exactly one single swap makes the composite pass."""
    checks = _field_checks(mrz_type, lines, fields)
    if "composite" not in checks or checks["composite"]:
        return []
    if not all(ok for name, ok in checks.items() if name != "composite"):
        return []
    found: list[tuple[_Field, str]] = []
    for name in ("optional_data_1", "optional_data_2"):
        if name not in fields:
            continue
        f = fields[name]
        original = lines.get(f)
        for cand in _candidates(original, max_changes=1):
            lines.set(f, cand)
            if _field_checks(mrz_type, lines, fields)["composite"]:
                found.append((f, cand))
        lines.set(f, original)
    if len(found) > 1:
        # Prefer a swap whose neighbours are not digits: a lone "1" between fillers is an I.
        found = [(f, c) for f, c in found if _isolated_change(lines.get(f), c)]
    if len(found) != 1:
        return []
    lines.set(found[0][0], found[0][1])
    return [found[0][0].name]


def _isolated_change(before: str, after: str) -> bool:
    """Whether the one changed character has no digit on either side."""
    i = next(k for k, (a, b) in enumerate(zip(before, after, strict=True)) if a != b)
    neighbours = before[max(i - 1, 0) : i] + before[i + 1 : i + 2]
    return not any(ch.isdigit() for ch in neighbours)


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
    rows = [_fix_fillers(r) for r in rows]
    layout = _layout(mrz_type)
    fields = {f.name: f for f in layout}
    buf = _Lines(rows)
    for f in layout:
        if f.kind != "X":
            buf.set(f, _fix_kind(buf.get(f), f.kind))
    _fix_name_separator(buf, fields["names"])
    for name in ("issuing_country", "nationality"):
        _fix_country(buf, fields[name])
    # "IO" is no state's document code, while "ID" is the commonest: OCR turns D into O.
    if buf.get(fields["document_code"]) == "IO":
        buf.set(fields["document_code"], "ID")
    repaired = _repair(mrz_type, buf, fields)
    repaired += _prefer_zero(mrz_type, buf, fields)
    checks = _field_checks(mrz_type, buf, fields)

    surname, given = split_names(buf.get(fields["names"]))
    number, _ = _document_number_parts(mrz_type, buf, fields)
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
