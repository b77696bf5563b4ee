"""Find and read the MRZ in a photo or scan.

1. OCR the whole image and keep the lines that look like MRZ text (long runs of capitals, digits
   and `<` fillers). Most clean scans are done here.
2. If that does not give an MRZ whose check digits pass, cut the MRZ band out along its own angle
   (any rotation, a few degrees of skew), upscale it and OCR it again, upright and upside down.
3. If no MRZ-like text was found at all, try the image turned by 90°, 270° and 180°.

Among all readings, the one with the most passing checks wins; line lengths are fitted to the
format (OCR drops or adds `<` fillers) before parsing.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from kyc.documents.mrz import SHAPES, MrzResult, normalise_line, parse
from kyc.documents.ocr import OcrEngine, TextLine

if TYPE_CHECKING:
    import numpy as np


MRZ_CHARSET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"


@dataclass
class MrzCandidate:
    """One MRZ reading and how it scored."""

    result: MrzResult
    score: float
    ocr_confidence: float


def _is_mrz_like(text: str) -> bool:
    t = normalise_line(text)
    if len(t) < 10:
        return False
    fillers = t.count("<")
    if fillers >= 2 and len(t) >= 10:
        return True
    digits = sum(ch.isdigit() for ch in t)
    # A data line without fillers (e.g. long optional data): long, dense, with many digits.
    return len(t) >= 26 and " " not in text.strip() and digits >= 8


def _group_lines(lines: list[TextLine]) -> list[tuple[str, float, list[TextLine]]]:
    """Join MRZ-like boxes into text rows (a row may be split into several boxes)."""
    if not lines:
        return []
    # Reading direction from the longest box; rows are clustered across it.
    ux, uy = max(lines, key=lambda t: t.width).direction
    vx, vy = -uy, ux
    heights = sorted(t.height for t in lines)
    h = max(heights[len(heights) // 2], 1.0)
    items = []
    for t in lines:
        cx, cy = t.center
        items.append((cx * vx + cy * vy, cx * ux + cy * uy, t))
    items.sort(key=lambda i: i[0])
    rows: list[list[tuple[float, float, TextLine]]] = []
    for item in items:
        if rows and abs(item[0] - rows[-1][-1][0]) < 0.6 * h:
            rows[-1].append(item)
        else:
            rows.append([item])
    out = []
    for row in rows:
        row.sort(key=lambda i: i[1])
        text = "".join(normalise_line(i[2].text) for i in row)
        score = min(i[2].score for i in row)
        out.append((text, score, [i[2] for i in row]))
    return out


def _fit_length(line: str, width: int) -> list[str]:
    """Variants of `line` with exactly `width` characters, changing only filler runs."""
    if len(line) == width:
        return [line]
    if abs(len(line) - width) > 6:
        return []
    out = []
    if len(line) > width:
        extra = len(line) - width
        if line.endswith("<" * extra):
            out.append(line[:width])
        # Shrink the longest internal run of fillers.
        runs = [(m, n) for m, n in _filler_runs(line) if n - m > extra]
        if runs:
            m, _ = max(runs, key=lambda r: r[1] - r[0])
            out.append(line[:m] + line[m + extra :])
        if not out:
            out.append(line[:width])
    else:
        missing = width - len(line)
        out.append(line + "<" * missing)
        runs = list(_filler_runs(line))
        if runs:
            m, _ = max(runs, key=lambda r: r[1] - r[0])
            out.append(line[:m] + "<" * missing + line[m:])
    return list(dict.fromkeys(out))


def _filler_runs(line: str) -> list[tuple[int, int]]:
    runs = []
    i = 0
    while i < len(line):
        if line[i] == "<":
            j = i
            while j < len(line) and line[j] == "<":
                j += 1
            runs.append((i, j))
            i = j
        else:
            i += 1
    return runs


def _score(result: MrzResult) -> float:
    passed = sum(result.checks.values())
    return passed / max(len(result.checks), 1) + (1.0 if result.valid else 0.0)


def best_reading(rows: list[tuple[str, float]], *, today: date) -> MrzCandidate | None:
    """The best-scoring MRZ among consecutive rows of OCR text, fitted to each format."""
    best: MrzCandidate | None = None
    for count in (3, 2):
        for start in range(0, len(rows) - count + 1):
            group = rows[start : start + count]
            for mrz_type, (n, width) in SHAPES.items():
                if n != count or mrz_type in ("MRVA", "MRVB"):
                    continue  # visas share TD3/TD2 shapes; `parse` tells them apart
                texts = [g[0] for g in group]
                if not all(abs(len(t) - width) <= 6 for t in texts):
                    continue
                conf = min(g[1] for g in group)
                variants = [_fit_length(t, width) for t in texts]
                for combo in itertools.islice(itertools.product(*variants), 16):
                    try:
                        result = parse(list(combo), today=today, ocr_confidence=conf)
                    except ValueError:
                        continue
                    cand = MrzCandidate(result, _score(result) + 0.01 * conf, conf)
                    if best is None or cand.score > best.score:
                        best = cand
    return best


def _rows_from(lines: list[TextLine]) -> tuple[list[tuple[str, float]], list[TextLine]]:
    mrz_lines = [t for t in lines if _is_mrz_like(t.text)]
    grouped = _group_lines(mrz_lines)
    rows = [(text, score) for text, score, _ in grouped]
    return rows, mrz_lines


def _best_of(rows: list[tuple[str, float]], today: date) -> MrzCandidate | None:
    """Rows as read, and reversed (an upside-down band lists its rows bottom first)."""
    best = best_reading(rows, today=today)
    if best is None or not best.result.valid:
        rev = best_reading(rows[::-1], today=today)
        if rev is not None and (best is None or rev.score > best.score):
            best = rev
    return best


def _crop_band(
    img: np.ndarray, boxes: list[TextLine], scale: float, *, rows_found: int = 3
) -> np.ndarray | None:
    """The MRZ band cut out along its own angle, upright, with lines ~48 px high."""
    import cv2
    import numpy as np

    pts = np.array([p for t in boxes for p in t.box], dtype=np.float32) / scale
    if len(pts) < 4:
        return None
    (cx, cy), (w, h), angle = cv2.minAreaRect(pts)
    if w < h:
        w, h = h, w
        angle += 90.0
    line_h = float(np.median([t.height for t in boxes])) / scale
    w += 3.0 * line_h  # detectors miss characters that touch the crop edge
    # When rows are missing (a line the detector skipped), reach for them above and below.
    h += (1.4 if rows_found >= 2 else 5.0) * line_h
    target_scale = max(1.0, 48.0 / max(line_h, 1.0))
    out_w, out_h = int(w * target_scale), int(h * target_scale)
    if out_w < 20 or out_h < 10 or out_w > 4000:
        return None
    rot = cv2.getRotationMatrix2D((cx, cy), angle, target_scale)
    rot[0, 2] += out_w / 2 - cx
    rot[1, 2] += out_h / 2 - cy
    return cv2.warpAffine(
        img, rot, (out_w, out_h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE
    )


def _prepare(img: np.ndarray) -> tuple[np.ndarray, float]:
    """The image at a size the detector likes (long side 800-1600 px) and the scale applied."""
    import cv2

    h, w = img.shape[:2]
    long_side = max(h, w)
    scale = 1.0
    if long_side > 1600:
        scale = 1600 / long_side
    elif long_side < 800:
        scale = 800 / long_side
    if scale != 1.0:
        img = cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    return img, scale


# Characters OCR confuses in names, which carry no check digit.
_NAME_CLASSES = str.maketrans({"D": "O", "0": "O", "Q": "O", "1": "I", "L": "I", "5": "S"})


def harmonise_names(candidate: MrzCandidate, page: list[TextLine], today: date) -> MrzCandidate:
    """Fix look-alike letters in MRZ names from the same name printed in the visual zone.

    Names carry no check digit, so an MRZ "ERIKSSDN" is corrected to "ERIKSSON" only when the
    page prints a word that differs from it solely by such look-alikes.
    """
    result = candidate.result
    words = {
        w
        for t in page
        if not _is_mrz_like(t.text)
        for w in normalise_line(t.text.replace(" ", "<")).split("<")
        if len(w) >= 3 and w.isalpha()
    }
    by_key: dict[str, set[str]] = {}
    for w in words:
        by_key.setdefault(w.translate(_NAME_CLASSES), set()).add(w)
    name_row = 2 if result.type == "TD1" else 0
    start = 0 if result.type == "TD1" else 5
    row = result.lines[name_row]
    tokens = row[start:].split("<")
    changed = False
    for i, tok in enumerate(tokens):
        if len(tok) < 3 or tok in words:
            continue
        matches = by_key.get(tok.translate(_NAME_CLASSES), set())
        if len(matches) == 1:
            tokens[i] = next(iter(matches))
            changed = True
    if not changed:
        return candidate
    lines = list(result.lines)
    lines[name_row] = row[:start] + "<".join(tokens)
    fixed = parse(lines, today=today, ocr_confidence=candidate.ocr_confidence)
    if fixed.checks != result.checks:
        return candidate
    return MrzCandidate(fixed, candidate.score, candidate.ocr_confidence)


def read_mrz(
    img: np.ndarray,
    engine: OcrEngine,
    *,
    today: date | None = None,
    lines: list[TextLine] | None = None,
) -> tuple[MrzCandidate | None, list[TextLine]]:
    """Locate and read the MRZ of a BGR image.

    Returns the best reading (or None when no MRZ was found) and the OCR lines of the whole
    image (in original pixel coordinates), which the printed-field reader reuses.
    """
    today = today or date.today()
    best, page = _locate(img, engine, today, lines)
    if best is not None:
        best = harmonise_names(best, page, today)
    return best, page


def _locate(
    img: np.ndarray, engine: OcrEngine, today: date, lines: list[TextLine] | None
) -> tuple[MrzCandidate | None, list[TextLine]]:
    import cv2

    work, scale = _prepare(img)
    if lines is None:
        lines = engine.read(work)
    else:
        lines = [
            TextLine([(x * scale, y * scale) for x, y in t.box], t.text, t.score) for t in lines
        ]
    original_lines = [
        TextLine([(x / scale, y / scale) for x, y in t.box], t.text, t.score) for t in lines
    ]
    rows, mrz_boxes = _rows_from(lines)
    best = _best_of(rows, today) if rows else None
    if best is not None and best.result.valid:
        return best, original_lines

    if not mrz_boxes:
        if _reads_upright(lines):
            return best, original_lines  # plenty of level text and no MRZ: there is none
        # No MRZ-like text: the document may lie sideways (upside down is handled per line).
        turns = [cv2.ROTATE_90_CLOCKWISE, cv2.ROTATE_90_COUNTERCLOCKWISE]
        if not _mostly_vertical(lines):
            turns.append(cv2.ROTATE_180)  # the line classifier usually copes with 180° itself
        for code in turns:
            turned = cv2.rotate(work, code)
            turned_lines = engine.read(turned)
            rows, boxes = _rows_from(turned_lines)
            if not boxes:
                continue
            cand = _best_of(rows, today)
            if cand is not None and (best is None or cand.score > best.score):
                best = cand
            if best is not None and best.result.valid:
                return best, original_lines
            band = _crop_band(cv2.rotate(img, code), boxes, scale, rows_found=len(rows))
            best = _reread_band(band, engine, today, best)
            if best is not None and best.result.valid:
                break
        return best, original_lines

    band = _crop_band(img, mrz_boxes, scale, rows_found=len(rows))
    best = _reread_band(band, engine, today, best)
    return best, original_lines


def _mostly_vertical(lines: list[TextLine]) -> bool:
    """Whether most text boxes stand upright in the image, i.e. the page lies sideways."""
    tall = wide = 0
    for t in lines:
        w, h = _extent(t)
        tall += h > 2 * w
        wide += w > 2 * h
    return tall > wide


def _reads_upright(lines: list[TextLine]) -> bool:
    """Whether the page already reads as level text (so turning it cannot reveal an MRZ)."""
    level = [t for t in lines if t.score >= 0.85 and len(t.text.strip()) >= 4 and _is_level(t)]
    return len(level) >= 6


def _is_level(t: TextLine) -> bool:
    width, height = _extent(t)
    return width > 2.5 * height


def _extent(t: TextLine) -> tuple[float, float]:
    """Width and height of a box in the image's own axes (a sideways line is tall, not wide;
    `TextLine.width` is the long side whatever the orientation)."""
    xs = [p[0] for p in t.box]
    ys = [p[1] for p in t.box]
    return max(xs) - min(xs), max(ys) - min(ys)


def _reread_band(
    band: np.ndarray | None, engine: OcrEngine, today: date, best: MrzCandidate | None
) -> MrzCandidate | None:
    """OCR the cut-out MRZ band, upright then upside down, keeping the best reading."""
    import cv2

    if band is None:
        return best
    # Grey drops coloured security print (guilloches, stamps) that hides MRZ characters.
    grey = cv2.cvtColor(cv2.cvtColor(band, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
    for variant in (grey, cv2.rotate(grey, cv2.ROTATE_180), band):
        rows, _ = _rows_from(engine.read(variant, charset=MRZ_CHARSET))
        cand = _best_of(rows, today) if rows else None
        if cand is not None and (best is None or cand.score > best.score):
            best = cand
        if best is not None and best.result.valid:
            break
    return best
