"""The neurologist's review queue: patients whose review after two or three cycles is due or near.

A patient is in the queue when they have had at least two sessions, their third (or later)
session is due within 28 days or cycle 2 is already complete, they are not discharged, and
they have no review yet, or the last one chose one more cycle and a session has happened since.

The queue reads the derived summaries (`treatments.models.summaries`), so filtering, sorting
and paging happen in PostgreSQL on indexed columns, and the page costs the same whatever the
size of the clinic: refresh what changed, count, one page of rows.
"""

from datetime import date, timedelta

from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    Count,
    DateField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from patients.models import Patient
from treatments.courses import INTERVAL_DAYS
from treatments.models import AdverseEvent, Appointment, Verdict
from treatments.summaries import refresh_courses, refresh_stale_progress

NEAR_DAYS = 28
PAGE_SIZE = 50
VERDICT_ORDER = Case(
    *(When(progress_summary__verdict=value, then=Value(i)) for i, value in enumerate(Verdict)),
    output_field=IntegerField(),
)
ORDERINGS = {
    "due": ["course__last_session_on", "family_name", "pk"],
    "name": ["family_name", "given_name", "pk"],
    "reduction": [F("progress_summary__reduction").asc(nulls_last=True), "family_name", "pk"],
    "verdict": [VERDICT_ORDER, "course__last_session_on", "pk"],
}
SORTS = [
    ("due", "Next session due"),
    ("name", "Name"),
    ("reduction", "Reduction"),
    ("verdict", "Verdict"),
]


def queue_patients(today: date):
    """Patients due or near review; read after `refresh_courses()`."""
    near = today + timedelta(days=NEAR_DAYS - INTERVAL_DAYS)  # next session due by today + 28
    return (
        Patient.objects.exclude(status=Patient.Status.DISCHARGED)
        .filter(course__review_pending=True)
        .filter(Q(course__session_count__gte=3) | Q(course__last_session_on__lte=near))
    )


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
        next_due_on=ExpressionWrapper(
            F("course__last_session_on") + Value(INTERVAL_DAYS), output_field=DateField()
        ),
        next_appointment_at=Subquery(next_appointment[:1]),
        serious_events=Coalesce(Subquery(serious, output_field=IntegerField()), Value(0)),
    )


def review_queue(today: date, *, verdict: str = "", sort: str = "due", page=1) -> Page:
    """One page of the queue as of `today`, optionally one verdict only, sorted by `sort`."""
    refresh_courses()
    patients = queue_patients(today)
    refresh_stale_progress(patients, today)
    if verdict:
        patients = patients.filter(progress_summary__verdict=verdict)
    ordered = _annotated(patients, today).order_by(*ORDERINGS.get(sort, ORDERINGS["due"]))
    return Paginator(ordered, PAGE_SIZE).get_page(page)


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
