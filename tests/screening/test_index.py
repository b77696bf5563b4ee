"""Candidate retrieval and screening through the index."""

from __future__ import annotations

from kyc.screening.entities import ListedEntity, ListedName
from kyc.screening.index import REVIEW_THRESHOLD, ScreeningIndex
from kyc.screening.matcher import ALGORITHM
from kyc.screening.models import ScreeningQuery


def _entity(entity_id: str, name: str, entity_type: str = "person") -> ListedEntity:
    return ListedEntity(
        list_name="test", entity_id=entity_id, entity_type=entity_type,  # type: ignore[arg-type]
        names=[ListedName(name)],
    )  # fmt: skip


def test_screen_finds_typo_and_transposition(ofac_un_index: ScreeningIndex) -> None:
    best = ofac_un_index.match(ScreeningQuery(name="AFIZ", birth_date="1969"))[0]
    assert (best.entity.list_name, best.entity.entity_id, best.name.name) == (
        "un",
        "TAi.036",
        "FAIZ",
    )
    assert [f.feature for f in best.features] == list(ALGORITHM)
    # One fairly common token with a typo and a birth year: found, but not enough for a hit.
    assert best.score < REVIEW_THRESHOLD
    assert {f.feature: f.score for f in best.features}["common_only"] == -1.0


def test_hits_are_sorted_and_thresholded(ofac_un_index: ScreeningIndex) -> None:
    query = ScreeningQuery(name="Hassan Dahir Aweys")
    hits = ofac_un_index.screen(query)
    # listed twice by the UN and twice by OFAC, each time under this exact name
    assert {(h.list, h.entity_id) for h in hits if h.score == 1.0} == {
        ("un", "QDi.042"), ("un", "SOi.002"), ("ofac_sdn", "7006"), ("ofac_sdn", "11744"),
    }  # fmt: skip
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert all(h.score >= REVIEW_THRESHOLD for h in hits)
    assert ofac_un_index.screen(query, threshold=1.01) == []
    partial = ofac_un_index.screen(ScreeningQuery(name="Hassan Dahir"), threshold=0.5)
    assert min(h.score for h in partial) < REVIEW_THRESHOLD <= max(h.score for h in partial)


def test_query_does_not_scan_every_name(ofac_un_index: ScreeningIndex) -> None:
    tokens = ("abdulhai", "salek")
    candidates = ofac_un_index.candidates(tokens, frozenset({"person", "unknown"}))
    assert 0 < len(candidates) <= 64
    assert len(ofac_un_index.entities) > 9000


def test_persons_are_screened_against_persons_only() -> None:
    index = ScreeningIndex.build(
        [_entity("1", "Hellenic Spirit", "vessel"), _entity("2", "Helenic Spirit", "person")]
    )
    person_hits = index.screen(ScreeningQuery(name="Hellenic Spirit"), threshold=0.5)
    assert [h.entity_id for h in person_hits] == ["2"]
    any_hits = index.screen(ScreeningQuery(name="Hellenic Spirit", entity_type="any"))
    assert any_hits[0].entity_id == "1"


def test_joined_query_finds_split_listed_name() -> None:
    index = ScreeningIndex.build([_entity("1", "Abdul Rahman Yasin")])
    hits = index.screen(ScreeningQuery(name="Abdulrahman Yasin"))
    assert [(h.entity_id, h.score) for h in hits] == [("1", 1.0)]


def test_empty_query_name_has_no_hits(ofac_un_index: ScreeningIndex) -> None:
    assert ofac_un_index.screen(ScreeningQuery(name=" -- ")) == []


def test_kanji_query_finds_romanised_japanese_name() -> None:
    index = ScreeningIndex.build([_entity("1", "YAMADA, Taro"), _entity("2", "SHAN, Tianlang")])
    hits = index.screen(ScreeningQuery(name="山田太郎"))
    assert [(h.entity_id, h.score) for h in hits] == [("1", 1.0)]
