"""Name and entity matching: token alignment, joined/split tokens, and the weighted features.

The algorithm, as a table (ALGORITHM): the final score is the sum of weight x feature score,
clipped to 0..1. The name feature is the best alignment of the query's tokens with one listed
name's tokens, order-free; the evidence features move it up or down a little.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from kyc.screening.entities import BirthDate, ListedEntity, ListedName
from kyc.screening.features import (
    birth_date_evidence,
    nationality_evidence,
    sex_evidence,
    token_similarity,
)
from kyc.screening.normalize import PARTICLES
from kyc.screening.rarity import REFERENCE, TokenStats
from kyc.screening.translit import script_of

Similarity = Callable[[str, str], tuple[float, str]]

# The algorithm: feature -> (weight, what it measures). The name decides; the others move it.
# The weights of every feature but the name were chosen by 5-fold cross-validation on the
# shared cases (kyc/screening/tuning.py, docs/screening.md): the per-parameter medians of the
# choices made on the tuning folds.
ALGORITHM: dict[str, tuple[float, str]] = {
    "name": (1.0, "best token alignment of the query name with one listed name, 0..1"),
    "birth_date": (0.3, "graded birth-date evidence, -1..1 (a year off is -0.2, not a veto)"),
    "nationality": (0.1, "nationality evidence, -1..1"),
    "rarity": (0.1, "-(1 - information of the matched tokens / INFO_REQUIRED), -1..0"),
    "common_only": (0.15, "-1 when the matched tokens carry < COMMON_INFO: common names only"),
    "contradiction": (0.05, "-1 when names differ on both sides (another given name)"),
    "surname_only": (0.05, "-1 when a one-token listed person name meets a longer query"),
    "script": (0.2, "-1 when CJK / Hangul syllables are not all paired (CJK: exactly)"),
    # Not tuned: the labelled positives state no sex, so the data could only ever ask for more.
    # Set by hand below a name's worth: an exact name of the other sex stays a hit (lists and
    # documents both make mistakes), a borderline one drops under the threshold.
    "sex": (0.1, "-1 when the document's sex and the listed gender differ, else 0"),
}
# A name match must carry this much information (sum of -log10 frequency of the matched
# tokens, x their similarity) to escape the rarity penalty: two tokens of 1 in 3,000 each.
INFO_REQUIRED = 7.0
# Matched tokens carrying less than this in all are common names only: "john lee" (1.8 + 2.7),
# "ali ibrahim" (1.6 + 2.0); two tokens of 1 in 300 each carry 5.
COMMON_INFO = 5.0
WEAK_ALIAS_FACTOR = 0.9  # names the list itself calls low quality count a little less
UNMATCHED_WEIGHT = 1.5  # how much tokens differing on both sides dilute the name score
EXTRA_NAME_WEIGHT = 0.3  # how much tokens present on one side only dilute it
MERGE_MIN_SCORE = 0.8  # a joined pair of tokens must match this well to be tried


@dataclass(frozen=True, slots=True)
class TokenPair:
    query: str
    listed: str
    score: float
    reason: str
    weight: float = 1.0  # in the alignment: length weights of both tokens x rarity
    rarity: float = 1.0  # the listed token's rarity multiplier (rarity.TokenStats.rarity)
    information: float = 0.0  # -log10 frequency the pair contributes (x its score)


@dataclass(frozen=True, slots=True)
class NameComparison:
    score: float
    pairs: tuple[TokenPair, ...]
    unmatched_query: tuple[str, ...]
    unmatched_listed: tuple[str, ...]

    @property
    def information(self) -> float:
        return sum(p.information for p in self.pairs)

    @property
    def contradicted(self) -> bool:
        """Full tokens left over on both sides: the names differ (not just one is longer)."""
        return _full(self.unmatched_query) and _full(self.unmatched_listed)

    def describe(self) -> str:
        parts = [
            (
                f"{p.query}={p.listed}"
                if p.reason == "exact"
                else f"{p.query}~{p.listed} ({p.reason})"
            )
            + f" [weight {p.weight:.2f}, rarity {p.rarity:.2f}, info {p.information:.1f}]"
            for p in self.pairs
        ]
        if self.unmatched_query:
            parts.append("query only: " + " ".join(self.unmatched_query))
        if self.unmatched_listed:
            parts.append("listed only: " + " ".join(self.unmatched_listed))
        return "; ".join(parts)


def _full(tokens: Sequence[str]) -> bool:
    return any(len(t) > 1 and t not in PARTICLES for t in tokens)


@lru_cache(maxsize=65536)  # called for every token of every pairing
def token_weight(token: str) -> float:
    """Longer tokens say more about identity; particles ("al", "bin") and initials little."""
    if token in PARTICLES or len(token) == 1:
        return 0.3
    return float(min(len(token), 8)) ** 0.5


def align(
    query: Sequence[str],
    listed: Sequence[str],
    stats: TokenStats = REFERENCE,
    similarity: Similarity = token_similarity,
) -> NameComparison:
    """Greedy best-first alignment of tokens, in any order; weighted coverage of both sides."""
    # (-score, i, j, reason) sorts best first, then by position ((i, j) is unique): the
    # order of a key of (-score, i, j), without a key function per pair.
    candidates = []
    for i, q in enumerate(query):
        for j, c in enumerate(listed):
            score, reason = similarity(q, c)
            if score > 0.0:
                candidates.append((-score, i, j, reason))
    candidates.sort()
    used_q: set[int] = set()
    used_c: set[int] = set()
    pairs = []
    matched = total = 0.0
    for negative, i, j, reason in candidates:
        if i in used_q or j in used_c:
            continue
        used_q.add(i)
        used_c.add(j)
        score = -negative
        q, c = query[i], listed[j]
        rarity = stats.rarity(c)
        weight = (token_weight(q) + token_weight(c)) * rarity
        matched += score * weight
        total += weight
        # An initial says as much as an initial, whatever it is paired with.
        information = stats.information(q if len(q) == 1 else c) * score
        pairs.append(TokenPair(q, c, score, reason, weight, rarity, information))
    unmatched_q = tuple(t for i, t in enumerate(query) if i not in used_q)
    unmatched_c = tuple(t for j, t in enumerate(listed) if j not in used_c)
    unmatched = sum(token_weight(t) * stats.rarity(t) for t in unmatched_q + unmatched_c)
    # A token missing on one side only is an extra name (a patronymic, a second given name);
    # tokens left over on both sides are names that differ, which counts fully.
    total += unmatched * (UNMATCHED_WEIGHT if unmatched_q and unmatched_c else EXTRA_NAME_WEIGHT)
    return NameComparison(matched / total if total else 0.0, tuple(pairs), unmatched_q, unmatched_c)


def _spelled_alike(score: float, reason: str) -> bool:
    # A joined token must match by spelling: consonant skeletons of joined tokens are too
    # loose ("eric ho" would sound like "riccio").
    return score >= MERGE_MIN_SCORE and reason != "sounds alike"


def _merges(
    tokens: Sequence[str], other: Sequence[str], similarity: Similarity, joined_first: bool
) -> list[tuple[str, ...]]:
    """Variants of `tokens` with one adjacent pair joined, where the join matches `other` well."""
    out = []
    for i in range(len(tokens) - 1):
        joined = tokens[i] + tokens[i + 1]
        for o in other:
            if _spelled_alike(*(similarity(joined, o) if joined_first else similarity(o, joined))):
                out.append((*tokens[:i], joined, *tokens[i + 2 :]))
                break
    return out


def compare_names(
    query: Sequence[str],
    listed: Sequence[str],
    stats: TokenStats = REFERENCE,
    similarity: Similarity = token_similarity,
) -> NameComparison:
    """Name score of two token sequences, trying joined tokens ("abdul rahman" ~ "abdulrahman").

    Symmetric coverage: tokens without a counterpart on either side dilute the score.
    """
    best = align(query, listed, stats, similarity)
    if best.score >= 0.999 or not query or not listed:
        return best
    # Joining two query tokens can only help where a listed token was left over, and the
    # other way round.
    variants: list[tuple[Sequence[str], Sequence[str]]] = []
    if best.unmatched_listed:
        variants += [(v, listed) for v in _merges(query, best.unmatched_listed, similarity, True)]
    if best.unmatched_query:
        variants += [(query, v) for v in _merges(listed, best.unmatched_query, similarity, False)]
    for q_variant, l_variant in variants:
        candidate = align(q_variant, l_variant, stats, similarity)
        if candidate.score > best.score:
            best = candidate
    return best


@dataclass(frozen=True, slots=True)
class FeatureResult:
    feature: str
    score: float
    weight: float
    reason: str


@dataclass(frozen=True, slots=True)
class EntityMatch:
    entity: ListedEntity
    name: ListedName
    score: float
    features: tuple[FeatureResult, ...]


def script_rule(comparison: NameComparison, script: str | None) -> tuple[float, str]:
    """A name written in CJK or Hangul is a sequence of syllables, compared as a whole.

    Every syllable must pair with a listed token (joined syllables count: "jong un" ~ "jongun")
    and nothing may be left over on the other side; CJK syllables (pinyin, one per character)
    must pair exactly, since one changed letter is another character. Hangul romanisations
    vary ("jeong" / "jong"), so they may pair by spelling or sound.
    """
    if script is None:
        return 0.0, "no CJK or Hangul name"
    if comparison.unmatched_query or comparison.unmatched_listed:
        return -1.0, f"{script} syllables not all paired"
    if script == "cjk" and any(p.reason != "exact" for p in comparison.pairs):
        return -1.0, "cjk syllables paired inexactly"
    return 0.0, f"{script} syllables all paired"


@dataclass(frozen=True, slots=True)
class NameChoice:
    """The listed name of an entity that compares best with one query variant."""

    name: ListedName
    comparison: NameComparison
    score: float  # the comparison's score, x WEAK_ALIAS_FACTOR for a weak alias


def best_name(
    query_tokens: Sequence[str],
    names: Sequence[tuple[ListedName, Sequence[str]]],
    stats: TokenStats = REFERENCE,
    similarity: Similarity = token_similarity,
) -> NameChoice:
    """The best of an entity's `names` (already tokenised); the first one on a tie."""
    best_name = names[0][0]
    best: NameComparison | None = None
    best_score = -1.0
    for listed_name, tokens in names:
        comparison = compare_names(query_tokens, tokens, stats, similarity)
        score = comparison.score * (WEAK_ALIAS_FACTOR if listed_name.kind == "weak_alias" else 1.0)
        if score > best_score:
            best_name, best, best_score = listed_name, comparison, score
    assert best is not None
    return NameChoice(best_name, best, best_score)


