"""Stripe's parameter and field lists of VerificationSession and VerificationReport, walked.

Every parameter is honoured (a test checks its effect) or refused with Stripe's error (400,
`parameter_unknown` / `parameter_invalid`), never accepted and ignored; every field of both
objects is in our JSON, possibly null (a field under a null parent counts as present).

Source of the lists: stripe-python 16.1.0, API version 2026-10-28.endive, generated from
Stripe's OpenAPI spec (github.com/stripe/openapi): `stripe/params/identity/
_verification_session_{create,modify,list,retrieve,cancel,redact}_params.py`,
`_verification_report_{list,retrieve}_params.py`, and the objects in
`stripe/identity/_verification_session.py` and `_verification_report.py`.
`test_the_lists_are_the_sdks` compares them with the installed SDK, so a parameter Stripe adds
fails here until it is classified.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, get_args, get_origin

import httpx
import pytest
import stripe
import stripe.identity
import stripe.params.identity as stripe_params
from stripe._request_options import RequestOptions

from tests.api.api_helpers import SESSIONS, Tenant, create_session
from tests.api.stripe_flows import REPORTS, licence_session

STRIPE_PYTHON = "16.1.0"
HONOURED = "honoured"  # its effect is checked in this file or tests/api/test_api_stripe_params.py
UNKNOWN = "parameter_unknown"  # refused: no counterpart in kycflow
INVALID = "parameter_invalid"  # refused: known, but kycflow cannot do what it asks

CREATE = {
    "client_reference_id": HONOURED,
    "expand": HONOURED,
    "metadata": HONOURED,
    "options[document][allowed_types]": HONOURED,
    "options[document][require_id_number]": HONOURED,  # false; true is refused (parameter_invalid)
    "options[document][require_live_capture]": HONOURED,
    "options[document][require_matching_selfie]": HONOURED,
    "provided_details[email]": UNKNOWN,  # no email or phone checks
    "provided_details[phone]": UNKNOWN,
    "related_customer": HONOURED,
    "related_customer_account": HONOURED,
    "related_person[account]": UNKNOWN,  # no connected accounts
    "related_person[person]": UNKNOWN,
    "return_url": HONOURED,
    "type": HONOURED,  # document; id_number is refused (parameter_invalid)
    "verification_flow": UNKNOWN,  # no Dashboard flows
}
UPDATE = {
    "expand": HONOURED,
    "metadata": HONOURED,
    # Fixed at creation: the running workflow took them as its input.
    "options[document][allowed_types]": INVALID,
    "options[document][require_id_number]": INVALID,
    "options[document][require_live_capture]": INVALID,
    "options[document][require_matching_selfie]": INVALID,
    "provided_details[email]": UNKNOWN,
    "provided_details[phone]": UNKNOWN,
    "type": HONOURED,  # document (unchanged); id_number refused
}
LIST_PAGING = ["created[gt]", "created[gte]", "created[lt]", "created[lte]", "ending_before"]
LIST_PAGING += ["expand", "limit", "starting_after"]
SESSION_FILTERS = ["client_reference_id", "related_customer", "related_customer_account", "status"]
SESSION_LIST = dict.fromkeys([*LIST_PAGING, *SESSION_FILTERS], HONOURED)
REPORT_LIST = dict.fromkeys(
    [*LIST_PAGING, "client_reference_id", "type", "verification_session"], HONOURED
)
EXPAND_ONLY = {"expand": HONOURED}
PARAMETERS = {
    "VerificationSessionCreateParams": CREATE,
    "VerificationSessionModifyParams": UPDATE,
    "VerificationSessionListParams": SESSION_LIST,
    "VerificationSessionRetrieveParams": EXPAND_ONLY,
    "VerificationSessionCancelParams": EXPAND_ONLY,
    "VerificationSessionRedactParams": EXPAND_ONLY,
    "VerificationReportListParams": REPORT_LIST,
    "VerificationReportRetrieveParams": EXPAND_ONLY,
}


def _paths(prefix: str, names: str) -> list[str]:
    """Dotted paths of space-separated `names` under `prefix` ("" for the top level)."""
    return [f"{prefix}.{name}" if prefix else name for name in names.split()]


DATE, ERROR = "day month year", "code reason"
ADDRESS = "city country line1 line2 postal_code state"
DOCUMENT_OPTIONS = "allowed_types require_id_number require_live_capture require_matching_selfie"
SESSION_FIELDS = {
    *_paths("", "client_reference_id client_secret created id last_error last_verification_report"),
    *_paths("", "livemode metadata object options provided_details redaction related_customer"),
    *_paths("", "related_customer_account related_person status type url verification_flow"),
    "verified_outputs",
    *_paths("last_error", ERROR),
    *_paths("options", "document email id_number matching phone"),
    *_paths("options.document", DOCUMENT_OPTIONS),
    *_paths("options.email", "require_verification"),
    *_paths("options.matching", "dob name"),
    *_paths("options.phone", "require_verification"),
    *_paths("provided_details", "email phone"),
    "redaction.status",
    *_paths("related_person", "account person"),
    *_paths("verified_outputs", "address dob email first_name id_number id_number_type"),
    *_paths("verified_outputs", "last_name phone sex unparsed_place_of_birth unparsed_sex"),
    *_paths("verified_outputs.address", ADDRESS),
    *_paths("verified_outputs.dob", DATE),
}
REPORT_FIELDS = {
    *_paths("", "client_reference_id created document email id id_number livemode object"),
    *_paths("", "options phone selfie type verification_flow verification_session"),
    *_paths("document", "address dob error expiration_date files first_name issued_date"),
    *_paths("document", "issuing_country last_name number sex status type"),
    *_paths("document", "unparsed_place_of_birth unparsed_sex"),
    *_paths("document.address", ADDRESS),
    *_paths("document.dob", DATE),
    *_paths("document.error", ERROR),
    *_paths("document.expiration_date", DATE),
    *_paths("document.issued_date", DATE),
    *_paths("email", "email error status"),
    *_paths("email.error", ERROR),
    *_paths("id_number", "dob error first_name id_number id_number_type last_name status"),
    *_paths("id_number.dob", DATE),
    *_paths("id_number.error", ERROR),
    *_paths("options", "document id_number"),
    *_paths("options.document", DOCUMENT_OPTIONS),
    *_paths("phone", "error phone status"),
    *_paths("phone.error", ERROR),
    *_paths("selfie", "document error selfie status"),
    *_paths("selfie.error", ERROR),
}


def _sdk_parameters(cls: type, prefix: str = "") -> set[str]:
    """A params TypedDict flattened to Stripe's bracket names (nested dicts recursed)."""
    out: set[str] = set()
    for name in cls.__annotations__:
        if not prefix and name in RequestOptions.__annotations__:
            continue  # api_key, idempotency_key ...: the SDK's request options, not parameters
        key = f"{prefix}[{name}]" if prefix else name
        found = re.findall(r"\b(Verification\w+Params\w+)\b", repr(cls.__annotations__[name]))
        nested = [getattr(stripe_params, n) for n in found if hasattr(stripe_params, n)]
        out |= set().union(*(_sdk_parameters(c, key) for c in nested)) if nested else {key}
    return out


