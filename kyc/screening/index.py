"""The screening index: candidate retrieval by blocking keys, then exact scoring.

Every distinct listed token goes into a vocabulary, reachable through blocking keys:
the token itself, its consonant skeleton (phonetic), its sorted letters (catches swapped
letters, "afiz"/"faiz") and its one-letter deletions (edit distance <= 2, SymSpell-style:
the n-gram neighbourhood of a token). Adjacent tokens of a listed name are also indexed
joined, for split/joined queries. A query token is expanded to the similar vocabulary tokens,
their postings give candidate names, and only the best candidates are scored in full.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz.distance import OSA
from rapidfuzz.process import cdist

from kyc.screening.countries import country_code
from kyc.screening.entities import BirthDate, ListedEntity, ListedName
from kyc.screening.features import token_similarity
from kyc.screening.loaders._common import parse_birth_dates
from kyc.screening.matcher import (
    EntityMatch,
    Evidence,
    NameChoice,
    Similarity,
    best_name,
    entity_evidence,
    entity_score,
    explain_entity,
    token_weight,
)
from kyc.screening.models import FeatureScore, ScreeningHit, ScreeningQuery
from kyc.screening.normalize import name_variants
from kyc.screening.phonetic import consonant_key
from kyc.screening.rarity import TokenStats
from kyc.screening.translit import script_of

# Shipped review threshold: hits scoring at or above it go to review. The median of the
# thresholds chosen on the tuning folds of a 5-fold cross-validation on the shared cases, with
# the feature weights (kyc/screening/tuning.py; validation figures in docs/screening.md).
REVIEW_THRESHOLD = 0.86
MAX_CANDIDATES = 20  # entities scored in full per query
MAX_CANDIDATE_NAMES = 80  # names considered for them
CANDIDATE_FLOOR = 0.12  # a candidate must cover this share of the query's (rarity) weight
RELATIVE_FLOOR = 0.4  # ... and reach this share of the best candidate's coverage
_PERSON_TYPES = frozenset({"person", "unknown"})
_ORG_TYPES = frozenset({"organization", "vessel", "aircraft", "unknown"})


def _deletions(token: str) -> set[str]:
    if len(token) < 4:
        return set()
    return {token[:i] + token[i + 1 :] for i in range(len(token))}


def _keys(token: str) -> set[str]:
    keys = {"s:" + "".join(sorted(token))}
    skeleton = consonant_key(token)
    if len(skeleton) >= 2:  # shorter skeletons ("l" of "al", "ali", "lee") block nothing useful
        keys.add("p:" + skeleton)
    keys.update("d:" + d for d in _deletions(token))
    keys.add("d:" + token)
    return keys


def _distinct(ids: np.ndarray) -> np.ndarray:
    """The distinct values of `ids`, ascending (np.unique hashes first: slower on these)."""
    ordered = np.sort(ids)
    keep = np.empty(len(ordered), dtype=bool)
    keep[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


@dataclass(slots=True)
class _IndexedName:
    entity: int
    name: ListedName
    tokens: tuple[str, ...]


class ScreeningIndex:
    """Listed entities, indexed for fast candidate retrieval; build once, screen many."""

    def __init__(self, entities: list[ListedEntity]) -> None:
        self.entities = entities
        self.snapshot_id: str | None = None  # set when built from a stored snapshot
        self._names: list[_IndexedName] = []
        postings: dict[str, list[int]] = defaultdict(list)  # token -> name ids
        self._blocks: dict[str, set[str]] = defaultdict(set)  # blocking key -> tokens
        self._df: dict[str, int] = defaultdict(int)
        for entity_id, entity in enumerate(entities):
            seen: set[tuple[str, ...]] = set()
            variants = (
                (listed_name, tokens)
                for listed_name in entity.names
                for tokens in name_variants(listed_name.name, entity.entity_type)
            )
            for listed_name, tokens in variants:
                if tokens in seen:
                    continue
                seen.add(tokens)
                name_id = len(self._names)
                self._names.append(_IndexedName(entity_id, listed_name, tokens))
                joined = [a + b for a, b in itertools.pairwise(tokens)]
                for token in set(tokens) | set(joined):
                    postings[token].append(name_id)
                for token in set(tokens):
                    self._df[token] += 1
        for token in postings:
            for key in _keys(token):
                self._blocks[key].add(token)
        self.stats = TokenStats(self._df, len(self._names))
        self._postings = {token: np.array(ids, dtype=np.int32) for token, ids in postings.items()}
        self._type_masks: dict[frozenset[str], np.ndarray] = {}

    @classmethod
    def build(cls, entities: Iterable[ListedEntity]) -> ScreeningIndex:
        """Index `entities` (from one or several lists)."""
        return cls(list(entities))

    def __len__(self) -> int:
        return len(self.entities)

    def rarity(self, token: str) -> float:
        """The alignment weight multiplier of `token` (rarity.TokenStats.rarity)."""
        return self.stats.rarity(token)

    def _similar_tokens(self, token: str) -> dict[str, float]:
        """Vocabulary tokens similar to `token`, with their similarity."""
        if len(token) == 1:
            return {token: 1.0} if token in self._postings else {}
        found: set[str] = set()
        for key in _keys(token):
            found |= self._blocks.get(key, set())
        if token in self._postings:
            found.add(token)
        out = {}
        for other in found:
            score = token_similarity(token, other)[0]
            if score > 0.0:
                out[other] = score
        return out

    def _type_mask(self, allowed: frozenset[str]) -> np.ndarray:
        mask = self._type_masks.get(allowed)
        if mask is None:
            mask = np.array(
                [self.entities[n.entity].entity_type in allowed for n in self._names], dtype=bool
            )
            self._type_masks[allowed] = mask
        return mask

    def candidates(self, tokens: Sequence[str], allowed: frozenset[str]) -> list[int]:
        """Name ids worth scoring in full, best first (of at most MAX_CANDIDATES entities).

        A name's retrieval score is the sum, over query tokens, of the best
        similarity x weight x rarity of any of its tokens: vectorised over all names.
        """
        # Sparse: only the names some similar token's posting reaches are touched (a few
        # hundred of ~30,000); dense per-token arrays cost more than the work itself. The sums
        # are float32, added token by token in the same order, as a dense vector would be.
        scores = np.zeros(len(self._names), dtype=np.float32)
        gains = np.zeros(len(self._names), dtype=np.float32)  # scratch, zero between tokens
        total = sum(token_weight(t) for t in tokens)
        joined = [a + b for a, b in itertools.pairwise(tokens)]
        touched_runs = []
        for token in [*tokens, *joined]:
            weight = token_weight(token)
            similar = self._similar_tokens(token)
            if not similar:
                continue
            postings = [self._postings[other] for other in similar]
            values = np.array(
                [s * weight * self.stats.rarity(o) for o, s in similar.items()], dtype=np.float32
            )
            ids = np.concatenate(postings)
            np.maximum.at(gains, ids, np.repeat(values, [len(p) for p in postings]))
            touched = _distinct(ids)
            scores[touched] += gains[touched]
            gains[touched] = 0.0
            touched_runs.append(touched)
        if not touched_runs:
            return []
        touched = _distinct(np.concatenate(touched_runs))  # ascending, as np.nonzero gives
        touched = touched[self._type_mask(allowed)[touched]]
        reached = scores[touched]
        best = float(reached.max()) if len(reached) else 0.0
        floor = max(CANDIDATE_FLOOR * total, RELATIVE_FLOOR * best, 1e-6)
        found = touched[reached >= floor]
        if len(found) > MAX_CANDIDATE_NAMES:
            found = found[
                np.argpartition(-scores[found], MAX_CANDIDATE_NAMES)[:MAX_CANDIDATE_NAMES]
            ]
        ordered = found[np.argsort(-scores[found], kind="stable")]
        # The best names of at most MAX_CANDIDATES entities: an entity with many aliases must
        # not crowd the others out.
        out: list[int] = []
        entities: set[int] = set()
        for name_id in ordered.tolist():
            entity = self._names[name_id].entity
            if entity not in entities:
                if len(entities) >= MAX_CANDIDATES:
                    continue
                entities.add(entity)
            out.append(name_id)
        return out

    def screen(self, query: ScreeningQuery, threshold: float | None = None) -> list[ScreeningHit]:
        """Hits scoring at least `threshold` (default REVIEW_THRESHOLD), best first."""
        limit = REVIEW_THRESHOLD if threshold is None else threshold
        # Only the hits are explained: most candidates score under the threshold.
        return [to_hit(c.explain()) for c in self._scored(query) if c.score >= limit]

    def match(self, query: ScreeningQuery) -> list[EntityMatch]:
        """Every scored candidate entity, best first, with no threshold applied."""
        return [c.explain() for c in self._scored(query)]

    def _scored(self, query: ScreeningQuery) -> list[_Scored]:
        """Every candidate entity with its score, best first; explained on demand."""
        entity_type = query.entity_type
        allowed = {"person": _PERSON_TYPES, "organization": _ORG_TYPES}.get(
            entity_type, _PERSON_TYPES | _ORG_TYPES
        )
        variants = name_variants(
            query.name, "person" if entity_type == "person" else "organization"
        )
        if not variants:
            return []
        birth = parse_birth_dates(query.birth_date)
        birth_date: BirthDate | None = birth[0] if birth else None
        nationality = country_code(query.nationality)
        script = script_of(query.name)
        by_entity: dict[int, list[tuple[ListedName, Sequence[str]]]] = defaultdict(list)
        listed_tokens: set[str] = set()
        seen: set[int] = set()
        for tokens in variants:
            for name_id in self.candidates(tokens, allowed):
                if name_id in seen:
                    continue
                seen.add(name_id)
                indexed = self._names[name_id]
                by_entity[indexed.entity].append((indexed.name, indexed.tokens))
                listed_tokens.update(indexed.tokens)
                listed_tokens.update(a + b for a, b in itertools.pairwise(indexed.tokens))
        similarity = _similarity_table([t for v in variants for t in v], listed_tokens)
        scored = []
        for e, names in by_entity.items():
            entity = self.entities[e]
            evidence = entity_evidence(birth_date, nationality, query.sex, entity)
            best: _Scored | None = None
            for tokens in variants:  # the best variant; the first one on a tie
                choice = best_name(tokens, names, self.stats, similarity)
                score = entity_score(tokens, entity, choice, evidence, script)
                if best is None or score > best.score:
                    best = _Scored(score, tokens, entity, choice, evidence, script)
            assert best is not None
            scored.append(best)
        scored.sort(key=lambda c: (-c.score, c.entity.list_name, c.entity.entity_id))
        return scored


@dataclass(frozen=True, slots=True)
class _Scored:
    """A candidate entity's score, with what explaining it takes."""

    score: float
    tokens: Sequence[str]  # the query variant that scored best
    entity: ListedEntity
    choice: NameChoice
    evidence: Evidence
    script: str | None

    def explain(self) -> EntityMatch:
        return explain_entity(self.tokens, self.entity, self.choice, self.evidence, self.script)


