"""Pure decision rules: check results -> the session's next status, with reasons.

No I/O and no clock: the same report always gives the same decision, so it is unit-tested
exhaustively and recorded in the workflow history as the `decide` activity's result.
Order matters and is deliberate: a failure the person can fix (a bad document, a selfie that
does not match) sends the session back for input before anything is put to a reviewer.
"""

from __future__ import annotations

from typing import Literal

from kyc.contracts import ReviewReason
from kyc.types import CheckError, Decision, SessionOptions, VerificationReport


def decide(
    report: VerificationReport,
    options: SessionOptions,
    screening_not_run_action: Literal["review", "allow"] = "review",
) -> Decision:
    """Turn one attempt's check results into the next status."""
    reasons: list[str] = []
    document = report.document
    if document is None:
        return _requires_input("document_unreadable", "No document was read.")
    if document.status != "verified":
        return _requires_input(
            document.error_code or "document_unverified_other",
            document.error_reason or "The document could not be verified.",
        )
    reasons.append("document: every check passed")

    review: list[ReviewReason] = []
    if options.document.require_matching_selfie:
        selfie = report.selfie
        if selfie is None:
            return _requires_input("selfie_unverified_other", "No selfie was checked.")
        if selfie.status == "unverified":
            return _requires_input(
                selfie.error_code or "selfie_unverified_other",
                selfie.error_reason or "The selfie could not be verified.",
            )
        if selfie.status == "inconclusive":
            review.append("face_match_inconclusive")
            reasons.append(
                f"selfie: distance {selfie.distance:.3f} is in the review band"
                if selfie.distance is not None
                else "selfie: inconclusive"
            )
        else:
            reasons.append("selfie: the face matches the document portrait")
        if selfie.duplicate_of:
            review.append("duplicate_face")
            reasons.append("selfie: the face matches a verified session of another identity")

    if options.screening.enabled:
        screening = report.screening
        if screening is None or screening.status == "not_run":
            if screening_not_run_action == "review":
                review.append("screening_not_run")
                reasons.append("screening: no list was available, a reviewer must decide")
            else:
                reasons.append("screening: no list was available; policy allows verification")
        elif screening.status == "hit":
            review.append("screening_hit")
            best = max(hit.score for hit in screening.hits) if screening.hits else 0.0
            reasons.append(f"screening: {len(screening.hits)} hit(s), best score {best:.2f}")
        else:
            reasons.append("screening: no listed person matched")

    if review:
        return Decision(status="needs_review", review_reasons=[*map(str, review)], reasons=reasons)
    return Decision(status="verified", reasons=reasons)


def _requires_input(code: str, reason: str) -> Decision:
    return Decision(
        status="requires_input", error=CheckError(code=code, reason=reason), reasons=[reason]
    )
