"""`kyc screen` and `kyc lists import|update|show`.

`kyc screen` builds the index once (from the current snapshot, or from `--list` files) and
screens one name or a CSV of queries, one JSON line per query.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from kyc.contracts import MONITOR_SCHEDULE_ID

if TYPE_CHECKING:
    from kyc.screening.index import ScreeningIndex
    from kyc.screening.models import ScreeningHit, ScreeningQuery

FORMAT_NAMES = ("ofac_sdn", "un_xml", "us_csl", "opensanctions_senzing", "opensanctions_ftm")


def register(subparsers: Any) -> None:
    """Add `screen` and `lists` to the `kyc` command."""
    screen = subparsers.add_parser("screen", help="screen names against sanctions lists")
    screen.add_argument("name", nargs="?", help="the name to screen")
    screen.add_argument("--birth-date", help="YYYY-MM-DD or YYYY")
    screen.add_argument("--nationality", help="ISO country code or country name")
    screen.add_argument("--sex", choices=("M", "F", "X"), help="as the document states it")
    screen.add_argument("--queries", type=Path, help="CSV with name[,birth_date,nationality,sex]")
    screen.add_argument("--json", action="store_true", help="print JSON lines")
    screen.add_argument("--threshold", type=float, help="minimum score of a hit")
    screen.add_argument(
        "--list", dest="lists", type=Path, action="append", default=[],
        help="screen against this list file instead of the imported snapshot (repeatable)",
    )  # fmt: skip
    screen.add_argument(
        "--format", dest="formats", action="append", default=[], choices=FORMAT_NAMES,
        help="format of each --list, in the same order",
    )  # fmt: skip
    screen.set_defaults(func=run_screen)

    lists = subparsers.add_parser("lists", help="import and update sanctions lists")
    commands = lists.add_subparsers(dest="lists_command", required=True)
    imp = commands.add_parser("import", help="import a list file as a new snapshot")
    imp.add_argument("path", type=Path)
    imp.add_argument("--format", required=True, choices=FORMAT_NAMES)
    imp.add_argument("--source", help="where the file came from (default: its path)")
    imp.set_defaults(func=run_import)
    update = commands.add_parser("update", help="download the official lists and import them")
    update.add_argument(
        "--format", dest="formats", action="append", choices=FORMAT_NAMES,
        help="only these lists (default: every configured list)",
    )  # fmt: skip
    update.set_defaults(func=run_update)
    show = commands.add_parser("show", help="print the current snapshot")
    show.set_defaults(func=run_show)


def _fail(message: str, code: int = 1) -> int:
    print(f"kyc: {message}", file=sys.stderr)
    return code


def _snapshots() -> Any:
    from kyc.screening.snapshots import SnapshotStore
    from kyc.settings import Settings

    return SnapshotStore(Settings.load().object_store())


def _load_index(args: argparse.Namespace) -> ScreeningIndex:
    from kyc.errors import InvalidRequest, ListUnavailable
    from kyc.screening.index import ScreeningIndex
    from kyc.screening.loaders import load_list

    if args.lists:
        if len(args.formats) != len(args.lists):
            raise InvalidRequest("give one --format for each --list", param="format")
        entities = []
        for path, format in zip(args.lists, args.formats, strict=True):
            entities += load_list(path, format)
        return ScreeningIndex.build(entities)
    snapshots = _snapshots()
    info = snapshots.current()
    if info is None:
        raise ListUnavailable("no list imported: run `kyc lists import` or pass --list/--format")
    index: ScreeningIndex = snapshots.load_index(info)
    return index


def _queries(args: argparse.Namespace) -> list[ScreeningQuery]:
    from kyc.errors import InvalidRequest
    from kyc.screening.models import ScreeningQuery

    if args.queries is not None:
        with args.queries.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            if not reader.fieldnames or "name" not in reader.fieldnames:
                raise InvalidRequest("the queries CSV needs a 'name' column", param="queries")
            return [
                ScreeningQuery(
                    name=row["name"],
                    birth_date=(row.get("birth_date") or "").strip() or None,
                    nationality=(row.get("nationality") or "").strip() or None,
                    sex=_sex(row.get("sex")),
                )
                for row in reader
            ]
    if not args.name:
        raise InvalidRequest("give a NAME or --queries FILE.csv", param="name")
    return [
        ScreeningQuery(
            name=args.name, birth_date=args.birth_date, nationality=args.nationality, sex=args.sex
        )
    ]


def _sex(value: str | None) -> Literal["M", "F", "X"] | None:
    """A CSV's sex column: M / F / X (any case); anything else is refused, empty is unknown."""
    from kyc.errors import InvalidRequest

    value = (value or "").strip().upper()
    if not value:
        return None
    if value not in ("M", "F", "X"):
        raise InvalidRequest(f"sex must be M, F or X, not {value[:10]!r}", param="queries")
    return value  # type: ignore[return-value]


