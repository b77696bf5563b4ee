"""Document extraction: MRZ, PDF417/AAMVA and printed fields merged, cross-checked and judged.

Precedence when sources disagree: an MRZ whose check digits pass, then the AAMVA barcode (both
machine-readable and error-protected), then an MRZ with failing checks, then printed text. The
document rules run in a fixed order and the first failure gives the session its error code:
expiry, minimum age, allowed type, check digits, cross-check.
"""

from __future__ import annotations

import difflib
import logging
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from kyc.documents import aamva, id_numbers
from kyc.documents.models import (
    DocumentCheck,
    DocumentFields,
    DocumentRuleCheck,
    DocumentRules,
    DocumentType,
    FieldSource,
)
from kyc.errors import DocumentUnreadable

if TYPE_CHECKING:
    import numpy as np

    from kyc.documents.mrz_locate import MrzCandidate
    from kyc.documents.ocr import TextLine
    from kyc.documents.printed import PrintedFields

log = logging.getLogger(__name__)

_FIELDS = (
    "surname",
    "given_names",
    "document_number",
    "nationality",
    "issuing_country",
    "date_of_birth",
    "expiration_date",
    "sex",
    "address",
    "postal_address",
    "issue_date",
    "place_of_birth",
    "id_number",
)
# Taken from the layer that gave the field before them, never from another source.
_COMPANIONS = {"sex": "sex_as_printed", "id_number": "id_number_type"}
# An MRZ is used only if at least this share of its checks pass (else it is noise, not an MRZ);
# a third keeps specimens printed with several wrong digits (reported invalid, not unreadable).
_MIN_MRZ_CHECK_SHARE = 0.33


@dataclass
class Sources:
    """What each reader found on the front and back (kept for the CLI and the bench)."""

    mrz: MrzCandidate | None = None
    barcode: aamva.AamvaRecord | None = None
    barcode_error: str | None = None
    printed: PrintedFields | None = None
    page_text: str = ""  # the front's visual-zone text, upper case (for cross-checks)
    timings_ms: dict[str, float] = field(default_factory=dict)


def _document_type_from_mrz(code: str) -> DocumentType | None:
    first = code[:1]
    if first == "P":
        return "passport"
    if first in ("I", "A", "C"):
        return "id_card"
    return None  # V: visas are not identity documents


def read_sources(
    front: np.ndarray, back: np.ndarray | None, *, engine: str, today: date
) -> Sources:
    """Run every reader that applies: MRZ on both sides, PDF417 on the back (or the front when
    nothing else was found there), printed fields on the front."""
    import time

    from kyc.documents.mrz_locate import read_mrz
    from kyc.documents.ocr import get_engine
    from kyc.documents.pdf417 import decode_pdf417, join_segments
    from kyc.documents.printed import read_printed

    ocr = get_engine(engine)
    src = Sources()
    t0 = time.perf_counter()
    front_mrz, front_lines = read_mrz(front, ocr, today=today)
    src.timings_ms["front_ocr"] = round((time.perf_counter() - t0) * 1000, 1)
    src.mrz = _usable(front_mrz)

    barcode_images = [back] if back is not None else []
    if src.mrz is None and back is None:
        barcode_images.append(front)  # a licence back may be sent as the only image
    t0 = time.perf_counter()
    for img in barcode_images:
        payload = join_segments(decode_pdf417(img))
        if payload is None:
            continue
        try:
            src.barcode = aamva.parse(payload)
            break
        except aamva.AamvaError as exc:
            src.barcode_error = str(exc)
    src.timings_ms["barcode"] = round((time.perf_counter() - t0) * 1000, 1)

    if back is not None and src.mrz is None and src.barcode is None:
        # ID cards (TD1) carry their MRZ on the back.
        t0 = time.perf_counter()
        back_mrz, _ = read_mrz(back, ocr, today=today)
        src.mrz = _usable(back_mrz)
        src.timings_ms["back_ocr"] = round((time.perf_counter() - t0) * 1000, 1)

    visual = _non_mrz_lines(front_lines)
    src.printed = read_printed(visual)
    src.page_text = " ".join(t.text for t in visual).upper()
    return src


def _usable(candidate: MrzCandidate | None) -> MrzCandidate | None:
    if candidate is None:
        return None
    checks = candidate.result.checks
    share = sum(checks.values()) / max(len(checks), 1)
    return candidate if share >= _MIN_MRZ_CHECK_SHARE else None


def _non_mrz_lines(lines: list[TextLine]) -> list[TextLine]:
    return [t for t in lines if t.text.count("<") < 2]