def _classes(annotation: Any) -> list[type]:
    if isinstance(annotation, type):
        return [annotation]
    return [c for arg in get_args(annotation) for c in _classes(arg)]


def _sdk_fields(cls: type, prefix: str = "") -> set[str]:
    """An SDK object's fields as dotted paths, into its nested object classes."""
    out: set[str] = set()
    for name, annotation in cls.__annotations__.items():
        if get_origin(annotation) is ClassVar:
            continue
        out.add(prefix + name)
        for nested in _classes(annotation):
            if nested.__qualname__.startswith(cls.__qualname__ + "."):
                out |= _sdk_fields(nested, f"{prefix}{name}.")
    return out


def test_the_lists_are_the_sdks() -> None:
    # On a drift (another SDK version): classify what Stripe added, drop what it removed.
    drift = f"the lists are from stripe-python {STRIPE_PYTHON}, installed is {stripe.VERSION}"
    for name, ours in PARAMETERS.items():
        sdk = _sdk_parameters(getattr(stripe_params, name))
        assert (sdk - set(ours), set(ours) - sdk) == (set(), set()), f"{name}: {drift}"
    for cls, fields in (
        (stripe.identity.VerificationSession, SESSION_FIELDS),
        (stripe.identity.VerificationReport, REPORT_FIELDS),
    ):
        sdk = _sdk_fields(cls)
        assert (sdk - fields, fields - sdk) == (set(), set()), f"{cls.__name__}: {drift}"


