"""OCR repairs of MRZ text: positional correction, look-alike swaps the check digits confirm.

Every repair here either follows from a position's type (digits in dates, letters in names) or is
kept only when the check digits single it out; none forces a failing check to pass.
"""

from __future__ import annotations

import itertools

from kyc.documents.countries import is_known_country
from kyc.documents.mrz_layout import Field, Lines, check_digit, field_checks

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


def fix_kind(text: str, kind: str) -> str:
    """Positional correction: letters in digit positions become digits and vice versa."""
    if kind in ("N", "C"):
        return "".join(_TO_DIGIT.get(ch, ch) for ch in text)
    if kind == "A":
        return "".join(_TO_LETTER.get(ch, ch) for ch in text)
    if kind == "D":
        return fix_kind(text[:1], "A") + text[1:]
    if kind == "S":
        return {"P": "F", "E": "F", "H": "M", "N": "M"}.get(text, text)
    return text


def fix_fillers(line: str) -> str:
    """A `K` between two fillers is a misread filler (the two look alike in OCR-B)."""
    chars = list(line)
    for i in range(len(chars)):
        left = chars[i - 1] if i > 0 else "<"
        right = chars[i + 1] if i + 1 < len(chars) else "<"
        if chars[i] == "K" and left == "<" and right == "<":
            chars[i] = "<"
    return "".join(chars)


def fix_name_separator(lines: Lines, names: Field) -> None:
    """Every name with given names has a `<<` separator; when OCR left none but reads `<K`
    (the commonest misreading of `<<`), the first `<K` is the separator."""
    text = lines.get(names)
    core = text.rstrip("<")
    if "<<" in core or "<K" not in core:
        return
    i = core.index("<K")
    lines.set(names, text[: i + 1] + "<" + text[i + 2 :])


_COUNTRY_LOOKALIKES = {"O": "DQ", "D": "O", "Q": "O", "U": "V", "V": "U", "I": "L", "L": "I"}


def fix_country(lines: Lines, f: Field) -> None:
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


def prefer_zero(mrz_type: str, lines: Lines, fields: dict[str, Field]) -> list[str]:
    """Letter O in a document number becomes digit 0 when every check still passes.

    Issuers avoid O in numbers; check digits cannot always tell the two apart (O and 0 differ
    by 24 x weight, which can vanish mod 10), so prefer the digit in that case.
    """
    f = fields["document_number"]
    text = lines.get(f)
    if "O" not in text:
        return []
    before = field_checks(mrz_type, lines, fields)
    if not before["document_number"] or not before.get("composite", True):
        return []
    lines.set(f, text.replace("O", "0"))
    after = field_checks(mrz_type, lines, fields)
    if after["document_number"] and after.get("composite", True):
        return ["document_number"]
    lines.set(f, text)
    return []


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


def repair(mrz_type: str, lines: Lines, fields: dict[str, Field]) -> list[str]:
    """Swap ambiguous characters of alphanumeric fields where the check digits choose one reading.

    A swap is kept only if it makes the field's own check pass and, where the format has a
    composite check digit, the composite too; so an MRZ printed with wrong digits stays invalid.
    """
    checks = field_checks(mrz_type, lines, fields)
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
        after = field_checks(mrz_type, lines, fields)
        if not has_composite or after.get("composite", True):
            return names
        for n, value in saved.items():
            lines.set(fields[n], value)
    return []


def _repair_optional(mrz_type: str, lines: Lines, fields: dict[str, Field]) -> list[str]:
    """Optional data has no check digit of its own: repair one character only when every other
    check passes, the composite fails, and exactly one single swap makes the composite pass."""
    checks = field_checks(mrz_type, lines, fields)
    if "composite" not in checks or checks["composite"]:
        return []
    if not all(ok for name, ok in checks.items() if name != "composite"):
        return []
    found: list[tuple[Field, str]] = []
    for name in ("optional_data_1", "optional_data_2"):
        if name not in fields:
            continue
        f = fields[name]
        original = lines.get(f)
        for cand in _candidates(original, max_changes=1):
            lines.set(f, cand)
            if field_checks(mrz_type, lines, fields)["composite"]:
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
