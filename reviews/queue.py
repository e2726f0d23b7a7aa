"""The neurologist's review queue: patients whose review is due (`reviews.due`), not discharged.

The queue reads the derived summaries (the course summary and the progress summaries), so
filtering, sorting and paging happen in PostgreSQL, and the page costs the same whatever the
size of the clinic: count, one page of rows. It never writes: the summaries are brought up to
date where data is written and by the periodic job (`reviews/summaries.py`).
"""

from datetime import date

from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from reviews.due import due_reason, latest_of, patients_due_review
from reviews.models import Verdict
from reviews.progress import progress_for_patients
from reviews.summaries import summary_of
from scheduling.models import Appointment
from treatments.models import AdverseEvent

PAGE_SIZE = 50
VERDICT_ORDER = Case(
    *(When(progress_summary__verdict=value, then=Value(i)) for i, value in enumerate(Verdict)),
    output_field=IntegerField(),
)
ORDERINGS = {
    "due": ["course__injection_due_on", "family_name", "pk"],
    "name": ["family_name", "given_name", "pk"],
    "reduction": [F("progress_summary__reduction").asc(nulls_last=True), "family_name", "pk"],
    "verdict": [VERDICT_ORDER, "course__injection_due_on", "pk"],
}
SORTS = [
    ("due", "Next session due"),
    ("name", "Name"),
    ("reduction", "Reduction"),
    ("verdict", "Verdict"),
]


def queue_patients(today: date):
    """Patients whose review is due (`reviews.due`), for the queue."""
    return patients_due_review(today)


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


def review_queue(today: date, *, verdict: str = "", sort: str = "due", page=1) -> Page:
    """One page of the queue as of `today`, optionally one verdict only, sorted by `sort`."""
    patients = queue_patients(today)
    if verdict:
        patients = patients.filter(progress_summary__verdict=verdict)
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
        patient.due_reason = due_reason(patient.course.session_count, latest_of(patient))
    return patients


def queue_context(params, today: date) -> dict:
    """Context for the queue on the neurologist home, from the page's GET parameters."""
    verdict = params.get("verdict", "")
    verdict = verdict if verdict in Verdict.values else ""
    sort = params.get("sort", "due")
    sort = sort if sort in ORDERINGS else "due"
    query = params.copy()
    query.pop("page", None)
    return {
        "queue": review_queue(today, verdict=verdict, sort=sort, page=params.get("page")),
        "queue_verdict": verdict,
        "queue_sort": sort,
        "queue_query": query.urlencode(),
        "verdicts": Verdict.choices,
        "sorts": SORTS,
    }