def _merge(src: Sources) -> tuple[dict[str, Any], dict[str, FieldSource]]:
    """Fields by precedence: valid MRZ > barcode > invalid MRZ > printed."""
    layers: list[tuple[str, dict[str, Any], dict[str, float]]] = []
    mrz = src.mrz.result if src.mrz else None
    if mrz is not None and mrz.valid:
        layers.append(("mrz", id_numbers.with_mrz_id_number(mrz.fields), mrz.confidence))
    if src.barcode is not None:
        bfields = src.barcode.fields()
        layers.append(("barcode", bfields, dict.fromkeys(bfields, 0.97)))
    if mrz is not None and not mrz.valid:
        layers.append(("mrz", id_numbers.with_mrz_id_number(mrz.fields), mrz.confidence))
    if src.printed is not None:
        layers.append(("printed", dict(src.printed.values), src.printed.confidence))
    values: dict[str, Any] = {}
    sources: dict[str, FieldSource] = {}
    for origin, vals, conf in layers:
        for name in _FIELDS:
            value = vals.get(name)
            if name in values or value in (None, ""):
                continue
            values[name] = value
            if name in _COMPANIONS:
                values[_COMPANIONS[name]] = vals.get(_COMPANIONS[name])
            if name == "sex" and not values.get("sex_as_printed"):
                values["sex_as_printed"] = value  # an MRZ or printed letter is as printed
            sources[name] = FieldSource(
                source=origin,  # type: ignore[arg-type]
                confidence=max(0.0, min(1.0, float(conf.get(name, 0.5)))),
            )
    if "issuing_country" not in values and src.printed and src.printed.country_hint:
        values["issuing_country"] = src.printed.country_hint
        sources["issuing_country"] = FieldSource(source="printed", confidence=0.5)
    return values, sources


def _same_name(a: str, b: str) -> bool:
    """Names agree when one contains the other or they are close (OCR slips, transliteration)."""
    x = "".join(ch for ch in a.upper() if ch.isalpha())
    y = "".join(ch for ch in b.upper() if ch.isalpha())
    if not x or not y:
        return True
    if x in y or y in x:
        return True
    return difflib.SequenceMatcher(None, x, y).ratio() >= 0.75


def _printed_somewhere(name: str, page_text: str) -> bool:
    """Whether every part of `name` (3+ letters) is printed on the page, allowing OCR slips."""
    words = ["".join(ch for ch in w if ch.isalpha()) for w in page_text.replace("-", " ").split()]
    for part in name.upper().split():
        if len(part) < 3:
            continue
        if not any(w and difflib.SequenceMatcher(None, part, w).ratio() >= 0.8 for w in words):
            return False
    return bool(name.strip())


def cross_check(src: Sources) -> list[str]:
    """Disagreements between machine-readable data and the printed front (reasons, no values)."""
    problems: list[str] = []
    printed = src.printed.values if src.printed else {}
    pconf = src.printed.confidence if src.printed else {}
    machine: list[tuple[str, dict[str, Any]]] = []
    if src.mrz is not None and src.mrz.result.valid:
        machine.append(("MRZ", src.mrz.result.fields))
    if src.barcode is not None:
        machine.append(("barcode", src.barcode.fields()))
    for label, fields in machine:
        for name in ("surname", "given_names"):
            a, b = fields.get(name), printed.get(name)
            # A caption can be misattributed on unfamiliar layouts, so a differing printed
            # name counts only if the machine-readable name is printed nowhere else either.
            if (
                a
                and b
                and pconf.get(name, 0) >= 0.6
                and not _same_name(str(a), str(b))
                and not _printed_somewhere(str(a), src.page_text)
            ):
                problems.append(f"{name} on the {label} differs from the printed {name}")
        for name in ("date_of_birth",):
            a, b = fields.get(name), printed.get(name)
            # Only labelled dates (confidence >= 0.6) are compared; inferred ones may be wrong.
            if a and b and pconf.get(name, 0) >= 0.6 and a != b:
                problems.append(f"{name} on the {label} differs from the printed {name}")
        a, b = fields.get("document_number"), printed.get("document_number")
        same_number = str(a).replace("-", "").replace(" ", "") == str(b).replace("-", "")
        if (
            label == "barcode"
            and a
            and b
            and pconf.get("document_number", 0) >= 0.6
            and not same_number
        ):
            problems.append("document number on the barcode differs from the printed one")
    if src.mrz is not None and src.barcode is not None and src.mrz.result.valid:
        m, b = src.mrz.result.fields, src.barcode.fields()
        if m.get("date_of_birth") != b.get("date_of_birth"):
            problems.append("date of birth on the MRZ differs from the barcode")
    return problems


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def evaluate_rules(
    fields: DocumentFields,
    document_type: DocumentType | None,
    src: Sources,
    rules: DocumentRules,
) -> list[DocumentRuleCheck]:
    """Every document rule, in the order whose first failure decides the error code."""
    checks: list[DocumentRuleCheck] = []
    exp = fields.expiration_date
    if exp is None:
        checks.append(
            DocumentRuleCheck(
                name="expiry",
                passed=False,
                code="document_unverified_other",
                reason="the expiry date could not be read",
            )
        )
    else:
        ok = exp >= rules.today
        checks.append(
            DocumentRuleCheck(
                name="expiry",
                passed=ok,
                code=None if ok else "document_expired",
                reason="" if ok else f"the document expired on {exp.isoformat()}",
            )
        )
    born = fields.date_of_birth
    if born is None:
        checks.append(
            DocumentRuleCheck(
                name="minimum_age",
                passed=False,
                code="document_unverified_other",
                reason="the date of birth could not be read",
            )
        )
    else:
        ok = _age(born, rules.today) >= rules.minimum_age
        checks.append(
            DocumentRuleCheck(
                name="minimum_age",
                passed=ok,
                code=None if ok else "under_supported_age",
                reason="" if ok else f"the holder is younger than {rules.minimum_age}",
            )
        )
    ok = document_type is not None and document_type in rules.allowed_types
    checks.append(
        DocumentRuleCheck(
            name="document_type",
            passed=ok,
            code=None if ok else "document_type_not_supported",
            reason=""
            if ok
            else f"document type {document_type or 'unknown (e.g. a visa)'} is not accepted",
        )
    )
    if src.mrz is not None:
        res = src.mrz.result
        failed = [name for name, passed in res.checks.items() if not passed]
        checks.append(
            DocumentRuleCheck(
                name="check_digits",
                passed=not failed,
                code="document_unverified_other" if failed else None,
                reason=f"MRZ checks failed: {', '.join(failed)}" if failed else "",
            )
        )
    problems = cross_check(src)
    checks.append(
        DocumentRuleCheck(
            name="cross_check",
            passed=not problems,
            code="document_unverified_other" if problems else None,
            reason="; ".join(problems),
        )
    )
    return checks


