"""Generated specimen documents for demos and tests (no real person's document is bundled).

`render_specimen_passport()` draws an ICAO TD3 data page for a fictional holder of Utopia (ICAO's
specimen state) around a public-domain portrait: scikit-image's `astronaut()` (NASA photograph of
Eileen Collins). `make_selfie()` makes a selfie-like photo of the same person.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kyc.documents.mrz import check_digit

if TYPE_CHECKING:
    import numpy as np

_MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
# The face box of skimage's astronaut() (x, y, w, h), found with OpenCV's frontal-face cascade.
_ASTRONAUT_FACE = (177, 66, 95, 95)


def _font(size: int, *, mono: bool = False, bold: bool = False) -> Any:
    """A TrueType font: DejaVu where installed (monospace stands in for OCR-B), else Pillow's."""
    from PIL import ImageFont

    name = "DejaVuSans" + ("Mono" if mono else "") + ("-Bold" if bold else "") + ".ttf"
    try:
        return ImageFont.truetype(str(_FONT_DIR / name), size)
    except OSError:
        return ImageFont.load_default(size)


def _mrz_name(surname: str, given_names: str, width: int) -> str:
    name = surname.replace(" ", "<") + "<<" + given_names.replace(" ", "<")
    return (name + "<" * width)[:width]


def _yymmdd(d: date) -> str:
    return d.strftime("%y%m%d")


def td3_lines(
    *,
    surname: str,
    given_names: str,
    document_number: str,
    nationality: str,
    issuing_country: str,
    date_of_birth: date,
    expiration_date: date,
    sex: str,
    personal_number: str = "",
) -> list[str]:
    """The two 44-character lines of a TD3 (passport) MRZ with correct check digits."""
    line1 = "P<" + issuing_country.ljust(3, "<") + _mrz_name(surname, given_names, 39)
    number = document_number.ljust(9, "<")[:9]
    personal = personal_number.ljust(14, "<")[:14]
    personal_check = check_digit(personal) if personal_number else "<"
    birth, expiry = _yymmdd(date_of_birth), _yymmdd(expiration_date)
    line2 = (
        number
        + check_digit(number)
        + nationality.ljust(3, "<")
        + birth
        + check_digit(birth)
        + sex
        + expiry
        + check_digit(expiry)
        + personal
        + personal_check
    )
    composite = line2[0:10] + line2[13:20] + line2[21:43]
    return [line1, line2 + check_digit(composite)]


def _printed_date(d: date) -> str:
    return f"{d.day:02d} {_MONTHS[d.month - 1]} {d.year}"


def _astronaut_bgr() -> np.ndarray:
    from skimage import data

    return data.astronaut()[:, :, ::-1].copy()


