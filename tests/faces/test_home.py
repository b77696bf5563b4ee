"""Nothing is written to HOME: DeepFace is pointed at DEEPFACE_HOME before it builds a model."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import os, sys
from pathlib import Path
from kyc.faces.engine import get_engine
from tests.faces.compose import astronaut_selfie
engine = get_engine(Path(sys.argv[1]))
assert len(engine.embed(astronaut_selfie(), "selfie").vector) == 128
print(os.environ["DEEPFACE_HOME"])
"""


def test_engine_writes_nothing_to_home(tmp_path: Path) -> None:
    home, deepface_home = tmp_path / "home", tmp_path / "deepface"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "DEEPFACE_HOME"}
    env |= {"HOME": str(home), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(deepface_home)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(deepface_home.resolve())
    assert list(home.iterdir()) == []
    assert (deepface_home / ".deepface" / "weights").is_dir()


def test_cli_and_compare_modules_import_nothing_heavy() -> None:
    script = (
        "import sys, kyc.faces.cli, kyc.faces.compare, kyc.faces.models, kyc.faces.liveness; "
        "print(sorted({'cv2', 'dlib', 'deepface', 'numpy', 'torch'} & set(sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=os.environ | {"PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
