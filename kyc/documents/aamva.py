"""AAMVA DL/ID card design standard: the PDF417 payload of US and Canadian licences (versions 1-10).

Layout: a header (`@`, LF, RS, CR, `ANSI `, issuer id, AAMVA version, jurisdiction version,
number of entries), subfile designators (type, offset, length) and the subfiles, each a run of
elements `XXXvalue` separated by LF and ended by CR. Payloads met in the wild do not always keep
the offsets exact (or turn CR into LF), so subfiles are found by offset first and by their type
code otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from kyc.documents import id_numbers

# Issuer identification numbers of Canadian jurisdictions (dates there are CCYYMMDD). Only a
# fallback: the country element DCG, present from version 2 on, decides when it is there.
_CANADIAN_IINS = {
    "604426",  # Prince Edward Island
    "604428",  # Quebec
    "604429",  # Yukon
    "604430",  # Northwest Territories
    "604432",  # Alberta
    "636012",  # Ontario
    "636013",  # Nova Scotia
    "636016",  # Newfoundland and Labrador
    "636017",  # New Brunswick
    "636028",  # British Columbia
    "636044",  # Saskatchewan
    "636048",  # Manitoba
}

# AAMVA cards are issued in the US and Canada only: their address countries as Stripe spells them.
_ALPHA2 = {"USA": "US", "CAN": "CA"}
_HEADER = re.compile(rb"@[\r\n]+\x1e[\r\n]+(ANSI |AAMVA)(\d{6})(\d{2})")
_ELEMENT = re.compile(r"^[A-Z]{3}$")


class AamvaError(ValueError):
    """The payload is not an AAMVA DL/ID record."""


@dataclass
class AamvaRecord:
    """A parsed AAMVA payload: header values, every subfile's elements and normalised fields."""

    issuer_id: str
    aamva_version: int
    jurisdiction_version: str | None
    number_of_entries: int
    subfiles: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def document_subfile(self) -> str | None:
        """ "DL" (driver licence) or "ID" (identification card), whichever the payload carries."""
        for kind in ("DL", "ID"):
            if kind in self.subfiles:
                return kind
        return None

    @property
    def elements(self) -> dict[str, str]:
        """The data elements of the DL or ID subfile."""
        kind = self.document_subfile
        return self.subfiles.get(kind, {}) if kind else {}

    @property
    def is_canadian(self) -> bool:
        country = self.elements.get("DCG", "")
        if country:
            return country == "CAN"
        return self.issuer_id in _CANADIAN_IINS

    def date(self, element: str) -> date | None:
        """A date element as a date: MMDDCCYY in the US, CCYYMMDD in Canada."""
        return parse_date(self.elements.get(element, ""), canadian=self.is_canadian)

    def fields(self) -> dict[str, object]:
        """Normalised identity fields (names, number, ISO dates, sex, address and its parts,
        country, place of birth, an SSN's last 4 digits)."""
        e = self.elements
        surname = e.get("DCS") or e.get("DAB")
        given = " ".join(x for x in (e.get("DAC"), e.get("DAD")) if x and x != "NONE")
        if not given and e.get("DCT"):
            given = e["DCT"].replace(",", " ")
        if not surname and e.get("DAA"):
            # Version 1: full name "LAST,FIRST,MIDDLE" (or with spaces).
            parts = [p for p in re.split(r"[,$]", e["DAA"]) if p]
            surname, given = parts[0], " ".join(parts[1:])
        sex = {"1": "M", "2": "F", "9": "X", "M": "M", "F": "F", "X": "X"}.get(
            e.get("DBC", "").strip()
        )
        street = " ".join(x for x in (e.get("DAG"), e.get("DAH")) if x)
        city_line = " ".join(x for x in (e.get("DAI"), e.get("DAJ"), _postal(e.get("DAK"))) if x)
        country = e.get("DCG") or ("CAN" if self.is_canadian else "USA")
        id_number = id_numbers.from_aamva(e)
        return {
            "surname": _clean_name(surname),
            "given_names": _clean_name(given),
            "document_number": e.get("DAQ") or None,
            "date_of_birth": self.date("DBB"),
            "expiration_date": self.date("DBA"),
            "issue_date": self.date("DBD"),
            "sex": sex,
            "address": ", ".join(x for x in (street, city_line) if x) or None,
            "postal_address": {
                "line1": e.get("DAG") or None,
                "line2": e.get("DAH") or None,
                "city": e.get("DAI") or None,
                "state": e.get("DAJ") or None,
                "postal_code": _postal(e.get("DAK")),
                "country": _ALPHA2.get(country),
            }
            if street or city_line
            else None,
            "place_of_birth": _clean_name(e.get("DCI")),
            "sex_as_printed": e.get("DBC", "").strip() or None,
            "id_number": id_number[0] if id_number else None,
            "id_number_type": id_number[1] if id_number else None,
            "issuing_country": country,
            "jurisdiction": e.get("DAJ") or None,
            "document_type": "driving_license" if self.document_subfile == "DL" else "id_card",
        }


