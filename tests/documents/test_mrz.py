"""The ICAO 9303 parser on every format, with OCR slips, repairs and deliberately invalid MRZs."""

from __future__ import annotations

from datetime import date

import pytest

from kyc.documents.countries import normalise_country
from kyc.documents.mrz import check_digit, parse, split_names

from .conftest import TODAY, load_mrz_truth

# ICAO Doc 9303 specimens (part 4 TD3, part 5 TD1, part 6 TD2, part 7 MRV-A / MRV-B).
TD3 = [
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
]
TD1 = [
    "I<UTOD231458907<<<<<<<<<<<<<<<",
    "7408122F1204159UTO<<<<<<<<<<<6",
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
]
TD2 = ["I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "D231458907UTO7408122F1204159<<<<<<<6"]
MRVA = [
    "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L8988901C4XXX4009078F96121096ZE184226B<<<<<<",
]
MRVB = ["V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "L8988901C4XXX4009078F9612109<<<<<<<<"]


def test_check_digit_follows_7_3_1_weights() -> None:
    assert check_digit("L898902C3") == "6"
    assert check_digit("740812") == "2"
    assert check_digit("120415") == "9"
    assert check_digit("<<<<<") == "0"


@pytest.mark.parametrize(
    ("lines", "mrz_type", "number"),
    [
        (TD3, "TD3", "L898902C3"),
        (TD1, "TD1", "D23145890"),
        (TD2, "TD2", "D23145890"),
        (MRVA, "MRVA", "L8988901C"),
        (MRVB, "MRVB", "L8988901C"),
    ],
)
def test_icao_specimens_parse_valid(lines: list[str], mrz_type: str, number: str) -> None:
    result = parse(lines, today=TODAY)
    assert result.type == mrz_type
    assert result.valid, result.checks
    assert result.lines == lines
    assert result.fields["surname"] == "ERIKSSON"
    assert result.fields["given_names"] == "ANNA MARIA"
    assert result.fields["document_number"] == number
    assert result.fields["sex"] == "F"


def test_td3_fields_and_centuries() -> None:
    f = parse(TD3, today=TODAY).fields
    assert f["issuing_country"] == "UTO"
    assert f["nationality"] == "UTO"
    assert f["date_of_birth"] == date(1974, 8, 12)
    assert f["expiration_date"] == date(2012, 4, 15)
    assert f["optional_data"] == "ZE184226B"


def test_visa_dates_before_2000_keep_their_century() -> None:
    f = parse(MRVA, today=TODAY).fields
    assert f["date_of_birth"] == date(1940, 9, 7)
    assert f["expiration_date"] == date(1996, 12, 10)
    assert "composite" not in parse(MRVA, today=TODAY).checks


def test_birth_years_are_in_the_past_and_expiries_may_be_ahead() -> None:
    lines = [TD3[0], "L898902C36UTO2501011F3501012ZE184226B<<<<<<8"]
    result = parse(lines, today=date(2026, 1, 1))
    assert result.fields["date_of_birth"] == date(2025, 1, 1)
    assert result.fields["expiration_date"] == date(2035, 1, 1)
    later = parse(["P<UTOX<<Y" + "<" * 35, "L898902C36UTO3001019F3501012ZE184226B<<<<<<8"])
    assert later.fields["date_of_birth"] == date(1930, 1, 1)


def test_letters_in_digit_positions_and_digits_in_letter_positions_are_corrected() -> None:
    # What OCR engines do to OCR-B: O for 0 in dates, 0 for O in the country code.
    noisy = [
        "P<UT0ERIKSS0N<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C36UT074O8I22F12O4I59ZE184226B<<<<<1O",
    ]
    result = parse(noisy, today=TODAY)
    assert result.valid
    assert result.lines == TD3


def test_td1_document_code_may_end_in_a_digit() -> None:
    # US permanent resident cards: "C1". The first character is still corrected to a letter.
    lines = ["C1USA" + TD1[0][5:], TD1[1], TD1[2]]
    result = parse(lines, today=TODAY)
    assert result.fields["document_code"] == "C1"
    assert result.valid, result.checks
    misread = parse(["01USA" + TD1[0][5:], TD1[1], TD1[2]], today=TODAY)
    assert misread.fields["document_code"] == "O1"


def test_ambiguous_document_number_is_repaired_by_its_check_digit() -> None:
    # "L898902C3" read as "L8989O2C3": only the 0 reading satisfies check digit 6 and composite.
    noisy = [TD3[0], "L8989O2C36UTO7408122F1204159ZE184226B<<<<<10"]
    result = parse(noisy, today=TODAY)
    assert result.valid
    assert result.fields["document_number"] == "L898902C3"
    assert result.repaired == ["document_number"]


def test_k_between_fillers_is_a_filler() -> None:
    noisy = [TD3[0][:30] + "<<<K<<<<<<<<<<", TD3[1]]
    result = parse(noisy, today=TODAY)
    assert result.lines[0] == TD3[0]


def test_wrong_check_digit_is_reported_not_repaired() -> None:
    bad = [TD3[0], "L898902C37UTO7408122F1204159ZE184226B<<<<<10"]
    result = parse(bad, today=TODAY)
    assert not result.valid
    assert result.checks["document_number"] is False
    assert result.fields["document_number"] == "L898902C3"
    assert result.confidence["document_number"] < 0.5


def test_td1_long_document_number_uses_the_optional_field() -> None:
    lines = [
        "I<UTOD23145890<7349<<<<<<<<<<<",
        "3407127M9507122UTO<<<<<<<<<<<2",
        "STEVENSON<<PETER<JOHN<<<<<<<<<",
    ]
    result = parse(lines, today=TODAY)
    assert result.fields["document_number"] == "D23145890734"
    assert result.checks["document_number"]
    assert result.valid


def test_name_splitting() -> None:
    assert split_names("AL<KAABI<<ALI<HAMAD<ABDULLAH<<<<") == ("AL KAABI", "ALI HAMAD ABDULLAH")
    assert split_names("SPECIMEN<<<<<<<<<") == ("SPECIMEN", "")


def test_special_country_codes() -> None:
    assert normalise_country("D<<") == "DEU"
    assert normalise_country("UTO") == "UTO"
    assert normalise_country("XXA") == "XXA"
    assert normalise_country("GBD") == "GBD"
    assert normalise_country("QQQ") is None


def test_not_an_mrz_shape_raises() -> None:
    with pytest.raises(ValueError, match="not an MRZ shape"):
        parse(["P<UTOERIKSSON", "L898902C3"])


def test_ground_truth_verdicts_match_including_deliberately_invalid_specimens() -> None:
    truths = [t for t in load_mrz_truth() if t.check_digits_valid is not None]
    invalid = [t for t in truths if not t.check_digits_valid]
    assert len(truths) == 43 and len(invalid) == 9
    for truth in truths:
        result = parse(truth.lines, today=TODAY)
        assert result.type == truth.mrz_type, truth.image.name
        assert result.valid == truth.check_digits_valid, (truth.image.name, result.checks)
        assert result.repaired == [], truth.image.name
