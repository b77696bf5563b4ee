"""`kyc extract` through its own argparse parser (kyc/cli.py also wires the other engines)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import pytest

from kyc.documents.cli import register
from kyc.documents.ocr import OcrEngine
from kyc.documents.specimen import render_specimen_passport


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="kyc")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


def test_extract_json_lines(
    rapidocr: OcrEngine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page, truth = render_specimen_passport()
    good = tmp_path / "passport.png"
    cv2.imwrite(str(good), page)
    missing = tmp_path / "missing.png"
    code = _run(["extract", str(good), str(missing), "--json", "--today", "2026-11-24"])
    out, err = capsys.readouterr()
    results = [json.loads(line) for line in out.splitlines()]
    assert code == 1  # one image could not be read
    assert "[2/2]" in err
    first, second = results
    assert first["image"] == str(good)
    assert first["document_type"] == "passport"
    assert first["issuing_country"] == "UTO"
    assert first["mrz"]["type"] == "TD3" and first["mrz"]["valid"] is True
    assert first["mrz"]["lines"] == truth["mrz_lines"]
    assert first["fields"]["date_of_birth"] == "1985-03-14"
    assert first["fields"]["surname"] == "ERIKSSON"
    assert first["barcode"] is None and first["error"] is None
    assert {c["name"] for c in first["checks"]} >= {"expiry", "check_digits"}
    assert first["timings_ms"]["total"] > 0
    assert second["error"]["code"] == "parameter_invalid"


def test_extract_table(
    rapidocr: OcrEngine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page, _ = render_specimen_passport()
    path = tmp_path / "p.png"
    cv2.imwrite(str(path), page)
    assert _run(["extract", str(path)]) == 0
    out = capsys.readouterr().out
    assert "TD3 valid" in out
    assert "ERIKSSON" in out


def test_missing_engine_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Tesseract is optional and not installed here: a clear message, not a traceback.
    assert _run(["extract", str(tmp_path / "x.png"), "--engine", "tesseract"]) == 2
    assert "tesseract" in capsys.readouterr().err
