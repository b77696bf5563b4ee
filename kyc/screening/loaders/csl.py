"""The US Consolidated Screening List (trade.gov) CSV: one row per listed party, header row.

Multi-valued cells (alt_names, dates_of_birth, nationalities, citizenships, programs, ids) are
separated by ";". Rows from lists without ids (DPL, EL) get a stable id from source and name.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from pathlib import Path

from kyc.errors import ListUnavailable
from kyc.screening.countries import country_code
from kyc.screening.entities import EntityType, Identifier, ListedEntity, ListedName
from kyc.screening.loaders._common import parse_birth_dates, read_text

LIST = "us_csl"
_TYPES: dict[str, EntityType] = {
    "individual": "person",
    "entity": "organization",
    "vessel": "vessel",
    "aircraft": "aircraft",
}


def _split(cell: str | None) -> list[str]:
    return [part.strip() for part in (cell or "").split(";") if part.strip()]


def load_us_csl(path: Path) -> list[ListedEntity]:
    """Entities of the Consolidated Screening List CSV."""
    reader = csv.DictReader(io.StringIO(read_text(path)))
    if not reader.fieldnames or "name" not in reader.fieldnames:
        raise ListUnavailable(f"{path} is not a Consolidated Screening List CSV (no 'name' column)")
    entities = []
    for row in reader:
        name = (row.get("name") or "").strip()
        if not name:
            continue
        source = (row.get("source") or "").strip()
        entity_id = (row.get("entity_number") or row.get("id") or "").strip()
        if not entity_id:
            abbrev = m.group(1) if (m := re.search(r"\(([A-Z]+)\)", source)) else "CSL"
            digest = hashlib.sha1(f"{source}|{name}".encode()).hexdigest()[:12]
            entity_id = f"{abbrev}-{digest}"
        entity = ListedEntity(
            list_name=LIST,
            entity_id=entity_id,
            entity_type=_TYPES.get((row.get("type") or "").strip().lower(), "unknown"),
            names=[ListedName(name, "primary")]
            + [ListedName(alt, "alias") for alt in _split(row.get("alt_names"))],
            birth_dates=parse_birth_dates(row.get("dates_of_birth")),
            programs=_split(row.get("programs")),
        )
        for cell in (row.get("nationalities"), row.get("citizenships")):
            for value in _split(cell):
                code = country_code(value)
                if code and code not in entity.nationalities:
                    entity.nationalities.append(code)
        entity.identifiers = _identifiers(row.get("ids"))
        entities.append(entity)
    return entities


def _identifiers(cell: str | None) -> list[Identifier]:
    """ "US, 80-0890696, Tax ID No." or "5030056754, Tax ID No." -> identifiers (others skipped)."""
    out = []
    for part in _split(cell):
        fields = [f.strip() for f in part.split(",")]
        if len(fields) == 3 and len(fields[0]) == 2:
            out.append(Identifier(fields[2], fields[1], country_code(fields[0])))
        elif len(fields) == 2 and any(ch.isdigit() for ch in fields[0]) and " " not in fields[0]:
            out.append(Identifier(fields[1], fields[0]))
    return out