def render_specimen_passport(
    *,
    surname: str = "ERIKSSON",
    given_names: str = "ANNA MARIA",
    document_number: str = "UT4829173",
    nationality: str = "UTO",
    issuing_country: str = "UTO",
    date_of_birth: date = date(1985, 3, 14),
    expiration_date: date | None = None,
    date_of_issue: date | None = None,
    sex: str = "F",
    portrait: np.ndarray | None = None,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Render a specimen TD3 passport data page (BGR, 1250x880) and return it with its truth.

    The page carries a header, a portrait, labelled printed fields and a valid MRZ. The truth
    dict holds the fields as `DocumentFields` names (ISO dates) plus `mrz_lines`.
    """
    import cv2
    import numpy as np
    from PIL import Image, ImageDraw

    today = date.today()
    issue = date_of_issue or today - timedelta(days=200)
    expiry = expiration_date or issue.replace(year=issue.year + 10) - timedelta(days=1)
    width, height = 1250, 880
    # Pale security-paper background with a few guilloche curves.
    page = np.zeros((height, width, 3), np.uint8)
    ramp = np.linspace(0, 1, width, dtype=np.float32)
    page[:] = np.stack([236 - 12 * ramp, 240 - 4 * ramp, 228 + 8 * ramp], axis=-1)[None]
    xs = np.arange(width)
    for k in range(14):
        ys = (height * 0.45 + 180 * np.sin(xs / (70 + 9 * k) + k)).astype(np.int32)
        pts = np.stack([xs, ys], axis=1).reshape(-1, 1, 2)
        cv2.polylines(page, [pts], False, (214, 222, 205), 1, cv2.LINE_AA)
    # MRZ zone stays plain, as on real documents.
    page[700:, :] = (245, 245, 242)

    face = portrait if portrait is not None else _astronaut_bgr()
    if portrait is None:
        fx, fy, fw, fh = _ASTRONAUT_FACE
        face = face[max(fy - 60, 0) : fy + fh + 120, max(fx - 57, 0) : fx + fw + 58]
    face = cv2.resize(face, (330, 430), interpolation=cv2.INTER_AREA)
    page[190:620, 50:380] = face

    img = Image.fromarray(page[:, :, ::-1])
    draw = ImageDraw.Draw(img)
    ink, label_ink = (20, 24, 40), (70, 80, 110)
    draw.text((50, 40), "UTOPIA", font=_font(54, bold=True), fill=ink)
    draw.text((430, 52), "PASSPORT / PASSEPORT", font=_font(38, bold=True), fill=ink)
    label, value = _font(20), _font(31, bold=True)
    rows = [
        [("Type / Type", "P"), ("Code / Code", issuing_country), ("Passport No.", document_number)],
        [("Surname / Nom", surname)],
        [("Given names / Prénoms", given_names)],
        [("Nationality / Nationalité", "UTOPIAN" if nationality == "UTO" else nationality)],
        [("Date of birth / Date de naissance", _printed_date(date_of_birth)), ("Sex / Sexe", sex)],
        [("Date of issue / Date de délivrance", _printed_date(issue)), ("Authority", "ZENITH")],
        [("Date of expiry / Date d'expiration", _printed_date(expiry))],
    ]
    y = 130
    for row in rows:
        x = 420
        for caption, text in row:
            draw.text((x, y), caption, font=label, fill=label_ink)
            draw.text((x, y + 24), text, font=value, fill=ink)
            x += 300 if len(row) > 2 else 470
        y += 78
    lines = td3_lines(
        surname=surname,
        given_names=given_names,
        document_number=document_number,
        nationality=nationality,
        issuing_country=issuing_country,
        date_of_birth=date_of_birth,
        expiration_date=expiry,
        sex=sex,
    )
    mrz_font = _font(44, mono=True)
    for i, line in enumerate(lines):
        draw.text((40, 730 + i * 66), line, font=mrz_font, fill=(10, 10, 10))
    out = np.ascontiguousarray(np.array(img)[:, :, ::-1])
    truth: dict[str, Any] = {
        "document_type": "passport",
        "issuing_country": issuing_country,
        "surname": surname,
        "given_names": given_names,
        "document_number": document_number,
        "nationality": nationality,
        "date_of_birth": date_of_birth.isoformat(),
        "expiration_date": expiry.isoformat(),
        "sex": sex,
        "mrz_lines": lines,
    }
    return out, truth


def make_selfie(portrait: np.ndarray | None = None) -> np.ndarray:
    """A selfie-like photo of the specimen's holder: the face larger, shifted, a little brighter,
    on a 720x960 canvas. Exactly one face."""
    import cv2
    import numpy as np

    src = portrait if portrait is not None else _astronaut_bgr()
    h, w = src.shape[:2]
    if portrait is None:
        fx, fy, fw, fh = _ASTRONAUT_FACE
        src = src[0 : min(fy + fh + 260, h), max(fx - 150, 0) : min(fx + fw + 150, w)]
    scaled = cv2.resize(src, None, fx=1.6, fy=1.6, interpolation=cv2.INTER_CUBIC)
    brighter = cv2.convertScaleAbs(scaled, alpha=1.06, beta=12)
    canvas = np.full((960, 720, 3), (188, 196, 205), np.uint8)
    sh, sw = brighter.shape[:2]
    top, left = 140, max((720 - sw) // 2 + 30, 0)
    sh, sw = min(sh, 960 - top), min(sw, 720 - left)
    canvas[top : top + sh, left : left + sw] = brighter[:sh, :sw]
    return canvas
