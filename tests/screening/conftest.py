"""Session fixtures: the shared lists, loaded once, and the OFAC SDN + UN index, built once."""

from __future__ import annotations

from pathlib import Path

import pytest

from kyc.screening.entities import ListedEntity
from kyc.screening.evaluation import ScreeningCase, relabel_listed_identities, un_positive_cases
from kyc.screening.index import ScreeningIndex
from kyc.screening.loaders import load_list
from tests.conftest import shared_path


@pytest.fixture(scope="session")
def sanctions_dir() -> Path:
    return shared_path("sanctions")


@pytest.fixture(scope="session")
def ofac_entities(sanctions_dir: Path) -> list[ListedEntity]:
    return load_list(sanctions_dir / "ofac_sdn_2021-07", "ofac_sdn")


@pytest.fixture(scope="session")
def un_entities(sanctions_dir: Path) -> list[ListedEntity]:
    return load_list(sanctions_dir / "un_consolidated_2026-02" / "UN_consolidated.xml", "un_xml")


@pytest.fixture(scope="session")
def ofac_un_index(
    ofac_entities: list[ListedEntity], un_entities: list[ListedEntity]
) -> ScreeningIndex:
    return ScreeningIndex.build(ofac_entities + un_entities)


@pytest.fixture(scope="session")
def congress_entities(sanctions_dir: Path) -> list[ListedEntity]:
    path = sanctions_dir / "opensanctions_us_congress" / "us_congress_senzing.json"
    return load_list(path, "opensanctions_senzing")


@pytest.fixture
def un_positives(sanctions_dir: Path, un_entities: list[ListedEntity]) -> list[ScreeningCase]:
    """The UN positives, a case whose query is verbatim another listed entry accepting it too."""
    cases = un_positive_cases(sanctions_dir / "screening_un_positives.csv")
    assert relabel_listed_identities(cases, un_entities) == ["un_0391"]
    return cases
