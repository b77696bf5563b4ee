"""kyc.policy: every branch of the decision table, with its reasons."""

from __future__ import annotations

from kyc.policy import decide
from kyc.types import (
    DocumentCheck,
    DocumentOptions,
    ScreeningCheck,
    ScreeningHit,
    ScreeningOptions,
    SelfieCheck,
    SessionOptions,
    VerificationReport,
)


def options(selfie: bool = True, screening: bool = True) -> SessionOptions:
    return SessionOptions(
        document=DocumentOptions(require_matching_selfie=selfie),
        screening=ScreeningOptions(enabled=screening),
    )


def report(**checks: object) -> VerificationReport:
    base: dict[str, object] = {
        "attempt": 1,
        "document": DocumentCheck(status="verified"),
        "selfie": SelfieCheck(status="verified", result="match", distance=0.3),
        "screening": ScreeningCheck(status="clear"),
    }
    base.update(checks)
    return VerificationReport.model_validate(base)


def hit(score: float = 0.91) -> ScreeningHit:
    return ScreeningHit(list="un", entity_id="QDi.1", name="LISTED PERSON", score=score)


def test_all_checks_pass_is_verified_with_a_reason_per_check() -> None:
    decision = decide(report(), options())
    assert decision.status == "verified"
    assert decision.error is None
    assert [r.split(":")[0] for r in decision.reasons] == ["document", "selfie", "screening"]


def test_missing_document_requires_input() -> None:
    decision = decide(report(document=None), options())
    assert decision.status == "requires_input"
    assert decision.error is not None and decision.error.code == "document_unreadable"


def test_document_failure_code_is_passed_through() -> None:
    document = DocumentCheck(
        status="unverified", error_code="document_expired", error_reason="Expired 2020-01-01."
    )
    decision = decide(report(document=document), options())
    assert decision.status == "requires_input"
    assert decision.error is not None
    assert (decision.error.code, decision.error.reason) == (
        "document_expired",
        "Expired 2020-01-01.",
    )


def test_document_failure_wins_over_screening_hit() -> None:
    document = DocumentCheck(status="unverified", error_code="under_supported_age")
    screening = ScreeningCheck(status="hit", hits=[hit()])
    decision = decide(report(document=document, screening=screening), options())
    assert decision.status == "requires_input"
    assert decision.error is not None and decision.error.code == "under_supported_age"


def test_selfie_mismatch_requires_input() -> None:
    selfie = SelfieCheck(status="unverified", error_code="selfie_face_mismatch", distance=0.9)
    decision = decide(report(selfie=selfie), options())
    assert decision.status == "requires_input"
    assert decision.error is not None and decision.error.code == "selfie_face_mismatch"


def test_selfie_ignored_when_not_required() -> None:
    selfie = SelfieCheck(status="unverified", error_code="selfie_face_mismatch")
    assert decide(report(selfie=selfie), options(selfie=False)).status == "verified"


def test_missing_selfie_when_required_requires_input() -> None:
    decision = decide(report(selfie=None), options())
    assert decision.error is not None and decision.error.code == "selfie_unverified_other"


def test_inconclusive_face_goes_to_review() -> None:
    selfie = SelfieCheck(status="inconclusive", result="inconclusive", distance=0.55)
    decision = decide(report(selfie=selfie), options())
    assert decision.status == "needs_review"
    assert decision.review_reasons == ["face_match_inconclusive"]
    assert any("0.550" in r for r in decision.reasons)


def test_duplicate_face_goes_to_review() -> None:
    selfie = SelfieCheck(status="verified", result="match", duplicate_of="vs_other")
    decision = decide(report(selfie=selfie), options())
    assert decision.status == "needs_review"
    assert decision.review_reasons == ["duplicate_face"]


def test_screening_hit_goes_to_review_with_best_score() -> None:
    screening = ScreeningCheck(status="hit", hits=[hit(0.8), hit(0.95)])
    decision = decide(report(screening=screening), options())
    assert decision.status == "needs_review"
    assert decision.review_reasons == ["screening_hit"]
    assert any("2 hit(s), best score 0.95" in r for r in decision.reasons)


def test_screening_not_run_routes_to_review_by_default() -> None:
    decision = decide(report(screening=ScreeningCheck(status="not_run")), options())
    assert decision.status == "needs_review"
    assert decision.review_reasons == ["screening_not_run"]


def test_screening_not_run_can_be_allowed_by_policy() -> None:
    decision = decide(report(screening=None), options(), screening_not_run_action="allow")
    assert decision.status == "verified"
    assert any("policy allows" in r for r in decision.reasons)


def test_screening_disabled_is_not_considered() -> None:
    screening = ScreeningCheck(status="hit", hits=[hit()])
    assert decide(report(screening=screening), options(screening=False)).status == "verified"


def test_several_review_reasons_accumulate() -> None:
    selfie = SelfieCheck(status="inconclusive", distance=0.5)
    screening = ScreeningCheck(status="hit", hits=[hit()])
    decision = decide(report(selfie=selfie, screening=screening), options())
    assert decision.review_reasons == ["face_match_inconclusive", "screening_hit"]
