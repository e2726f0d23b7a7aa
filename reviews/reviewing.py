"""Recording the neurologist's review decision against the verdict the rules suggest; the
course follows it (DOMAIN.md §4, "What a decision does")."""

from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone

from clinic.form_tokens import one_time
from reviews.models import Decision, Review
from reviews.progress import progress_for_patients
from scheduling.courses import course_follow
from scheduling.models import CourseState, CourseStatus

# The course state each decision leaves.
COURSE_AFTER = {
    Decision.CONTINUE: CourseStatus.ACTIVE,
    Decision.EXTEND: CourseStatus.ACTIVE,
    Decision.PAUSE: CourseStatus.PAUSED,
    Decision.STOP: CourseStatus.STOPPED,
}


def review_record(
    *, review: Review, reviewed_by, today: date | None = None, form_token=None
) -> Review:
    """Save `review` with the verdict suggested as of its date, and set the course to follow
    its decision, in one transaction; a differing decision, a stop and a pause need a reason
    (`Review.clean`), a pause a future resume date, a stop a session (`course_follow`)."""
    today = today or timezone.localdate()
    review.reviewed_by = reviewed_by
    if review.reviewed_on:
        progress = progress_for_patients([review.patient_id], review.reviewed_on)
        review.suggested_verdict = progress[review.patient_id].verdict
    with one_time(form_token, Review) as spend:  # a form posted twice saves once
        review.full_clean()
        stopped = CourseState.objects.filter(
            patient_id=review.patient_id, status=CourseStatus.STOPPED
        ).first()
        if stopped and review.decision != Decision.STOP:
            raise ValidationError(
                f"Treatment was stopped on {stopped.since:%-d %b %Y}: restart the course "
                "(with a new baseline date) before recording another decision."
            )
        review.save()
        spend(review)
        course_follow(
            patient=review.patient,
            status=COURSE_AFTER[review.decision],
            on=review.reviewed_on,
            resume_on=review.resume_on,
            reason=review.reason,
            by=reviewed_by,
            today=today,
        )
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
