"""`kyc match`: compare faces in two images, or in every pair of a CSV, offline.

One JSON line per pair on stdout (`distance`, `threshold`, `result`, `error`, `timings_ms`);
progress on stderr. Each image is embedded once however many pairs it appears in.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kyc.faces.engine import FaceEmbedding, FaceEngine


def register(subparsers: Any) -> None:
    """Add the `match` subcommand to the `kyc` parser."""
    parser = subparsers.add_parser(
        "match",
        help="compare the faces of two images (or of each pair in a CSV)",
        description=__doc__,
    )
    parser.add_argument("images", nargs="*", type=Path, metavar="IMAGE", help="IMAGE_A IMAGE_B")
    parser.add_argument(
        "--pairs", type=Path, help="CSV with columns img_a,img_b (paths relative to the CSV)"
    )
    parser.add_argument("--json", action="store_true", help="print a JSON line for one pair")
    parser.add_argument(
        "--role",
        choices=["selfie", "document"],
        default="selfie",
        help="face rule for every image: selfie (a second comparable face is an error) or "
        "document (the largest face is the portrait)",
    )
    parser.add_argument(
        "--model", default="Dlib", help="DeepFace recognition model (weights must be present)"
    )
    parser.add_argument(
        "--deepface-home",
        type=Path,
        help="where weights live (default: the state dir's deepface/ from kyc settings)",
    )
    parser.set_defaults(func=run_match)


@dataclass
class _Embedded:
    """One image's embedding, or the error that stopped it, and the time it took."""

    embedding: FaceEmbedding | None
    error: str | None
    error_reason: str | None
    ms: float


def run_match(args: argparse.Namespace) -> int:
    """Entry point of `kyc match`. Exit 0 when every pair was judged, 1 when an image failed."""
    if args.pairs is None and len(args.images) != 2:
        print("kyc match: give IMAGE_A IMAGE_B, or --pairs FILE.csv", file=sys.stderr)
        return 2
    if args.pairs is not None and args.images:
        print("kyc match: give either two images or --pairs, not both", file=sys.stderr)
        return 2
    if args.pairs is not None:
        with args.pairs.open(newline="") as f:
            pairs = [
                (args.pairs.parent / r["img_a"], args.pairs.parent / r["img_b"])
                for r in csv.DictReader(f)
            ]
    else:
        pairs = [(args.images[0], args.images[1])]

    engine = _engine(args)
    cache: dict[Path, _Embedded] = {}
    images = list(dict.fromkeys(p for pair in pairs for p in pair))
    for i, path in enumerate(images, 1):
        cache[path] = _embed(engine, path, args.role)
        if args.pairs is not None:
            print(f"\rembedded {i}/{len(images)} images", end="", file=sys.stderr, flush=True)
    if args.pairs is not None:
        print(file=sys.stderr)

    failed = False
    for a, b in pairs:
        line = _judge(engine, a, b, cache[a], cache[b])
        failed = failed or line["result"] is None
        if args.json or args.pairs is not None:
            print(json.dumps(line), flush=True)
        else:
            print(_human(line))
    return 1 if failed else 0


def _engine(args: argparse.Namespace) -> FaceEngine:
    from kyc.faces.engine import get_engine

    home = args.deepface_home
    if home is None:
        from kyc.settings import Settings

        home = Settings.load().deepface_home
    return get_engine(home, args.model)


def _embed(engine: FaceEngine, path: Path, role: Any) -> _Embedded:
    from kyc.errors import KycError
    from kyc.faces.images import read_bgr

    start = time.perf_counter()
    try:
        embedding = engine.embed(read_bgr(path), role)
    except KycError as err:
        reason = getattr(err, "reason", None) or err.message
        return _Embedded(None, err.code, reason, _ms(start))
    except ValueError as err:  # undecodable file
        return _Embedded(None, "image_unreadable", str(err), _ms(start))
    return _Embedded(embedding, None, None, _ms(start))


def _judge(engine: FaceEngine, a: Path, b: Path, ea: _Embedded, eb: _Embedded) -> dict[str, Any]:
    line: dict[str, Any] = {
        "img_a": str(a),
        "img_b": str(b),
        "distance": None,
        "threshold": engine.calibration.threshold,
        "result": None,
        "error": None,
        "error_reason": None,
        "timings_ms": {"embed_a": round(ea.ms, 1), "embed_b": round(eb.ms, 1)},
    }
    for side, embedded in (("a", ea), ("b", eb)):
        if embedded.embedding is None:
            line["error"] = embedded.error
            line["error_reason"] = f"image {side}: {embedded.error_reason}"
            return line
    assert ea.embedding is not None and eb.embedding is not None
    start = time.perf_counter()
    check = engine.compare(ea.embedding, eb.embedding)
    line["timings_ms"]["compare"] = round(_ms(start), 3)
    line.update(
        distance=check.distance,
        result=check.result,
        error=check.error_code,
        error_reason=check.error_reason,
    )
    return line


def _human(line: dict[str, Any]) -> str:
    if line["result"] is None:
        return f"error {line['error']}: {line['error_reason']}"
    return f"{line['result']}  distance {line['distance']:.3f}  threshold {line['threshold']}"


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000
