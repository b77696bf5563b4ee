"""National id numbers a document may carry beside its own number, in Stripe's three types.

Stripe's `id_number` is a Brazilian CPF, a Singapore NRIC/FIN or a US SSN. Documents carry them
in a few places: the MRZ optional data (personal number) of Brazilian and Singaporean documents,
and the AAMVA element DBK (Social Security number, optional since AAMVA 2000). A value is kept
only when its check digits pass, so OCR noise in an optional field never becomes an id number;
an SSN keeps only its last 4 digits, as Stripe returns it.
"""

from __future__ import annotations

import re
from typing import Any

from kyc.documents.models import IdNumberType

_NRIC = re.compile(r"[STFG]\d{7}[A-Z]")
# NRIC/FIN check letters by remainder: S and T numbers, then F and G (ICA's published scheme).
_NRIC_LETTERS = {"S": "JZIHGFEDCBA", "T": "JZIHGFEDCBA", "F": "XWUTRQPNMLK", "G": "XWUTRQPNMLK"}
_NRIC_WEIGHTS = (2, 7, 6, 5, 4, 3, 2)


def cpf_valid(digits: str) -> bool:
    """A Brazilian CPF: 11 digits whose last two are its mod-11 check digits."""
    if len(digits) != 11 or not digits.isdigit() or len(set(digits)) == 1:
        return False
    numbers = [int(c) for c in digits]
    for length in (9, 10):
        total = sum(n * (length + 1 - i) for i, n in enumerate(numbers[:length]))
        if total * 10 % 11 % 10 != numbers[length]:
            return False
    return True


def nric_valid(value: str) -> bool:
    """A Singapore NRIC or FIN (S/T/F/G series): prefix, 7 digits, check letter."""
    if not _NRIC.fullmatch(value):
        return False
    total = sum(w * int(d) for w, d in zip(_NRIC_WEIGHTS, value[1:8], strict=True))
    if value[0] in "TG":
        total += 4
    return _NRIC_LETTERS[value[0]][total % 11] == value[8]


def ssn_valid(digits: str) -> bool:
    """A US SSN as the SSA issues them: no area 000, 666 or 9xx, no group 00, no serial 0000."""
    if len(digits) != 9 or not digits.isdigit():
        return False
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


def from_mrz(
    optional_data: str | None, issuing_country: str | None
) -> tuple[str, IdNumberType] | None:
    """The CPF (BRA) or NRIC (SGP) in an MRZ's optional data, with its type."""
    text = (optional_data or "").replace(" ", "").replace("<", "").upper()
    if issuing_country == "BRA":
        for run in re.findall(r"\d{11}", text):
            if cpf_valid(run):
                return run, "br_cpf"
    if issuing_country == "SGP":
        for found in _NRIC.findall(text):
            if nric_valid(found):
                return found, "sg_nric"
    return None


def from_aamva(elements: dict[str, str]) -> tuple[str, IdNumberType] | None:
    """The last 4 digits of the SSN element DBK, when it holds a valid SSN."""
    digits = re.sub(r"[\s-]", "", elements.get("DBK", ""))
    return (digits[-4:], "us_ssn") if ssn_valid(digits) else None


def with_mrz_id_number(fields: dict[str, Any]) -> dict[str, Any]:
    """An MRZ's fields, with the id number its optional data may carry (CPF, NRIC)."""
    values = dict(fields)
    found = from_mrz(fields.get("optional_data"), fields.get("issuing_country"))
    if found:
        values["id_number"], values["id_number_type"] = found
    return values
