"""`kyc screen` and `kyc lists` through their own argparse parser."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from kyc.screening import cli
from kyc.screening.matcher import ALGORITHM


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="kyc")
    cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


def test_screen_queries_file_prints_one_json_line_per_query(
    sanctions_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    queries = tmp_path / "queries.csv"
    queries.write_text("name,birth_date,nationality\nABDULHAI SALEK,1965,af\nPatricia Wheeler,,\n")
    un_xml = sanctions_dir / "un_consolidated_2026-02" / "UN_consolidated.xml"

    code = _run(["screen", "--queries", str(queries), "--list", str(un_xml), "--format", "un_xml"])

    assert code == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == 2
    hit = lines[0]["hits"][0]
    assert (hit["list"], hit["entity_id"], hit["name"]) == ("un", "TAi.108", "ABDULHAI SALEK")
    assert hit["score"] == 1.0
    # Same shape as before: one FeatureScore per feature of matcher.ALGORITHM (issue 10 added some).
    assert [f["feature"] for f in hit["explanation"]] == list(ALGORITHM)
    assert all(set(f) == {"feature", "score", "weight", "reason"} for f in hit["explanation"])
    assert set(lines[0]["timings_ms"]) == {"screen", "index_build"}
    assert lines[1]["hits"] == []


def test_screen_one_name_as_json(sanctions_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ofac = sanctions_dir / "ofac_sdn_2021-07"
    code = _run(
        ["screen", "Manuel Antonio Noriega", "--json", "--list", str(ofac), "--format", "ofac_sdn"]
    )
    assert code == 0
    [line] = capsys.readouterr().out.splitlines()
    assert json.loads(line)["hits"][0]["entity_id"] == "1572"


def test_screen_without_name_or_with_unmatched_formats_fails(
    sanctions_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(["screen", "--list", str(sanctions_dir), "--format", "un_xml"]) == 2
    assert "NAME" in capsys.readouterr().err
    assert _run(["screen", "x", "--list", str(sanctions_dir)]) == 2
    assert "--format" in capsys.readouterr().err


def test_lists_update_offline_names_what_could_not_be_reached(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from kyc.screening import sources

    unreachable = {"un_xml": ["http://127.0.0.1:9/consolidated.xml"]}
    monkeypatch.setattr(sources, "DEFAULT_LIST_URLS", unreachable)

    assert _run(["lists", "update", "--format", "un_xml"]) == 1
    err = capsys.readouterr().err
    assert "could not download the un_xml list" in err
    assert "http://127.0.0.1:9/consolidated.xml" in err


def test_lists_import_then_screen_against_the_current_snapshot(
    sanctions_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from kyc.screening.snapshots import SnapshotStore
    from tests.screening.test_snapshots import MemoryStore

    snapshots = SnapshotStore(MemoryStore())
    monkeypatch.setattr(cli, "_snapshots", lambda: snapshots)
    un_xml = sanctions_dir / "un_consolidated_2026-02" / "UN_consolidated.xml"

    assert _run(["screen", "JANAN AGHA", "--json"]) == 2
    assert "no list imported" in capsys.readouterr().err

    assert _run(["lists", "import", str(un_xml), "--format", "un_xml"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["lists"][0]["entities"] == 1003

    assert _run(["screen", "JANAN AGHA", "--birth-date", "1958", "--json"]) == 0
    line = json.loads(capsys.readouterr().out)
    assert line["snapshot_id"] == info["snapshot_id"]
    assert line["hits"][0]["entity_id"] == "TAi.091"

    assert _run(["lists", "show"]) == 0
    assert json.loads(capsys.readouterr().out)["snapshot_id"] == info["snapshot_id"]
