"""extract_document end to end on the generated specimen, and the rules on hand-made sources."""

from __future__ import annotations

from datetime import date

import cv2
import numpy as np
import pytest

from kyc.documents import aamva
from kyc.documents.extract import Sources, build_check, extract_document
from kyc.documents.models import DocumentRules
from kyc.documents.mrz import parse
from kyc.documents.mrz_locate import MrzCandidate
from kyc.documents.ocr import OcrEngine
from kyc.documents.printed import PrintedFields
from kyc.documents.specimen import make_selfie, render_specimen_passport, td3_lines
from kyc.errors import DocumentUnreadable

from .conftest import TODAY, shared_path


@pytest.fixture(scope="module")
def specimen() -> tuple[np.ndarray, dict]:
    return render_specimen_passport(expiration_date=date(2034, 6, 30))


def test_specimen_passport_is_read_and_verified(rapidocr: OcrEngine, specimen) -> None:
    page, truth = specimen
    check = extract_document(page, None, rules=DocumentRules(today=TODAY))
    assert check.status == "verified", check.checks
    assert check.document_type == "passport"
    assert check.issuing_country == "UTO"
    assert check.engine == "rapidocr"
    f = check.fields
    assert (f.surname, f.given_names) == (truth["surname"], truth["given_names"])
    assert f.document_number == truth["document_number"]
    assert f.date_of_birth == date(1985, 3, 14)
    assert f.expiration_date == date(2034, 6, 30)
    assert (f.sex, f.nationality) == ("F", "UTO")
    assert check.mrz is not None and check.mrz.valid and check.mrz.lines == truth["mrz_lines"]
    assert check.field_sources["document_number"].source == "mrz"
    assert [c.name for c in check.checks] == [
        "expiry",
        "minimum_age",
        "document_type",
        "check_digits",
        "cross_check",
    ]


def test_rules_give_the_first_failing_code(rapidocr: OcrEngine, specimen) -> None:
    page, _ = specimen
    later = DocumentRules(today=date(2035, 1, 1), minimum_age=60)
    check = extract_document(page, None, rules=later)
    assert check.status == "unverified"
    assert check.error_code == "document_expired"
    failed = [c.code for c in check.checks if not c.passed]
    assert failed == ["document_expired", "under_supported_age"]
    strict = DocumentRules(today=TODAY, allowed_types=["driving_license"])
    check = extract_document(page, None, rules=strict)
    assert check.error_code == "document_type_not_supported"


def test_selfie_is_not_a_document(rapidocr: OcrEngine) -> None:
    with pytest.raises(DocumentUnreadable):
        extract_document(make_selfie(), None, rules=DocumentRules(today=TODAY))


def _mrz_source(lines: list[str]) -> MrzCandidate:
    return MrzCandidate(parse(lines, today=TODAY), 2.0, 0.99)


def test_under_age_holder() -> None:
    lines = td3_lines(
        surname="ERIKSSON",
        given_names="LINA",
        document_number="UT1234567",
        nationality="UTO",
        issuing_country="UTO",
        date_of_birth=date(2012, 5, 1),
        expiration_date=date(2030, 5, 1),
        sex="F",
    )
    check = build_check(
        Sources(mrz=_mrz_source(lines)), rules=DocumentRules(today=TODAY), engine="x"
    )
    assert check.error_code == "under_supported_age"


def test_failed_check_digits_are_unverified() -> None:
    lines = td3_lines(
        surname="ERIKSSON",
        given_names="ANNA",
        document_number="UT1234567",
        nationality="UTO",
        issuing_country="UTO",
        date_of_birth=date(1980, 5, 1),
        expiration_date=date(2030, 5, 1),
        sex="F",
    )
    tampered = [lines[0], lines[1][:13] + "810501" + lines[1][19:]]  # birth year changed
    check = build_check(
        Sources(mrz=_mrz_source(tampered)), rules=DocumentRules(today=TODAY), engine="x"
    )
    assert check.status == "unverified"
    assert check.error_code == "document_unverified_other"
    assert "date_of_birth" in (check.error_reason or "")
    assert check.mrz is not None and not check.mrz.valid


