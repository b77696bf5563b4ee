"""Normalisation, transliteration, token features, name alignment and graded evidence."""

from __future__ import annotations

from kyc.screening.entities import BirthDate, ListedEntity, ListedName
from kyc.screening.features import (
    birth_date_evidence,
    nationality_evidence,
    sex_evidence,
    token_edit,
    token_phonetic,
    token_similarity,
)
from kyc.screening.index import REVIEW_THRESHOLD
from kyc.screening.japanese import japanese_reading
from kyc.screening.matcher import compare_names, score_entity, script_rule
from kyc.screening.normalize import name_tokens, name_variants
from kyc.screening.rarity import INITIAL_INFO, MAX_INFO, MIN_RARITY, TokenStats
from kyc.screening.translit import script_of, to_latin


def _score(a: str, b: str) -> float:
    return compare_names(name_tokens(a), name_tokens(b)).score


def test_normalisation_drops_case_accents_punctuation_and_honorifics() -> None:
    assert name_tokens("Dr. José  O'Brien-García") == ("jose", "obrien", "garcia")
    assert name_tokens("Siemens Aktiengesellschaft", "organization") == ("siemens",)
    assert name_tokens("Stripe Limited Liability Company", "organization") == ("stripe",)


def test_transliteration() -> None:
    assert to_latin("Владимир Путин") == "Vladimir Putin"
    assert to_latin("김정은") == "kim jeong eun"
    assert to_latin("李明") == "Li Ming"
    assert to_latin("محمد") == "mhmd"
    # Thai in RTGS (inherent vowels, leading vowels in place), not letter by letter ("smchay").
    assert to_latin("สมชาย") == "somchai"
    assert to_latin("สุเทพ เทือกสุบรรณ") == "suthep thueaksupan"


def test_first_letter_transposition_is_one_edit() -> None:
    assert token_edit("afiz", "faiz") == (0.8, "1 edit")
    assert token_similarity("afiz", "faiz")[0] == 0.8


def test_phonetic_keys_join_spellings_and_vowelless_transliterations() -> None:
    assert token_phonetic("mohammed", "muhammad")[0] == 0.85
    assert token_phonetic("hsn", "hassan")[0] == 0.9  # abjad: the skeleton is all it says
    assert token_phonetic("hsyn", "ehsan")[0] == 0.85  # it spells a long vowel Ehsan lacks
    assert token_phonetic("faiz", "fawzi") == (0.0, "")  # two-consonant skeleton: too weak


def test_names_are_order_independent() -> None:
    assert _score("SALEK, ABDULHAI", "Abdulhai Salek") == 1.0


def test_joined_and_split_tokens() -> None:
    assert _score("VladimirPutin", "Vladimir Putin") == 1.0
    assert _score("Abdul Rahman Yasin", "Abdulrahman Yasin") == 1.0


def test_initials_count_partly() -> None:
    score = _score("J. Smith", "John Smith")
    assert 0.8 < score < 1.0


def test_cross_script_pairs() -> None:
    assert _score("أحمد حسن", "Ahmed Hassan") >= 0.8
    assert _score("Дмитрий Медведев", "Dmitry Medvedev") >= 0.9
    assert _score("김정은", "Kim Jong Un") >= 0.8


def test_different_people_score_low() -> None:
    assert _score("Octavian Scholz", "Olaf Scholz") < 0.6
    assert _score("Patricia Wheeler", "Abdulhai Salek") == 0.0


def test_birth_date_is_graded_evidence_not_a_veto() -> None:
    listed = [BirthDate(1965, 3, 1)]
    assert birth_date_evidence(BirthDate(1965, 3, 1), listed)[0] == 0.6
    assert birth_date_evidence(BirthDate(1965), listed)[0] == 0.35
    assert birth_date_evidence(BirthDate(1965, 1, 3), listed)[0] == 0.35  # day/month swapped
    assert birth_date_evidence(BirthDate(1966, 3, 1), listed)[0] == -0.2
    assert birth_date_evidence(BirthDate(1968), listed)[0] == -0.5
    assert birth_date_evidence(BirthDate(1980), listed)[0] == -1.0
    assert birth_date_evidence(BirthDate(1961), [BirthDate(1960, to_year=1963)])[0] == 0.35
    assert birth_date_evidence(None, listed)[0] == 0.0


def test_nationality_evidence() -> None:
    assert nationality_evidence("AF", ["AF", "PK"])[0] == 1.0
    assert nationality_evidence("IQ", ["AF"])[0] == -1.0
    assert nationality_evidence(None, ["AF"])[0] == 0.0


def test_a_sex_conflict_weighs_against_but_is_no_veto() -> None:
    assert sex_evidence("F", "M") == (-1.0, "sex F, listed M")
    assert sex_evidence("M", "M")[0] == 0.0  # agreement is no evidence
    assert sex_evidence("X", "M")[0] == sex_evidence("F", None)[0] == 0.0
    entity = ListedEntity("un", "QDi.1", "person", [ListedName("Boubekeur Boulghiti")], sex="M")
    names = [(entity.names[0], name_tokens(entity.names[0].name))]
    tokens = name_tokens("Boubekeur Boulghiti")
    same = score_entity(tokens, None, None, entity, names, sex="M")
    other = score_entity(tokens, None, None, entity, names, sex="F")
    assert round(same.score - other.score, 4) == 0.1
    assert other.score >= REVIEW_THRESHOLD  # an exact name of the other sex stays a hit
    assert any(f.feature == "sex" and f.reason == "sex F, listed M" for f in other.features)


