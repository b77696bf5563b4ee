"""`kyc match` through its own argparse parser (kyc/cli.py also wires other engines)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import pytest

from kyc.faces import cli
from kyc.faces.engine import FaceEngine
from tests.faces.compose import astronaut, astronaut_selfie, document_page


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="kyc")
    cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


@pytest.fixture(scope="module")
def composed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("composed")
    cv2.imwrite(str(folder / "passport.png"), document_page(astronaut()[0:330, 80:360])[0])
    cv2.imwrite(str(folder / "selfie.png"), astronaut_selfie())
    cv2.imwrite(str(folder / "sky.png"), astronaut()[380:512, 380:512])
    return folder


def test_match_two_images_as_json(
    engine: FaceEngine, deepface_home: Path, composed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["match", str(composed / "passport.png"), str(composed / "selfie.png"), "--json"]
    assert _run([*argv, "--deepface-home", str(deepface_home)]) == 0
    line = json.loads(capsys.readouterr().out)
    assert line["result"] == "match"
    assert line["error"] is None
    assert line["threshold"] == 0.50
    assert 0 < line["distance"] < 0.45
    assert set(line["timings_ms"]) == {"embed_a", "embed_b", "compare"}


def test_match_pairs_file_one_line_per_pair(
    engine: FaceEngine, deepface_home: Path, composed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pairs = composed / "pairs.csv"
    pairs.write_text(
        "img_a,img_b\npassport.png,selfie.png\nsky.png,selfie.png\nmissing.png,selfie.png\n"
    )
    assert _run(["match", "--pairs", str(pairs), "--deepface-home", str(deepface_home)]) == 1
    captured = capsys.readouterr()
    lines = [json.loads(x) for x in captured.out.splitlines()]
    assert [x["result"] for x in lines] == ["match", None, None]
    assert [x["error"] for x in lines] == [None, "selfie_unverified_other", "image_unreadable"]
    assert lines[1]["error_reason"] == "image a: no_face"
    # selfie.png appears in three pairs but is embedded once: the same timing is reported.
    assert len({x["timings_ms"]["embed_b"] for x in lines}) == 1
    assert "embedded 4/4 images" in captured.err


def test_match_needs_two_images_or_pairs(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["match", "only-one.jpg"]) == 2
    assert "IMAGE_A IMAGE_B" in capsys.readouterr().err


def test_kyc_command_wires_match() -> None:
    from kyc.cli import build_parser

    args = build_parser().parse_args(["match", "a.jpg", "b.jpg", "--json"])
    assert args.func is cli.run_match
    assert args.images == [Path("a.jpg"), Path("b.jpg")]