@dataclass(frozen=True, slots=True)
class Evidence:
    """The query's birth date, nationality and sex against one entity: (score, reason) each."""

    birth_date: tuple[float, str]
    nationality: tuple[float, str]
    sex: tuple[float, str]


def entity_evidence(
    birth_date: BirthDate | None, nationality: str | None, sex: str | None, entity: ListedEntity
) -> Evidence:
    """The evidence features of `entity`: the same for every variant of the query's name."""
    return Evidence(
        birth_date_evidence(birth_date, entity.birth_dates),
        nationality_evidence(nationality, entity.nationalities),
        sex_evidence(sex, entity.sex),
    )


_WEIGHTS = tuple(weight for weight, _ in ALGORITHM.values())


def _feature_scores(
    query_tokens: Sequence[str],
    entity: ListedEntity,
    choice: NameChoice,
    evidence: Evidence,
    query_script: str | None,
) -> tuple[float, ...]:
    """The score of every feature of ALGORITHM, in its order (no reasons: they cost more)."""
    best = choice.comparison
    information = best.information
    listed_tokens = len(best.pairs) + len(best.unmatched_listed)
    surname_only = (
        entity.entity_type in ("person", "unknown") and listed_tokens == 1 and len(query_tokens) > 1
    )
    return (
        round(choice.score, 4),
        evidence.birth_date[0],
        evidence.nationality[0],
        round(-max(0.0, 1.0 - information / INFO_REQUIRED), 4),
        -1.0 if information < COMMON_INFO else 0.0,
        -1.0 if best.contradicted else 0.0,
        -1.0 if surname_only else 0.0,
        script_rule(best, query_script or script_of(choice.name.name))[0],
        evidence.sex[0],
    )


