"""Phonetic keys of name tokens (ASCII, lower case).

`consonant_key` is a consonant skeleton after folding spellings that sound alike
(ph/f, x/ks, ck/k/q, c before e/i/y -> s, dh/d, th/t, kh/k, dj/j, sh/sch/ch -> x, z -> s,
v -> f) and dropping vowels, w and y. It makes "Mohammed", "Muhammad" and the vowel-less
transliteration of Arabic "mhmd" one key, and "Hassan"/"Hasan"/"hsn" another.
"""

from __future__ import annotations

import re
from functools import lru_cache

_FOLDS = [
    (re.compile(r"sch|sh|ch|tch"), "x"),
    (re.compile(r"ph"), "f"),
    (re.compile(r"ck|q"), "k"),
    (re.compile(r"c(?=[eiy])"), "s"),
    (re.compile(r"c"), "k"),
    (re.compile(r"dj|dzh|zh"), "j"),
    (re.compile(r"kh"), "k"),
    (re.compile(r"gh"), "g"),
    (re.compile(r"dh"), "d"),
    (re.compile(r"th"), "t"),
    (re.compile(r"x"), "ks"),
    (re.compile(r"z"), "s"),
    (re.compile(r"v"), "f"),
]
_DROP = re.compile(r"[aeiouwy']")
_REPEATS = re.compile(r"(.)\1+")


@lru_cache(maxsize=131072)
def consonant_key(token: str) -> str:
    """The consonant skeleton of a lower-case ASCII token ("mohammed" -> "mhmd")."""
    key = token
    for pattern, replacement in _FOLDS:
        key = pattern.sub(replacement, key)
    key = _DROP.sub("", key)
    return _REPEATS.sub(r"\1", key)
