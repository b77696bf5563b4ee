"""AAMVA payload parsing: the Virginia sample payloads field by field, versions and date orders."""

from __future__ import annotations

import csv
import json
from datetime import date

import pytest

from kyc.documents.aamva import AamvaError, parse, parse_date

from .conftest import shared_path


def test_virginia_payloads_parse_to_exactly_the_expected_fields() -> None:
    root = shared_path("pdf417")
    with (root / "aamva_payloads" / "expected_fields.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 4
    for row in rows:
        record = parse((root / row["file"]).read_bytes())
        assert record.issuer_id == row["issuer_id"]
        assert record.aamva_version == int(row["aamva_version"])
        assert record.jurisdiction_version == row["jurisdiction_version"]
        assert record.number_of_entries == int(row["number_of_entries"])
        assert record.document_subfile == row["subfile"]
        assert record.elements == json.loads(row["all_elements_json"])
        fields = record.fields()
        assert fields["surname"] == row["DCS_family"]
        assert fields["given_names"] == f"{row['DAC_first']} {row['DAD_middle']}"
        assert fields["document_number"] == row["DAQ_id_number"]
        born = row["DBB_dob_MMDDCCYY"]
        assert fields["date_of_birth"] == date(int(born[4:]), int(born[:2]), int(born[2:4]))
        assert fields["sex"] == {"1": "M", "2": "F"}[row["DBC_sex"]]
        assert fields["issuing_country"] == "USA"


def _payload(version: str, body: str, *, jurisdiction: bool = True) -> bytes:
    header = "@\n\x1e\rANSI 636012" + version + ("00" if jurisdiction else "") + "01"
    offset = len(header) + 10
    designator = f"DL{offset:04d}{len(body) + 2:04d}"
    return (header + designator + "DL" + body).encode()


def test_canadian_dates_are_ccyymmdd() -> None:
    body = "DAQX1234-5678\nDCSMARTIN\nDACSARAH\nDBB19850314\nDBA20300314\nDBC2\nDCGCAN\r"
    record = parse(_payload("08", body))
    assert record.is_canadian
    assert record.fields()["date_of_birth"] == date(1985, 3, 14)
    assert record.fields()["expiration_date"] == date(2030, 3, 14)
    assert record.fields()["sex"] == "F"


def test_version_1_full_name_and_no_jurisdiction_version() -> None:
    body = "DAADOE,JOHN,Q\nDAQ123456789\nDBB07041970\nDBA07042030\nDBCM\nDAJMI\r"
    record = parse(_payload("01", body, jurisdiction=False))
    assert record.aamva_version == 1 and record.jurisdiction_version is None
    fields = record.fields()
    assert (fields["surname"], fields["given_names"]) == ("DOE", "JOHN Q")
    # Issuer 636012 is Ontario, but a version-1 US-style date decides by plausibility.
    assert fields["date_of_birth"] == date(1970, 7, 4)


def test_us_dates_are_mmddccyy() -> None:
    assert parse_date("03231950", canadian=False) == date(1950, 3, 23)
    assert parse_date("19500323", canadian=True) == date(1950, 3, 23)
    assert parse_date("1950032", canadian=False) is None


def test_not_aamva_raises() -> None:
    with pytest.raises(AamvaError):
        parse(b"hello world")
