"""The peers of bench/screening.py, run on the same cases: a watchman-style matcher and
nomenklatura's logic-v2 (the matcher of OpenSanctions' yente).

- **watchman-style**: moov-io/watchman's `BestPairsJaroWinkler` (internal/stringscore, read at
  commit 160a982) re-implemented here: every query token against every listed token by
  Jaro-Winkler (boost 0.7, prefix 4; rapidfuzz), x0.9 when first letters differ, a length
  penalty below a 0.9 length ratio, pairs only between tokens whose first letters share a
  Soundex class; best pairs first, each token once; the average weighted by the characters of
  both tokens, scaled down by the unmatched share of the listed name (weight 0.15). No
  transliteration (watchman has none). Exhaustive over every listed name, pruned exactly: a
  name scores at most its best token pair, so names without a pair >= the threshold are skipped.
  Threshold 0.85, as in the issue. Its speed here is this Python/numpy code's, not watchman's Go.
- **nomenklatura logic-v2** (4.17.4, default configuration, threshold 0.70 as in the issue): it
  scores a candidate pair, it does not search; as in yente, candidates come from a retrieval
  step: here kycflow's own blocking (the <= 20 entities `ScreeningIndex.match` retrieves). It runs
  in its own virtualenv (`make bench-peers`: its dependencies pin versions ours do not use),
  fed the cases and candidates as JSON by `nomenklatura_peer.py`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from rapidfuzz.distance import JaroWinkler
from rapidfuzz.process import cdist

from kyc.screening.entities import ListedEntity
from kyc.screening.evaluation import ScreeningCase
from kyc.screening.index import ScreeningIndex

ROOT = Path(__file__).resolve().parents[1]
PEERS_PYTHON = ROOT / ".venv-peers" / "bin" / "python"
WATCHMAN_THRESHOLD = 0.85
NOMENKLATURA_THRESHOLD = 0.70
_SOUNDEX = {c: str(d) for d, letters in enumerate(
    ("bfpv", "cgjkqsxz", "dt", "l", "mn", "r"), start=1) for c in letters}  # fmt: skip


def watchman_tokens(name: str) -> list[str]:
    """Lower case, accents and punctuation removed, "SURNAME, Given" read as "Given SURNAME"."""
    if name.count(",") == 1:
        last, first = name.split(",")
        name = f"{first} {last}"
    text = unicodedata.normalize("NFKD", name.lower())
    text = "".join(c if c.isalnum() else " " for c in text if not unicodedata.combining(c))
    return text.split()


def _first_class(token: str) -> str:
    return _SOUNDEX.get(token[0], token[0])


@dataclass
class WatchmanIndex:
    """Every listed name's tokens, the vocabulary and which names use each token."""

    entities: list[ListedEntity]
    names: list[tuple[int, list[str]]] = field(default_factory=list)  # (entity, tokens)
    vocabulary: list[str] = field(default_factory=list)
    postings: list[list[int]] = field(default_factory=list)  # vocabulary id -> name ids
    vocabulary_ids: dict[str, int] = field(default_factory=dict)
    # Per vocabulary token, computed once: its length, first letter and first Soundex class.
    _lengths: np.ndarray = field(default_factory=lambda: np.zeros(0))
    _firsts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=str))
    _classes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=str))

    def __post_init__(self) -> None:
        self._index_vocabulary()

    def _index_vocabulary(self) -> None:
        self.vocabulary_ids = {t: i for i, t in enumerate(self.vocabulary)}
        self._lengths = np.array([len(t) for t in self.vocabulary], dtype=float)[None, :]
        self._firsts = np.array([t[0] for t in self.vocabulary])[None, :]
        self._classes = np.array([_first_class(t) for t in self.vocabulary])[None, :]

    @classmethod
    def build(cls, entities: list[ListedEntity]) -> WatchmanIndex:
        index = cls(entities)
        ids: dict[str, int] = {}
        for e, entity in enumerate(entities):
            for listed in entity.names:
                tokens = watchman_tokens(listed.name)
                if not tokens:
                    continue
                name_id = len(index.names)
                index.names.append((e, tokens))
                for token in set(tokens):
                    if token not in ids:
                        ids[token] = len(index.vocabulary)
                        index.vocabulary.append(token)
                        index.postings.append([])
                    index.postings[ids[token]].append(name_id)
        index._index_vocabulary()
        return index

    def _token_scores(self, query: Sequence[str]) -> np.ndarray:
        """customJaroWinkler of each query token against the vocabulary, 0 where filtered."""
        scores = cdist(query, self.vocabulary, scorer=JaroWinkler.similarity, workers=1)
        q_len = np.array([len(t) for t in query], dtype=float)[:, None]
        ratio = np.minimum(q_len, self._lengths) / np.maximum(q_len, self._lengths)
        scores = np.where(ratio < 0.9, scores * (1.0 - (1.0 - ratio) * 0.3), scores)
        q_first = np.array([t[0] for t in query])[:, None]
        scores = np.where(q_first != self._firsts, scores * 0.9, scores)
        q_class = np.array([_first_class(t) for t in query])[:, None]
        return np.where(q_class == self._classes, scores, 0.0)

    def best_by_entity(self, name: str, threshold: float) -> dict[int, float]:
        """Entity -> its best name's score, for the entities scoring >= `threshold`."""
        query = watchman_tokens(name)
        if not query:
            return {}
        scores = self._token_scores(query)
        close = np.flatnonzero(scores.max(axis=0) >= threshold)
        candidates = {n for v in close for n in self.postings[v]}
        out: dict[int, float] = defaultdict(float)
        for name_id in candidates:
            entity, tokens = self.names[name_id]
            columns = [scores[:, self.vocabulary_ids[t]] for t in tokens]
            score = best_pairs(query, tokens, columns)
            if score >= threshold and score > out[entity]:
                out[entity] = score
        return dict(out)


