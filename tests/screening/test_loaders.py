"""Every list format into ListedEntity: counts, names, dates, nationalities, ids."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kyc.errors import InvalidRequest, ListUnavailable
from kyc.screening.entities import BirthDate, Identifier, ListedEntity, ListedName
from kyc.screening.loaders import load_list


def _by_id(entities: list[ListedEntity], entity_id: str) -> ListedEntity:
    return next(e for e in entities if e.entity_id == entity_id)


def test_ofac_sdn_folder(ofac_entities: list[ListedEntity]) -> None:
    assert len(ofac_entities) == 8976
    bank = _by_id(ofac_entities, "306")
    assert bank.list_name == "ofac_sdn"
    assert bank.entity_type == "organization"
    assert bank.names == [
        ListedName("BANCO NACIONAL DE CUBA", "primary"),
        ListedName("NATIONAL BANK OF CUBA", "alias"),
        ListedName("BNC", "weak_alias"),  # "a.k.a. 'BNC'" in the remarks
    ]
    assert bank.programs == ["CUBA"]
    person = _by_id(ofac_entities, "2674")
    assert person.entity_type == "person"
    assert person.birth_dates == [BirthDate(1948, 12, 10)]
    assert {e.entity_type for e in ofac_entities} == {
        "person",
        "organization",
        "vessel",
        "aircraft",
    }


def test_ofac_sdn_reads_comments_continuation(sanctions_dir: Path) -> None:
    entities = load_list(sanctions_dir / "ofac_sdn_2021-07" / "sdn.csv", "ofac_sdn")
    lazarus = _by_id(entities, "28264")
    assert ListedName("blackjack1987", "weak_alias") in lazarus.names  # in sdn_comments.csv
    assert Identifier("Identification Number", "210302198701102136", "CN") in lazarus.identifiers


def test_un_xml(un_entities: list[ListedEntity]) -> None:
    assert len(un_entities) == 1003
    assert sum(e.entity_type == "person" for e in un_entities) == 730
    salek = _by_id(un_entities, "TAi.108")
    assert salek.names[0] == ListedName("ABDULHAI SALEK", "primary")
    assert ListedName("عبدالحی سالک", "alias") in salek.names
    assert salek.birth_dates == [BirthDate(1965)]
    assert salek.nationalities == ["AF"]
    assert salek.programs == ["Taliban"]
    kakolele = _by_id(un_entities, "CDi.002")
    assert ListedName("FRANK KAKORERE", "alias") in kakolele.names


def test_un_xml_between_dates_and_low_quality_aliases(un_entities: list[ListedEntity]) -> None:
    ranges = [d for e in un_entities for d in e.birth_dates if d.to_year is not None]
    assert ranges and all(d.to_year is not None and d.to_year > d.year for d in ranges)
    weak = [n for e in un_entities for n in e.names if n.kind == "weak_alias"]
    assert len(weak) > 100


def test_us_csl(sanctions_dir: Path) -> None:
    entities = load_list(sanctions_dir / "us_csl_sample" / "csl.csv", "us_csl")
    assert len(entities) == 115
    khaled = _by_id(entities, "9689")
    assert khaled.list_name == "us_csl"
    assert khaled.entity_type == "person"
    assert [n.name for n in khaled.names] == [
        "ABU HASSAN, Khaled",
        "ABOU HASSAN, Khaled Suleiman Fayez",
        "ABU HASAN, Khalid Sulayman Fayiz",
    ]
    assert khaled.birth_dates == [BirthDate(1967)]
    holding = _by_id(entities, "20264")
    assert holding.identifiers == [Identifier("Tax ID No.", "80-0890696", "US")]
    denied = [e for e in entities if e.entity_id.startswith("DPL-")]
    assert len(denied) == 8  # Denied Persons rows have no entity_number: stable derived ids


def test_opensanctions_senzing(congress_entities: list[ListedEntity]) -> None:
    assert len(congress_entities) == 1319
    first = congress_entities[0]
    assert first.entity_id == "NK-AQ4HymsADSK2D63MkyTqfC"
    assert first.entity_type == "person"
    assert first.names == [ListedName("Jennifer L. McClellan", "primary")]
    assert first.birth_dates == [BirthDate(1972)]
    assert first.nationalities == ["US"]


def test_opensanctions_ftm(tmp_path: Path) -> None:
    lines = [
        {
            "id": "Q7747",
            "schema": "Person",
            "properties": {
                "name": ["Vladimir Putin"],
                "alias": ["Владимир Владимирович Путин"],
                "weakAlias": ["VVP"],
                "birthDate": ["1952-10-07"],
                "nationality": ["ru"],
                "passportNumber": ["123"],
            },
        },
        {"id": "addr-1", "schema": "Address", "properties": {"full": ["Moscow"]}},
        {"id": "co-1", "schema": "Company", "properties": {"name": ["Rosneft"]}},
    ]
    path = tmp_path / "entities.ftm.json"
    path.write_text("\n".join(json.dumps(line) for line in lines))

    entities = load_list(path, "opensanctions_ftm")

    assert [e.entity_id for e in entities] == ["Q7747", "co-1"]
    putin = entities[0]
    assert putin.names == [
        ListedName("Vladimir Putin", "primary"),
        ListedName("Владимир Владимирович Путин", "alias"),
        ListedName("VVP", "weak_alias"),
    ]
    assert putin.birth_dates == [BirthDate(1952, 10, 7)]
    assert putin.nationalities == ["RU"]
    assert putin.identifiers == [Identifier("passportNumber", "123")]
    assert entities[1].entity_type == "organization"


def test_entity_round_trips_through_compact_dict(un_entities: list[ListedEntity]) -> None:
    for entity in un_entities[:50]:
        assert ListedEntity.from_dict(json.loads(json.dumps(entity.to_dict()))) == entity


def test_missing_file_and_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(ListUnavailable):
        load_list(tmp_path / "nope.xml", "un_xml")
    with pytest.raises(InvalidRequest):
        load_list(tmp_path, "eu_fsf")
    broken = tmp_path / "broken.xml"
    broken.write_text("<CONSOLIDATED_LIST><INDIVIDUALS>")
    with pytest.raises(ListUnavailable):
        load_list(broken, "un_xml")


def test_un_aliases_packed_with_semicolons_are_split(un_entities: list[ListedEntity]) -> None:
    names = [n.name for e in un_entities for n in e.names]
    assert "Azim Adhajani" in names
    assert "Azim Agha-Jani" in names
    assert not any(";" in name for name in names)


def test_listed_gender_is_read(
    ofac_entities: list[ListedEntity], un_entities: list[ListedEntity]
) -> None:
    """OFAC states it in the remarks ("Gender Male"), the UN in GENDER; most entries say none."""
    ofac = {e.entity_id: e for e in ofac_entities}
    assert ofac["7148"].sex == "M"  # BOULGHITI, Boubekeur: "...; Gender Male; ..."
    assert sum(e.sex is not None for e in ofac_entities) > 1000
    assert {e.sex for e in un_entities} == {None, "M", "F"}
    assert ListedEntity.from_dict(ofac["7148"].to_dict()).sex == "M"
