"""Name normalisation: one name -> the tokens the matcher compares.

Steps: transliterate to ASCII Latin, case-fold, drop apostrophes inside words ("O'Brien" ->
"obrien"), split on every other punctuation, drop honorifics (for people) and legal-form words
(for organisations). Token order is kept for the joined/split-token logic, but scoring ignores it.
"""

from __future__ import annotations

import re
from functools import lru_cache

from kyc.screening.japanese import japanese_reading
from kyc.screening.translit import to_latin


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


HONORIFICS = _words(
    """
    mr mrs ms miss mx dr prof sir dame lord lady rev hon sheikh shaikh sheik mister
    madam esq phd
    """
)
LEGAL_FORMS = _words(
    """
    ltd limited llc llp lp inc incorporated corp corporation co company plc gmbh ag kg
    sa sas sarl srl spa bv nv ab as oy oyj pte pty jsc ojsc pjsc cjsc oao ooo zao pao
    tov ao aktiengesellschaft gesellschaft mbh sociedad anonima societe anonyme group
    holding holdings the of and joint stock open closed public liability beschrankter
    haftung mit sociedad societe societa societatea cu raspundere limitata limitada ltda
    responsabilidad responsabilite obshchestvo ogranichennoy otvetstvennostyu
    aktsionernoe publichnoe otkrytoe zakrytoe tovarystvo sp akg
    """
)
# Common words that carry little identity in names (kept, but weighted low by the matcher).
PARTICLES = _words(
    """
    al el ul bin ibn bint ben abu abd abdul de del der la le van von da di bn
    """
)

_APOSTROPHES = re.compile(r"(?<=\w)['’`ʼ‘](?=\w)")
_NON_WORD = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=131072)
def name_tokens(name: str, entity_type: str = "person") -> tuple[str, ...]:
    """The comparable tokens of `name`, for an entity of `entity_type`.

    >>> name_tokens("Dr. Ahmed  Ḥassan-Al'Masri")
    ('ahmed', 'hassan', 'almasri')
    """
    text = to_latin(name).casefold()
    text = _APOSTROPHES.sub("", text)
    tokens = [t for t in _NON_WORD.split(text) if t]
    stop = LEGAL_FORMS if entity_type in ("organization", "unknown", "vessel") else HONORIFICS
    kept = tuple(t for t in tokens if t not in stop)
    return kept or tuple(tokens)


@lru_cache(maxsize=131072)
def name_variants(name: str, entity_type: str = "person") -> tuple[tuple[str, ...], ...]:
    """The token sequences `name` may stand for: its tokens, plus the Japanese reading of a
    name written in kanji ("山田太郎": Mandarin "shan tian tai lang", Japanese "yamada taro")."""
    variants = [name_tokens(name, entity_type)]
    reading = japanese_reading(name)
    if reading:
        variants.append(name_tokens(reading, entity_type))
    return tuple(dict.fromkeys(v for v in variants if v))
