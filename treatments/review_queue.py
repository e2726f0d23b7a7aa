"""The neurologist's review queue: patients whose review after two or three cycles is due or near.

A patient is in the queue when they have had at least two sessions, their third (or later)
session is due within 28 days or cycle 2 is already complete, they are not discharged, and
they have no review yet, or the last one chose one more cycle and a session has happened since.
Five queries, whatever the number of patients.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from patients.models import Patient
from treatments.courses import with_latest_session
from treatments.models import AdverseEvent, Appointment, Decision, Review, Verdict
from treatments.progress import Progress, progress_for_patients, rounded

NEAR_DAYS = 28
SORTS = {
    "due": lambda entry: (entry.patient.next_due_on, entry.patient.family_name),
    "name": lambda entry: (entry.patient.family_name, entry.patient.given_name),
    "reduction": lambda entry: (
        entry.progress.latest_reduction is None,
        entry.progress.latest_reduction or 0,
    ),
    "verdict": lambda entry: (
        list(Verdict).index(entry.progress.verdict),
        entry.patient.next_due_on,
    ),
}


@dataclass(frozen=True)
class QueueEntry:
    # annotated with last_session_on, next_due_on, session_count, serious_events and
    # next_appointment_at
    patient: Patient
    progress: Progress

    @property
    def baseline_rate(self):
        return rounded(self.progress.baseline.headache_rate)

    @property
    def latest_rate(self):
        cycle = self.progress.latest_complete_cycle
        return rounded(cycle.headache_rate) if cycle else None

    @property
    def reduction(self):
        return rounded(self.progress.latest_reduction)

    @property
    def coverage(self):
        cycle = self.progress.latest_complete_cycle
        if cycle is None:
            return None
        return rounded(Fraction(cycle.days_logged * 100, cycle.days_in_window))


def queue_patients(today: date):
    """Patients due or near review, annotated for the queue, in one query."""
    last_review = Review.objects.filter(patient=OuterRef("pk")).order_by("-reviewed_on", "-id")
    serious = (
        AdverseEvent.objects.filter(session__patient=OuterRef("pk"), serious=True)
        .order_by()
        .values("session__patient")
        .annotate(total=Count("pk"))
        .values("total")
    )
    next_appointment = (
        Appointment.objects.live()
        .filter(patient=OuterRef("pk"), starts_at__date__gte=today)
        .order_by("starts_at")
        .values("starts_at")
    )
    return (
        with_latest_session(Patient.objects.exclude(status=Patient.Status.DISCHARGED))
        .annotate(
            last_review_on=Subquery(last_review.values("reviewed_on")[:1]),
            last_decision=Subquery(last_review.values("decision")[:1]),
            next_appointment_at=Subquery(next_appointment[:1]),
            serious_events=Coalesce(Subquery(serious, output_field=IntegerField()), Value(0)),
        )
        .filter(session_count__gte=2)
        .filter(Q(session_count__gte=3) | Q(next_due_on__lte=today + timedelta(days=NEAR_DAYS)))
        .filter(
            Q(last_review_on__isnull=True)
            | Q(last_decision=Decision.EXTEND, last_review_on__lt=F("last_session_on"))
        )
    )


def review_queue(today: date, *, verdict: str = "", sort: str = "due") -> list[QueueEntry]:
    """The queue as of `today`, optionally only one verdict, sorted by `sort` (see SORTS)."""
    patients = list(queue_patients(today))
    progress = progress_for_patients([patient.pk for patient in patients], today)
    entries = [QueueEntry(patient, progress[patient.pk]) for patient in patients]
    if verdict:
        entries = [entry for entry in entries if entry.progress.verdict == verdict]
    return sorted(entries, key=SORTS.get(sort, SORTS["due"]))


def queue_context(params, today: date) -> dict:
    """Context for the queue on the neurologist home, from the page's GET parameters."""
    verdict = params.get("verdict", "")
    verdict = verdict if verdict in Verdict.values else ""
    sort = params.get("sort", "due")
    sort = sort if sort in SORTS else "due"
    return {
        "queue": review_queue(today, verdict=verdict, sort=sort),
        "queue_verdict": verdict,
        "queue_sort": sort,
        "verdicts": Verdict.choices,
        "sorts": [
            ("due", "Next session due"),
            ("name", "Name"),
            ("reduction", "Reduction"),
            ("verdict", "Verdict"),
        ],
    }
