"""The tuning machinery: seeded folds, per-case maxima, choices made on tuning folds only."""

from __future__ import annotations

import numpy as np

from kyc.screening import tuning
from kyc.screening.tuning import FEATURES, FeatureRows, TuningData


def test_folds_are_seeded_balanced_and_independent_of_input_order() -> None:
    ids = [f"case_{i:04d}" for i in range(103)]
    first = tuning.folds(ids)
    assert sorted(np.bincount(first).tolist()) == [20, 20, 21, 21, 21]
    shuffled = list(reversed(ids))
    again = tuning.folds(shuffled)
    assert {i: f for i, f in zip(ids, first, strict=True)} == {
        i: f for i, f in zip(shuffled, again, strict=True)
    }
    assert not np.array_equal(first, tuning.folds(ids, seed=1))


def _rows(per_case: list[list[tuple[float, bool]]]) -> FeatureRows:
    rows: list[list[float]] = []
    starts: list[int] = []
    expected: list[bool] = []
    for candidates in per_case:
        starts.append(len(rows))
        for name_score, is_expected in candidates:
            row = [0.0] * len(FEATURES)
            row[FEATURES.index("name")] = name_score
            rows.append(row)
            expected.append(is_expected)
    return FeatureRows(
        np.array(rows).reshape(-1, len(FEATURES)), np.array(starts), np.array(expected)
    )


def test_best_score_per_case_handles_cases_without_candidates() -> None:
    rows = _rows([[(0.5, False), (0.9, True)], [], [(0.7, False)]])
    weights = np.array([1.0 if n == "name" else 0.0 for n in FEATURES])
    assert rows.best(weights, expected_only=False).tolist() == [0.9, -1.0, 0.7]
    assert rows.best(weights, expected_only=True).tolist() == [0.9, -1.0, -1.0]


def test_threshold_is_chosen_between_positives_and_negatives_of_the_tuning_cases() -> None:
    positives = _rows([[(0.95, True)]] * 10)
    negatives = _rows([[(0.75, False)]] * 10 + [[(0.99, False)]])  # the last one is held out
    data = TuningData(
        positives, positives, negatives, negatives, np.zeros(10, int), np.array([0] * 10 + [1])
    )
    choice = tuning.choose(data, data.pos_fold == 0, data.neg_fold == 0)
    assert 0.75 < choice.threshold <= 0.95
    held_out = tuning.evaluate(data, choice)
    assert held_out.found == 10 and held_out.flagged == 1
