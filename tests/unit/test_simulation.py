"""kyc.simulation: each simulated outcome, decided by the real policy, is the outcome it names."""

from __future__ import annotations

from datetime import date

import pytest

from kyc import policy
from kyc.contracts import SIMULATED_OUTCOMES
from kyc.simulation import simulate, simulation_problem
from kyc.types import (
    DocumentOptions,
    DocumentRules,
    ScreeningOptions,
    SessionOptions,
    SimulateInput,
    VerificationReport,
)

SELFIE = SessionOptions(document=DocumentOptions(require_matching_selfie=True))
RULES = DocumentRules(today=date(2026, 2, 28), minimum_age=18)


def outcome_of(outcome: str, options: SessionOptions) -> tuple[str, str | None, list[str]]:
    """(status, last_error code, review reasons) the pipeline would reach."""
    input = SimulateInput(
        session_id="vs_1", attempt=1, outcome=outcome, options=options, rules=RULES
    )  # type: ignore[arg-type]
    attempt = simulate(input)
    if attempt.failure is not None:
        return "requires_input", attempt.failure.code, []
    report = VerificationReport(
        attempt=1, document=attempt.document, selfie=attempt.selfie, screening=attempt.screening
    )
    decision = policy.decide(report, options)
    return decision.status, decision.error.code if decision.error else None, decision.review_reasons


@pytest.mark.parametrize("outcome", SIMULATED_OUTCOMES)
def test_every_outcome_decides_as_named(outcome: str) -> None:
    status, code, reasons = outcome_of(outcome, SELFIE)
    if outcome == "verified":
        assert (status, code, reasons) == ("verified", None, [])
    elif outcome == "needs_review":
        assert (status, reasons) == ("needs_review", ["face_match_inconclusive"])
    elif outcome == "screening_hit":
        assert (status, reasons) == ("needs_review", ["screening_hit"])
    else:
        assert (status, code) == ("requires_input", outcome)


def test_documents_are_plausible_for_their_outcome() -> None:
    def document(outcome: str) -> object:
        input = SimulateInput(
            session_id="vs_1", attempt=1, outcome=outcome, options=SELFIE, rules=RULES
        )  # type: ignore[arg-type]
        return simulate(input).document

    expired = document("document_expired")
    assert expired.fields.expiration_date < RULES.today  # type: ignore[attr-defined]
    young = document("under_supported_age")
    assert young.fields.date_of_birth.year == 2010  # type: ignore[attr-defined]
    ok = document("verified")
    assert ok.engine == "simulated" and ok.fields.expiration_date > RULES.today  # type: ignore[attr-defined]
    assert document("image_quality_insufficient") is None  # capture stops before extraction


def test_without_a_selfie_needs_review_is_a_screening_that_did_not_run() -> None:
    assert outcome_of("needs_review", SessionOptions())[2] == ["screening_not_run"]
    assert simulation_problem("selfie_face_mismatch", SessionOptions())
    assert simulation_problem("needs_review", SessionOptions(), "allow")
    no_screening = SessionOptions(screening=ScreeningOptions(enabled=False))
    assert simulation_problem("screening_hit", no_screening)
    assert simulation_problem("needs_review", no_screening)
    assert not simulation_problem(
        "needs_review", SELFIE.model_copy(update={"screening": ScreeningOptions(enabled=False)})
    )
    assert all(not simulation_problem(o, SELFIE) for o in SIMULATED_OUTCOMES)
