"""The UN Security Council Consolidated List XML (schema sc-sanctions.xsd).

INDIVIDUAL and ENTITY records; names in FIRST..FOURTH_NAME, aliases with a QUALITY
("Good"/"a.k.a." are aliases, "Low"/"f.k.a." weak), NAME_ORIGINAL_SCRIPT, birth dates as EXACT
(DATE or YEAR), APPROXIMATELY (YEAR) or BETWEEN (FROM_YEAR, TO_YEAR).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from kyc.errors import ListUnavailable
from kyc.screening.countries import country_code
from kyc.screening.entities import BirthDate, Identifier, ListedEntity, ListedName, sex_code
from kyc.screening.loaders._common import parse_birth_dates

LIST = "un"
_NAME_PARTS = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")


def _text(node: ET.Element, tag: str) -> str:
    child = node.find(tag)
    return (child.text or "").strip() if child is not None else ""


def load_un_xml(path: Path) -> list[ListedEntity]:
    """Entities of the UN consolidated list."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as exc:
        raise ListUnavailable(f"cannot read UN consolidated XML {path}: {exc}") from exc
    entities = [_record(node, "person", "INDIVIDUAL") for node in root.iter("INDIVIDUAL")]
    entities += [_record(node, "organization", "ENTITY") for node in root.iter("ENTITY")]
    return [e for e in entities if e.names]


def _record(node: ET.Element, entity_type: str, prefix: str) -> ListedEntity:
    full = " ".join(p for p in (_text(node, t) for t in _NAME_PARTS) if p)
    # a few entities list two names as one: "COMPAGNIE ... (CAGL) ; GREAT LAKES ... (GLBC)"
    parts = [p.strip() for p in full.split(";") if p.strip()]
    names = [ListedName(p, "primary" if i == 0 else "alias") for i, p in enumerate(parts)]
    original = _text(node, "NAME_ORIGINAL_SCRIPT")
    if original:
        names.append(ListedName(original, "alias"))
    for alias in node.iter(f"{prefix}_ALIAS"):
        weak = _text(alias, "QUALITY").lower() in ("low", "f.k.a.")
        # some records pack spelling variants into one alias: "Azim Adhajani; Azim Agha-Jani"
        for alias_name in _text(alias, "ALIAS_NAME").split(";"):
            if alias_name.strip():
                names.append(ListedName(alias_name.strip(), "weak_alias" if weak else "alias"))
    entity = ListedEntity(
        list_name=LIST,
        entity_id=_text(node, "REFERENCE_NUMBER") or _text(node, "DATAID"),
        entity_type="person" if entity_type == "person" else "organization",
        names=names,
        programs=[p for p in [_text(node, "UN_LIST_TYPE")] if p],
    )
    entity.sex = sex_code(_text(node, "GENDER"))
    for dob in node.iter("INDIVIDUAL_DATE_OF_BIRTH"):
        entity.birth_dates += _birth_date(dob)
    for value in node.findall("NATIONALITY/VALUE"):
        code = country_code(value.text)
        if code and code not in entity.nationalities:
            entity.nationalities.append(code)
    for doc in node.iter("INDIVIDUAL_DOCUMENT"):
        number = _text(doc, "NUMBER")
        if number:
            country = country_code(_text(doc, "ISSUING_COUNTRY") or _text(doc, "COUNTRY_OF_ISSUE"))
            entity.identifiers.append(Identifier(_text(doc, "TYPE_OF_DOCUMENT"), number, country))
    return entity


def _birth_date(node: ET.Element) -> list[BirthDate]:
    kind = _text(node, "TYPE_OF_DATE").upper()
    low, high = _text(node, "FROM_YEAR"), _text(node, "TO_YEAR")
    if kind == "BETWEEN" and low.isdigit() and high.isdigit():
        return [BirthDate(int(low), to_year=int(high))]
    return parse_birth_dates(_text(node, "DATE")) or parse_birth_dates(_text(node, "YEAR"))
