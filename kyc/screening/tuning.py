"""Honest tuning: feature weights and the review threshold chosen on tuning folds only.

The shared labelled cases (UN positives with typos, synthetic negatives) are split into FOLDS
folds with a fixed SEED. For each fold, the weights of the tuned features and the threshold are
chosen on the other folds (every combination of TUNED_WEIGHTS x THRESHOLDS is tried), then
applied to the held-out fold: the figures reported are the sums over the held-out folds only.
The shipped values (matcher.ALGORITHM, index.REVIEW_THRESHOLD) are the per-parameter medians of
the per-fold choices, so no single case decided them.

Scores are linear in the feature weights (score = clip(sum weight x feature)), so every case is
matched once and each combination is a matrix product over the stored feature rows.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from kyc.screening.evaluation import ScreeningCase
from kyc.screening.index import ScreeningIndex
from kyc.screening.matcher import ALGORITHM

SEED = 20261201
FOLDS = 5
MIN_RECALL = 0.995  # the target, required on the tuning folds
# The features whose weights are tuned, with the values tried; the others keep ALGORITHM's.
TUNED_WEIGHTS: dict[str, tuple[float, ...]] = {
    "birth_date": (0.1, 0.15, 0.2, 0.3),
    "nationality": (0.0, 0.05, 0.1),
}
THRESHOLDS = tuple(round(0.70 + 0.01 * i, 2) for i in range(28))  # 0.70 .. 0.97
FEATURES = tuple(ALGORITHM)

Accept = Callable[[ScreeningCase, str, str], bool]


@dataclass
class FeatureRows:
    """Every scored candidate of a set of cases: one feature row each, grouped by case."""

    rows: np.ndarray  # (candidates, features)
    starts: np.ndarray  # first row of each case (cases without candidates get an empty run)
    expected: np.ndarray  # bool per row: the candidate is one the case expects

    def best(self, weights: np.ndarray, expected_only: bool) -> np.ndarray:
        """Per case, the best score of its (expected) candidates; -1 without any."""
        scores = np.clip(self.rows @ weights, 0.0, 1.0)
        if expected_only:
            scores = np.where(self.expected, scores, -1.0)
        out = np.full(len(self.starts), -1.0)
        if len(scores):
            padded = np.append(scores, -1.0)  # empty runs read the sentinel
            ends = np.append(self.starts[1:], len(scores))
            maxima = np.maximum.reduceat(padded, np.minimum(self.starts, len(scores)))
            out = np.where(ends > self.starts, maxima, -1.0)
        return out


def feature_rows(
    index: ScreeningIndex,
    cases: Sequence[ScreeningCase],
    names_only: bool,
    accept: Accept | None = None,
) -> FeatureRows:
    """Match every case (with or without its birth date and nationality) and keep the rows."""
    ok = accept or (lambda case, _list, entity_id: entity_id in case.expected_ids)
    rows: list[list[float]] = []
    starts, expected = [], []
    for case in cases:
        query = case.query
        if names_only:
            query = query.model_copy(update={"birth_date": None, "nationality": None})
        starts.append(len(rows))
        for match in index.match(query):
            by_name = {f.feature: f.score for f in match.features}
            rows.append([by_name.get(name, 0.0) for name in FEATURES])
            expected.append(ok(case, match.entity.list_name, match.entity.entity_id))
    return FeatureRows(
        np.array(rows, dtype=np.float64).reshape(-1, len(FEATURES)),
        np.array(starts, dtype=np.int64),
        np.array(expected, dtype=bool),
    )


def folds(case_ids: Sequence[str], k: int = FOLDS, seed: int = SEED) -> np.ndarray:
    """The fold (0..k-1) of each case: a seeded shuffle, dealt round-robin."""
    order = sorted(range(len(case_ids)), key=lambda i: case_ids[i])
    random.Random(seed).shuffle(order)
    out = np.zeros(len(case_ids), dtype=np.int64)
    for position, i in enumerate(order):
        out[i] = position % k
    return out


@dataclass
class Choice:
    weights: dict[str, float]
    threshold: float


@dataclass
class Counts:
    positives: int = 0
    found: int = 0  # with the cases' birth date and nationality
    found_names_only: int = 0
    negatives: int = 0
    flagged: int = 0  # with birth date and nationality
    flagged_names_only: int = 0

    def add(self, other: Counts) -> None:
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class TuningData:
    """The four matched sets; `pos_fold` / `neg_fold` give each case's fold."""

    positives: FeatureRows
    positives_names_only: FeatureRows
    negatives: FeatureRows
    negatives_names_only: FeatureRows
    pos_fold: np.ndarray
    neg_fold: np.ndarray


