"""A selfie in which a document is visible is refused (real images from ../shared/data)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from kyc.documents.ocr import OcrEngine
from kyc.documents.ocr import get_engine as get_ocr
from kyc.faces.calibration import load_labels
from kyc.faces.engine import FaceEngine
from kyc.faces.presentation import SelfieAttack
from kyc.faces.visible_document import find_document, is_mrz_line
from tests.conftest import shared_path
from tests.faces.compose import holding_document


@pytest.fixture(scope="module")
def ocr() -> OcrEngine:
    return get_ocr("rapidocr")


def _read(path: Path) -> np.ndarray:
    image = cv2.imread(str(path))
    assert image is not None, path
    return image


def _shared_image(*parts: str) -> np.ndarray:
    return _read(shared_path(*parts))


def _two_photos_of(faces_dir: Path, identity: str) -> tuple[np.ndarray, np.ndarray]:
    identity_of, _ = load_labels(faces_dir)
    first, second = sorted(n for n, i in identity_of.items() if i == identity)[:2]
    return _read(faces_dir / first), _read(faces_dir / second)


def _box(engine: FaceEngine, photo: np.ndarray) -> tuple[int, int, int, int]:
    face = engine.embed(photo, "selfie").face
    return face.left, face.top, face.right, face.bottom


def _jpeg(image: np.ndarray) -> np.ndarray:
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    decoded = cv2.imdecode(data, cv2.IMREAD_COLOR)
    assert decoded is not None
    return decoded


def test_mrz_lines_are_told_from_other_text() -> None:
    assert is_mrz_line("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<")
    assert is_mrz_line("L898902C36UT07408122F1204159ZE184226B<<<<<10")
    assert is_mrz_line("SPITERI«MANDY‹‹‹‹‹‹‹‹‹‹‹‹‹‹‹")  # OCR's look-alikes of the filler
    assert not is_mrz_line("Date of Birth/ Fecha de nacimiento")
    assert not is_mrz_line("<<<< >>>>")  # a pattern, too short to be a line
    assert not is_mrz_line("UTOPIA PASSPORT 12 AUGUST 1974 ZENITH")  # no fillers


@pytest.mark.parametrize(
    "name",
    [
        "arg0s1080__id_cards__Latvia.png",  # TD1
        "arg0s1080__other__TD2_ICAO_Example.png",  # TD2
        "arg0s1080__passports__Iceland.png",  # TD3
        "arg0s1080__visas__MRVA_ICAO_Example.png",  # visa
        "passporteye__100_pass-bdr.jpg",  # a photographed page, 1874 px
        "passporteye__0_pass-lva.jpg",  # an open passport photographed sideways
    ],
)
def test_an_mrz_document_as_the_selfie_shows_an_mrz(name: str, ocr: OcrEngine) -> None:
    found = find_document(_shared_image("mrz", "images", name), lambda: ocr)
    assert found is not None and found.sign == "mrz"


@pytest.mark.parametrize("name", ["pdf417-2/01.png", "pdf417-3/01.png"])
def test_a_barcode_image_as_the_selfie_shows_a_pdf417(name: str) -> None:
    found = find_document(_shared_image("pdf417", "zxing", name))
    assert found is not None and found.sign == "pdf417"


def test_no_shared_face_photo_shows_a_document(
    faces_dir: Path, image_names: list[str], ocr: OcrEngine
) -> None:
    """The screen refuses none of the 56 labelled photos (the OCR is offered, as in the engine)."""
    shown = [n for n in image_names if find_document(_read(faces_dir / n), lambda: ocr)]
    assert shown == []


@pytest.mark.parametrize(
    ("document", "angle"),
    [
        (("mrz", "images", "arg0s1080__passports__Iceland.png"), 4.0),
        (("mrz", "images", "passporteye__100_id-rou.jpg"), -6.0),
        (("pdf417", "zxing", "pdf417-2/05.png"), 0.0),  # read in the one pass over the frame
        (("pdf417", "zxing", "pdf417-2/05.png"), 5.0),  # too skewed for it: read in a crop
    ],
)
def test_a_photo_holding_a_document_is_refused(
    engine: FaceEngine, faces_dir: Path, document: tuple[str, ...], angle: float
) -> None:
    """A labelled photo with a shared document pasted beside the face, against another photo
    of the same person: the photo alone matches, holding the document it is refused."""
    reference, photo = _two_photos_of(faces_dir, "fr_biden")
    assert engine.compare_document_selfie(reference, photo).check.result == "match"
    shown = _shared_image(*document)
    held = _jpeg(holding_document(photo, shown, _box(engine, photo), angle=angle))
    with pytest.raises(SelfieAttack) as caught:
        engine.compare_document_selfie(reference, held)
    assert caught.value.code == "selfie_manipulated"
    assert caught.value.reason == "document_in_selfie"
    sign = "machine-readable zone" if document[0] == "mrz" else "PDF417"
    assert sign in str(caught.value.message)


def test_the_refusal_message_carries_no_document_data(engine: FaceEngine, faces_dir: Path) -> None:
    """The message is stored and shown: it names the sign, never what the MRZ says."""
    reference, photo = _two_photos_of(faces_dir, "fr_biden")
    passport = _shared_image("mrz", "images", "arg0s1080__passports__Iceland.png")
    with pytest.raises(SelfieAttack) as caught:
        engine.compare_document_selfie(reference, holding_document(photo, passport, (0, 0, 1, 1)))
    message = str(caught.value.message)
    assert "ISL" not in message and "<" not in message and "THURIDUR" not in message


def test_the_screen_runs_before_the_face_models(engine: FaceEngine) -> None:
    """A barcode alone as the selfie is `document_in_selfie`, not `no_face`."""
    barcode = _shared_image("pdf417", "zxing", "pdf417-3/03.png")
    passport = _shared_image("mrz", "images", "passporteye__100_pass-bdr.jpg")
    with pytest.raises(SelfieAttack) as caught:
        engine.compare_document_selfie(passport, barcode)
    assert caught.value.reason == "document_in_selfie"


@pytest.mark.parametrize("name", ["Texas.jpg", "Wisconsin.jpg"])  # not among the 12 tuned on
def test_a_licence_front_as_the_selfie_shows_a_card(name: str, ocr: OcrEngine) -> None:
    found = find_document(_shared_image("documents", "us_dl_specimens", name), lambda: ocr)
    assert found is not None and found.sign == "card"


def test_reading_a_band_leaves_the_shared_ocr_able_to_read_pages(ocr: OcrEngine) -> None:
    """The screen uses the worker's OCR engine: recognition alone must not switch off the text
    detection that `extract` needs afterwards (RapidOCR keeps the flags of the last call)."""
    page = _shared_image("mrz", "images", "arg0s1080__passports__Iceland.png")
    ocr.recognize(page[-60:, :])
    assert len(ocr.read(page)) >= 5
