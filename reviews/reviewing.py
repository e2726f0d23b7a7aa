"""Recording the neurologist's review decision against the verdict the rules suggest."""

from django.db import transaction

from reviews.models import Review
from reviews.progress import progress_for_patients


def review_record(*, review: Review, reviewed_by) -> Review:
    """Save `review` with the verdict suggested as of its date; a differing decision needs a
    reason (`Review.clean`)."""
    review.reviewed_by = reviewed_by
    if review.reviewed_on:
        progress = progress_for_patients([review.patient_id], review.reviewed_on)
        review.suggested_verdict = progress[review.patient_id].verdict
    with transaction.atomic():
        review.full_clean()
        review.save()
    return review


def score_rows(reviews: list[Review]) -> list[dict]:
    """Reviews newest first, each with its MIDAS and HIT-6 change since the review before."""
    rows = []
    for index, review in enumerate(reviews):
        earlier = reviews[index + 1] if index + 1 < len(reviews) else None
        rows.append(
            {
                "review": review,
                "midas_change": _change(review.midas, earlier and earlier.midas),
                "hit6_change": _change(review.hit6, earlier and earlier.hit6),
            }
        )
    return rows


def _change(now: int | None, before: int | None) -> int | None:
    return None if now is None or before is None else now - before
