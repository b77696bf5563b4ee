"""Shared fixtures for the document engine: one OCR engine per session, ground-truth loaders."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from kyc.documents.ocr import OcrEngine, get_engine

try:
    from tests.conftest import shared_path
except ImportError:  # `pytest` puts tests/ itself on sys.path when tests/ is no package
    from conftest import shared_path  # type: ignore[no-redef]

# Specimens date from 1996-2023: judge their dates as of a fixed day so tests never drift.
TODAY = date(2026, 11, 24)


@dataclass(frozen=True)
class MrzTruth:
    image: Path
    mrz_type: str
    lines: list[str]
    check_digits_valid: bool | None


def load_mrz_truth() -> list[MrzTruth]:
    """Rows of ../shared/data/mrz/ground_truth.csv that carry MRZ text."""
    root = shared_path("mrz")
    out = []
    with (root / "ground_truth.csv").open(newline="") as fh:
        for row in csv.DictReader(fh):
            lines = [row[k] for k in ("line1", "line2", "line3") if row[k]]
            if not lines:
                continue
            valid = {"true": True, "false": False}.get(row["check_digits_valid"])
            out.append(MrzTruth(root / row["image"], row["mrz_type"], lines, valid))
    return out


@pytest.fixture(scope="session")
def rapidocr() -> OcrEngine:
    """The default engine, loaded once for the whole session."""
    return get_engine("rapidocr")
