"""Input models: one per request, `extra="forbid"` so an unknown parameter is a precise 400.

Values from forms arrive as strings; pydantic's lax mode turns "true" into True and "10" into 10.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, Self, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from api.errors import validation_error
from kyc import limits
from kyc.contracts import SimulatedOutcome
from kyc.db.pagination import PageRequest
from kyc.errors import InvalidRequest, UnknownParameter
from kyc.types import DocumentType

P = TypeVar("P", bound=BaseModel)

MetadataKey = Annotated[str, Field(max_length=limits.METADATA_KEY_LENGTH)]
Status = Literal["requires_input", "processing", "needs_review", "verified", "canceled"]
Metadata = Annotated[
    dict[MetadataKey, Annotated[str, Field(max_length=limits.METADATA_VALUE_LENGTH)]],
    Field(max_length=limits.METADATA_KEYS),
]


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # Paths `expand[]` may name on this request; anything else is refused like Stripe does.
    expandable: ClassVar[frozenset[str]] = frozenset()
    # Stripe parameters of this request that kycflow does not offer, with the reason: refused
    # as unknown (like any other name outside the model) with a message that says why.
    unsupported: ClassVar[dict[str, str]] = {}

    @model_validator(mode="before")
    @classmethod
    def _refuse_unsupported(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for name, reason in cls.unsupported.items():
                if name in data:
                    raise UnknownParameter(
                        f"Received unknown parameter: {name} ({reason}).", param=name
                    )
        return data

    @model_validator(mode="after")
    def _check_expand(self) -> Self:
        for i, path in enumerate(getattr(self, "expand", None) or []):
            if path not in self.expandable:
                raise InvalidRequest(
                    f"This property cannot be expanded ({path}).", param=f"expand[{i}]"
                )
        return self


def _flag(value: Any) -> Any:
    """A boolean: JSON true/false, or the strings "true"/"false" of the form encoding (never 0,
    1, "yes" or "on", which lax validation would take)."""
    if isinstance(value, bool) or value is None:
        return value
    if value in ("true", "false"):
        return value == "true"
    raise ValueError("must be true or false")


Flag = Annotated[bool, BeforeValidator(_flag)]


def _as_list(value: Any) -> Any:
    """`expand=x` (no brackets) means `expand[]=x`."""
    return [value] if isinstance(value, str) else value


Expand = Annotated[list[Annotated[str, Field(max_length=100)]], BeforeValidator(_as_list)]


def _reject_nul(value: Any, path: str) -> None:
    """NUL characters cannot be stored (PostgreSQL refuses them in text): refuse them here."""
    if isinstance(value, str) and "\x00" in value:
        raise InvalidRequest(f"Invalid {path}: NUL characters are not allowed.", param=path)
    if isinstance(value, dict):
        for key, item in value.items():
            _reject_nul(key, path)
            _reject_nul(item, f"{path}[{key}]" if path else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _reject_nul(item, f"{path}[{i}]")


def parse(model: type[P], params: dict[str, Any]) -> P:
    """Validate `params`, turning the first problem into a Stripe error naming the param."""
    _reject_nul(params, "")
    try:
        return model.model_validate(params)
    except ValidationError as exc:
        raise validation_error(list(exc.errors())) from None


class DocumentOptionsParams(Params):
    allowed_types: list[DocumentType] | None = Field(default=None, min_length=1)
    require_id_number: Flag | None = None

    @field_validator("require_id_number")
    @classmethod
    def _no_id_number_check(cls, value: bool | None) -> bool | None:
        # Refused rather than accepted and ignored: kycflow verifies documents, not ID numbers.
        if value:
            raise ValueError("ID number checks are not supported; set it to false or leave it out")
        return value

    require_live_capture: Flag | None = None
    require_matching_selfie: Flag | None = None


class ScreeningOptionsParams(Params):
    enabled: Flag | None = None


# A union with Literal[""] would put pydantic's union tags into the error's `param`: "" is
# turned into its meaning before validation instead, and documented in the schema here.
def _empty_is_unset(value: Any) -> Any:
    """Stripe's form encoding unsets an object by posting "" to it (`options[document]=`)."""
    return None if value == "" else value


