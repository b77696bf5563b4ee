"""Scoring features: small pure functions, each returning (score, reason).

Token features compare two normalised tokens (0..1). Evidence features compare one attribute of
the query with the listed entity's values and return -1..1 (negative: evidence against),
0 when either side does not know.
"""

from __future__ import annotations

from functools import lru_cache

from rapidfuzz.distance import OSA

from kyc.screening.entities import BirthDate
from kyc.screening.phonetic import consonant_key

INITIAL_SCORE = 0.75  # "j" vs "john": an initial agrees with the name
PHONETIC_SCORE = 0.85  # same consonant skeleton ("mohammed" / "muhammad")
# A vowel-less token comes from an abjad script (Arabic, Hebrew): its skeleton is all the
# transliteration can know, so a same-skeleton Latin name is nearly as good as exact. Not when
# it spells long vowels (w, y: "hsyn" is Husayn, not Ehsan): those the skeleton drops.
ABJAD_SCORE = 0.9
ABJAD_SHORT_SCORE = 0.8  # two-consonant skeleton against a vowel-less transliteration ("msh")
EXTRA_EDIT_PENALTY = 0.05  # x edits x (edits - 1): 2 edits -0.1, 3 edits -0.3
MIN_TOKEN_SCORE = 0.6  # below this two tokens do not correspond at all


def token_exact(a: str, b: str) -> tuple[float, str]:
    """1.0 when the tokens are identical."""
    return (1.0, "exact") if a == b else (0.0, "")


ROMANISATION_SCORE = 0.95  # the same Korean syllable in two romanisation systems
_RR_TO_MR = (("eo", "o"), ("eu", "u"))


def token_romanisation(a: str, b: str) -> tuple[float, str]:
    """A Korean syllable in Revised Romanisation against McCune-Reischauer spelling, as names
    are mostly written ("jeong" ~ "jong", "eun" ~ "un"): syllables only (up to 6 letters)."""
    if a == b or max(len(a), len(b)) > 6:
        return 0.0, ""
    for old, new in _RR_TO_MR:
        a, b = a.replace(old, new), b.replace(old, new)
    return (ROMANISATION_SCORE, "romanisation") if a == b else (0.0, "")


def token_initial(a: str, b: str) -> tuple[float, str]:
    """An initial against a name starting with that letter ("j" ~ "john")."""
    if (len(a) == 1) != (len(b) == 1) and a[0] == b[0]:
        return INITIAL_SCORE, "initial"
    return 0.0, ""


