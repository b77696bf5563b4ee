"""The fields Stripe's objects carry beyond names and dates: the address in parts, the issue
date, the sex as printed, and national id numbers only when their check digits pass."""

from __future__ import annotations

from datetime import date

import pytest

from kyc.documents import aamva, id_numbers
from kyc.documents.extract import Sources, _merge, build_check
from kyc.documents.models import DocumentRules
from kyc.documents.ocr import TextLine
from kyc.documents.printed import read_printed
from kyc.objects.common import Address, address_of
from tests.conftest import shared_path

RULES = DocumentRules(today=date(2026, 12, 1))


def test_a_virginia_barcode_fills_the_address_parts_and_issue_date() -> None:
    payload = shared_path("pdf417", "aamva_payloads", "VA-21.txt").read_bytes()
    fields = build_check(Sources(barcode=aamva.parse(payload)), rules=RULES, engine="x").fields
    assert fields.postal_address is not None
    assert fields.postal_address.model_dump() == {
        "line1": "110 EAST MIDLAND TRL",
        "line2": None,
        "city": "LEXINGTON",
        "state": "VA",
        "postal_code": "24450-5700",
        "country": "US",
    }
    assert fields.address == "110 EAST MIDLAND TRL, LEXINGTON VA 24450-5700"
    assert fields.issue_date == date(2023, 5, 19)
    assert (fields.sex, fields.sex_as_printed) == ("M", "1")
    assert fields.id_number is None and fields.place_of_birth is None


def _payload(elements: str) -> bytes:
    """An AAMVA version 1 payload with one DL subfile holding `elements` (LF-separated)."""
    body = "DL" + elements + "\r"
    start = "@\n\x1e\rANSI 6360000101"  # issuer 636000, AAMVA version 01, one subfile
    offset = len(start) + 10  # after the one subfile designator (type, offset, length)
    return (start + f"DL{offset:04d}{len(body):04d}" + body).encode("latin-1")


def test_an_ssn_element_keeps_its_last_four_digits_only_when_valid() -> None:
    base = "DAQ123\nDCSDOE\nDACJANE\nDBB01021980\nDBA01022030\nDAGLINE 1\nDAHAPT 2\nDCIRICHMOND VA"
    record = aamva.parse(_payload(base + "\nDBK123456789"))
    fields = record.fields()
    assert (fields["id_number"], fields["id_number_type"]) == ("6789", "us_ssn")
    assert fields["place_of_birth"] == "RICHMOND VA"
    assert fields["postal_address"]["line2"] == "APT 2"  # type: ignore[index]
    for invalid in ("000456789", "666456789", "912456789", "123006789", "123450000", "12345"):
        assert aamva.parse(_payload(base + f"\nDBK{invalid}")).fields()["id_number"] is None


@pytest.mark.parametrize(
    ("value", "valid"),
    [("52998224725", True), ("52998224726", False), ("11111111111", False), ("5299822472", False)],
)
def test_cpf_check_digits(value: str, valid: bool) -> None:
    assert id_numbers.cpf_valid(value) is valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [("S1234567D", True), ("S1234567A", False), ("T1234567J", True), ("G1234567X", True)],
)
def test_nric_check_letters(value: str, valid: bool) -> None:
    assert id_numbers.nric_valid(value) is valid


def test_mrz_optional_data_gives_an_id_number_only_for_its_country() -> None:
    brazil = {"optional_data": "529982247 25", "issuing_country": "BRA"}
    assert id_numbers.with_mrz_id_number(brazil)["id_number"] == "52998224725"
    assert id_numbers.with_mrz_id_number(brazil)["id_number_type"] == "br_cpf"
    assert "id_number" not in id_numbers.with_mrz_id_number({**brazil, "issuing_country": "PRT"})
    assert "id_number" not in id_numbers.with_mrz_id_number(
        {**brazil, "optional_data": "52998224726"}
    )
    singapore = {"optional_data": "S1234567D", "issuing_country": "SGP"}
    assert id_numbers.with_mrz_id_number(singapore)["id_number_type"] == "sg_nric"


def _line(text: str, y: float) -> TextLine:
    box = [(10.0, y), (300.0, y), (300.0, y + 20), (10.0, y + 20)]
    return TextLine(text=text, score=0.95, box=box)


def test_a_printed_us_address_is_split_into_its_parts() -> None:
    printed = read_printed([_line("8 123 MAIN STREET", 100), _line("NEW YORK, NY 10001", 130)])
    assert printed.values["postal_address"] == {
        "line1": "123 MAIN STREET",
        "line2": None,
        "city": "NEW YORK",
        "state": "NY",
        "postal_code": "10001",
        "country": "US",
    }
    values, _ = _merge(Sources(printed=printed))
    assert values["address"] == "123 MAIN STREET, NEW YORK, NY 10001"
    assert values["postal_address"]["city"] == "NEW YORK"


def test_a_printed_issue_date_reaches_the_fields() -> None:
    printed = read_printed([_line("4a ISS 05/06/2023", 100), _line("4b EXP 05/06/2031", 130)])
    values, sources = _merge(Sources(printed=printed))
    assert values["issue_date"] == date(2023, 5, 6)
    assert sources["issue_date"].source == "printed"


def test_an_address_stored_before_its_parts_were_kept_is_shown_as_line1() -> None:
    legacy = {"address": "1 MAIN ST, SPRINGFIELD IL 62701"}
    assert address_of(legacy) == Address(line1="1 MAIN ST, SPRINGFIELD IL 62701")
    assert address_of({}) is None
