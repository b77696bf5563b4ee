"""Native thread pools sized from the worker's cores and its concurrent ML activities."""

from __future__ import annotations

import os

import cv2
import pytest

from kyc import threads


def test_threads_per_activity_fill_the_cores_without_oversubscribing() -> None:
    assert threads.threads_per_activity(2, 2) == 1
    assert threads.threads_per_activity(8, 2) == 4
    assert threads.threads_per_activity(2, 4) == 1  # never zero
    assert threads.threads_per_activity(3, 0) == 3


def test_limit_sets_every_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(threads, "_per_activity", None)
    assert threads.onnxruntime_threads() == {}
    before = cv2.getNumThreads()
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.setenv(name, "0")
    try:
        threads.limit_native_threads(1)
        assert cv2.getNumThreads() == 1
        assert os.environ["OMP_NUM_THREADS"] == "1"
        assert threads.onnxruntime_threads() == {
            "EngineConfig.onnxruntime.intra_op_num_threads": 1,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        }
        assert threads.torch_threads() == 1
    finally:
        cv2.setNumThreads(before)
