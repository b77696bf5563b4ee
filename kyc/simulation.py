"""Test mode's simulated outcomes: the checks the engines would report for each outcome, built
without reading a file, so a platform rehearses every status, error, event and webhook of its
integration through the real workflow and policy (`kyc.policy.decide` still decides).

Every simulated check says so: the document engine is "simulated", the selfie model too, and the
screening snapshot. The identity is ICAO 9303's fictional specimen holder (of Utopia).
"""

from __future__ import annotations

from datetime import date, timedelta

from kyc import contracts
from kyc.documents.models import DocumentCheck, DocumentFields, DocumentRuleCheck, DocumentType
from kyc.faces.compare import DLIB_REVIEW_BAND, DLIB_THRESHOLD
from kyc.faces.models import SelfieCheck
from kyc.screening.index import REVIEW_THRESHOLD
from kyc.screening.models import FeatureScore, ScreeningCheck, ScreeningHit
from kyc.types import CheckError, SessionOptions, SimulatedAttempt, SimulateInput

SIMULATED = "simulated"
SIMULATED_HIT = ScreeningHit(
    list=SIMULATED,
    entity_id="TEST-0001",
    name="ANNA MARIA ERIKSSON",
    score=0.97,
    explanation=[
        FeatureScore(feature="name", score=1.0, weight=0.7, reason="simulated: same full name"),
        FeatureScore(feature="birth_date", score=0.9, weight=0.3, reason="simulated: same year"),
    ],
    programs=["TEST MODE"],
)
# The product's own operating points, so a simulated report reads like a real one.
SELFIE_THRESHOLD = DLIB_THRESHOLD
SCREENING_THRESHOLD = REVIEW_THRESHOLD

# Outcomes a real check raises (the attempt stops there): the step that raises, and its message.
RAISED = {
    "image_quality_insufficient": ("capture", "The photo is too blurred to read (simulated)."),
    "document_unreadable": (
        "extract",
        "No machine-readable zone or barcode was found (simulated).",
    ),
    "selfie_document_missing_photo": ("match", "No face was found on the document (simulated)."),
    "selfie_unverified_other": ("match", "No single face was found in the selfie (simulated)."),
    "selfie_manipulated": ("match", "The selfie is a photo of a screen (simulated)."),
}
# Outcomes a document rule decides: outcome (the rule's code) -> (the failing rule, its reason).
FAILED_RULES = {
    "document_expired": ("expiry", "the document expired on {expired} (simulated)"),
    "under_supported_age": ("minimum_age", "the holder is younger than {age} (simulated)"),
    "document_type_not_supported": (
        "document_type",
        "document type unknown (e.g. a visa) is not accepted (simulated)",
    ),
    "document_unverified_other": ("check_digits", "MRZ checks failed: document_number (simulated)"),
    "consent_declined": ("consent", "the person declined consent to the verification (simulated)"),
}