def token_edit(a: str, b: str) -> tuple[float, str]:
    """Typo similarity: 1 - edits / (longer length + 1) - a growing penalty per further edit.

    Edits count an adjacent swap once (optimal string alignment).

    Optimal string alignment distance, so "afiz" ~ "faiz" is one edit (0.8) even though the
    first letters differ, where Jaro-Winkler would reward only a shared prefix.
    """
    if len(a) < 2 or len(b) < 2:
        return 0.0, ""
    longer = max(len(a), len(b))
    edits = OSA.distance(a, b, score_cutoff=longer // 2)
    if edits > longer // 2 or _particle_absorbed(a, b):
        return 0.0, ""
    # Each further edit costs more: two typos in a short token are another name.
    score = 1.0 - edits / (longer + 1) - EXTRA_EDIT_PENALTY * edits * (edits - 1)
    return score, f"{edits} edit{'s' if edits > 1 else ''}"


# Particles that get glued to a name ("alamin", "elhassan", "abubakar", "binladen"): a token
# that is another token plus one of these is a different token, not a typo of it (the
# joined-token logic pairs "al amin" with "alamin" where the list splits them).
_GLUED_PARTICLES = ("al", "el", "ul", "bin", "ibn", "abu", "abd", "ben", "bn")


_GLUED_LENGTHS = frozenset(len(p) for p in _GLUED_PARTICLES)


def _particle_absorbed(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) not in _GLUED_LENGTHS:  # most pairs: no particle fits the gap
        return False
    short, long = sorted((a, b), key=len)
    return any(long.startswith(p) and long[len(p) :] == short for p in _GLUED_PARTICLES)


_VOWELS = frozenset("aeiou")


def _vowelless(token: str) -> bool:
    return _VOWELS.isdisjoint(token)


def token_phonetic(a: str, b: str) -> tuple[float, str]:
    """Same consonant skeleton ("hassan" ~ "hasan"; Arabic or Hebrew transliterated "hsn").

    Two vowelled tokens need a skeleton of three consonants or more ("fs" would join "faiz"
    and "fawzi"); a vowel-less token (from an abjad script) needs two, scoring a little less.
    """
    key = consonant_key(a)
    if key != consonant_key(b):
        return 0.0, ""
    if len(key) >= 3:
        abjad = a if _vowelless(a) else b
        if _vowelless(a) != _vowelless(b) and not any(ch in "wy" for ch in abjad):
            return ABJAD_SCORE, "same consonants"
        return PHONETIC_SCORE, "sounds alike"
    if len(key) == 2 and (_vowelless(a) or _vowelless(b)):
        return ABJAD_SHORT_SCORE, "same consonants"
    return 0.0, ""


TOKEN_FEATURES = (token_exact, token_edit, token_phonetic, token_romanisation, token_initial)


@lru_cache(maxsize=262144)
def token_similarity(a: str, b: str) -> tuple[float, str]:
    """The best of the token features; (0, "") when the tokens do not correspond."""
    best = (0.0, "")
    for feature in TOKEN_FEATURES:
        score, reason = feature(a, b)
        if score > best[0]:
            best = (score, reason)
            if score >= 1.0:
                break
    return best if best[0] >= MIN_TOKEN_SCORE else (0.0, "")


def birth_date_evidence(query: BirthDate | None, listed: list[BirthDate]) -> tuple[float, str]:
    """Graded birth-date evidence: a year off is weak evidence against, never a veto.

    Agreement is weaker evidence than disagreement (many people share a birth year): +0.6 same
    full date; +0.35 same year where one side knows only the year, the year is inside a listed
    range, or day and month are swapped; +0.2 same year and month, other day; 0 same year,
    other month; -0.2 one year off; -0.5 two to four years off; -1 five or more years apart;
    0 when either side has no date.
    """
    if query is None or not listed:
        return 0.0, "no birth date to compare"
    best = (-2.0, "")
    for date in listed:
        candidate = _compare_dates(query, date)
        if candidate[0] > best[0]:
            best = candidate
    return best


def _compare_dates(q: BirthDate, d: BirthDate) -> tuple[float, str]:
    low, high = d.year, d.to_year or d.year
    if low <= q.year <= high:
        if d.to_year and d.to_year != d.year:
            return 0.35, f"{q} within listed range {d}"
        if q.month and d.month and q.day and d.day:
            if (q.month, q.day) == (d.month, d.day):
                return 0.6, f"same birth date {d}"
            if (q.month, q.day) == (d.day, d.month):
                return 0.35, f"{q} is {d} with day and month swapped"
            if q.month == d.month:
                return 0.2, f"same year and month as {d}, different day"
            return 0.0, f"same year as {d}, different month"
        return 0.35, f"same birth year as {d}"
    gap = min(abs(q.year - low), abs(q.year - high))
    if gap == 1:
        return -0.2, f"birth year one off ({q} vs {d})"
    if gap <= 4:
        return -0.5, f"birth year {gap} off ({q} vs {d})"
    return -1.0, f"birth years {gap} apart ({q} vs {d})"


def nationality_evidence(query: str | None, listed: list[str]) -> tuple[float, str]:
    """+1 when the query's country is among the listed nationalities, -1 when both are known
    and differ, 0 when either side is unknown."""
    if query is None or not listed:
        return 0.0, "no nationality to compare"
    if query in listed:
        return 1.0, f"same nationality {query}"
    return -1.0, f"nationality {query} not in listed {', '.join(listed)}"


def sex_evidence(query: str | None, listed: str | None) -> tuple[float, str]:
    """-1 when the document's sex and the listed gender are both known (M/F) and differ; never
    positive: agreement says little (half of everyone shares it)."""
    if query not in ("M", "F") or listed is None:
        return 0.0, "no sex to compare"
    if query == listed:
        return 0.0, f"same sex {query}"
    return -1.0, f"sex {query}, listed {listed}"
