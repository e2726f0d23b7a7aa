"""One due date everywhere: the Python rule (`scheduling.due_dates.next_injection_due`) and the
course summary's SQL (`scheduling/triggers.py`) agree, and every page shows the same day.

The disagreement the refactor fixed: an injection appointment completed at the desk before the
session is written up counted on some pages (the due date moved on) and not on others.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse

from scheduling.due_dates import injection_due_on, next_injection_due
from scheduling.models import Appointment, CourseState, CourseStatus, CourseSummary
from tests.factories import (
    AppointmentFactory,
    InjectionSessionFactory,
    PatientFactory,
    UserFactory,
)
from tests.scheduling.calendar_setup import at

pytestmark = pytest.mark.django_db
Kind = Appointment.Kind
Status = Appointment.Status

AUG_7 = date(2026, 8, 7)  # the last session written up
SEP_12 = date(2026, 9, 12)  # an injection appointment completed, no session written up yet
DUE = date(2026, 12, 5)  # SEP_12 + 84
SESSION_ONLY_DUE = date(2026, 10, 30)  # AUG_7 + 84: what ignoring the appointment would say
TODAY = date(2026, 11, 24)  # due in 11 days: on the desk's due-soon list and in the queue


@pytest.fixture
def pinned():
    noon = datetime.combine(TODAY, time(12), tzinfo=ZoneInfo(settings.TIME_ZONE))
    with time_machine.travel(noon, tick=False):
        yield TODAY


def section(html: str, testid: str, end: str) -> str:
    start = html[html.index(f'data-testid="{testid}"') :]
    return start[: start.index(end)]


def test_every_page_shows_the_same_due_date(pinned, neurologist, front_desk):
    patient = PatientFactory(given_name="Dora", family_name="Duedate")
    for day in (AUG_7 - timedelta(days=84), AUG_7):  # two sessions: the review comes next
        InjectionSessionFactory(patient=patient, performed_on=day)
    AppointmentFactory(patient=patient, starts_at=at(SEP_12, 10), status=Status.COMPLETED)
    assert next_injection_due(AUG_7, SEP_12) == DUE
    assert injection_due_on(patient) == DUE

    desk = Client()
    desk.force_login(front_desk)
    clinician = Client()
    clinician.force_login(neurologist)

    chart = desk.get(reverse("patients:chart", args=[patient.pk])).text
    booking = desk.get(reverse("schedule:book_next", args=[patient.pk])).text
    worklist = desk.get(reverse("front_desk_home")).text
    queue = clinician.get(reverse("neurologist_home")).text

    shown = {
        "chart": section(chart, "next-due", "</strong>"),
        "booking": section(booking, "due", "</p>"),
        "worklist": section(worklist, "due-soon", "</section>"),
        "queue": section(queue, "queue-row", "</tr>"),
    }
    # The queue also says why the review is due: cycle 2 complete 84 days after session 2
    # (sessions count, not the completed appointment); the due date is the same as elsewhere.
    assert "Cycle 2 complete on 30 Oct 2026" in shown["queue"]
    shown["queue"] = shown["queue"][shown["queue"].index("session due") :]
    assert "5 Dec 2026" in shown["chart"]
    assert "Saturday 5 December 2026" in shown["booking"]
    assert "Dora Duedate" in shown["worklist"] and "due 5 Dec 2026" in shown["worklist"]
    assert "session due 5 Dec 2026" in shown["queue"]
    for where, html in shown.items():
        assert "30 Oct 2026" not in html and "30 October 2026" not in html, where
    assert "Dora Duedate" not in section(worklist, "overdue", "</section>")  # not by 30 Oct


def session(day: date) -> tuple[str, date]:
    return ("session", day)


def appointment(day: date, kind=Kind.INJECTION, status=Status.COMPLETED, hour=10, minute=0):
    return ("appointment", (day, kind, status, hour, minute))


# (id, what is recorded, the due date)
CASES = [
    ("no session", [], None),
    ("session only", [session(AUG_7)], SESSION_ONLY_DUE),
    (
        "the later of two sessions",
        [session(AUG_7 - timedelta(days=90)), session(AUG_7)],
        SESSION_ONLY_DUE,
    ),
    ("completed appointment later than the session", [session(AUG_7), appointment(SEP_12)], DUE),
    (
        "completed appointment earlier than the session",
        [session(AUG_7), appointment(AUG_7 - timedelta(days=30))],
        SESSION_ONLY_DUE,
    ),
    ("completed appointment, no session", [appointment(SEP_12)], DUE),
    (
        "cancelled appointment ignored",
        [session(AUG_7), appointment(SEP_12, status=Status.CANCELLED)],
        SESSION_ONLY_DUE,
    ),
    (
        "booked appointment ignored",
        [session(AUG_7), appointment(SEP_12, status=Status.BOOKED)],
        SESSION_ONLY_DUE,
    ),
    (
        "arrived appointment ignored",
        [session(AUG_7), appointment(SEP_12, status=Status.ARRIVED)],
        SESSION_ONLY_DUE,
    ),
    (
        "no-show ignored",
        [session(AUG_7), appointment(SEP_12, status=Status.NO_SHOW)],
        SESSION_ONLY_DUE,
    ),
    (
        "completed review appointment ignored",
        [session(AUG_7), appointment(SEP_12, kind=Kind.REVIEW)],
        SESSION_ONLY_DUE,
    ),
    (
        "completed just after midnight counts on the local day",  # 23:30 UTC the day before
        [session(AUG_7), appointment(SEP_12, hour=0, minute=30)],
        DUE,
    ),
]


def record(patient, entries) -> tuple[date | None, date | None]:
    """Write `entries` for `patient`; return the Python rule's inputs read from the same data:
    the last session, and the local day of the last completed injection appointment."""
    sessions, completed = [], []
    for what, detail in entries:
        if what == "session":
            InjectionSessionFactory(patient=patient, performed_on=detail)
            sessions.append(detail)
            continue
        day, kind, status, hour, minute = detail
        AppointmentFactory(
            patient=patient,
            kind=kind,
            status=status,
            starts_at=at(day, hour, minute),
            cancellation_reason="Patient unwell" if status == Status.CANCELLED else "",
        )
        if kind == Kind.INJECTION and status == Status.COMPLETED:
            completed.append(day)
    return max(sessions, default=None), max(completed, default=None)


@pytest.mark.parametrize(
    ("entries", "due"), [case[1:] for case in CASES], ids=[c[0] for c in CASES]
)
def test_the_python_rule_and_the_course_summary_sql_agree(entries, due):
    patient = PatientFactory()
    last_session_on, last_completed_on = record(patient, entries)
    in_python = next_injection_due(last_session_on, last_completed_on)
    in_sql = CourseSummary.objects.get(patient=patient).injection_due_on
    assert in_python == in_sql == due


RESUME = date(2027, 1, 10)
EARLY_RESUME = date(2026, 10, 1)  # before the 84 days are up

# (id, course status, resume date, the due date by hand)
COURSE_CASES = [
    ("active", CourseStatus.ACTIVE, None, DUE),
    ("stopped: no injection due", CourseStatus.STOPPED, None, None),
    ("paused until after the 84 days: the resume date", CourseStatus.PAUSED, RESUME, RESUME),
    ("paused until before the 84 days: 84 days after", CourseStatus.PAUSED, EARLY_RESUME, DUE),
]


@pytest.mark.parametrize(
    ("status", "resume_on", "due"),
    [case[1:] for case in COURSE_CASES],
    ids=[c[0] for c in COURSE_CASES],
)
def test_the_course_state_moves_the_due_date_alike_in_python_and_sql(status, resume_on, due):
    patient = PatientFactory()
    last_session_on, last_completed_on = record(patient, [session(AUG_7), appointment(SEP_12)])
    CourseState.objects.create(
        patient=patient, status=status, since=SEP_12, resume_on=resume_on, changed_by=UserFactory()
    )
    in_python = next_injection_due(last_session_on, last_completed_on, status, resume_on)
    summary = CourseSummary.objects.get(patient=patient)
    assert in_python == summary.injection_due_on == due
    assert (summary.status, summary.resume_on) == (status, resume_on)


def test_a_restart_counts_only_the_new_course_sessions():
    patient = PatientFactory()
    record(patient, [session(AUG_7 - timedelta(days=84)), session(AUG_7), session(SEP_12)])
    CourseState.objects.create(
        patient=patient,
        status=CourseStatus.ACTIVE,
        since=date(2026, 9, 1),
        started_on=date(2026, 9, 1),
        changed_by=UserFactory(),
    )
    summary = CourseSummary.objects.get(patient=patient)
    assert (summary.session_count, summary.course_started_on) == (1, date(2026, 9, 1))
    assert summary.injection_due_on == DUE  # the due date still follows the last injection
