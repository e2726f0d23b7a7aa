"""The neurologist's review queue: every patient whose review is due (`reviews.due`), not
discharged, with why and since when; the longest overdue first.

The queue reads the derived summaries (the course, review and progress summaries), so
filtering, sorting and paging happen in PostgreSQL, and the page costs the same whatever the
size of the clinic: count, one page of rows. It never writes: the summaries are brought up to
date where data is written and by the periodic job (`reviews/summaries.py`).
"""

from datetime import date

from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, F, IntegerField, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce

from reviews.due import DueKind, due_of, patients_due_review
from reviews.models import Verdict
from reviews.progress import progress_for_patients
from reviews.summaries import summary_of
from scheduling.models import Appointment
from treatments.models import AdverseEvent

PAGE_SIZE = 50
# A review falls due only once two cycles are complete, so these never reach the queue.
NOT_IN_QUEUE = {Verdict.AWAITING_BASELINE, Verdict.AWAITING_CYCLE_2}
QUEUE_VERDICTS = [(value, label) for value, label in Verdict.choices if value not in NOT_IN_QUEUE]
VERDICT_ORDER = Case(
    *(When(progress_summary__verdict=value, then=Value(i)) for i, value in enumerate(Verdict)),
    output_field=IntegerField(),
)
ORDERINGS = {
    "due": ["review_summary__due_since", "family_name", "pk"],
    "next": [F("course__injection_due_on").asc(nulls_last=True), "family_name", "pk"],
    "name": ["family_name", "given_name", "pk"],
    "reduction": [F("progress_summary__reduction").asc(nulls_last=True), "family_name", "pk"],
    "verdict": [VERDICT_ORDER, "review_summary__due_since", "pk"],
}
SORTS = [
    ("due", "Due longest"),
    ("next", "Next session due"),
    ("name", "Name"),
    ("reduction", "Reduction"),
    ("verdict", "Verdict"),
]


def _annotated(patients, today: date):
    """The columns the queue shows beyond the summaries, as subqueries on one page of rows."""
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
    return patients.select_related("course", "progress_summary").annotate(
        next_due_on=F("course__injection_due_on"),
        next_appointment_at=Subquery(next_appointment[:1]),
        serious_events=Coalesce(Subquery(serious, output_field=IntegerField()), Value(0)),
    )


def review_queue(
    today: date, *, verdict: str = "", why: str = "", sort: str = "due", page=1
) -> Page:
    """One page of the queue as of `today`, optionally one verdict or one reason only."""
    patients = patients_due_review(today)
    if verdict:
        patients = patients.filter(progress_summary__verdict=verdict)
    if why:
        patients = patients.filter(review_summary__due_kind=why)
    ordered = _annotated(patients, today).order_by(*ORDERINGS.get(sort, ORDERINGS["due"]))
    found = Paginator(ordered, PAGE_SIZE).get_page(page)
    found.object_list = _with_current_summaries(list(found.object_list), today)
    return found


def _with_current_summaries(patients: list, today: date) -> list:
    """Rows whose stored summary is missing or not as of `today` (the nightly job has not run
    yet, or a write's refresh is still to commit) get one computed now, for display only."""
    stale = [p for p in patients if getattr(p, "progress_summary", None) is None]
    stale += [p for p in patients if p not in stale and p.progress_summary.as_of != today]
    if stale:
        progress = progress_for_patients([p.pk for p in stale], today)
        for patient in stale:
            patient.progress_summary = summary_of(progress[patient.pk])
    for patient in patients:
        patient.due = due_of(patient)
        patient.days_due = patient.due.days_due(today)
    return patients


def queue_context(params, today: date) -> dict:
    """Context for the queue on the neurologist home, from the page's GET parameters."""
    verdict = params.get("verdict", "")
    verdict = verdict if verdict in dict(QUEUE_VERDICTS) else ""
    why = params.get("why", "")
    why = why if why in DueKind.values else ""
    sort = params.get("sort", "due")
    sort = sort if sort in ORDERINGS else "due"
    query = params.copy()
    query.pop("page", None)
    return {
        "queue": review_queue(today, verdict=verdict, why=why, sort=sort, page=params.get("page")),
        "queue_verdict": verdict,
        "queue_why": why,
        "queue_sort": sort,
        "queue_query": query.urlencode(),
        "verdicts": QUEUE_VERDICTS,
        "whys": DueKind.choices,
        "sorts": SORTS,
    }