def _clean_name(value: str | None) -> str | None:
    if not value or value in ("NONE", "unavl"):
        return None
    return " ".join(value.split())


def _postal(value: str | None) -> str | None:
    """US ZIP+4 printed as 12345-6789 (zeros in the +4 mean none)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit() and len(value) == 9:
        return value[:5] if value[5:] == "0000" else f"{value[:5]}-{value[5:]}"
    return value


def parse_date(text: str, *, canadian: bool) -> date | None:
    """An AAMVA date: MMDDCCYY (US) or CCYYMMDD (Canada); the other order is tried if the
    expected one is not a date."""
    text = text.strip()
    if len(text) != 8 or not text.isdigit():
        return None
    orders = ("ymd", "mdy") if canadian else ("mdy", "ymd")
    for order in orders:
        if order == "mdy":
            m, d, y = int(text[:2]), int(text[2:4]), int(text[4:])
        else:
            y, m, d = int(text[:4]), int(text[4:6]), int(text[6:])
        try:
            return date(y, m, d)
        except ValueError:
            continue
    return None


def _split_elements(text: str) -> dict[str, str]:
    """Elements of one subfile body: `XXXvalue` separated by LF or CR, values right-trimmed."""
    out: dict[str, str] = {}
    for raw in re.split(r"[\n\r]+", text):
        code, value = raw[:3], raw[3:]
        if _ELEMENT.match(code) and code not in out:
            out[code] = value.rstrip()
    return out


def parse(payload: bytes | str) -> AamvaRecord:
    """Parse an AAMVA payload (raw barcode bytes); raises AamvaError when it is not one."""
    data = payload.encode("latin-1") if isinstance(payload, str) else payload
    m = _HEADER.search(data[:64])
    if not m:
        raise AamvaError("no AAMVA header (@ LF RS CR ANSI ...)")
    issuer = m.group(2).decode()
    version = int(m.group(3))
    pos = m.end()
    jurisdiction_version = None
    if version >= 2:
        jurisdiction_version = data[pos : pos + 2].decode("latin-1")
        pos += 2
    try:
        entries = int(data[pos : pos + 2])
    except ValueError as exc:
        raise AamvaError("unreadable number of entries in the AAMVA header") from exc
    pos += 2
    designators: list[tuple[str, int, int]] = []
    for _ in range(entries):
        chunk = data[pos : pos + 10].decode("latin-1")
        if len(chunk) < 10 or not chunk[2:].isdigit():
            break
        designators.append((chunk[:2], int(chunk[2:6]), int(chunk[6:10])))
        pos += 10
    record = AamvaRecord(issuer, version, jurisdiction_version, entries)
    text = data.decode("latin-1")
    starts: list[tuple[int, str]] = []
    for kind, offset, _length in designators:
        if text[offset : offset + 2] == kind:
            starts.append((offset, kind))
            continue
        # Offsets are not always exact: find the subfile by its type and a first element code.
        found = re.compile(re.escape(kind) + r"(?=[A-Z]{3})").search(text, pos)
        if found:
            starts.append((found.start(), kind))
    if not starts and designators:
        raise AamvaError("AAMVA subfiles not found where the header says")
    starts.sort()
    for i, (start, kind) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(text)
        body = text[start + 2 : end]
        # Jurisdiction subfiles (Z?) may hold binary-looking data; their elements are kept as is.
        record.subfiles[kind] = _split_elements(body)
    return record
