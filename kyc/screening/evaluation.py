"""Accuracy measurement on labelled screening cases and name pairs (used by tests and bench).

Case files are the CSVs of ../shared/data/sanctions and ../shared/data/names (see their
SOURCES.md); nothing here is needed to screen.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kyc.screening.entities import EntityType, ListedEntity, ListedName, sex_code
from kyc.screening.index import ScreeningIndex
from kyc.screening.matcher import EntityMatch, score_entity
from kyc.screening.models import ScreeningQuery
from kyc.screening.normalize import name_tokens, name_variants
from kyc.screening.translit import script_of


@dataclass
class ScreeningCase:
    case_id: str
    query: ScreeningQuery
    expected_ids: frozenset[str]  # empty for a negative case


@dataclass
class Outcome:
    cases: int = 0
    correct: int = 0
    failures: list[str] = field(default_factory=list)  # case ids
    latencies_s: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.correct / self.cases if self.cases else 0.0


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def un_positive_cases(path: Path) -> list[ScreeningCase]:
    """screening_un_positives.csv: cases with a known UN reference number."""
    return [
        ScreeningCase(
            row["case_id"],
            ScreeningQuery(
                name=row["query_full_name"],
                birth_date=row["query_date_of_birth"] or None,
                nationality=row["query_nationality"] or None,
            ),
            frozenset(row["expected_un_reference_number"].split("|")),
        )
        for row in _read(path)
        if row["expected_un_reference_number"]
    ]


def relabel_listed_identities(
    cases: list[ScreeningCase], entities: list[ListedEntity], list_name: str = "un"
) -> list[str]:
    """Where a positive's query is, name and full birth date, exactly another entry of the list,
    that entry is who the query is: accept it too, and return those case ids (to be reported).

    The shared UN positives were made by perturbing listed names; in one (un_0391) the name and
    date of one sibling (IQi.065, NOOR BARZAN ..., 1983-11-02) carry the label of another
    (IQi.062, MOHAMMAD BARZAN ..., 1972-11-02). A hit on the entry the query spells out, in full,
    is the correct hit, not a miss."""
    by_identity: dict[tuple[tuple[str, ...], str], set[str]] = {}
    for entity in entities:
        if entity.list_name != list_name:
            continue
        dates = {str(d) for d in entity.birth_dates if d.day is not None}
        for listed in entity.names:
            tokens = tuple(sorted(name_tokens(listed.name)))
            for date in dates:
                by_identity.setdefault((tokens, date), set()).add(entity.entity_id)
    relabelled = []
    for case in cases:
        if not case.expected_ids or not case.query.birth_date:
            continue
        identity = (tuple(sorted(name_tokens(case.query.name))), case.query.birth_date)
        extra = by_identity.get(identity, set()) - case.expected_ids
        if extra:
            case.expected_ids = case.expected_ids | extra
            relabelled.append(case.case_id)
    return relabelled


def person_cases(path: Path) -> list[ScreeningCase]:
    """screening_negatives.csv or screening_us_congress_positives.csv (full_name, ...)."""
    return [
        ScreeningCase(
            row["case_id"],
            ScreeningQuery(
                name=row["full_name"],
                birth_date=row.get("date_of_birth") or None,
                nationality=row.get("nationality") or None,
                sex=sex_code(row.get("gender")),
            ),
            frozenset(),
        )
        for row in _read(path)
    ]


def recall(
    index: ScreeningIndex,
    cases: list[ScreeningCase],
    threshold: float,
    hit_ok: Callable[[ScreeningCase, str, str], bool] | None = None,
) -> Outcome:
    """Share of cases where an expected entity scores at or above `threshold`.

    `hit_ok(case, list, entity_id)` decides what counts; by default the entity id must be one
    of the case's expected ids, in any list.
    """
    accept = hit_ok or (lambda case, _list, entity_id: entity_id in case.expected_ids)
    out = Outcome()
    for case in cases:
        started = time.perf_counter()
        hits = index.screen(case.query, threshold)
        out.latencies_s.append(time.perf_counter() - started)
        out.cases += 1
        if any(accept(case, h.list, h.entity_id) for h in hits):
            out.correct += 1
        else:
            out.failures.append(case.case_id)
    return out


def false_positives(index: ScreeningIndex, cases: list[ScreeningCase], threshold: float) -> Outcome:
    """`correct` counts the cases with any hit at or above `threshold` (false positives)."""
    out = Outcome()
    for case in cases:
        started = time.perf_counter()
        hits = index.screen(case.query, threshold)
        out.latencies_s.append(time.perf_counter() - started)
        out.cases += 1
        if hits:
            out.correct += 1
            out.failures.append(case.case_id)
    return out


@dataclass
class PairScores:
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def f1(self) -> float:
        tp = self.true_positives
        denominator = 2 * tp + self.false_positives + self.false_negatives
        return 2 * tp / denominator if denominator else 0.0


def pair_score(name1: str, name2: str, schema: str = "Person", name_only: bool = False) -> float:
    """The score of `name1` screened against an entity named `name2` and nothing else known
    (FtM schema names): every name feature counts (rarity, common_only, contradiction, script),
    with token frequencies from the census reference only (no list is loaded). `name_only`:
    the name feature alone (transliteration and token alignment)."""
    entity_type: EntityType = "person" if schema == "Person" else "organization"
    entity = ListedEntity("pairs", "1", entity_type, [ListedName(name2)])
    listed = [(entity.names[0], tokens) for tokens in name_variants(name2, entity_type)]
    if not listed:
        return 0.0
    script = script_of(name1)
    return max(
        (
            _value(score_entity(a, None, None, entity, listed, query_script=script), name_only)
            for a in name_variants(name1, entity_type)
        ),
        default=0.0,
    )


def _value(match: EntityMatch, name_only: bool) -> float:
    return match.features[0].score if name_only else match.score


def name_pairs_f1(path: Path, threshold: float, name_only: bool = False) -> PairScores:
    """F1 on name_pairs_nomenklatura.csv (`is_match` is the label)."""
    tp = fp = fn = 0
    for row in _read(path):
        score = pair_score(row["name1"], row["name2"], row["schema"], name_only)
        predicted = score >= threshold
        actual = row["is_match"].strip().lower() == "true"
        tp += predicted and actual
        fp += predicted and not actual
        fn += actual and not predicted
    return PairScores(tp, fp, fn)


def cross_script_matches(path: Path, threshold: float, name_only: bool = False) -> tuple[int, int]:
    """(pairs scoring >= threshold, pairs) on cross_script_pairs_watchman.csv."""
    rows = _read(path)
    matched = sum(
        pair_score(r["query"], r["expected_match"], name_only=name_only) >= threshold for r in rows
    )
    return matched, len(rows)


def percentile_ms(latencies_s: list[float], fraction: float) -> float:
    ordered = sorted(latencies_s)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] * 1000.0
