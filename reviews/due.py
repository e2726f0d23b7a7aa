"""When a patient's review is due, since when, and why: the one rule for the queue, the desk, the
chart and the progress report (DOMAIN.md §4, "What a decision does").

Only the current course counts (its sessions and decisions from a restart on), and the course
state (`scheduling.courses`) comes first:
- stopped: never due; paused: due the day the pause ends (its resume date);
- no decision yet: due once cycle 2 is complete (session 3, or 84 days after session 2);
- after "continue" on D: due at the `RE_REVIEW_AFTER_SESSIONS`th session after D, or earlier
  on the day a cycle completed after D made the suggested verdict (the progress summary)
  inadequate response or episodic;
- after "one more cycle" on D: due once the cycle of the first session on or after D is
  complete.
The earliest day wins (ties: by kind). `review_due` is the rule in Python, for one patient; the
review summary's trigger SQL (`reviews/triggers.py`) is the same rule for lists, read by
`with_review_due`. `tests/reviews/test_due.py` runs both on the same cases.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import BooleanField, ExpressionWrapper, F, Q

from patients.models import Patient
from reviews.models import Decision, ReviewSummary, Verdict
from scheduling.models import CourseStatus
from treatments.courses import INTERVAL_DAYS

FIRST_REVIEW_AFTER_CYCLES = 2
TURNING_VERDICTS = (Verdict.EPISODIC, Verdict.INADEQUATE_RESPONSE)
BOOK_AHEAD_DAYS = 28  # the desk's list shows reviews falling due this soon, to book them


class DueKind(models.TextChoices):
    """Why a review is due; the values are the review summary's and the report's."""

    CYCLE_2 = "cycle-2", "Cycle 2 complete"
    RE_REVIEW = "re-review", "Re-review after continue"
    EPISODIC = "episodic", "Verdict turned to episodic"
    INADEQUATE = "inadequate-response", "Verdict turned to inadequate response"
    EXTEND = "extend", "One more cycle complete"
    PAUSE_ENDED = "pause-ended", "Pause ended"


def _day(day: date) -> str:
    return f"{day:%-d %b %Y}"


@dataclass(frozen=True)
class LatestReview:
    decision: str
    reviewed_on: date


@dataclass(frozen=True)
class ReviewDue:
    """A review due from `since` (a future day: not due yet), of `kind`, after the decision
    made on `decided_on` (None for the first review)."""

    since: date
    kind: str
    decided_on: date | None = None

    @property
    def reason(self) -> str:
        """Why, in a line the queue, the desk, the chart and the report show."""
        match self.kind:
            case DueKind.CYCLE_2:
                return f"Cycle 2 complete on {_day(self.since)}"
            case DueKind.RE_REVIEW:
                sessions = settings.RE_REVIEW_AFTER_SESSIONS
                return f"Re-review: {sessions} sessions since continue on {_day(self.decided_on)}"
            case DueKind.INADEQUATE:
                return (
                    f"Verdict turned to inadequate response (continue on {_day(self.decided_on)})"
                )
            case DueKind.EPISODIC:
                return f"Verdict turned to episodic (continue on {_day(self.decided_on)})"
            case DueKind.EXTEND:
                return (
                    f"One more cycle (chosen {_day(self.decided_on)}) complete on "
                    f"{_day(self.since)}"
                )
        return f"End of the pause on {_day(self.since)}"

    def is_due(self, today: date) -> bool:
        return self.since <= today

    def days_due(self, today: date) -> int:
        return (today - self.since).days


def review_due(
    *,
    sessions: list[date],
    latest: LatestReview | None,
    status: str = CourseStatus.ACTIVE,
    resume_on: date | None = None,
    verdict: str | None = None,
    cycle_complete_on: date | None = None,
    after_sessions: int | None = None,
) -> ReviewDue | None:
    """The review due for a course: `sessions` (its dates, in order), the latest decision in
    it, the course state, and the progress summary's verdict and latest cycle's completion.
    None: no day yet (or never, when stopped)."""
    if status == CourseStatus.STOPPED:
        return None
    if status == CourseStatus.PAUSED:
        return ReviewDue(resume_on, DueKind.PAUSE_ENDED, latest and latest.reviewed_on)
    candidates = []
    if latest is None:
        if len(sessions) >= FIRST_REVIEW_AFTER_CYCLES:
            complete = sessions[1] + timedelta(INTERVAL_DAYS)
            third = sessions[2] if len(sessions) > 2 else complete
            candidates.append(ReviewDue(min(third, complete), DueKind.CYCLE_2))
    elif latest.decision == Decision.CONTINUE:
        decided = latest.reviewed_on
        after = [day for day in sessions if day > decided]
        wanted = after_sessions or settings.RE_REVIEW_AFTER_SESSIONS
        if len(after) >= wanted:
            candidates.append(ReviewDue(after[wanted - 1], DueKind.RE_REVIEW, decided))
        if verdict in TURNING_VERDICTS and cycle_complete_on and cycle_complete_on > decided:
            candidates.append(ReviewDue(cycle_complete_on, DueKind(verdict), decided))
    elif latest.decision == Decision.EXTEND:
        decided = latest.reviewed_on
        since = [day for day in sessions if day >= decided]
        if since:
            complete = since[0] + timedelta(INTERVAL_DAYS)
            nxt = since[1] if len(since) > 1 else complete
            candidates.append(ReviewDue(min(nxt, complete), DueKind.EXTEND, decided))
    return min(candidates, key=lambda due: (due.since, due.kind), default=None)


def with_review_due(patients, today: date):
    """`patients` annotated from the review summary (the rule above, computed by its trigger
    SQL): `review_due` (due today or earlier), `review_due_since`, `review_due_kind`, and the
    latest decision of the current course, `latest_decision` and `latest_reviewed_on`."""
    due = Q(review_summary__due_since__lte=today)
    return patients.annotate(
        latest_decision=F("review_summary__latest_decision"),
        latest_reviewed_on=F("review_summary__latest_reviewed_on"),
        review_due_since=F("review_summary__due_since"),
        review_due_kind=F("review_summary__due_kind"),
        review_due=ExpressionWrapper(due, output_field=BooleanField()),
    )


def patients_due_review(today: date, *, within_days: int = 0):
    """Patients (not discharged) whose review is due as of `today`, or falls due within
    `within_days` (the desk books the review for the visit that opens the next cycle)."""
    patients = Patient.objects.exclude(status=Patient.Status.DISCHARGED)
    return with_review_due(patients, today + timedelta(days=within_days)).filter(review_due=True)


def patients_watched(today: date):
    """Patients whose progress summary the rule reads: those due, and those continued (a
    verdict that turns makes their review due)."""
    continued = Q(review_summary__latest_decision=Decision.CONTINUE) & Q(
        course__status=CourseStatus.ACTIVE
    )
    patients = Patient.objects.exclude(status=Patient.Status.DISCHARGED)
    return with_review_due(patients, today).filter(Q(review_due=True) | continued)


def due_of(patient) -> ReviewDue | None:
    """The review due from `with_review_due`'s annotations (no query)."""
    if patient.review_due_since is None:
        return None
    return ReviewDue(patient.review_due_since, patient.review_due_kind, patient.latest_reviewed_on)


def review_due_for(patient) -> ReviewDue | None:
    """One patient's review due, from the review summary (one query)."""
    row = ReviewSummary.objects.filter(patient=patient).first()
    if row is None or row.due_since is None:
        return None
    return ReviewDue(row.due_since, row.due_kind, row.latest_reviewed_on)


def latest_review(patient) -> LatestReview | None:
    """The patient's latest decision, of any course."""
    row = patient.reviews.order_by("-reviewed_on", "-id").values("decision", "reviewed_on").first()
    return LatestReview(**row) if row else None