def test_exact_name_one_year_off_stays_a_hit_and_explains_itself() -> None:
    entity = ListedEntity(
        list_name="un",
        entity_id="HTi.007",
        entity_type="person",
        names=[ListedName("LUCKSON ELAN")],
        birth_dates=[BirthDate(1988, 1, 6)],
        nationalities=["HT"],
    )
    tokens = name_tokens("LUCKSON ELAN")
    names = [(entity.names[0], tokens)]
    assert score_entity(tokens, BirthDate(1989, 1, 6), None, entity, names).score == 0.94
    assert score_entity(tokens, BirthDate(1975), None, entity, names).score == 0.7
    match = score_entity(tokens, BirthDate(1989, 1, 6), "HT", entity, names)
    assert match.score == 1.0  # clipped: 1.0 - 0.06 + 0.1
    features = {f.feature: f for f in match.features}
    assert features["name"].reason == (
        "'LUCKSON ELAN' (primary): luckson=luckson [weight 5.29, rarity 1.00, info 5.0]; "
        "elan=elan [weight 4.00, rarity 1.00, info 5.0]"
    )
    assert features["birth_date"].score == -0.2
    assert "one off" in features["birth_date"].reason
    assert features["nationality"].score == 1.0


def test_kanji_names_are_also_read_as_japanese() -> None:
    assert japanese_reading("山田太郎") == "yamada taro"
    assert japanese_reading("金正恩") is None  # not all kanji are Japanese name readings
    assert name_variants("田中花子") == (("tian", "zhong", "hua", "zi"), ("tanaka", "hanako"))
    assert name_variants("Li Ming") == (("li", "ming"),)


def _features(query: str, listed: str) -> dict[str, float]:
    entity = ListedEntity("un", "1", "person", [ListedName(listed)])
    names = [(entity.names[0], name_tokens(listed))]
    match = score_entity(name_tokens(query), None, None, entity, names, query_script=None)
    return {f.feature: f.score for f in match.features} | {"total": match.score}


def test_common_tokens_alone_stay_below_the_threshold() -> None:
    common = _features("John Lee", "LEE, John")
    assert common["name"] == 1.0 and common["common_only"] == -1.0
    assert common["total"] < REVIEW_THRESHOLD
    rare = _features("Luckson Elan", "ELAN, Luckson")
    assert rare["common_only"] == 0.0 and rare["rarity"] == 0.0 and rare["total"] == 1.0


def test_another_given_name_contradicts() -> None:
    differs = _features("Maria J Rodriguez", "RODRIGUEZ, Ana J")
    assert differs["contradiction"] == -1.0
    assert differs["total"] < 0.5
    longer = _features("Maria Ana Rodriguez", "RODRIGUEZ, Ana")
    assert longer["contradiction"] == 0.0  # an extra name is not a contradiction


def test_one_token_listed_person_needs_more_than_the_surname() -> None:
    assert _features("Maria Rodriguez", "RODRIGUEZ")["surname_only"] == -1.0
    assert _features("Rodriguez", "RODRIGUEZ")["surname_only"] == 0.0


def test_cjk_syllables_are_compared_as_a_whole() -> None:
    assert script_of("王小明") == "cjk" and script_of("김정은") == "hangul"
    assert script_of("Wang Ming") is None
    two_of_three = compare_names(name_tokens("王小明"), name_tokens("WANG Ming"))
    assert script_rule(two_of_three, "cjk")[0] == -1.0
    inexact = compare_names(name_tokens("成朱"), name_tokens("CHEN, Zhu"))
    assert script_rule(inexact, "cjk")[0] == -1.0
    whole = compare_names(name_tokens("李明"), name_tokens("LI Ming"))
    assert script_rule(whole, "cjk")[0] == 0.0
    # Hangul: Revised Romanisation against the McCune-Reischauer spellings lists hold.
    assert token_similarity("jeong", "jong") == (0.95, "romanisation")
    assert token_similarity("eun", "un") == (0.95, "romanisation")


def test_token_frequency_uses_the_lists_and_the_census_reference() -> None:
    stats = TokenStats({"mohammed": 301, "faiz": 1}, names=3000)
    assert stats.frequency("mohammed") == 0.1  # (301 - 1) / 3000: other names hold it
    assert stats.information("mohammed") == 1.0
    assert 1.5 < stats.information("john") < 2.0  # US Census 1990: 3.3% of men, half
    assert stats.information("faiz") == MAX_INFO  # in no other name, not in the census
    assert stats.information("j") == INITIAL_INFO
    assert stats.rarity("faiz") == 1.0 and stats.rarity("mohammed") == MIN_RARITY


def test_explanations_give_each_matched_token_its_weight_and_rarity() -> None:
    reason = compare_names(name_tokens("Afiz Salek"), name_tokens("FAIZ SALEK")).describe()
    assert "afiz~faiz (1 edit) [weight " in reason and "rarity " in reason


def test_a_glued_particle_is_not_a_typo() -> None:
    assert token_similarity("alamin", "amin") == (0.0, "")
    assert token_similarity("elhassan", "hassan") == (0.0, "")
    assert _score("Al Amin Khan", "ALAMIN KHAN") == 1.0  # split where the list joins: same