def best_pairs(query: Sequence[str], listed: Sequence[str], columns: Sequence[np.ndarray]) -> float:
    """BestPairsJaroWinkler from precomputed token scores (`columns[j][i]`: query i, listed j)."""
    pairs = sorted(
        ((float(columns[j][i]), i, j) for i in range(len(query)) for j in range(len(listed))),
        reverse=True,
    )
    used_q: set[int] = set()
    used_l: set[int] = set()
    weighted = 0.0
    matched_listed = 0
    for score, i, j in pairs:
        if score <= 0.0 or i in used_q or j in used_l:
            continue
        used_q.add(i)
        used_l.add(j)
        weighted += score * (len(query[i]) + len(listed[j]))
        matched_listed += len(listed[j])
    average = weighted / (sum(map(len, query)) + matched_listed)
    matched_fraction = matched_listed / sum(map(len, listed))
    return average * (1.0 - (1.0 - matched_fraction) * 0.15)


@dataclass
class PeerFigures:
    name: str
    recall: str = "-"
    false_hits_names: str = "-"
    false_hits_dob: str = "-"
    cross_script: str = "-"
    p50_ms: float | None = None
    p99_ms: float | None = None
    note: str = ""


def _rate(count: int, total: int) -> str:
    return f"{count / total:.2%} ({count}/{total})"