def test_mrz_and_printed_name_mismatch_is_caught() -> None:
    lines = td3_lines(
        surname="ERIKSSON",
        given_names="ANNA",
        document_number="UT1234567",
        nationality="UTO",
        issuing_country="UTO",
        date_of_birth=date(1980, 5, 1),
        expiration_date=date(2030, 5, 1),
        sex="F",
    )
    printed = PrintedFields()
    printed.set("surname", "JOHANSSON", 0.9)
    check = build_check(
        Sources(mrz=_mrz_source(lines), printed=printed),
        rules=DocumentRules(today=TODAY),
        engine="x",
    )
    assert check.error_code == "document_unverified_other"
    assert "surname" in (check.error_reason or "")
    # A one-letter OCR slip in the printed name is not a mismatch.
    printed = PrintedFields()
    printed.set("surname", "ERIKSS0N", 0.9)
    check = build_check(
        Sources(mrz=_mrz_source(lines), printed=printed),
        rules=DocumentRules(today=TODAY),
        engine="x",
    )
    assert check.status == "verified"


def test_barcode_against_front_and_licence_type() -> None:
    root = shared_path("pdf417", "aamva_payloads")
    record = aamva.parse((root / "VA-REAL-21.txt").read_bytes())
    rules = DocumentRules(today=date(2026, 1, 1))
    check = build_check(Sources(barcode=record), rules=rules, engine="x")
    assert check.status == "verified", check.checks
    assert check.document_type == "driving_license"
    assert check.fields.document_number == "T16700285"
    assert check.field_sources["surname"].source == "barcode"
    assert check.barcode is not None and check.barcode["DAQ"] == "T16700285"
    printed = PrintedFields()
    printed.set("date_of_birth", date(1987, 5, 1), 0.85)
    check = build_check(Sources(barcode=record, printed=printed), rules=rules, engine="x")
    assert check.error_code == "document_unverified_other"
    assert "date_of_birth" in (check.error_reason or "")


def test_licence_front_with_printed_fields_only(rapidocr: OcrEngine) -> None:
    img = cv2.imread(str(shared_path("documents", "us_dl_specimens", "Arizona_s.jpg")))
    check = extract_document(img, None, rules=DocumentRules(today=date(2020, 1, 1)))
    assert check.document_type == "driving_license"
    assert check.issuing_country == "USA"
    assert check.fields.date_of_birth == date(1974, 1, 1)
    assert check.fields.expiration_date == date(2024, 3, 1)
    assert check.fields.document_number == "D08954796"
    assert check.field_sources["date_of_birth"].source == "printed"
    assert check.mrz is None and check.barcode is None
    assert check.status == "verified", check.checks


def _licence_back(payload: bytes, angle: float) -> np.ndarray:
    """A licence back: the payload as a PDF417 symbol on a card, turned by `angle` degrees."""
    import zxingcpp

    from kyc.documents.pdf417 import _rotate

    symbol = np.array(
        zxingcpp.write_barcode_to_image(
            zxingcpp.create_barcode(payload, zxingcpp.BarcodeFormat.PDF417), scale=3
        )
    )
    card = np.full((700, 1100), 235, np.uint8)
    h, w = symbol.shape
    card[300 : 300 + h, 120 : 120 + w] = symbol
    return cv2.cvtColor(_rotate(card, angle), cv2.COLOR_GRAY2BGR)


def test_back_barcode_is_decoded_and_checked_against_the_front(rapidocr: OcrEngine) -> None:
    payload = (shared_path("pdf417", "aamva_payloads") / "VA-REAL-21.txt").read_bytes()
    back = _licence_back(payload, 8.0)
    # The Arizona sample front belongs to someone else: the barcode must win and the
    # cross-check must catch the different date of birth.
    front = cv2.imread(str(shared_path("documents", "us_dl_specimens", "Arizona_s.jpg")))
    check = extract_document(front, back, rules=DocumentRules(today=date(2026, 1, 1)))
    assert check.barcode is not None and check.barcode["DAQ"] == "T16700285"
    assert check.document_type == "driving_license"
    assert check.fields.surname == "REYES"
    assert check.fields.date_of_birth == date(1987, 1, 5)
    assert check.field_sources["date_of_birth"].source == "barcode"
    assert check.status == "unverified"
    assert check.error_code == "document_unverified_other"
    assert "date_of_birth on the barcode differs" in (check.error_reason or "")
