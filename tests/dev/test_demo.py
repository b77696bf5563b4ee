"""`kyc demo` refuses clearly when there is no stack to run against."""

from __future__ import annotations

import json
import os
from pathlib import Path

from kyc.dev.demo import describe_report, run
from kyc.settings import Settings


def test_demo_without_a_running_stack_says_how_to_start_one(tmp_path: Path) -> None:
    said: list[str] = []
    assert run(Settings(state_dir=tmp_path), say=said.append) == 2
    assert "start one with `kyc dev`" in said[0]


def test_demo_waits_for_a_stack_that_is_still_starting(tmp_path: Path) -> None:
    (tmp_path / "stack.json").write_text(json.dumps({"pid": os.getpid(), "ready": False}))
    said: list[str] = []
    assert run(Settings(state_dir=tmp_path), say=said.append) == 2
    assert "still starting" in said[0]


def test_a_stack_file_of_a_dead_process_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "stack.json").write_text(json.dumps({"pid": 2**22 + 12345, "ready": True}))
    said: list[str] = []
    assert run(Settings(state_dir=tmp_path), say=said.append) == 2
    assert "no running stack" in said[0]


def test_report_lines_carry_statuses_and_codes_only() -> None:
    report = {
        "document": {"status": "unverified", "error": {"code": "document_expired"}},
        "selfie": {"status": "verified", "error": None},
        "verified_outputs": {"first_name": "ANNA"},
    }
    assert describe_report(report) == [
        "  document   unverified (document_expired)",
        "  selfie     verified",
    ]
