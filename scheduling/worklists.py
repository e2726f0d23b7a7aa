"""Front desk's worklists: who needs booking, each list one SQL query (DOMAIN.md §1).

The reviews due are the review app's list (`reviews.home`), on the same page.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Q
from django.utils import timezone

from patients.models import Patient
from scheduling.calendar import local_datetime
from scheduling.calls import calls_first, with_calls
from scheduling.courses import bookings_against_course, paused_or_stopped
from scheduling.models import Appointment

DUE_SOON_DAYS = 14
MISSED_LOOKBACK_DAYS = 90
ROWS = 25  # per list: a working batch; the page says when there are more
Status = Appointment.Status
Kind = Appointment.Kind
UPCOMING = [Status.BOOKED, Status.ARRIVED]


@dataclass
class Worklists:
    """Each list's first `rows` rows, and in `counts` how many each list has in all."""

    due_soon: list
    overdue: list
    not_rebooked: list
    against_course: list
    counts: dict
    rows: int = ROWS


def booked_ahead(field: str, today: date) -> Q:
    """A patient's latest booking of a kind (`course__booked_injection_at` or
    `course__booked_review_at`) is today or later."""
    since = local_datetime(today, time.min)
    return Q(**{f"{field}__isnull": False, f"{field}__gte": since})


def patients_with_due_dates(today: date):
    """Active patients who have had an injection, with `due_on` and whether one is booked;
    not those whose course is stopped, or paused until after `today` (a pause that has ended
    brings the patient back).

    Due dates come from the course summaries (`scheduling.due_dates`), so each list is a range
    scan of an index on the due date, whatever the number of patients.
    """
    booked = booked_ahead("course__booked_injection_at", today)
    return (
        Patient.objects.filter(course__active=True, course__last_injection_on__isnull=False)
        .exclude(paused_or_stopped(today))
        .annotate(
            last_injection_on=F("course__last_injection_on"),
            due_on=F("course__injection_due_on"),
            session_count=F("course__session_count"),
            injection_booked=ExpressionWrapper(booked, output_field=BooleanField()),
        )
        .order_by("due_on", "family_name")
    )


def missed_not_rebooked(today: date):
    """No-shows and cancellations of the last 90 days with nothing booked since."""
    rebooked = Appointment.objects.filter(
        patient=OuterRef("patient"), status__in=[*UPCOMING, Status.COMPLETED]
    ).filter(
        Q(starts_at__gt=OuterRef("starts_at")) | Q(created_at__gt=OuterRef("status_changed_at"))
    )
    since = local_datetime(today - timedelta(days=MISSED_LOOKBACK_DAYS), time.min)
    missed = Appointment.objects.filter(
        status__in=[Status.NO_SHOW, Status.CANCELLED], starts_at__gte=since
    )
    missed_later = missed.filter(patient=OuterRef("patient"), starts_at__gt=OuterRef("starts_at"))
    return (
        missed.filter(patient__status=Patient.Status.ACTIVE)
        .exclude(Exists(rebooked))
        .exclude(Exists(missed_later))  # one row a patient: the latest miss
    )


def front_desk_worklists(today: date, now: datetime | None = None) -> Worklists:
    """Every list as of `today`; bookings against the course from `now` (default: the clock).

    Each patient is on one list. A missed appointment not rebooked takes precedence over
    "overdue" and "due soon": the desk rebooks a missed appointment, and its row says why
    the patient is there. Rows tried fewer times, longer ago, come first (`scheduling.calls`).
    """
    now = now or timezone.now()
    missed = missed_not_rebooked(today)
    unbooked = (
        patients_with_due_dates(today)
        .filter(injection_booked=False)
        .exclude(Exists(missed.filter(patient=OuterRef("pk"))))
    )
    due_soon = unbooked.filter(due_on__range=(today, today + timedelta(days=DUE_SOON_DAYS)))
    overdue = unbooked.filter(due_on__lt=today)
    patient_lists = {"due_soon": due_soon, "overdue": overdue}
    counts = {name: rows.count() for name, rows in patient_lists.items()}
    counts["not_rebooked"] = missed.count()
    calls = {
        name: list(calls_first(with_calls(rows, "pk", now), "due_on", "family_name")[:ROWS])
        for name, rows in patient_lists.items()
    }
    missed_rows = with_calls(missed.for_display(), "patient", now)
    return Worklists(
        **calls,
        counts=counts,
        not_rebooked=list(calls_first(missed_rows, "-starts_at")[:ROWS]),
        against_course=list(bookings_against_course(today, now)[:ROWS]),
    )
