"""/v1/reviews: the pending queue (oldest first), one case, and decisions (Temporal Update)."""

from __future__ import annotations

from typing import Any

from api import sessions_service as service
from api.deps import (
    AnyKey,
    Body,
    DbSession,
    Query,
    Reviewer,
    State,
    Temporal,
    platform_session,
)
from api.idempotency import Idempotent
from api.params import ReviewDecisionParams, ReviewListParams, parse
from api.report_views import last_reports
from api.routes import resource_router
from kyc.db import reviews as db_reviews
from kyc.db import sessions as db_sessions
from kyc.db.ids import now
from kyc.db.personal import personal_of, verified_fields
from kyc.objects.common import ListPublic
from kyc.objects.review import (
    ReviewCasePublic,
    ReviewDecisionPublic,
    ReviewQueueItem,
    review_audit_public,
    review_queue_item,
)
from kyc.objects.session import session_public
from kyc.types import ReviewDecision

PATH = "/v1/reviews"
router = resource_router(PATH, "reviews")


@router.get("", summary="List pending reviews, oldest first")
def list_reviews(db: DbSession, caller: AnyKey, query: Query) -> ListPublic[ReviewQueueItem]:
    """Reviewer key or secret key of the platform; `reason` filters by a review reason."""
    params = parse(ReviewListParams, query)
    rows = db_reviews.pending_reviews(
        db,
        caller.platform_id,
        livemode=caller.livemode,
        limit=params.limit + 1,
        reason=params.reason,
    )
    at = now()
    data = [review_queue_item(r, at) for r in rows[: params.limit]]
    return ListPublic(data=data, has_more=len(rows) > params.limit, url=PATH)


@router.get("/{session_id}", summary="Retrieve a review case")
def retrieve_review(
    state: State, db: DbSession, caller: AnyKey, session_id: str
) -> ReviewCasePublic:
    """The session (with verified outputs), its latest report and the decisions taken so far."""
    row = db_sessions.get_session(db, caller.platform_id, session_id, livemode=caller.livemode)
    return ReviewCasePublic(
        id=row.id,
        session=session_public(
            row,
            personal=personal_of(db, state.sealer, row),
            verified=verified_fields(db, state.sealer, row),
            expand=["verified_outputs"],
        ),
        report=last_reports(state, db, [row]).get(row.id),
        history=[
            review_audit_public(a, db_reviews.note_of(db, state.sealer, a))
            for a in db_reviews.review_history(db, row.id)
        ],
    )


@router.post(
    "/{session_id}", summary="Decide a pending review", response_model=ReviewDecisionPublic
)
async def decide_review(
    db: DbSession,
    caller: Reviewer,
    temporal: Temporal,
    session_id: str,
    body: Body,
    idem: Idempotent,
) -> Any:
    """`decision` = approve | reject | request_resubmission, optional `reason` (a public error
    code), `note`, and `screening_hits[<list>:<entity_id>]` = false_positive | confirmed.
    The workflow validates the decision and answers synchronously."""
    row = platform_session(db, caller, session_id)
    params = parse(ReviewDecisionParams, body)
    decision = ReviewDecision(
        decision=params.decision,
        reviewer_id=caller.reviewer_name or caller.key_id,
        reason=params.reason,
        note=params.note,
        screening_hits=params.screening_hits,
    )

    async def work() -> dict[str, Any]:
        outcome = await service.review(await temporal(), row, decision)
        return ReviewDecisionPublic(
            session=row.id,
            status=outcome.status.value,
            decided_by=outcome.decided_by,
            decision=outcome.decision,
        ).model_dump(mode="json")

    return await idem.run(caller.platform_id, body, work, scope="reviewer_key")
