"""ICAO 9303 country codes: ISO 3166-1 alpha-3 plus the codes only travel documents use."""

from __future__ import annotations

# ISO 3166-1 alpha-3 (officially assigned codes).
ISO_ALPHA3 = frozenset(
    """
    ABW AFG AGO AIA ALA ALB AND ARE ARG ARM ASM ATA ATF ATG AUS AUT AZE BDI BEL BEN BES BFA
    BGD BGR BHR BHS BIH BLM BLR BLZ BMU BOL BRA BRB BRN BTN BVT BWA CAF CAN CCK CHE CHL CHN
    CIV CMR COD COG COK COL COM CPV CRI CUB CUW CXR CYM CYP CZE DEU DJI DMA DNK DOM DZA ECU
    EGY ERI ESH ESP EST ETH FIN FJI FLK FRA FRO FSM GAB GBR GEO GGY GHA GIB GIN GLP GMB GNB
    GNQ GRC GRD GRL GTM GUF GUM GUY HKG HMD HND HRV HTI HUN IDN IMN IND IOT IRL IRN IRQ ISL
    ISR ITA JAM JEY JOR JPN KAZ KEN KGZ KHM KIR KNA KOR KWT LAO LBN LBR LBY LCA LIE LKA LSO
    LTU LUX LVA MAC MAF MAR MCO MDA MDG MDV MEX MHL MKD MLI MLT MMR MNE MNG MNP MOZ MRT MSR
    MTQ MUS MWI MYS MYT NAM NCL NER NFK NGA NIC NIU NLD NOR NPL NRU NZL OMN PAK PAN PCN PER
    PHL PLW PNG POL PRI PRK PRT PRY PSE PYF QAT REU ROU RUS RWA SAU SDN SEN SGP SGS SHN SJM
    SLB SLE SLV SMR SOM SPM SRB SSD STP SUR SVK SVN SWE SWZ SXM SYC SYR TCA TCD TGO THA TJK
    TKL TKM TLS TON TTO TUN TUR TUV TWN TZA UGA UKR UMI URY USA UZB VAT VCT VEN VGB VIR VNM
    VUT WLF WSM YEM ZAF ZMB ZWE
    """.split()  # noqa: SIM905 - a table reads better than 249 quoted strings
)

# Codes ICAO Doc 9303 part 3 adds for travel documents (nationality or issuer).
ICAO_SPECIAL = {
    "D": "DEU",  # Germany writes D<< instead of DEU
    "GBD": "GBD",  # British Overseas Territories Citizen
    "GBN": "GBN",  # British National (Overseas)
    "GBO": "GBO",  # British Overseas Citizen
    "GBP": "GBP",  # British Protected Person
    "GBS": "GBS",  # British Subject
    "EUE": "EUE",  # European Union
    "UNO": "UNO",  # United Nations Organization official
    "UNA": "UNA",  # United Nations specialized agency official
    "UNK": "UNK",  # UN interim administration in Kosovo
    "RKS": "RKS",  # Kosovo
    "XBA": "XBA",  # African Development Bank
    "XIM": "XIM",  # African Export-Import Bank
    "XCC": "XCC",  # Caribbean Community
    "XCE": "XCE",  # Council of Europe
    "XCO": "XCO",  # Common Market for Eastern and Southern Africa
    "XEC": "XEC",  # Economic Community of West African States
    "XPO": "XPO",  # Interpol
    "XES": "XES",  # Organisation of Eastern Caribbean States
    "XMP": "XMP",  # Parliamentary Assembly of the Mediterranean
    "XOM": "XOM",  # Sovereign Military Order of Malta
    "XDC": "XDC",  # Southern African Development Community
    "XXA": "XXA",  # stateless person (1954 Convention)
    "XXB": "XXB",  # refugee (1951 Convention)
    "XXC": "XXC",  # refugee (other)
    "XXX": "XXX",  # unspecified nationality
    "UTO": "UTO",  # Utopia, ICAO's specimen state
    "INP": "INP",  # Interpol travel documents (as printed on its specimens)
    "ZIM": "ZWE",  # older Zimbabwe documents
}


def normalise_country(code: str) -> str | None:
    """The ISO/ICAO alpha-3 code for an MRZ country field (fillers stripped), or None if unknown."""
    code = code.replace("<", "").strip().upper()
    if code in ICAO_SPECIAL:
        return ICAO_SPECIAL[code]
    if code in ISO_ALPHA3:
        return code
    return None


def is_known_country(code: str) -> bool:
    """Whether an MRZ country field names a state or organisation ICAO knows."""
    return normalise_country(code) is not None
