"""Transliteration of non-Latin scripts to ASCII Latin.

`anyascii` covers every script; two cases get our own handling because its output does not
look like the names people write:
- Hangul is romanised syllable by syllable (Revised Romanisation) with the customary spelling
  of common surnames (김 -> Kim, 이 -> Lee, 박 -> Park), and syllables kept apart so that
  "Jong Un" / "Jong-un" / "Jongun" can all be compared by the joined-token logic.
- CJK ideographs are spaced one syllable each ("LiMing" -> "Li Ming").
- Thai is romanised in the Royal Thai General System (RTGS), the spelling Thai names take in
  passports and lists, by PyThaiNLP's rule-based `royin` engine (offline, Apache-2.0):
  anyascii writes Thai letter by letter, without the inherent vowels and with leading vowels in
  front ("สมชาย" -> "smchay", "สุเทพ" -> "suethph"); RTGS gives "somchai", "suthep".
Arabic and Hebrew come out without most vowels ("hmd hsn"); the matcher compares them through
consonant skeletons (see phonetic.py).
"""

from __future__ import annotations

import os
from functools import lru_cache

from anyascii import anyascii

_HANGUL_BASE, _HANGUL_LAST = 0xAC00, 0xD7A3
_INITIALS = ["g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch",
             "k", "t", "p", "h"]  # fmt: skip
_VOWELS = ["a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u",
           "wo", "we", "wi", "yu", "eu", "ui", "i"]  # fmt: skip
_FINALS = ["", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m",
           "p", "p", "t", "t", "ng", "t", "t", "k", "t", "p", "t"]  # fmt: skip
# Customary romanisations of the commonest Korean surnames (first syllable of a name).
_KOREAN_SURNAMES = {
    "김": "kim", "이": "lee", "박": "park", "최": "choi", "정": "jung", "강": "kang",
    "조": "cho", "윤": "yoon", "장": "jang", "임": "lim", "한": "han", "오": "oh", "서": "seo",
    "신": "shin", "권": "kwon", "황": "hwang", "안": "ahn", "송": "song", "류": "ryu",
    "유": "yoo", "홍": "hong", "전": "jeon", "고": "ko", "문": "moon", "양": "yang",
    "손": "son", "배": "bae", "백": "baek", "허": "heo", "노": "noh", "남": "nam",
}  # fmt: skip


def _is_hangul(ch: str) -> bool:
    return _HANGUL_BASE <= ord(ch) <= _HANGUL_LAST


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF


def _hangul_syllable(ch: str) -> str:
    index = ord(ch) - _HANGUL_BASE
    initial, rest = divmod(index, 21 * 28)
    vowel, final = divmod(rest, 28)
    return _INITIALS[initial] + _VOWELS[vowel] + _FINALS[final]


def _is_thai(ch: str) -> bool:
    return 0x0E00 <= ord(ch) <= 0x0E7F


@lru_cache(maxsize=4096)
def _romanise_thai_word(word: str) -> str:
    # Imported on first use: its dictionary takes a few seconds to load, and Thai names are few.
    # Read-only and offline: it must neither create ~/pythainlp-data nor try to download.
    os.environ.setdefault("PYTHAINLP_READ_ONLY", "1")
    os.environ.setdefault("PYTHAINLP_OFFLINE", "1")
    from pythainlp.transliterate import romanize

    return romanize(word, engine="royin")


def _romanise_hangul_word(word: str) -> str:
    syllables = []
    for position, ch in enumerate(word):
        if position == 0 and len(word) >= 2 and ch in _KOREAN_SURNAMES:
            syllables.append(_KOREAN_SURNAMES[ch])
        else:
            syllables.append(_hangul_syllable(ch))
    return " ".join(syllables)


@lru_cache(maxsize=65536)
def to_latin(text: str) -> str:
    """`text` in ASCII Latin letters; Latin input only loses its accents."""
    if text.isascii():
        return text
    out: list[str] = []
    for word in text.split():
        if any(_is_hangul(ch) for ch in word):
            out.append(_romanise_hangul_word("".join(ch for ch in word if _is_hangul(ch))))
        elif any(_is_thai(ch) for ch in word):
            out.append(_romanise_thai_word(word))
        elif any(_is_cjk(ch) for ch in word):
            out.append(" ".join(anyascii(ch) for ch in word))
        else:
            out.append(anyascii(word))
    return " ".join(out)


@lru_cache(maxsize=65536)
def script_of(text: str) -> str | None:
    """ "hangul" or "cjk" (ideographs) when `text` is written in that script: syllables to
    compare as a whole. Kana words come out of anyascii as whole words: not syllables."""
    if text.isascii():
        return None
    if any(_is_hangul(ch) for ch in text):
        return "hangul"
    if any(_is_cjk(ch) for ch in text):
        return "cjk"
    return None
