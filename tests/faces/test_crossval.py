"""The identity-split calibration procedure on small synthetic inputs (no model, fast)."""

from __future__ import annotations

import itertools

import pytest

from kyc.faces.crossval import (
    IMPOSTOR_MARGIN,
    Band,
    Fold,
    Pair,
    choose_band,
    cross_validate,
    hard_impostors,
    identity_folds,
    pairs_within,
    score_fold,
    tar_at_far,
)


def _dataset(n_ids: int = 8, per_id: int = 3) -> tuple[list[Pair], dict[str, str]]:
    """Identity k's images sit near k on a line; distance = |position difference| / 10."""
    identity_of = {f"id{k}/img{j}": f"id{k}" for k in range(n_ids) for j in range(per_id)}
    pos = {name: int(name[2 : name.index("/")]) + 0.01 * int(name[-1]) for name in identity_of}
    pairs = [
        Pair(a, b, identity_of[a] == identity_of[b], round(abs(pos[a] - pos[b]) / 10 + 0.3, 4))
        for a, b in itertools.combinations(sorted(identity_of), 2)
    ]
    return pairs, identity_of


def test_no_identity_is_both_tuned_on_and_reported_on() -> None:
    pairs, identity_of = _dataset()
    folds = identity_folds(list(identity_of.values()), repeats=3)
    assert len(folds) == 6
    for fold in folds:
        assert not fold.tuning & fold.validation
        assert fold.tuning | fold.validation == set(identity_of.values())
    for report in cross_validate(pairs, identity_of, repeats=3):
        validation = pairs_within(pairs, identity_of, report.fold.validation)
        assert report.genuine + report.impostor == len(validation)
        # The band is exactly what the tuning identities alone give.
        assert report.band == choose_band(pairs_within(pairs, identity_of, report.fold.tuning))


def test_overlapping_fold_is_refused() -> None:
    pairs, identity_of = _dataset()
    fold = Fold(tuning=frozenset({"id0", "id1", "id2"}), validation=frozenset({"id2", "id3"}))
    with pytest.raises(ValueError, match="both"):
        score_fold(fold, pairs, identity_of)


def test_band_depends_on_tuning_pairs_only() -> None:
    """Moving a validation impostor next to zero changes the report, not the band."""
    pairs, identity_of = _dataset()
    fold = Fold(frozenset({"id0", "id1", "id2", "id3"}), frozenset({"id4", "id5", "id6", "id7"}))
    before = score_fold(fold, pairs, identity_of)
    lookalike = next(p for p in pairs if not p.same and p.a.startswith("id4/") and "id5/" in p.b)
    moved = [Pair(p.a, p.b, p.same, 0.01) if p == lookalike else p for p in pairs]
    after = score_fold(fold, moved, identity_of)
    assert after.band == before.band
    assert (before.false_accepts, after.false_accepts) == (0, 1)
    assert after.hard_false_accepts == 1 and after.hard_margin < 0


def test_band_rule() -> None:
    pairs = [Pair("a", "b", True, 0.40), Pair("a", "c", False, 0.70), Pair("b", "c", False, 0.90)]
    band = choose_band(pairs)
    assert IMPOSTOR_MARGIN == 0.14
    assert band.accept_below == pytest.approx(0.56)
    # Never rejects below the nearest impostor, even when genuine pairs are far closer.
    assert band.reject_from == pytest.approx(0.70)
    assert Band(0.5, 0.6).classify(0.55) == "inconclusive"


def test_tar_at_far_counts_allowed_impostors() -> None:
    genuine = [0.1, 0.2, 0.3, 0.6]
    impostor = [0.25] + [0.9] * 999
    assert tar_at_far(genuine, impostor, 0.0) == pytest.approx(0.5)  # below 0.25 only
    assert tar_at_far(genuine, impostor, 1e-3) == pytest.approx(1.0)  # one impostor allowed


def test_hard_impostors_are_each_images_nearest_other_identity() -> None:
    pairs = [
        Pair("a1", "b1", False, 0.5),
        Pair("a1", "c1", False, 0.9),
        Pair("b1", "c1", False, 0.7),
        Pair("a1", "a2", True, 0.1),
    ]
    assert [(p.a, p.b) for p in hard_impostors(pairs)] == [("a1", "b1"), ("b1", "c1")]


def test_cohort_normalisation_and_separation_arithmetic() -> None:
    from kyc.faces.crossval import cohort_normalised, separation

    pairs = [Pair("a", "b", True, 0.3), Pair("a", "c", False, 0.7), Pair("b", "c", False, 0.9)]
    cohort = {"a": [0.6, 0.8], "b": [0.6, 0.8], "c": [1.0, 1.0, 5.0]}
    normed = cohort_normalised(pairs, cohort, k=2)
    # a, b: cohort mean 0.7, std 0.1; c: mean 1.0, std 0 -> clamped to 1e-6.
    assert normed[0].distance == pytest.approx((0.3 - 0.7) / 0.1)
    assert normed[1].distance == pytest.approx((0.7 - 0.85) / ((0.1 + 1e-6) / 2))
    sep = separation(pairs)
    assert sep.tar_at_zero_far == 1.0
    assert sep.gap_over_spread == pytest.approx(0.4)  # one genuine pair: spread falls back to 1