def _hit_json(hit: ScreeningHit) -> dict[str, Any]:
    return hit.model_dump(mode="json")


def run_screen(args: argparse.Namespace) -> int:
    """Screen one name or a CSV of queries; one JSON line per query with --json or --queries."""
    from kyc.errors import KycError

    try:
        queries = _queries(args)
        started = time.perf_counter()
        index = _load_index(args)
        build_ms = (time.perf_counter() - started) * 1000
    except KycError as exc:
        return _fail(exc.message, 2)
    as_json = args.json or args.queries is not None
    for number, query in enumerate(queries):
        started = time.perf_counter()
        hits = index.screen(query, args.threshold)
        screen_ms = (time.perf_counter() - started) * 1000
        if as_json:
            timings = {"screen": round(screen_ms, 3)}
            if number == 0:
                timings["index_build"] = round(build_ms, 1)
            line = {
                "query": query.model_dump(exclude={"entity_type"}),
                "snapshot_id": index.snapshot_id,
                "hits": [_hit_json(h) for h in hits],
                "timings_ms": timings,
            }
            print(json.dumps(line, ensure_ascii=False))
        else:
            _print_hits(hits, screen_ms)
    return 0


def _print_hits(hits: list[ScreeningHit], screen_ms: float) -> None:
    if not hits:
        print(f"no hits ({screen_ms:.1f} ms)")
    for hit in hits:
        print(f"{hit.score:.3f}  {hit.list}:{hit.entity_id}  {hit.name}")
        for feature in hit.explanation:
            score = f"{feature.score:+.3f} x{feature.weight}"
            print(f"        {feature.feature:<12} {score:<14} {feature.reason}")


def run_import(args: argparse.Namespace) -> int:
    """Import one list file as a new current snapshot."""
    from kyc.errors import KycError

    try:
        info = _snapshots().import_file(args.path, args.format, args.source)
    except KycError as exc:
        return _fail(exc.message, 2 if not exc.retryable else 1)
    print(info.model_dump_json(indent=2))
    _trigger_monitoring()
    return 0


def _trigger_monitoring(timeout_s: float = 3.0) -> None:
    """Have verified identities re-screened now rather than at the schedule's next run.

    One line on stderr either way (stdout carries the snapshot JSON).
    """
    import asyncio

    from temporalio.client import ScheduleOverlapPolicy
    from temporalio.service import RPCError, RPCStatusCode

    from kyc.settings import Settings
    from kyc.temporal import connect

    settings = Settings.load()
    address = settings.resolved_temporal_address

    async def trigger() -> str:
        client = await asyncio.wait_for(
            connect(address, settings.temporal_namespace, settings.payload_key), timeout_s
        )
        try:
            # BUFFER_ONE: a run in progress (an older snapshot) is followed by this one.
            await client.get_schedule_handle(MONITOR_SCHEDULE_ID).trigger(
                overlap=ScheduleOverlapPolicy.BUFFER_ONE
            )
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:
                return "monitoring: no schedule yet (the worker creates it when it starts)"
            raise
        return f"monitoring: triggered {MONITOR_SCHEDULE_ID}: verified identities are re-screened"

    try:
        message = asyncio.run(trigger())
    except Exception:
        message = (
            f"monitoring: Temporal not reachable at {address}; skipped (the schedule runs later)"
        )
    print(message, file=sys.stderr)


def run_update(args: argparse.Namespace) -> int:
    """Download the official lists from their configured URLs and import each."""
    from kyc.errors import KycError
    from kyc.screening.sources import DEFAULT_LIST_URLS, download_all
    from kyc.settings import Settings

    configured = Settings.load().screening_list_urls or DEFAULT_LIST_URLS
    wanted = {f: u for f, u in configured.items() if not args.formats or f in args.formats}
    if not wanted:
        return _fail("no list URL configured for " + ", ".join(args.formats or []), 2)
    try:
        paths = download_all(wanted)
        snapshots = _snapshots()
        info = None
        for format, path in paths.items():
            source = " ".join(wanted[format])
            info = snapshots.import_file(path, format, source)
    except KycError as exc:
        return _fail(exc.message, 1)
    assert info is not None
    print(info.model_dump_json(indent=2))
    _trigger_monitoring()
    return 0


def run_show(args: argparse.Namespace) -> int:
    """Print the current snapshot's manifest."""
    from kyc.errors import KycError

    try:
        info = _snapshots().current()
    except KycError as exc:
        return _fail(exc.message, 1)
    if info is None:
        return _fail("no list imported yet", 1)
    print(info.model_dump_json(indent=2))
    return 0
