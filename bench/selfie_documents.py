"""Documents visible in selfies: cost of the screen, genuine selfies refused, attacks refused.

    nice -n 5 .venv/bin/python bench/selfie_documents.py [--data ../shared/data]

Prints figures, asserts nothing. Four measurements, all through the engine the match activity
runs (`FaceEngine.compare_document_selfie`):

1. the document screen (`kyc.faces.visible_document.find_document`) timed on each of the 56
   shared face photos: the time it adds to every selfie;
2. each shared photo as the selfie against another photo of the same person as the
   document: every refusal, by any selfie rule (goal: none);
3. the shared MRZ documents, PDF417 images and US licence fronts as the selfie (the specimen
   passport as the document): refusals by reason;
4. each shared photo holding a shared document (one MRZ document and one PDF417 image each,
   pasted beside the face by `tests.faces.compose.holding_document`): refusals by reason.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kyc.errors import KycError  # noqa: E402
from kyc.faces.engine import FaceEngine, get_engine  # noqa: E402
from kyc.faces.images import read_bgr  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def outcome(engine: FaceEngine, document: object, selfie: object) -> str:
    """`code/reason` of the refusal, or `accepted:<result>`."""
    try:
        match = engine.compare_document_selfie(document, selfie)  # type: ignore[arg-type]
    except KycError as error:
        reason = str(error.message).split(":", 1)[0]
        return f"{error.code}/{reason}"
    return f"accepted:{match.check.result}"


def report(title: str, outcomes: Counter[str]) -> None:
    total = sum(outcomes.values())
    refused = sum(n for k, n in outcomes.items() if not k.startswith("accepted"))
    print(f"\n{title}: {refused}/{total} refused")
    for key, n in outcomes.most_common():
        print(f"  {n:4d}  {key}")


def main() -> int:
    import cv2

    from kyc.documents.ocr import get_engine as get_ocr
    from kyc.documents.specimen import render_specimen_passport
    from kyc.faces.calibration import load_labels
    from kyc.faces.visible_document import find_document, text_bands
    from tests.faces.compose import holding_document

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    faces_dir = args.data / "faces"
    if not (faces_dir / "pairs.csv").is_file():
        print(f"no labelled faces at {faces_dir}", file=sys.stderr)
        return 2
    print(f"load average at start: {os.getloadavg()}")
    engine = get_engine(Path(tempfile.mkdtemp(prefix="deepface_home_")))
    ocr = get_ocr("rapidocr")
    identity_of, _ = load_labels(faces_dir)
    names = sorted(identity_of)
    photos = {name: read_bgr(faces_dir / name) for name in names}

    # 1. The screen's cost on genuine selfies.
    screen_ms, read_bands = [], 0
    for name in names:
        grey = cv2.cvtColor(photos[name], cv2.COLOR_BGR2GRAY)
        read_bands += bool(text_bands(grey))
        start = time.perf_counter()
        find_document(photos[name], lambda: ocr)
        screen_ms.append((time.perf_counter() - start) * 1000)
    print(
        f"\n1. document screen per selfie (n={len(names)}): p50 {statistics.median(screen_ms):.1f}"
        f" ms, p95 {percentile(screen_ms, 95):.1f} ms, max {max(screen_ms):.1f} ms; "
        f"{read_bands} photos had text bands read by the OCR recogniser"
    )

    # 2. Genuine selfies against another photo of the same person.
    genuine: Counter[str] = Counter()
    for name in names:
        others = [n for n in names if n != name and identity_of[n] == identity_of[name]]
        result = outcome(engine, photos[others[0]], photos[name])
        genuine[result] += 1
        if not result.startswith("accepted"):
            print(f"  refused genuine: {name} ({result})")
    report("2. genuine selfies (56 shared photos, document = another photo of the person)", genuine)

    # 3. Document images as the selfie.
    passport = render_specimen_passport()[0]
    barcodes = args.data / "pdf417" / "zxing"
    folders = {
        "mrz": sorted((args.data / "mrz" / "images").glob("*")),
        "pdf417 synthetic": sorted(barcodes.glob("pdf417-[12]/*.png")),
        "pdf417 photos": sorted(barcodes.glob("pdf417-[34]/*.png")),
        "us licence fronts": sorted((args.data / "documents" / "us_dl_specimens").glob("*.jpg")),
    }
    for title, paths in folders.items():
        outcomes = Counter(outcome(engine, passport, read_bgr(p)) for p in paths)
        report(f"3. {title} as the selfie", outcomes)

    # 4. A face photo holding a document.
    held: dict[str, Counter[str]] = {"mrz": Counter(), "pdf417": Counter()}
    pdf417_paths = folders["pdf417 synthetic"] + folders["pdf417 photos"]
    for i, name in enumerate(names):
        face = engine.embed(photos[name], "selfie").face
        box = (face.left, face.top, face.right, face.bottom)
        others = [n for n in names if n != name and identity_of[n] == identity_of[name]]
        for kind, paths in (("mrz", folders["mrz"]), ("pdf417", pdf417_paths)):
            document = read_bgr(paths[(7 * i) % len(paths)])
            selfie = holding_document(photos[name], document, box)
            held[kind][outcome(engine, photos[others[0]], selfie)] += 1
    for kind, counts in held.items():
        report(f"4. shared photos holding a {kind} document (4 deg, 45 % of the width)", counts)
    print(f"\nload average at end: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
