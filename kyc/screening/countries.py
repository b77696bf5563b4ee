"""Country codes from the names, codes and demonyms that lists and queries use."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from kyc.screening.countries_table import ISO_NAMES

# Spellings used by OFAC, the UN, the CSL and nationality fields, beyond the ISO short names.
ALIASES: dict[str, str] = {
    "united states of america": "US",
    "usa": "US",
    "american": "US",
    "united kingdom": "GB",
    "uk": "GB",
    "great britain": "GB",
    "british": "GB",
    "united kingdom of great britain and northern ireland": "GB",
    "south korea": "KR",
    "korea south": "KR",
    "republic of korea": "KR",
    "korea republic of": "KR",
    "korean": "KR",
    "north korea": "KP",
    "korea north": "KP",
    "democratic people s republic of korea": "KP",
    "korea democratic people s republic of": "KP",
    "dprk": "KP",
    "north korean": "KP",
    "russian federation": "RU",
    "russian": "RU",
    "iran islamic republic of": "IR",
    "islamic republic of iran": "IR",
    "iranian": "IR",
    "syrian arab republic": "SY",
    "syrian": "SY",
    "democratic republic of the congo": "CD",
    "congo democratic republic of the": "CD",
    "drc": "CD",
    "congo dem rep": "CD",
    "republic of the congo": "CG",
    "congo": "CG",
    "congo rep": "CG",
    "ivory coast": "CI",
    "cote d ivoire": "CI",
    "lao people s democratic republic": "LA",
    "laos": "LA",
    "viet nam": "VN",
    "vietnamese": "VN",
    "burma": "MM",
    "myanmar": "MM",
    "swaziland": "SZ",
    "eswatini": "SZ",
    "czechia": "CZ",
    "czech": "CZ",
    "turkiye": "TR",
    "turkish": "TR",
    "bolivia plurinational state of": "BO",
    "venezuela bolivarian republic of": "VE",
    "venezuelan": "VE",
    "tanzania united republic of": "TZ",
    "united republic of tanzania": "TZ",
    "republic of moldova": "MD",
    "state of palestine": "PS",
    "palestinian": "PS",
    "occupied palestinian territory": "PS",
    "holy see": "VA",
    "micronesia federated states of": "FM",
    "brunei darussalam": "BN",
    "cabo verde": "CV",
    "the former yugoslav republic of macedonia": "MK",
    "macedonia": "MK",
    "taiwan province of china": "TW",
    "chinese taipei": "TW",
    "hong kong sar": "HK",
    "macao": "MO",
    "macau": "MO",
    "gambia the": "GM",
    "bahamas the": "BS",
    "afghan": "AF",
    "iraqi": "IQ",
    "libyan": "LY",
    "yemeni": "YE",
    "somali": "SO",
    "sudanese": "SD",
    "pakistani": "PK",
    "indian": "IN",
    "chinese": "CN",
    "saudi": "SA",
    "egyptian": "EG",
    "tunisian": "TN",
    "algerian": "DZ",
    "moroccan": "MA",
    "jordanian": "JO",
    "lebanese": "LB",
    "kuwaiti": "KW",
    "qatari": "QA",
    "emirati": "AE",
    "indonesian": "ID",
    "filipino": "PH",
    "malaysian": "MY",
    "german": "DE",
    "french": "FR",
    "italian": "IT",
    "spanish": "ES",
    "mexican": "MX",
    "colombian": "CO",
    "cuban": "CU",
    "ukrainian": "UA",
    "belarusian": "BY",
    "japanese": "JP",
    "nigerian": "NG",
    "kenyan": "KE",
    "ethiopian": "ET",
    "eritrean": "ER",
    "malian": "ML",
    "rwandan": "RW",
    "ugandan": "UG",
    "haitian": "HT",
    "nicaraguan": "NI",
    "bosnian": "BA",
    "serbian": "RS",
    "kosovar": "XK",
    "kosovo": "XK",
    "netherlands the": "NL",
    "dutch": "NL",
    "swiss": "CH",
    "turkmen": "TM",
    "uzbek": "UZ",
    "tajik": "TJ",
    "kyrgyz": "KG",
    "kazakh": "KZ",
    "azerbaijani": "AZ",
    "georgian": "GE",
    "armenian": "AM",
    "bangladeshi": "BD",
    "nepalese": "NP",
    "sri lankan": "LK",
    "israeli": "IL",
    "greek": "GR",
    "polish": "PL",
    "canadian": "CA",
    "australian": "AU",
    "brazilian": "BR",
    "argentine": "AR",
    "chilean": "CL",
    "peruvian": "PE",
    "central african republic": "CF",
    "south sudan": "SS",
    "trinidad and tobago": "TT",
    "bosnia and herzegovina": "BA",
    "saint kitts and nevis": "KN",
    "united arab emirates": "AE",
    "uae": "AE",
}


def _key(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.findall(r"[a-z0-9]+", ascii_only))


@lru_cache(maxsize=1)
def _lookup() -> dict[str, str]:
    table = {_key(name): code for code, name in ISO_NAMES.items()}
    for code, name in ISO_NAMES.items():
        # "Korea (South)" -> also "korea south"; "Britain (UK)" -> "britain"
        table.setdefault(_key(name.split("(")[0]), code)
    table.update({_key(alias): code for alias, code in ALIASES.items()})
    return table


def country_code(text: str | None) -> str | None:
    """The ISO 3166-1 alpha-2 code for a code, name or demonym; None when unknown."""
    if not text:
        return None
    stripped = text.strip()
    if len(stripped) == 2 and stripped.isalpha():
        code = stripped.upper()
        return code if code in ISO_NAMES or code == "XK" else None
    return _lookup().get(_key(stripped))