def prepare(
    index: ScreeningIndex,
    positives: Sequence[ScreeningCase],
    negatives: Sequence[ScreeningCase],
    accept: Accept | None = None,
) -> TuningData:
    return TuningData(
        feature_rows(index, positives, False, accept),
        feature_rows(index, positives, True, accept),
        feature_rows(index, negatives, False),
        feature_rows(index, negatives, True),
        folds([c.case_id for c in positives]),
        folds([c.case_id for c in negatives]),
    )


def _combinations() -> list[dict[str, float]]:
    names = list(TUNED_WEIGHTS)
    return [
        dict(zip(names, values, strict=True))
        for values in itertools.product(*TUNED_WEIGHTS.values())
    ]


def _weights(choice: dict[str, float]) -> np.ndarray:
    return np.array([choice.get(name, ALGORITHM[name][0]) for name in FEATURES])


def _maxima(data: TuningData, weights: np.ndarray) -> tuple[np.ndarray, ...]:
    return (
        data.positives.best(weights, True),
        data.positives_names_only.best(weights, True),
        data.negatives.best(weights, False),
        data.negatives_names_only.best(weights, False),
    )


def _counts(maxima: tuple[np.ndarray, ...], pos: np.ndarray, neg: np.ndarray, t: float) -> Counts:
    p, p_names, n, n_names = maxima
    return Counts(
        positives=int(pos.sum()),
        found=int((p[pos] >= t).sum()),
        found_names_only=int((p_names[pos] >= t).sum()),
        negatives=int(neg.sum()),
        flagged=int((n[neg] >= t).sum()),
        flagged_names_only=int((n_names[neg] >= t).sum()),
    )


def choose(data: TuningData, pos: np.ndarray, neg: np.ndarray) -> Choice:
    """The weights and threshold with the fewest errors on the selected (tuning) cases.

    Errors = false hits names-only + false hits with birth date + misses, among the choices
    keeping recall >= MIN_RECALL; of equally good thresholds the middle one (margin both ways).
    """
    best: tuple[int, Choice] | None = None
    for combination in _combinations():
        maxima = _maxima(data, _weights(combination))
        costs = []
        for t in THRESHOLDS:
            c = _counts(maxima, pos, neg, t)
            feasible = c.found >= MIN_RECALL * c.positives
            missed = c.positives - c.found
            cost = c.flagged + c.flagged_names_only + missed if feasible else 10**9
            costs.append(cost)
        lowest = min(costs)
        tied = [t for t, cost in zip(THRESHOLDS, costs, strict=True) if cost == lowest]
        candidate = Choice(combination, tied[len(tied) // 2])
        if best is None or lowest < best[0]:
            best = (lowest, candidate)
    assert best is not None
    return best[1]


@dataclass
class CrossValidation:
    choices: list[Choice]
    validation: Counts  # summed over the held-out folds
    shipped: Choice  # per-parameter medians of the per-fold choices


def cross_validate(data: TuningData, k: int = FOLDS) -> CrossValidation:
    choices: list[Choice] = []
    total = Counts()
    for fold in range(k):
        choice = choose(data, data.pos_fold != fold, data.neg_fold != fold)
        choices.append(choice)
        maxima = _maxima(data, _weights(choice.weights))
        total.add(_counts(maxima, data.pos_fold == fold, data.neg_fold == fold, choice.threshold))
    shipped = Choice(
        {n: float(np.median([c.weights[n] for c in choices])) for n in TUNED_WEIGHTS},
        float(np.median([c.threshold for c in choices])),
    )
    return CrossValidation(choices, total, shipped)


def evaluate(data: TuningData, choice: Choice) -> Counts:
    """Counts of one choice over every case (tuning and validation alike: not a held-out figure)."""
    everything_p = np.ones(len(data.pos_fold), dtype=bool)
    everything_n = np.ones(len(data.neg_fold), dtype=bool)
    maxima = _maxima(data, _weights(choice.weights))
    return _counts(maxima, everything_p, everything_n, choice.threshold)
