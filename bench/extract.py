"""Benchmark document extraction per OCR engine on ../shared/data/mrz.

For each engine, in its own process (so peak RSS is the engine's own): model load time, per-image
latency of the whole extraction (p50 / p95), peak RSS, and accuracy over the images whose ground
truth has valid check digits: MRZ lines read exactly, and all key fields right.

    .venv/bin/python bench/extract.py                       # rapidocr and easyocr side by side
    .venv/bin/python bench/extract.py --engines rapidocr --limit 10
    .venv/bin/python bench/extract.py --quality   # re-measure the capture-quality margins
    .venv/bin/python bench/extract.py --engines rapidocr --enlarge 2.5   # as large captures

`--enlarge F` resizes every image by F first (the shared images are small scans; phone
captures are read at up to 1600 px): what extraction costs, and reads, on large pages.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "mrz"
TODAY = date(2026, 11, 24)
TARGET_EXACT = 0.90  # printed as the target; the test floor is 75 %
TARGET_P50_S = 1.0  # default engine, 2-core machine


def _truths(limit: int | None) -> list[tuple[Path, list[str]]]:
    with (DATA / "ground_truth.csv").open(newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["check_digits_valid"] == "true"]
    out = [(DATA / r["image"], [r[k] for k in ("line1", "line2", "line3") if r[k]]) for r in rows]
    return out[:limit] if limit else out


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[k]


def child(engine_name: str, limit: int | None, enlarge: float) -> dict[str, object]:
    """Run one engine over the set; returns the summary (printed as JSON by the child)."""
    sys.path.insert(0, str(ROOT))
    import cv2

    from kyc.documents.extract import build_check, read_sources
    from kyc.documents.models import KEY_FIELDS, DocumentRules
    from kyc.documents.mrz import parse
    from kyc.documents.ocr import get_engine
    from kyc.errors import KycError

    t0 = time.perf_counter()
    get_engine(engine_name)
    load_s = time.perf_counter() - t0
    rules = DocumentRules(today=TODAY)
    times: list[float] = []
    cpu: list[float] = []
    exact = fields_ok = 0
    truths = _truths(limit)
    for i, (path, lines) in enumerate(truths, 1):
        print(f"[{engine_name} {i}/{len(truths)}] {path.name}", file=sys.stderr, flush=True)
        img = cv2.imread(str(path))
        assert img is not None, path
        if enlarge != 1.0:
            img = cv2.resize(img, None, fx=enlarge, fy=enlarge, interpolation=cv2.INTER_CUBIC)
        start, start_cpu = time.perf_counter(), time.process_time()
        try:
            src = read_sources(img, None, engine=engine_name, today=TODAY)
            check = build_check(src, rules=rules, engine=engine_name)
        except KycError:
            continue
        finally:
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        exact += bool(check.mrz and check.mrz.lines == lines)
        expected = parse(lines, today=TODAY).fields
        got = check.fields.model_dump()
        fields_ok += all(got.get(k) == expected.get(k) for k in KEY_FIELDS)
    n = len(truths)
    return {
        "engine": engine_name,
        "images": n,
        "load_s": round(load_s, 2),
        "p50_s": round(statistics.median(times), 3),
        "p95_s": round(_percentile(times, 0.95), 3),
        "cpu_p50_s": round(statistics.median(cpu), 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "exact_lines": exact,
        "exact_pct": round(100 * exact / n, 1),
        "fields_right": fields_ok,
        "fields_pct": round(100 * fields_ok / n, 1),
    }


def quality_margins() -> None:
    """Worst value of each quality measure over the good images, beside its threshold."""
    sys.path.insert(0, str(ROOT))
    import cv2

    from kyc.documents.quality import THRESHOLDS, measure

    paths = sorted((DATA / "images").iterdir())
    paths += sorted((DATA.parent / "documents" / "us_dl_specimens").glob("*.jpg"))
    m = [measure(cv2.imread(str(p))) for p in paths]
    t = THRESHOLDS
    print(f"{len(m)} good images")
    short = min(min(x.width, x.height) for x in m)
    print(f"short side   min {short:>8} | refuse < {t.min_short_side}")
    print(f"sharpness    min {min(x.sharpness for x in m):>8.0f} | refuse < {t.min_sharpness}")
    print(f"brightness   min {min(x.brightness for x in m):>8.0f} | refuse < {t.min_brightness}")
    print(f"brightness   max {max(x.brightness for x in m):>8.0f} | refuse > {t.max_brightness}")
    print(f"glare blob   max {max(x.glare_blob for x in m):>8.3f} | refuse > {t.max_glare_blob}")
    extent = min(x.content_extent for x in m)
    print(f"extent       min {extent:>8.2f} | refuse < {t.min_content_extent}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default="rapidocr,easyocr")
    parser.add_argument("--limit", type=int, default=None, help="first N images only")
    parser.add_argument("--quality", action="store_true", help="quality-check margins instead")
    parser.add_argument("--enlarge", type=float, default=1.0, help="resize every image first")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quality:
        quality_margins()
        return 0
    if args.child:
        print(json.dumps(child(args.child, args.limit, args.enlarge)), flush=True)
        return 0
    if not DATA.exists():
        print(f"test data {DATA} is absent", file=sys.stderr)
        return 2
    results = []
    for engine in args.engines.split(","):
        cmd = [sys.executable, __file__, "--child", engine, "--enlarge", str(args.enlarge)]
        if args.limit:
            cmd += ["--limit", str(args.limit)]
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=True)
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    header = (
        "engine", "images", "load s", "p50 s", "p95 s", "CPU p50 s", "peak RSS MB", "MRZ exact",
        "fields",
    )  # fmt: skip
    print(" | ".join(header))
    print(" | ".join("---" for _ in header))
    for r in results:
        print(
            f"{r['engine']} | {r['images']} | {r['load_s']} | {r['p50_s']} | {r['p95_s']} | "
            f"{r['cpu_p50_s']} | "
            f"{r['peak_rss_mb']} | {r['exact_lines']} ({r['exact_pct']} %) | "
            f"{r['fields_right']} ({r['fields_pct']} %)"
        )
    default = next((r for r in results if r["engine"] == "rapidocr"), None)
    if default:
        print(
            f"\ntarget (rapidocr): MRZ exact >= {TARGET_EXACT:.0%} -> {default['exact_pct']} %; "
            f"p50 <= {TARGET_P50_S} s -> {default['p50_s']} s "
            "(PassportEye baseline on this set: 27 % / 30 %)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