def _empty_metadata(value: Any) -> Any:
    """`metadata=` (empty) on create: no metadata."""
    return {} if value == "" else value


def _or_empty(schema: dict[str, Any]) -> None:
    """The field's schema, with "" accepted as well."""
    options = schema.pop("anyOf", None)
    if options is None:
        kept = ("title", "description", "default")
        options = [{k: schema.pop(k) for k in list(schema) if k not in kept}]
    schema["anyOf"] = [*options, {"type": "string", "const": ""}]


class OptionsParams(Params):
    document: Annotated[DocumentOptionsParams | None, BeforeValidator(_empty_is_unset)] = Field(
        default=None, json_schema_extra=_or_empty
    )
    screening: ScreeningOptionsParams | None = None


SESSION_EXPANDABLE = frozenset({"verified_outputs", "last_verification_report"})
# Stripe's session parameters without a counterpart here (Stripe API 2026-10-28.endive).
NO_PROVIDED_DETAILS = "kycflow runs no email or phone checks"
SESSION_UNSUPPORTED = {
    "provided_details": NO_PROVIDED_DETAILS,
    "related_person": "kycflow has no connected accounts or persons",
    "verification_flow": "kycflow has no Dashboard verification flows: pass type and options",
}


def _document_only(value: Any) -> Any:
    if value == "id_number":
        raise ValueError("kycflow runs document checks only; id_number sessions are not offered")
    return value


SessionType = Annotated[Literal["document"], BeforeValidator(_document_only)]
# The platform's customer ids (Stripe's `cus_...` / `acct_...`), stored as given.
CustomerId = Annotated[str, Field(min_length=1, max_length=limits.OBJECT_ID_LENGTH)]


class SessionCreateParams(Params):
    expandable = SESSION_EXPANDABLE
    unsupported = SESSION_UNSUPPORTED
    type: SessionType = "document"
    options: OptionsParams | None = None
    metadata: Annotated[Metadata, BeforeValidator(_empty_metadata)] = Field(
        default_factory=dict, json_schema_extra=_or_empty
    )
    client_reference_id: str | None = Field(
        default=None, min_length=1, max_length=limits.CLIENT_REFERENCE_ID_LENGTH
    )
    return_url: str | None = Field(default=None, max_length=limits.URL_LENGTH)
    related_customer: CustomerId | None = None
    related_customer_account: CustomerId | None = None
    expand: Expand = Field(default_factory=list)

    @field_validator("return_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL")
        return value