def simulation_problem(
    outcome: str, options: SessionOptions, screening_not_run_action: str = "review"
) -> str | None:
    """Why `outcome` cannot be simulated on a session with these options, or None (the rule
    itself is in kyc.contracts, so the workflow's validator applies it too)."""
    return contracts.simulation_problem(
        outcome,
        selfie=options.document.require_matching_selfie,
        screening=options.screening.enabled,
        review_unscreened=screening_not_run_action == "review",
    )


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def simulated_document(input: SimulateInput) -> DocumentCheck:
    """The document check of `input.outcome`: verified, or failing the one rule it names."""
    rules = input.rules
    today = rules.today
    expires = today + timedelta(days=5 * 365)
    born = date(1974, 8, 12)
    allowed = rules.allowed_types or ["passport"]
    document_type: DocumentType | None = "passport" if "passport" in allowed else allowed[0]
    failing = FAILED_RULES.get(input.outcome)
    if input.outcome == "document_expired":
        expires = today - timedelta(days=30)
    elif input.outcome == "under_supported_age":
        born = _years_before(today, max(rules.minimum_age - 2, 0))
    elif input.outcome == "document_type_not_supported":
        document_type = None
    fields = DocumentFields(
        surname="ERIKSSON",
        given_names="ANNA MARIA",
        document_number="L898902C3",
        nationality="UTO",
        issuing_country="UTO",
        date_of_birth=born,
        expiration_date=expires,
        sex="F",
    )
    names = ["expiry", "minimum_age", "document_type", "check_digits", "cross_check"]
    if input.outcome == "consent_declined":
        names.append("consent")
    checks = []
    for name in names:
        reason = ""
        if failing is not None and failing[0] == name:
            reason = failing[1].format(expired=expires.isoformat(), age=rules.minimum_age)
        checks.append(
            DocumentRuleCheck(
                name=name, passed=not reason, code=input.outcome if reason else None, reason=reason
            )
        )
    first = next((c for c in checks if not c.passed), None)
    return DocumentCheck(
        status="unverified" if first else "verified",
        error_code=first.code if first else None,
        error_reason=first.reason if first else None,
        document_type=document_type,
        issuing_country="UTO",
        fields=fields,
        checks=checks,
        engine=SIMULATED,
    )


def simulated_selfie(outcome: str) -> SelfieCheck:
    """Verified, a mismatch, or (needs_review) a distance inside the review band."""
    if outcome == "selfie_face_mismatch":
        return SelfieCheck(
            status="unverified",
            error_code="selfie_face_mismatch",
            error_reason="The selfie does not match the document portrait (simulated).",
            result="no_match",
            distance=0.81,
            threshold=SELFIE_THRESHOLD,
            model=SIMULATED,
        )
    if outcome == "needs_review":
        return SelfieCheck(
            status="inconclusive",
            result="inconclusive",
            distance=round(sum(DLIB_REVIEW_BAND) / 2, 3),  # inside the review band
            threshold=SELFIE_THRESHOLD,
            model=SIMULATED,
        )
    return SelfieCheck(
        status="verified",
        result="match",
        distance=0.32,
        threshold=SELFIE_THRESHOLD,
        model=SIMULATED,
    )


def simulated_screening(outcome: str, selfie: bool) -> ScreeningCheck:
    """A hit, no list (needs_review of a session without a selfie), or clear."""
    if outcome == "screening_hit":
        return ScreeningCheck(
            status="hit", hits=[SIMULATED_HIT], snapshot_id=SIMULATED, threshold=SCREENING_THRESHOLD
        )
    if outcome == "needs_review" and not selfie:
        return ScreeningCheck(
            status="not_run", snapshot_id=SIMULATED, reason="No list was available (simulated)."
        )
    return ScreeningCheck(status="clear", snapshot_id=SIMULATED, threshold=SCREENING_THRESHOLD)


def simulate(input: SimulateInput) -> SimulatedAttempt:
    """The checks of one attempt as the engines would report `input.outcome`, in the pipeline's
    order: capture, document, selfie (when the session checks one), screening (when enabled);
    a check that fails stops the ones after it, as in the real pipeline."""
    outcome = input.outcome
    raised = RAISED.get(outcome)
    if raised and raised[0] in ("capture", "extract"):
        return SimulatedAttempt(failure=CheckError(code=outcome, reason=raised[1]))
    document = simulated_document(input)
    attempt = SimulatedAttempt(document=document)
    if document.status != "verified":
        return attempt
    wants_selfie = input.options.document.require_matching_selfie
    if wants_selfie:
        if raised:
            attempt.failure = CheckError(code=outcome, reason=raised[1])
            return attempt
        attempt.selfie = simulated_selfie(outcome)
    if input.options.screening.enabled:  # screened whatever the selfie, as in the pipeline
        attempt.screening = simulated_screening(outcome, wants_selfie)
    return attempt
