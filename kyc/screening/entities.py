"""The internal model of a listed entity, shared by every loader. Not a workflow type."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

NameKind = Literal["primary", "alias", "weak_alias"]
EntityType = Literal["person", "organization", "vessel", "aircraft", "unknown"]


def sex_code(word: str | None) -> Literal["M", "F"] | None:
    """ "M" / "F" for a list's or a case file's gender word (any case), None for anything else."""
    word = (word or "").strip().lower()
    return "M" if word == "male" else "F" if word == "female" else None


@dataclass(frozen=True, slots=True)
class ListedName:
    """One name of an entity. A weak alias is what the list itself calls low quality."""

    name: str
    kind: NameKind = "primary"


@dataclass(frozen=True, slots=True)
class BirthDate:
    """A birth date: full (year, month, day), year-only, or a year range [year, to_year]."""

    year: int
    month: int | None = None
    day: int | None = None
    to_year: int | None = None  # set for "between 1960 and 1963"

    def __str__(self) -> str:
        if self.to_year is not None and self.to_year != self.year:
            return f"{self.year}..{self.to_year}"
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"


@dataclass(frozen=True, slots=True)
class Identifier:
    """A document or registration number, with its type and issuing country when known."""

    kind: str
    value: str
    country: str | None = None


@dataclass(slots=True)
class ListedEntity:
    """One record of a sanctions or PEP list, in the list's own identity (`entity_id`)."""

    list_name: str  # "ofac_sdn", "un", "us_csl", "opensanctions" ...
    entity_id: str  # the list's own id: OFAC ent_num, UN REFERENCE_NUMBER, ...
    entity_type: EntityType
    names: list[ListedName]
    birth_dates: list[BirthDate] = field(default_factory=list)
    nationalities: list[str] = field(default_factory=list)  # ISO 3166-1 alpha-2
    identifiers: list[Identifier] = field(default_factory=list)
    programs: list[str] = field(default_factory=list)
    sex: str | None = None  # "M" / "F" where the list states a gender (OFAC remarks, UN GENDER)

    @property
    def primary_name(self) -> str:
        for name in self.names:
            if name.kind == "primary":
                return name.name
        return self.names[0].name if self.names else ""

    def to_dict(self) -> dict[str, Any]:
        """A compact JSON-ready form (short keys: snapshots hold tens of thousands of these)."""
        out: dict[str, Any] = {
            "l": self.list_name,
            "i": self.entity_id,
            "t": self.entity_type,
            "n": [[n.name, n.kind] for n in self.names],
        }
        if self.birth_dates:
            out["b"] = [[b.year, b.month, b.day, b.to_year] for b in self.birth_dates]
        if self.nationalities:
            out["c"] = self.nationalities
        if self.identifiers:
            out["d"] = [[d.kind, d.value, d.country] for d in self.identifiers]
        if self.programs:
            out["p"] = self.programs
        if self.sex:
            out["s"] = self.sex
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ListedEntity:
        """The inverse of `to_dict`."""
        return cls(
            list_name=data["l"],
            entity_id=data["i"],
            entity_type=data["t"],
            names=[ListedName(name, kind) for name, kind in data["n"]],
            birth_dates=[BirthDate(*b) for b in data.get("b", [])],
            nationalities=list(data.get("c", [])),
            identifiers=[Identifier(*d) for d in data.get("d", [])],
            programs=list(data.get("p", [])),
            sex=data.get("s"),
        )
