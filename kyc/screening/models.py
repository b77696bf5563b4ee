"""Screening queries, hits and results. Pydantic and stdlib only: these cross into workflows."""

from __future__ import annotations

import builtins
from typing import Literal

from pydantic import BaseModel, Field


class ScreeningQuery(BaseModel):
    """The identity to screen. `birth_date` is YYYY or YYYY-MM-DD; nationality a code or name."""

    name: str
    birth_date: str | None = None
    nationality: str | None = None
    # "M" / "F" as the document states it ("X" and None: unknown); a conflict weighs against.
    sex: Literal["M", "F", "X"] | None = None
    # Persons are screened against persons (and list entries of unknown type) only.
    entity_type: Literal["person", "organization", "any"] = "person"


class FeatureScore(BaseModel):
    """One feature's contribution to a hit's score, with a human-readable reason."""

    feature: str
    score: float
    weight: float
    reason: str


class ScreeningHit(BaseModel):
    """One listed entity that matched, with the explanation a reviewer needs."""

    list: str  # e.g. "ofac_sdn", "un"
    entity_id: str  # the list's own id (OFAC ent_num, UN REFERENCE_NUMBER, ...)
    name: str  # the listed name that matched best
    score: float
    # `builtins.list`: inside this class `list` names the field above.
    explanation: builtins.list[FeatureScore] = Field(default_factory=builtins.list)
    programs: builtins.list[str] = Field(default_factory=builtins.list)


class ScreeningCheck(BaseModel):
    """`clear` when nothing scored over the review threshold; `not_run` when no list exists."""

    status: Literal["clear", "hit", "not_run"]
    hits: list[ScreeningHit] = Field(default_factory=list)
    snapshot_id: str | None = None
    threshold: float | None = None
    reason: str | None = None