class SessionUpdateParams(Params):
    expandable = SESSION_EXPANDABLE
    unsupported = {"provided_details": NO_PROVIDED_DETAILS}
    # `metadata=` (empty) removes every key, as on Stripe (`clears_metadata`).
    metadata: Metadata | None = Field(default=None, json_schema_extra=_or_empty)
    # Accepted only to answer precisely: options are fixed at creation, because the running
    # workflow received them as its input.
    options: dict[str, Any] | None = None
    type: SessionType | None = None
    expand: Expand = Field(default_factory=list)
    _clears_metadata: bool = PrivateAttr(default=False)

    @model_validator(mode="wrap")
    @classmethod
    def _empty_metadata_clears(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        clears = isinstance(data, dict) and data.get("metadata") == ""
        if clears:
            data = {k: v for k, v in data.items() if k != "metadata"}
        params = handler(data)
        params._clears_metadata = clears
        return params

    @property
    def clears_metadata(self) -> bool:
        return self._clears_metadata


class ExpandParams(Params):
    expand: Expand = Field(default_factory=list)


class SessionExpandParams(ExpandParams):
    expandable = SESSION_EXPANDABLE


class SessionSubmitParams(SessionExpandParams):
    simulate: SimulatedOutcome | None = Field(
        default=None,
        description="Test mode only (a live key gets parameter_unknown): the outcome to force "
        "instead of running the engines, through the same workflow, events and webhooks. "
        "No file needs to be uploaded first. `verified`; `needs_review` (an inconclusive face "
        "match, or without a selfie check a screening that could not run: waits for a "
        "reviewer); `screening_hit` (needs_review with reason screening_hit); or a "
        "`last_error.code` the session goes back to requires_input with. Selfie outcomes need "
        "options[document][require_matching_selfie]=true.",
    )


# Unix seconds up to the year 9999: a larger integer overflows the database's INTEGER column.
Timestamp = Annotated[int, Field(ge=0, le=253_402_300_799)]
ObjectId = Annotated[str, Field(max_length=limits.OBJECT_ID_LENGTH)]


class CreatedRange(Params):
    gt: Timestamp | None = None
    gte: Timestamp | None = None
    lt: Timestamp | None = None
    lte: Timestamp | None = None


def _exact_created(value: Any) -> Any:
    """`created=<ts>` means exactly that second: the same as gte and lte."""
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return {"gte": value, "lte": value}
    return value


class CursorParams(Params):
    limit: int = Field(default=10, ge=1, le=100)
    starting_after: ObjectId | None = None
    ending_before: ObjectId | None = None

    def page_request(self) -> PageRequest:
        created = getattr(self, "created", None)
        return PageRequest(
            limit=self.limit,
            starting_after=self.starting_after,
            ending_before=self.ending_before,
            created=created.model_dump(exclude_none=True) if created else {},
        )


class ListParams(CursorParams):
    created: Annotated[CreatedRange | None, BeforeValidator(_exact_created)] = None
    expand: Expand = Field(default_factory=list)


class SessionListParams(ListParams):
    expandable = SESSION_EXPANDABLE | {f"data.{path}" for path in SESSION_EXPANDABLE}
    status: Status | None = None
    client_reference_id: str | None = Field(
        default=None, max_length=limits.CLIENT_REFERENCE_ID_LENGTH
    )
    related_customer: ObjectId | None = None
    related_customer_account: ObjectId | None = None


class ReportListParams(ListParams):
    verification_session: ObjectId | None = None
    # A filter on the reports' sessions: kycflow's sessions are all of type document, so
    # `id_number` lists nothing (the type exists on Stripe).
    type: Literal["document", "id_number"] | None = None
    client_reference_id: str | None = Field(
        default=None, max_length=limits.CLIENT_REFERENCE_ID_LENGTH
    )


class EventListParams(ListParams):
    type: str | None = Field(default=None, max_length=limits.EVENT_TYPE_LENGTH)
    types: list[Annotated[str, Field(max_length=limits.EVENT_TYPE_LENGTH)]] | None = Field(
        default=None, max_length=20
    )

    @model_validator(mode="after")
    def _type_or_types(self) -> Self:
        if self.type and self.types:
            raise InvalidRequest("Pass at most one of type and types.", param="types")
        return self


class ReviewListParams(Params):
    limit: int = Field(default=10, ge=1, le=100)
    reason: str | None = Field(default=None, max_length=limits.ERROR_CODE_LENGTH)


class ReviewDecisionParams(Params):
    decision: Literal["approve", "reject", "request_resubmission"]
    reason: str | None = Field(
        default=None, min_length=1, max_length=limits.ERROR_CODE_LENGTH, pattern=r"^[a-z_]+$"
    )
    note: str | None = Field(default=None, max_length=limits.REVIEW_NOTE_LENGTH)
    # Per-hit verdicts; the workflow refuses keys that are not pending hits.
    screening_hits: dict[str, Literal["false_positive", "confirmed"]] = Field(
        default_factory=dict, max_length=limits.SCREENING_VERDICTS
    )


class WebhookEndpointParams(Params):
    url: str = Field(max_length=limits.URL_LENGTH)
    enabled_events: list[Annotated[str, Field(max_length=limits.EVENT_TYPE_LENGTH)]] = Field(
        min_length=1, max_length=limits.SCREENING_VERDICTS
    )
    # Accepted like Stripe's, not stored.
    description: str | None = Field(default=None, max_length=limits.URL_LENGTH)
    api_version: str | None = Field(default=None, max_length=limits.ERROR_CODE_LENGTH)
    expand: Expand = Field(default_factory=list)

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL")
        return value


class WebhookListParams(CursorParams):
    pass