def run_watchman(
    entities: list[ListedEntity],
    positives: list[ScreeningCase],
    negatives: list[ScreeningCase],
    cross_script: list[tuple[str, str]],
) -> PeerFigures:
    """Names only (the baseline reads no birth date): recall and false hits."""
    index = WatchmanIndex.build(entities)
    latencies: list[float] = []

    def hits(name: str) -> dict[int, float]:
        started = time.thread_time()
        out = index.best_by_entity(name, WATCHMAN_THRESHOLD)
        latencies.append(time.thread_time() - started)
        return out

    found = sum(
        any(
            entities[e].list_name == "un" and entities[e].entity_id in case.expected_ids
            for e in hits(case.query.name)
        )
        for case in positives
    )
    flagged = sum(bool(hits(case.query.name)) for case in negatives)
    crossed = 0
    for query, expected in cross_script:
        q, c = watchman_tokens(query), watchman_tokens(expected)
        pair_index = WatchmanIndex(entities=[], vocabulary=c)
        columns = list(pair_index._token_scores(q).T)
        crossed += best_pairs(q, c, columns) >= WATCHMAN_THRESHOLD
    ordered = sorted(latencies)
    return PeerFigures(
        f"watchman-style JW {WATCHMAN_THRESHOLD}",
        recall=_rate(found, len(positives)) + " names only",
        false_hits_names=_rate(flagged, len(negatives)),
        cross_script=f"{crossed}/{len(cross_script)}",
        p50_ms=ordered[len(ordered) // 2] * 1000,
        p99_ms=ordered[int(len(ordered) * 0.99)] * 1000,
        note="exhaustive, pruned exactly; CPU of this Python/numpy version",
    )


def _ftm(entity: ListedEntity) -> dict[str, object]:
    schema = {"person": "Person", "organization": "Organization"}.get(
        entity.entity_type, "LegalEntity"
    )
    properties: dict[str, list[str]] = {"name": [n.name for n in entity.names]}
    if schema == "Person":
        properties["birthDate"] = [str(b) for b in entity.birth_dates if b.to_year is None]
        if entity.sex:
            properties["gender"] = ["male" if entity.sex == "M" else "female"]
    properties["nationality"] = [c.lower() for c in entity.nationalities]
    return {"id": f"{entity.list_name}:{entity.entity_id}", "schema": schema,
            "properties": {k: v for k, v in properties.items() if v}}  # fmt: skip


def run_nomenklatura(
    index: ScreeningIndex,
    positives: list[ScreeningCase],
    negatives: list[ScreeningCase],
    cross_script: list[tuple[str, str]],
) -> PeerFigures:
    """logic-v2 over kycflow's retrieved candidates, in the peers' virtualenv."""
    name = f"nomenklatura logic-v2 {NOMENKLATURA_THRESHOLD}"
    if not PEERS_PYTHON.exists():
        return PeerFigures(name, note="not run: `make bench-peers` installs it (.venv-peers)")
    cases = []
    for kind, group in (("positive", positives), ("negative", negatives)):
        for case in group:
            q = case.query
            with_evidence = {
                "birthDate": [q.birth_date] if q.birth_date else [],
                "nationality": [q.nationality.lower()] if q.nationality else [],
            }
            if q.sex in ("M", "F"):
                with_evidence["gender"] = ["male" if q.sex == "M" else "female"]
            candidates = [_ftm(m.entity) for m in index.match(q.model_copy(
                update={"birth_date": None, "nationality": None, "sex": None}))]  # fmt: skip
            cases.append({
                "kind": kind, "name": q.name, "evidence": with_evidence,
                "expected": sorted(f"un:{i}" for i in case.expected_ids), "candidates": candidates,
            })  # fmt: skip
    payload = {"threshold": NOMENKLATURA_THRESHOLD, "cases": cases, "pairs": cross_script}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(payload, handle)
    try:
        env = {**os.environ, "PYTHONPATH": ""}
        out = subprocess.run(
            [str(PEERS_PYTHON), str(ROOT / "bench" / "nomenklatura_peer.py"), handle.name],
            check=True, capture_output=True, text=True, env=env,
        )  # fmt: skip
    except subprocess.CalledProcessError as failed:
        return PeerFigures(name, note=f"failed: {failed.stderr.strip().splitlines()[-1:]}")
    finally:
        if not os.environ.get("KYC_BENCH_KEEP"):
            os.unlink(handle.name)
        else:
            print(handle.name)
    r = json.loads(out.stdout)
    return PeerFigures(
        name,
        recall=_rate(r["found"], r["positives"]) + " with DOB",
        false_hits_names=_rate(r["flagged_names_only"], r["negatives"]),
        false_hits_dob=_rate(r["flagged"], r["negatives"]),
        cross_script=f"{r['cross_script']}/{len(cross_script)}",
        p50_ms=r["p50_ms"],
        p99_ms=r["p99_ms"],
        note="candidates from kycflow's retrieval (<= 20 per query); CPU of the scoring only",
    )


def print_peers(figures: list[PeerFigures]) -> None:
    print(f"\n  {'side by side (same cases, all of them)':<40} {'recall':<28} "
          f"{'false hits names':<20} {'with DOB':<18} cross  p50 / p99 ms (CPU)")  # fmt: skip
    for f in figures:
        speed = f"{f.p50_ms:.1f} / {f.p99_ms:.1f}" if f.p50_ms is not None else "-"
        print(f"  {f.name:<40} {f.recall:<28} {f.false_hits_names:<20} {f.false_hits_dob:<18} "
              f"{f.cross_script:<6} {speed}")  # fmt: skip
        if f.note:
            print(f"  {'':<40} ({f.note})")


if __name__ == "__main__":
    sys.exit("run bench/screening.py, which runs the peers on its cases")