def missing_fields(obj: dict[str, Any], paths: set[str]) -> list[str]:
    """The paths absent from `obj`; a path under a null value is present (the parent is null)."""
    missing = []
    for path in sorted(paths):
        node: Any = obj
        for part in path.split("."):
            if node is None:
                break
            if not isinstance(node, dict) or part not in node:
                missing.append(path)
                break
            node = node[part]
    return missing


async def test_every_field_of_both_objects_is_present(
    client: httpx.AsyncClient, tenant: Tenant, activities: Any
) -> None:
    fresh = await create_session(client, tenant)
    assert missing_fields(fresh, SESSION_FIELDS) == []
    session, _ = await licence_session(client, tenant, activities)
    url = f"{SESSIONS}/{session['id']}?expand[]=verified_outputs&expand[]=last_verification_report"
    expanded = (await client.get(url, headers=tenant.auth)).json()
    # Filled down to the leaves where kycflow has the data: no parent is null there.
    assert expanded["verified_outputs"]["address"] is not None
    assert missing_fields(expanded, SESSION_FIELDS) == []
    report = expanded["last_verification_report"]
    assert report["document"]["issued_date"] is not None and report["selfie"] is not None
    assert missing_fields(report, REPORT_FIELDS) == []
    listed = (await client.get(REPORTS, headers=tenant.auth)).json()["data"]
    assert listed and all(missing_fields(r, REPORT_FIELDS) == [] for r in listed)


def _form_value(name: str) -> tuple[str, str]:
    """A plausible value for a parameter, in the SDK's form encoding."""
    if name.endswith("allowed_types]"):
        return name + "[]", "passport"
    if name.endswith(("require_id_number]", "_capture]", "_selfie]")):
        return name, "false"
    return name, "x@example.com" if "email" in name else "value_1"


@pytest.mark.parametrize(
    ("operation", "name"),
    [("create", n) for n, v in CREATE.items() if v != HONOURED]
    + [("update", n) for n, v in UPDATE.items() if v != HONOURED],
)
async def test_refused_parameters_answer_stripes_error_and_change_nothing(
    client: httpx.AsyncClient, tenant: Tenant, operation: str, name: str
) -> None:
    table = CREATE if operation == "create" else UPDATE
    url = SESSIONS
    if operation == "update":
        url = f"{SESSIONS}/{(await create_session(client, tenant, metadata={'k': 'v'}))['id']}"
    before = (await client.get(SESSIONS, headers=tenant.auth)).json()["data"]
    key, value = _form_value(name)
    refused = await client.post(url, data={key: value, "metadata[k]": "w"}, headers=tenant.auth)
    assert refused.status_code == 400, refused.text
    error = refused.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["code"] == table[name]
    assert error["param"] == name.split("[")[0]  # the object that is refused, as a whole
    # Nothing was created or changed (the metadata sent beside it was not applied either).
    assert (await client.get(SESSIONS, headers=tenant.auth)).json()["data"] == before
