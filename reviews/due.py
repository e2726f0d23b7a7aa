"""When a patient's review is due, and why: the one rule for the queue, the desk and the chart.

DOMAIN.md §4: the review comes after two or three cycles. A review is *pending* once the patient
has had two sessions and there is no decision yet, or the last decision chose one more cycle
and a session has happened since. It is *due* (in the queue, on the desk's list) once pending
and either a third session has happened or the next injection (`scheduling.due_dates`) is due
within `NEAR_DAYS`: the review is booked for the visit that opens cycle 3.

`review_pending` is the rule in Python, for one patient; the review summary's trigger SQL
(`reviews/triggers.py`) is the same rule for lists, read by `with_review_due`. A test runs
both on the same cases.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import BooleanField, ExpressionWrapper, F, Q

from patients.models import Patient
from reviews.models import Decision
from reviews.triggers import REVIEW_AT_SESSIONS

NEAR_DAYS = 28


@dataclass(frozen=True)
class LatestReview:
    decision: str
    reviewed_on: date


def review_pending(
    session_count: int, last_session_on: date | None, latest: LatestReview | None
) -> bool:
    if session_count < REVIEW_AT_SESSIONS:
        return False
    if latest is None:
        return True
    return latest.decision == Decision.EXTEND and latest.reviewed_on < last_session_on


def review_due(
    session_count: int,
    last_session_on: date | None,
    injection_due_on: date | None,
    latest: LatestReview | None,
    today: date,
) -> bool:
    near = injection_due_on is not None and injection_due_on <= today + timedelta(NEAR_DAYS)
    pending = review_pending(session_count, last_session_on, latest)
    return pending and (session_count > REVIEW_AT_SESSIONS or near)


def due_reason(session_count: int, latest: LatestReview | None) -> str:
    """Why the review is due, in a line the queue and the desk show."""
    if latest is None:
        return f"No review yet after {session_count} sessions."
    return (
        f"One more cycle was chosen on {latest.reviewed_on:%-d %b %Y}; "
        "a session has happened since."
    )


def with_review_due(patients, today: date):
    """`patients` annotated with `review_due` (the rule above) and the latest review's
    `latest_decision` and `latest_reviewed_on`; reads the course and review summaries, whose
    triggers compute `review_pending` in SQL (`reviews/triggers.py`)."""
    annotated = patients.annotate(
        latest_decision=F("review_summary__latest_decision"),
        latest_reviewed_on=F("review_summary__latest_reviewed_on"),
    )
    pending = Q(review_summary__pending=True)
    near = Q(course__injection_due_on__lte=today + timedelta(NEAR_DAYS))
    due = pending & (Q(course__session_count__gt=REVIEW_AT_SESSIONS) | near)
    return annotated.annotate(review_due=ExpressionWrapper(due, output_field=BooleanField()))


def patients_due_review(today: date):
    """Patients (not discharged) whose review is due as of `today`."""
    patients = Patient.objects.exclude(status=Patient.Status.DISCHARGED)
    return with_review_due(patients, today).filter(review_due=True)


def latest_review(patient) -> LatestReview | None:
    row = patient.reviews.order_by("-reviewed_on", "-id").values("decision", "reviewed_on").first()
    return LatestReview(**row) if row else None


def latest_of(patient) -> LatestReview | None:
    """The latest review of a patient from `with_review_due`'s annotations (no query)."""
    if not patient.latest_decision:
        return None
    return LatestReview(patient.latest_decision, patient.latest_reviewed_on)
