"""EasyOCR is a first-class engine: offline weights, same interface, reads the specimen."""

from __future__ import annotations

import os
from datetime import date

import pytest

from kyc.documents.extract import extract_document
from kyc.documents.models import DocumentRules
from kyc.documents.ocr import get_engine
from kyc.documents.specimen import render_specimen_passport

from .conftest import TODAY


@pytest.mark.slow
def test_easyocr_reads_the_specimen_offline(tmp_path_factory: pytest.TempPathFactory) -> None:
    os.environ.setdefault("EASYOCR_MODULE_PATH", str(tmp_path_factory.mktemp("easyocr")))
    engine = get_engine("easyocr")
    assert engine.name == "easyocr"
    assert get_engine("easyocr") is engine  # loaded once per process
    page, truth = render_specimen_passport(expiration_date=date(2034, 6, 30))
    check = extract_document(page, None, rules=DocumentRules(today=TODAY), engine="easyocr")
    assert check.engine == "easyocr"
    assert check.mrz is not None and check.mrz.lines == truth["mrz_lines"]
    assert check.status == "verified", check.checks
