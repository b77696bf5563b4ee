"""What the applicant side (the capture page and `client_secret` reads) may learn of a session.

Two audiences read reasons: the platform's secret key and the reviewers see `last_error.reason`
(a reviewer's free-text note, possibly) and `review.reasons` (`screening_hit`...); the applicant
sees only a public code and a fixed, neutral message from the table below. A code that would
tell the applicant that a sanctions hit, a fraud signal or a reviewer's suspicion exists
(tipping off) is shown as the generic `document_unverified_other`, exactly as an unverifiable
document is, so the two cannot be told apart.
"""

from __future__ import annotations

from kyc.objects.common import ErrorDetail

GENERIC_CODE = "document_unverified_other"

# Public code -> the neutral message the applicant reads. Codes not listed collapse to GENERIC_CODE.
APPLICANT_MESSAGES: dict[str, str] = {
    "abandoned": "The verification was not completed in time.",
    "consent_declined": "Consent to the verification was not given.",
    "document_expired": "The document has expired. Please use a valid document.",
    "document_type_not_supported": "This type of document is not accepted. Please use another.",
    "document_unreadable": "The document could not be read. Please take a clearer photo.",
    "document_unverified_other": "The document could not be verified.",
    "image_quality_insufficient": "The photo was not clear enough. Please take it again.",
    "selfie_document_missing_photo": "No portrait was found on the document.",
    "selfie_face_mismatch": "The selfie could not be matched to the document.",
    "selfie_unverified_other": "The selfie could not be verified. Please take it again.",
    "under_supported_age": "The verification could not be completed for this person.",
}


def applicant_error(code: str | None) -> ErrorDetail | None:
    """`last_error` as the applicant sees it: a public code and its fixed message, never the
    stored reason (which may be a reviewer's note)."""
    if not code:
        return None
    shown = code if code in APPLICANT_MESSAGES else GENERIC_CODE
    return ErrorDetail(code=shown, reason=APPLICANT_MESSAGES[shown])
