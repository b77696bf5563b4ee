"""OFAC SDN in its legacy CSV form: sdn.csv, alt.csv, add.csv, sdn_comments.csv.

No header row; "-0-" marks an empty field. Birth dates, nationalities, identifiers and weak
aliases ("a.k.a. 'X'") live in the free-text Remarks, continued in sdn_comments.csv when long.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from kyc.errors import ListUnavailable
from kyc.screening.countries import country_code
from kyc.screening.entities import (
    EntityType,
    Identifier,
    ListedEntity,
    ListedName,
    sex_code,
)
from kyc.screening.loaders._common import parse_birth_dates, read_text

LIST = "ofac_sdn"
_TYPES: dict[str, EntityType] = {"individual": "person", "vessel": "vessel", "aircraft": "aircraft"}
_ID_KINDS = (
    "Passport",
    "National ID No.",
    "Cedula No.",
    "Tax ID No.",
    "SSN",
    "Registration ID",
    "Identification Number",
    "D.N.I.",
    "RFC",
    "CURP",
)


def _field(value: str) -> str:
    value = value.strip()
    return "" if value == "-0-" else value


def _rows(path: Path) -> list[list[str]]:
    if not path.exists():
        return []
    return list(csv.reader(io.StringIO(read_text(path))))


def load_ofac_sdn(path: Path) -> list[ListedEntity]:
    """Entities of the SDN list; `path` is the folder holding sdn.csv or sdn.csv itself."""
    folder = path if path.is_dir() else path.parent
    sdn_path = folder / "sdn.csv" if path.is_dir() else path
    if not sdn_path.exists():
        raise ListUnavailable(f"no OFAC sdn.csv at {sdn_path}")
    comments: dict[str, str] = {}
    for row in _rows(folder / "sdn_comments.csv"):
        if len(row) >= 2:
            comments[row[0].strip()] = comments.get(row[0].strip(), "") + _field(row[1])
    aliases: dict[str, list[ListedName]] = {}
    for row in _rows(folder / "alt.csv"):
        if len(row) >= 4 and _field(row[3]):
            aliases.setdefault(row[0].strip(), []).append(ListedName(_field(row[3]), "alias"))
    entities: list[ListedEntity] = []
    for row in _rows(sdn_path):
        if len(row) < 12 or not row[0].strip().isdigit():
            continue
        ent_num = row[0].strip()
        remarks = _field(row[11]) + comments.get(ent_num, "")
        names = [ListedName(_field(row[1]), "primary"), *aliases.get(ent_num, [])]
        names += [ListedName(n, "weak_alias") for n in re.findall(r"a\.k\.a\. '([^']+)'", remarks)]
        entity = ListedEntity(
            list_name=LIST,
            entity_id=ent_num,
            entity_type=_TYPES.get(_field(row[2]).lower(), "organization"),
            names=[n for n in names if n.name],
            programs=[p.strip("[] ") for p in _field(row[3]).split("] [") if p.strip("[] ")],
        )
        _read_remarks(entity, remarks)
        entities.append(entity)
    return entities


def _read_remarks(entity: ListedEntity, remarks: str) -> None:
    for part in remarks.split(";"):
        part = part.strip().rstrip(".")
        lowered = part.lower()
        if lowered.startswith(("dob ", "alt. dob ")):
            entity.birth_dates += parse_birth_dates(part.split("DOB", 1)[-1])
        elif lowered.startswith(("nationality ", "alt. nationality ", "citizen ", "alt. citizen ")):
            code = country_code(
                part.split(" ", 2)[-1] if lowered.startswith("alt.") else part.split(" ", 1)[-1]
            )
            if code and code not in entity.nationalities:
                entity.nationalities.append(code)
        elif lowered.startswith("gender "):
            entity.sex = sex_code(lowered.removeprefix("gender ")) or entity.sex
        else:
            for kind in _ID_KINDS:
                if part.startswith(kind + " ") or part.startswith("alt. " + kind + " "):
                    rest = part.split(kind, 1)[1].strip()
                    m = re.match(r"([^\s(]+)\s*(?:\(([^)]*)\))?", rest)
                    if m:
                        country = country_code(m.group(2)) if m.group(2) else None
                        entity.identifiers.append(Identifier(kind.rstrip("."), m.group(1), country))
                    break