def entity_score(
    query_tokens: Sequence[str],
    entity: ListedEntity,
    choice: NameChoice,
    evidence: Evidence,
    query_script: str | None = None,
) -> float:
    """The entity's score, 0..1: what explain_entity(...).score is, without the reasons."""
    scores = _feature_scores(query_tokens, entity, choice, evidence, query_script)
    total = sum(score * weight for score, weight in zip(scores, _WEIGHTS, strict=True))
    return max(0.0, min(1.0, total))


def explain_entity(
    query_tokens: Sequence[str],
    entity: ListedEntity,
    choice: NameChoice,
    evidence: Evidence,
    query_script: str | None = None,
) -> EntityMatch:
    """The entity's match with every feature's score, weight and reason."""
    best_name, best = choice.name, choice.comparison
    scores = _feature_scores(query_tokens, entity, choice, evidence, query_script)
    name_reason = f"'{best_name.name}' ({best_name.kind}): {best.describe()}"
    if best_name.kind == "weak_alias":
        name_reason += f"; weak alias x{WEAK_ALIAS_FACTOR}"
    contradiction_reason = (
        "names differ on both sides: " + " / ".join(
            [" ".join(best.unmatched_query), " ".join(best.unmatched_listed)]
        )
        if best.contradicted
        else "no differing names"
    )  # fmt: skip
    reasons = (
        name_reason,
        evidence.birth_date[1],
        evidence.nationality[1],
        f"matched tokens carry {best.information:.1f} of {INFO_REQUIRED:.1f} required",
        "every matched token is common" if scores[4] else "a matched token is not common",
        contradiction_reason,
        "one-token listed name, longer query" if scores[6] else "not a one-token name",
        script_rule(best, query_script or script_of(best_name.name))[1],
        evidence.sex[1],
    )
    features = tuple(
        FeatureResult(feature, score, weight, reason)
        for feature, score, weight, reason in zip(ALGORITHM, scores, _WEIGHTS, reasons, strict=True)
    )
    total = sum(f.score * f.weight for f in features)
    return EntityMatch(entity, best_name, max(0.0, min(1.0, total)), features)


def score_entity(
    query_tokens: Sequence[str],
    birth_date: BirthDate | None,
    nationality: str | None,
    entity: ListedEntity,
    names: Sequence[tuple[ListedName, Sequence[str]]],
    stats: TokenStats = REFERENCE,
    similarity: Similarity = token_similarity,
    query_script: str | None = None,
    sex: str | None = None,
) -> EntityMatch:
    """Score one entity: the best of its `names` (already tokenised), then the evidence.

    `query_script` is translit.script_of(the query's name): "cjk", "hangul" or None.
    """
    choice = best_name(query_tokens, names, stats, similarity)
    evidence = entity_evidence(birth_date, nationality, sex, entity)
    return explain_entity(query_tokens, entity, choice, evidence, query_script)
