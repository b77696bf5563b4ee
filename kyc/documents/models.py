"""Results of document extraction. Pydantic and stdlib only: these cross into workflows."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

DocumentType = Literal["passport", "id_card", "driving_license"]
FieldOrigin = Literal["mrz", "barcode", "printed"]
_ALL_TYPES: tuple[DocumentType, ...] = ("passport", "id_card", "driving_license")


# The fields every reader must get right: compared by the accuracy floors and the bench, and
# printed by `kyc extract`.
KEY_FIELDS = (
    "surname",
    "given_names",
    "document_number",
    "nationality",
    "date_of_birth",
    "expiration_date",
    "sex",
)


class FieldSource(BaseModel):
    """Where one extracted field came from and how sure we are (0..1)."""

    source: FieldOrigin
    confidence: float = Field(ge=0.0, le=1.0)


IdNumberType = Literal["br_cpf", "sg_nric", "us_ssn"]  # Stripe's `id_number_type` values


class PostalAddress(BaseModel):
    """The holder's address in Stripe's shape; `country` is ISO alpha-2, as Stripe's is."""

    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None


class DocumentFields(BaseModel):
    """The identity printed on the document, normalised (dates as dates, countries ISO alpha-3).

    `address` is the one-line form (reviewers, screening); `postal_address` its parts where the
    source has them (AAMVA elements, a printed US address). `sex_as_printed` is the raw value
    the sex came from (an AAMVA code, an MRZ letter): Stripe's `unparsed_sex`.
    """

    surname: str | None = None
    given_names: str | None = None
    document_number: str | None = None
    nationality: str | None = None
    issuing_country: str | None = None
    date_of_birth: date | None = None
    expiration_date: date | None = None
    sex: Literal["M", "F", "X"] | None = None
    address: str | None = None
    postal_address: PostalAddress | None = None
    issue_date: date | None = None
    place_of_birth: str | None = None
    sex_as_printed: str | None = None
    # A national id number the document carries beside its own number (a CPF, an NRIC, an SSN
    # element), only when its check digits pass; an SSN keeps its last 4 digits, as Stripe's.
    id_number: str | None = None
    id_number_type: IdNumberType | None = None

    @property
    def full_name(self) -> str:
        """Given names then surname: the name screened and keyed for this identity."""
        return " ".join(p for p in (self.given_names, self.surname) if p)


class MrzReading(BaseModel):
    """An MRZ as read: its format, the corrected lines and each check digit's verdict."""

    type: Literal["TD1", "TD2", "TD3", "MRVA", "MRVB"]
    lines: list[str]
    valid: bool
    checks: dict[str, bool] = Field(default_factory=dict)


class DocumentRuleCheck(BaseModel):
    """One document rule (expiry, minimum age, allowed type, check digits, cross-check)."""

    name: str
    passed: bool
    code: str | None = None  # the public error code when it did not pass
    reason: str = ""


class DocumentRules(BaseModel):
    """What the platform accepts. `today` is passed in so checks are deterministic in workflows."""

    today: date
    minimum_age: int = 18
    allowed_types: list[DocumentType] = Field(default_factory=lambda: list(_ALL_TYPES))


class DocumentCheck(BaseModel):
    """Outcome of `extract`: verified when every rule passed, else the first failing code."""

    status: Literal["verified", "unverified"]
    error_code: str | None = None
    error_reason: str | None = None
    document_type: DocumentType | None = None
    issuing_country: str | None = None
    fields: DocumentFields = Field(default_factory=DocumentFields)
    field_sources: dict[str, FieldSource] = Field(default_factory=dict)
    mrz: MrzReading | None = None
    barcode: dict[str, str] | None = None
    checks: list[DocumentRuleCheck] = Field(default_factory=list)
    engine: str | None = None