_NO_MATCH = (0.0, "")


def _similarity_table(query: Sequence[str], listed: set[str]) -> Similarity:
    """Token similarity of every query token (and joined pair) with every candidate token.

    One vectorised edit-distance matrix finds the pairs close enough to score; phonetic pairs
    come from a key lookup; only those pairs run the Python features. Initials (one-letter
    tokens) fall through to the features directly.
    """
    queries = list(dict.fromkeys([*query, *(a + b for a, b in itertools.pairwise(query))]))
    others = [t for t in listed if len(t) > 1]
    table: dict[tuple[str, str], tuple[float, str]] = {}
    if others:
        lengths = np.fromiter((len(t) for t in others), dtype=np.int32, count=len(others))
        q_lengths = np.fromiter((len(t) for t in queries), dtype=np.int32, count=len(queries))
        distances = cdist(queries, others, scorer=OSA.distance, dtype=np.int32, score_cutoff=8)
        # Every row at once: per-row numpy calls cost more than the pairs they find.
        close = distances <= np.maximum.outer(q_lengths, lengths) // 2
        close[q_lengths < 2] = False
        rows, cols = np.nonzero(close)
        for row, col in zip(rows.tolist(), cols.tolist(), strict=True):
            q, c = queries[row], others[col]
            table[(q, c)] = token_similarity(q, c)
        by_key: dict[str, list[str]] = defaultdict(list)  # consonant key -> query tokens
        for q in queries:
            if len(q) >= 2:
                by_key[consonant_key(q)].append(q)
        for c in others:
            for q in by_key.get(consonant_key(c), ()):
                table[(q, c)] = token_similarity(q, c)

    def similarity(a: str, b: str) -> tuple[float, str]:
        found = table.get((a, b))
        if found is not None:
            return found
        if len(a) == 1 or len(b) == 1:
            return token_similarity(a, b)
        return _NO_MATCH

    return similarity


def to_hit(match: EntityMatch) -> ScreeningHit:
    """The public form of a match."""
    return ScreeningHit(
        list=match.entity.list_name,
        entity_id=match.entity.entity_id,
        name=match.name.name,
        score=round(match.score, 4),
        explanation=[
            FeatureScore(feature=f.feature, score=f.score, weight=f.weight, reason=f.reason)
            for f in match.features
        ],
        programs=list(match.entity.programs),
    )
