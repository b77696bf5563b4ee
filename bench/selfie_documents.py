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
   and every fourth photo a held-out licence front, pasted beside the face by
   `tests.faces.compose.holding_document`): refusals by reason.
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
    from kyc.documents.ocr import OcrEngine
    from kyc.documents.ocr import get_engine as get_ocr
    from kyc.documents.specimen import render_specimen_passport
    from kyc.faces.calibration import load_labels
    from kyc.faces.visible_document import find_document
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

    # 1. The screen's cost on genuine selfies: wall time, and CPU time of the process (all
    # threads), which a loaded machine inflates less.
    wall_ms, cpu_ms, read_bands = [], [], set()
    for name in names:

        def counted_ocr(name: str = name) -> OcrEngine:
            read_bands.add(name)  # asked for only when a band has to be read
            return ocr

        start, start_cpu = time.perf_counter(), time.process_time()
        find_document(photos[name], counted_ocr)
        wall_ms.append((time.perf_counter() - start) * 1000)
        cpu_ms.append((time.process_time() - start_cpu) * 1000)
    print(f"\n1. document screen per selfie (n={len(names)}), load {os.getloadavg()[0]:.1f}:")
    for label, values in (("wall", wall_ms), ("cpu", cpu_ms)):
        print(
            f"  {label}: p50 {statistics.median(values):.1f} ms, "
            f"p95 {percentile(values, 95):.1f} ms, max {max(values):.1f} ms"
        )
    print(f"  {len(read_bands)} photos had text bands read by the OCR recogniser")

    # 2. Genuine selfies against another photo of the same person (the specimen passport for
    # the few identities with one photo: a mismatch then, but every selfie rule still runs).
    passport = render_specimen_passport()[0]
    genuine: Counter[str] = Counter()
    for name in names:
        others = [n for n in names if n != name and identity_of[n] == identity_of[name]]
        result = outcome(engine, photos[others[0]] if others else passport, photos[name])
        genuine[result] += 1
        if not result.startswith("accepted"):
            print(f"  refused genuine: {name} ({result})")
    report("2. genuine selfies (56 shared photos, document = another photo of the person)", genuine)

    # 3. Document images as the selfie.
    barcodes = args.data / "pdf417" / "zxing"
    folders = {
        "mrz": sorted((args.data / "mrz" / "images").glob("*")),
        "pdf417 synthetic": sorted(barcodes.glob("pdf417-[12]/*.png")),
        "pdf417 photos": sorted(barcodes.glob("pdf417-[34]/*.png")),
    }
    # The card rule's thresholds were set looking at the first 12 licence fronts (sorted by
    # name): the other 24 are reported apart.
    licences = sorted((args.data / "documents" / "us_dl_specimens").glob("*.jpg"))
    folders["us licence fronts 1-12 (seen when tuning the card rule)"] = licences[:12]
    folders["us licence fronts 13-36 (held out)"] = licences[12:]
    for title, paths in folders.items():
        outcomes = Counter(outcome(engine, passport, read_bgr(p)) for p in paths)
        report(f"3. {title} as the selfie", outcomes)

    # 4. A face photo holding a document.
    held: dict[str, Counter[str]] = {"mrz": Counter(), "pdf417": Counter(), "licence": Counter()}
    pdf417_paths = folders["pdf417 synthetic"] + folders["pdf417 photos"]
    kinds = (("mrz", folders["mrz"]), ("pdf417", pdf417_paths), ("licence", licences[12:]))
    for i, name in enumerate(names):
        face = engine.embed(photos[name], "selfie").face
        box = (face.left, face.top, face.right, face.bottom)
        others = [n for n in names if n != name and identity_of[n] == identity_of[name]]
        reference = photos[others[0]] if others else passport
        for kind, paths in kinds:
            if kind == "licence" and i % 4:
                continue  # the full OCR is slow: every fourth photo, 14 in all
            document = read_bgr(paths[(7 * i) % len(paths)])
            selfie = holding_document(photos[name], document, box)
            held[kind][outcome(engine, reference, selfie)] += 1
    for kind, counts in held.items():
        report(f"4. shared photos holding a {kind} document (4 deg, 45 % of the width)", counts)
    print(f"\nload average at end: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