def build_check(src: Sources, *, rules: DocumentRules, engine: str) -> DocumentCheck:
    """Merge the sources into a `DocumentCheck`; raises DocumentUnreadable when nothing usable."""
    values, sources = _merge(src)
    usable_printed = sum(
        1 for k in ("surname", "date_of_birth", "document_number", "expiration_date") if k in values
    )
    if src.mrz is None and src.barcode is None and usable_printed < 2:
        raise DocumentUnreadable(
            "No machine-readable zone, barcode or readable printed fields were found: "
            "photograph the whole document, flat and in focus.",
            param="document",
        )
    document_type: DocumentType | None = None
    if src.mrz is not None:
        document_type = _document_type_from_mrz(str(src.mrz.result.fields["document_code"]))
    elif src.barcode is not None:
        document_type = "driving_license" if src.barcode.document_subfile == "DL" else "id_card"
    elif src.printed is not None and src.printed.document_hint:
        document_type = src.printed.document_hint  # type: ignore[assignment]
    fields = DocumentFields(**{k: v for k, v in values.items() if k in DocumentFields.model_fields})
    checks = evaluate_rules(fields, document_type, src, rules)
    first = next((c for c in checks if not c.passed), None)
    barcode = None
    if src.barcode is not None:
        barcode = {
            "issuer_id": src.barcode.issuer_id,
            "aamva_version": str(src.barcode.aamva_version),
            "subfile": src.barcode.document_subfile or "",
            **src.barcode.elements,
        }
    return DocumentCheck(
        status="verified" if first is None else "unverified",
        error_code=first.code if first else None,
        error_reason=first.reason if first else None,
        document_type=document_type,
        issuing_country=fields.issuing_country,
        fields=fields,
        field_sources=sources,
        mrz=src.mrz.result.to_reading() if src.mrz else None,
        barcode=barcode,
        checks=checks,
        engine=engine,
    )


def extract_document(
    front: np.ndarray,
    back: np.ndarray | None,
    *,
    rules: DocumentRules,
    engine: str = "rapidocr",
) -> DocumentCheck:
    """Read a document (front and optional back, BGR arrays) and judge it against `rules`.

    Returns status "verified" when every rule passes, else "unverified" with the first failing
    rule's code; raises DocumentUnreadable when no MRZ, barcode or printed fields were found.
    """
    src = read_sources(front, back, engine=engine, today=rules.today)
    check = build_check(src, rules=rules, engine=engine)
    log.info(
        "document extracted",
        extra={
            "document_type": check.document_type,
            "status": check.status,
            "error_code": check.error_code,
            "engine": engine,
        },
    )
    return check
