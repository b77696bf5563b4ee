"""How much a name token says about identity: its frequency in the lists and in a population.

A token's frequency is the larger of
- its share of the loaded lists' names (other than the one being matched: (df - 1) / names),
  which makes "mohammed", "ali", "al" common, and
- its frequency as a first or last name in the US population: the 1990 US Census name files
  (public domain, US Census Bureau "Frequently Occurring Names", 1990; shipped by the PyPI
  package `names` 0.3.0, MIT: dist.all.last, dist.male.first, dist.female.first), which makes
  "john", "smith", "lee", "chen", "garcia" common even where no list holds them.
The census is one country's population: names frequent elsewhere but rare in the lists and in
the US (many Chinese given names, for instance) are not known to be common.

information(token) = -log10(frequency), in "digits": 1 in 1,000 is 3, capped at MAX_INFO.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources

from kyc.screening.normalize import PARTICLES

MAX_INFO = 5.0  # 1 in 100,000: rarer than that a list of thousands cannot tell
INITIAL_INFO = 1.0  # an initial narrows a name down to about a tenth
PARTICLE_INFO = 0.5
RARE_INFO = 4.0  # tokens this rare or rarer weigh fully in the name alignment
MIN_RARITY = 0.35  # the alignment weight multiplier of the commonest tokens
_CENSUS_FILES = (("dist.all.last", 1.0), ("dist.male.first", 0.5), ("dist.female.first", 0.5))


@lru_cache(maxsize=1)
def census_frequencies() -> Mapping[str, float]:
    """Lower-case name -> share of the US population bearing it (first or last name, the larger)."""
    out: dict[str, float] = {}
    try:
        package = resources.files("names")
    except ModuleNotFoundError:  # the reference is optional: the lists' own counts remain
        return out
    for filename, share in _CENSUS_FILES:
        for line in (package / filename).read_text(encoding="ascii").splitlines():
            parts = line.split()
            if len(parts) < 2:
                continue
            name, frequency = parts[0].casefold(), float(parts[1]) / 100.0 * share
            out[name] = max(out.get(name, 0.0), frequency)
    return out


class TokenStats:
    """Frequencies of the tokens of one index's names."""

    def __init__(self, document_frequency: Mapping[str, int], names: int) -> None:
        self._df = document_frequency
        self._names = max(names, 1)
        # Per-token results, filled on first use (a query touches a few hundred tokens).
        self._information: dict[str, float] = {}
        self._rarity: dict[str, float] = {}

    def frequency(self, token: str) -> float:
        in_lists = (self._df.get(token, 0) - 1) / self._names
        return max(in_lists, census_frequencies().get(token, 0.0))  # read on first use

    def information(self, token: str) -> float:
        """-log10(frequency), capped; initials and particles carry a fixed small amount."""
        found = self._information.get(token)
        if found is None:
            found = self._information[token] = self._compute_information(token)
        return found

    def _compute_information(self, token: str) -> float:
        if len(token) == 1:
            return INITIAL_INFO
        if token in PARTICLES:
            return PARTICLE_INFO
        frequency = self.frequency(token)
        return MAX_INFO if frequency <= 0.0 else min(MAX_INFO, -math.log10(frequency))

    def rarity(self, token: str) -> float:
        """Alignment weight multiplier: 1 for rare tokens, down to MIN_RARITY for the commonest."""
        found = self._rarity.get(token)
        if found is None:
            found = self._rarity[token] = max(
                MIN_RARITY, min(1.0, self.information(token) / RARE_INFO)
            )
        return found


REFERENCE = TokenStats({}, 1)  # census only: for comparisons made outside an index
