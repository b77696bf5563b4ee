"""ICAO 9303 MRZ layouts: where each field sits in each format, and the check-digit verdicts."""

from __future__ import annotations

from dataclasses import dataclass

# Lengths and line counts of each format: (lines, characters per line).
SHAPES: dict[str, tuple[int, int]] = {
    "TD1": (3, 30),
    "TD2": (2, 36),
    "TD3": (2, 44),
    "MRVA": (2, 44),
    "MRVB": (2, 36),
}

_WEIGHTS = (7, 3, 1)


@dataclass(frozen=True)
class Field:
    name: str
    line: int
    start: int
    end: int
    # A letters, N digits, X alphanumeric, C check digit, S sex, D document code (a letter, then
    # the issuer's choice: US permanent resident cards use "C1").
    kind: str


def layout(mrz_type: str) -> list[Field]:
    """Field positions of one MRZ format (ICAO 9303 parts 4-6)."""
    if mrz_type == "TD1":
        return [
            Field("document_code", 0, 0, 2, "D"),
            Field("issuing_country", 0, 2, 5, "A"),
            Field("document_number", 0, 5, 14, "X"),
            Field("document_number_check", 0, 14, 15, "C"),
            Field("optional_data_1", 0, 15, 30, "X"),
            Field("date_of_birth", 1, 0, 6, "N"),
            Field("date_of_birth_check", 1, 6, 7, "C"),
            Field("sex", 1, 7, 8, "S"),
            Field("expiration_date", 1, 8, 14, "N"),
            Field("expiration_date_check", 1, 14, 15, "C"),
            Field("nationality", 1, 15, 18, "A"),
            Field("optional_data_2", 1, 18, 29, "X"),
            Field("composite_check", 1, 29, 30, "C"),
            Field("names", 2, 0, 30, "A"),
        ]
    width = SHAPES[mrz_type][1]
    fields = [
        Field("document_code", 0, 0, 2, "A"),
        Field("issuing_country", 0, 2, 5, "A"),
        Field("names", 0, 5, width, "A"),
        Field("document_number", 1, 0, 9, "X"),
        Field("document_number_check", 1, 9, 10, "C"),
        Field("nationality", 1, 10, 13, "A"),
        Field("date_of_birth", 1, 13, 19, "N"),
        Field("date_of_birth_check", 1, 19, 20, "C"),
        Field("sex", 1, 20, 21, "S"),
        Field("expiration_date", 1, 21, 27, "N"),
        Field("expiration_date_check", 1, 27, 28, "C"),
    ]
    if mrz_type == "TD3":
        fields += [
            Field("personal_number", 1, 28, 42, "X"),
            Field("personal_number_check", 1, 42, 43, "C"),
            Field("composite_check", 1, 43, 44, "C"),
        ]
    elif mrz_type == "TD2":
        fields += [
            Field("optional_data_2", 1, 28, 35, "X"),
            Field("composite_check", 1, 35, 36, "C"),
        ]
    else:  # visas carry no composite check digit
        fields += [Field("optional_data_2", 1, 28, width, "X")]
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


class Lines:
    """Mutable MRZ lines with slicing by field."""

    def __init__(self, lines: list[str]) -> None:
        self.rows = [list(x) for x in lines]

    def get(self, f: Field) -> str:
        return "".join(self.rows[f.line][f.start : f.end])

    def set(self, f: Field, text: str) -> None:
        self.rows[f.line][f.start : f.end] = list(text)

    def text(self) -> list[str]:
        return ["".join(r) for r in self.rows]


def document_number_parts(mrz_type: str, lines: Lines, fields: dict[str, Field]) -> tuple[str, str]:
    """The document number and its check digit, following TD1's long-number extension."""
    number = lines.get(fields["document_number"])
    check = lines.get(fields["document_number_check"])
    if mrz_type == "TD1" and check == "<":
        extension = lines.get(fields["optional_data_1"]).split("<")[0]
        if len(extension) >= 2:
            return number + extension[:-1], extension[-1]
    return number, check


def composite_text(mrz_type: str, rows: list[str]) -> str:
    """The characters the composite check digit covers."""
    if mrz_type == "TD1":
        return rows[0][5:30] + rows[1][0:7] + rows[1][8:15] + rows[1][18:29]
    if mrz_type == "TD2":
        return rows[1][0:10] + rows[1][13:20] + rows[1][21:35]
    return rows[1][0:10] + rows[1][13:20] + rows[1][21:43]


def field_checks(mrz_type: str, lines: Lines, fields: dict[str, Field]) -> dict[str, bool]:
    """Every check digit's verdict on the lines as they are now."""
    checks: dict[str, bool] = {}
    number, digit = document_number_parts(mrz_type, lines, fields)
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
        checks["composite"] = check_digit(composite_text(mrz_type, rows)) == lines.get(
            fields["composite_check"]
        )
    return checks
