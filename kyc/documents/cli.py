"""`kyc extract`: read identity documents from image files, one result per image.

Needs no running stack: the OCR models load once in this process. `--json` prints one JSON object
per line (stdout); progress goes to stderr when several images are given.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from typing import Any

from kyc.documents.models import KEY_FIELDS
from kyc.documents.ocr import ENGINES


def register(subparsers: Any) -> None:
    """Add the `extract` subcommand to the `kyc` parser."""
    p = subparsers.add_parser(
        "extract",
        help="read an identity document (MRZ, PDF417 barcode, printed fields) from images",
        description="Read identity documents from image files and print one result per image.",
    )
    p.add_argument("images", nargs="+", metavar="IMAGE", help="document photo or scan (front)")
    p.add_argument("--back", metavar="IMAGE", help="back side of the (first) document")
    p.add_argument("--engine", choices=ENGINES, default="rapidocr", help="OCR engine")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.add_argument(
        "--today", type=date.fromisoformat, default=None, help="judge dates as of this day"
    )
    p.add_argument("--minimum-age", type=int, default=18, help="minimum holder age (default 18)")
    p.set_defaults(func=run)


def _load(path: str) -> Any:
    import cv2

    img = cv2.imread(path, cv2.IMREAD_COLOR)  # applies EXIF orientation
    if img is None:
        raise ValueError(f"cannot read image {path}")
    return img


def extract_one(
    path: str, back_path: str | None, *, engine: str, today: date, minimum_age: int
) -> dict[str, Any]:
    """The CLI's result object for one image (also used by bench/extract.py)."""
    from kyc.documents.extract import build_check, read_sources
    from kyc.documents.models import DocumentRules
    from kyc.documents.quality import check_document_image
    from kyc.errors import KycError

    out: dict[str, Any] = {
        "image": path,
        "document_type": None,
        "issuing_country": None,
        "status": None,
        "error_code": None,
        "mrz": None,
        "barcode": None,
        "fields": dict.fromkeys(KEY_FIELDS),
        "checks": [],
        "error": None,
        "timings_ms": {},
    }
    start = time.perf_counter()
    try:
        front = _load(path)
        back = _load(back_path) if back_path else None
        out["timings_ms"]["load"] = round((time.perf_counter() - start) * 1000, 1)
        check_document_image(front)
        src = read_sources(front, back, engine=engine, today=today)
        out["timings_ms"].update(src.timings_ms)
        check = build_check(
            src, rules=DocumentRules(today=today, minimum_age=minimum_age), engine=engine
        )
    except KycError as exc:
        out["error"] = {"code": exc.code, "message": exc.message}
    except ValueError as exc:
        out["error"] = {"code": "parameter_invalid", "message": str(exc)}
    else:
        out["document_type"] = check.document_type
        out["issuing_country"] = check.issuing_country
        out["status"] = check.status
        out["error_code"] = check.error_code
        out["mrz"] = check.mrz.model_dump() if check.mrz else None
        out["barcode"] = check.barcode
        fields = check.fields.model_dump(mode="json")
        out["fields"] = {k: fields.get(k) for k in KEY_FIELDS}
        out["checks"] = [c.model_dump() for c in check.checks]
    out["timings_ms"]["total"] = round((time.perf_counter() - start) * 1000, 1)
    return out


def _table(result: dict[str, Any]) -> str:
    lines = [f"{result['image']}"]
    if result["error"]:
        lines.append(f"  error      {result['error']['code']}: {result['error']['message']}")
        return "\n".join(lines)
    lines.append(
        f"  document   {result['document_type'] or '?'} ({result['issuing_country'] or '?'})"
        f"  status {result['status']}"
        + (f" [{result['error_code']}]" if result["error_code"] else "")
    )
    mrz = result["mrz"]
    if mrz:
        failed = [k for k, v in mrz["checks"].items() if not v]
        verdict = "valid" if mrz["valid"] else f"INVALID ({', '.join(failed)})"
        lines.append(f"  mrz        {mrz['type']} {verdict}")
        lines += [f"             {x}" for x in mrz["lines"]]
    if result["barcode"]:
        b = result["barcode"]
        lines.append(f"  barcode    AAMVA v{b.get('aamva_version')} issuer {b.get('issuer_id')}")
    for name, value in result["fields"].items():
        lines.append(f"  {name:<17}{value if value is not None else '-'}")
    for c in result["checks"]:
        mark = "ok  " if c["passed"] else "FAIL"
        lines.append(f"  {mark} {c['name']:<14}{c['reason']}")
    t = result["timings_ms"]
    lines.append(f"  time       {t.get('total', 0):.0f} ms")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Extract every image given; exit 1 if any image could not be read at all."""
    from kyc.documents.ocr import get_engine

    today = args.today or date.today()
    try:
        get_engine(args.engine)  # load the models once, and fail fast if the engine is missing
    except RuntimeError as exc:
        print(f"kyc extract: {exc}", file=sys.stderr)
        return 2
    many = len(args.images) > 1
    failures = 0
    for i, path in enumerate(args.images, 1):
        if many:
            print(f"[{i}/{len(args.images)}] {path}", file=sys.stderr, flush=True)
        result = extract_one(
            path,
            args.back if i == 1 else None,
            engine=args.engine,
            today=today,
            minimum_age=args.minimum_age,
        )
        failures += result["error"] is not None
        if args.json:
            print(json.dumps(result, ensure_ascii=False), flush=True)
        else:
            print(_table(result), flush=True)
    return 1 if failures else 0
