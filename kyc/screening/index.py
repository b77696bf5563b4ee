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
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kyc.screening.countries import country_code
from kyc.screening.entities import BirthDate, ListedEntity, ListedName
from kyc.screening.features import token_similarity
from kyc.screening.loaders._common import parse_birth_dates
from kyc.screening.matcher import EntityMatch, score_entity, token_weight
from kyc.screening.models import FeatureScore, ScreeningHit, ScreeningQuery
from kyc.screening.normalize import name_tokens
from kyc.screening.phonetic import consonant_key

# Shipped review threshold: hits scoring at or above it go to review. Chosen on the shared
# screening cases against OFAC SDN + UN (tests/screening/test_accuracy.py): at 0.80 recall on
# the UN positives is 99.4% with 0.14% false positives on the negatives; see docs/screening.md.
REVIEW_THRESHOLD = 0.80
MAX_CANDIDATES = 64  # names scored in full per query
CANDIDATE_FLOOR = 0.35  # a candidate must cover this share of the query's weight
_PERSON_TYPES = frozenset({"person", "unknown"})
_ORG_TYPES = frozenset({"organization", "vessel", "aircraft", "unknown"})


def _deletions(token: str) -> set[str]:
    if len(token) < 4:
        return set()
    return {token[:i] + token[i + 1 :] for i in range(len(token))}


def _keys(token: str) -> set[str]:
    keys = {"p:" + consonant_key(token), "s:" + "".join(sorted(token))}
    keys.update("d:" + d for d in _deletions(token))
    keys.add("d:" + token)
    return keys


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
        self._postings: dict[str, list[int]] = defaultdict(list)  # token -> name ids
        self._blocks: dict[str, set[str]] = defaultdict(set)  # blocking key -> tokens
        self._df: dict[str, int] = defaultdict(int)
        for entity_id, entity in enumerate(entities):
            seen: set[tuple[str, ...]] = set()
            for listed_name in entity.names:
                tokens = name_tokens(listed_name.name, entity.entity_type)
                if not tokens or tokens in seen:
                    continue
                seen.add(tokens)
                name_id = len(self._names)
                self._names.append(_IndexedName(entity_id, listed_name, tokens))
                joined = [a + b for a, b in itertools.pairwise(tokens)]
                for token in set(tokens) | set(joined):
                    self._postings[token].append(name_id)
                for token in set(tokens):
                    self._df[token] += 1
        for token in self._postings:
            for key in _keys(token):
                self._blocks[key].add(token)
        self._log_n = math.log(len(self._names) + 2)

    @classmethod
    def build(cls, entities: Iterable[ListedEntity]) -> ScreeningIndex:
        """Index `entities` (from one or several lists)."""
        return cls(list(entities))

    def __len__(self) -> int:
        return len(self.entities)

    def rarity(self, token: str) -> float:
        """1 for a token found in one name; down to 0.35 for the commonest ("mohammed")."""
        df = self._df.get(token, 0)
        if df <= 1:
            return 1.0
        return max(0.35, 1.0 - 0.65 * math.log(df) / self._log_n * 1.4)

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

    def candidates(self, tokens: Sequence[str], allowed: frozenset[str]) -> list[int]:
        """Name ids worth scoring in full, best first (at most MAX_CANDIDATES)."""
        scores: dict[int, float] = defaultdict(float)
        total = 0.0
        joined = [a + b for a, b in itertools.pairwise(tokens)]
        for token in list(tokens) + joined:
            weight = token_weight(token)
            if token in tokens:
                total += weight
            gains: dict[int, float] = {}  # the best gain of this query token per name
            for other, similarity in self._similar_tokens(token).items():
                gain = similarity * weight * self.rarity(other)
                for name_id in self._postings[other]:
                    if gains.get(name_id, 0.0) < gain:
                        gains[name_id] = gain
            for name_id, gain in gains.items():
                scores[name_id] += gain
        floor = CANDIDATE_FLOOR * total * 0.35
        ranked = sorted(
            (n for n, s in scores.items() if s >= floor),
            key=lambda n: -scores[n],
        )
        out = []
        for name_id in ranked:
            if self.entities[self._names[name_id].entity].entity_type in allowed:
                out.append(name_id)
                if len(out) >= MAX_CANDIDATES:
                    break
        return out

    def screen(self, query: ScreeningQuery, threshold: float | None = None) -> list[ScreeningHit]:
        """Hits scoring at least `threshold` (default REVIEW_THRESHOLD), best first."""
        limit = REVIEW_THRESHOLD if threshold is None else threshold
        return [to_hit(m) for m in self.match(query) if m.score >= limit]

    def match(self, query: ScreeningQuery) -> list[EntityMatch]:
        """Every scored candidate entity, best first, with no threshold applied."""
        entity_type = query.entity_type
        allowed = {"person": _PERSON_TYPES, "organization": _ORG_TYPES}.get(
            entity_type, _PERSON_TYPES | _ORG_TYPES
        )
        tokens = name_tokens(query.name, "person" if entity_type == "person" else "organization")
        if not tokens:
            return []
        birth = parse_birth_dates(query.birth_date)
        birth_date: BirthDate | None = birth[0] if birth else None
        nationality = country_code(query.nationality)
        by_entity: dict[int, list[tuple[ListedName, Sequence[str]]]] = defaultdict(list)
        for name_id in self.candidates(tokens, allowed):
            indexed = self._names[name_id]
            by_entity[indexed.entity].append((indexed.name, indexed.tokens))
        matches = [
            score_entity(tokens, birth_date, nationality, self.entities[e], names, self.rarity)
            for e, names in by_entity.items()
        ]
        matches.sort(key=lambda m: (-m.score, m.entity.list_name, m.entity.entity_id))
        return matches


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
