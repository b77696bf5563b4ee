"""OpenSanctions exports: Senzing JSON lines and FollowTheMoney (FtM) entity JSON lines.

Senzing: one record a line with RECORD_ID, RECORD_TYPE, NAMES, DATES, COUNTRIES, IDENTIFIERS.
FtM: one entity a line, {"id", "schema", "properties": {"name": [...], "alias": [...], ...}};
only schemas of parties (Person, Organization, Company, LegalEntity, Vessel, Airplane) are kept.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kyc.errors import ListUnavailable
from kyc.screening.countries import country_code
from kyc.screening.entities import EntityType, Identifier, ListedEntity, ListedName, NameKind
from kyc.screening.loaders._common import parse_birth_dates, read_text

LIST = "opensanctions"
_SENZING_TYPES: dict[str, EntityType] = {"PERSON": "person", "ORGANIZATION": "organization"}
_FTM_TYPES: dict[str, EntityType] = {
    "Person": "person",
    "Organization": "organization",
    "Company": "organization",
    "PublicBody": "organization",
    "LegalEntity": "unknown",
    "Vessel": "vessel",
    "Airplane": "aircraft",
}
_FTM_NAMES: dict[str, NameKind] = {
    "name": "primary",
    "alias": "alias",
    "previousName": "alias",
    "weakAlias": "weak_alias",
}
_FTM_IDS = ("idNumber", "passportNumber", "taxNumber", "registrationNumber", "imoNumber")


def _json_lines(path: Path) -> Iterator[dict[str, Any]]:
    text = read_text(path).strip()
    if text.startswith("["):  # a JSON array rather than JSON lines
        try:
            yield from json.loads(text)
        except json.JSONDecodeError as exc:
            raise ListUnavailable(f"{path} is not valid JSON: {exc}") from exc
        return
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                yield json.loads(line)
            except json.JSONDecodeError as exc:
                raise ListUnavailable(f"{path} line {number} is not JSON: {exc.msg}") from exc


def _senzing_name(entry: dict[str, Any]) -> str:
    if entry.get("NAME_FULL") or entry.get("NAME_ORG"):
        return str(entry.get("NAME_FULL") or entry.get("NAME_ORG")).strip()
    parts = (entry.get(k) for k in ("NAME_FIRST", "NAME_MIDDLE", "NAME_LAST"))
    return " ".join(str(p).strip() for p in parts if p)


def load_senzing(path: Path) -> list[ListedEntity]:
    """Entities of an OpenSanctions Senzing export (JSON lines)."""
    entities = []
    for record in _json_lines(path):
        names = [
            ListedName(_senzing_name(n), "primary" if n.get("NAME_TYPE") == "PRIMARY" else "alias")
            for n in record.get("NAMES", [])
        ]
        entity = ListedEntity(
            list_name=LIST,
            entity_id=str(record.get("RECORD_ID", "")),
            entity_type=_SENZING_TYPES.get(str(record.get("RECORD_TYPE", "")), "unknown"),
            names=[n for n in names if n.name],
            programs=[str(r["TOPIC"]) for r in record.get("RISKS", []) if r.get("TOPIC")],
        )
        for date in record.get("DATES", []):
            entity.birth_dates += parse_birth_dates(date.get("DATE_OF_BIRTH"))
        for country in record.get("COUNTRIES", []):
            for key in ("NATIONALITY", "CITIZENSHIP"):
                code = country_code(country.get(key))
                if code and code not in entity.nationalities:
                    entity.nationalities.append(code)
        for ident in record.get("IDENTIFIERS", []):
            for key, value in ident.items():
                if key.endswith("_NUMBER") and value and key != "OTHER_ID_NUMBER":
                    kind = key.removesuffix("_NUMBER").lower()
                    entity.identifiers.append(Identifier(kind, str(value)))
        if entity.names and entity.entity_id:
            entities.append(entity)
    return entities


def load_ftm(path: Path) -> list[ListedEntity]:
    """Entities of an OpenSanctions FollowTheMoney export (JSON lines of entities)."""
    entities = []
    for record in _json_lines(path):
        entity_type = _FTM_TYPES.get(str(record.get("schema", "")))
        if entity_type is None:
            continue  # sanctions, addresses, relations ... are not parties
        props: dict[str, list[Any]] = record.get("properties", {})
        names = [
            ListedName(value.strip(), kind)
            for prop, kind in _FTM_NAMES.items()
            for value in props.get(prop, [])
            if isinstance(value, str) and value.strip()
        ]
        entity = ListedEntity(
            list_name=LIST,
            entity_id=str(record.get("id", "")),
            entity_type=entity_type,
            names=names,
            programs=[str(p) for p in props.get("programId", []) + props.get("topics", [])],
        )
        for value in props.get("birthDate", []):
            entity.birth_dates += parse_birth_dates(str(value))
        for value in props.get("nationality", []) + props.get("citizenship", []):
            code = country_code(str(value))
            if code and code not in entity.nationalities:
                entity.nationalities.append(code)
        for prop in _FTM_IDS:
            entity.identifiers += [Identifier(prop, str(v)) for v in props.get(prop, [])]
        if entity.names and entity.entity_id:
            entities.append(entity)
    return entities
