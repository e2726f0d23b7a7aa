"""Scheduling's sections of the home pages: the desk's worklists, the patient's appointments."""

from django.db.models import Count, Q
from django.utils import timezone

from clinic.sections import Section
from scheduling.agenda import upcoming_for_patient
from scheduling.courses import course_of
from scheduling.models import CallAttempt, SlotOffer, WaitlistEntry
from scheduling.reminder_desk import reminder_counts
from scheduling.worklists import ROWS, front_desk_worklists

WORKLIST = "scheduling/worklist_patients.html"


def worklists(*, request, today) -> list[Section]:
    now = timezone.now()
    lists = front_desk_worklists(today, now)
    common = {"rows_per_list": ROWS, "today": today, "call_outcomes": CallAttempt.Outcome.choices}
    return [
        Section(
            "Injections booked for a stopped or paused course",
            "scheduling/partials/against_course.html",
            {**common, "against_course": lists.against_course},
        ),
        Section(
            "Overdue, nothing booked",
            WORKLIST,
            {
                **common,
                "title": "Overdue, nothing booked",
                "rows": lists.overdue,
                "count": lists.counts["overdue"],
                "testid": "overdue",
                "empty": "Nobody is overdue. Patients whose injection was due more than 84 days "
                "after the last, with nothing booked, appear here.",
            },
        ),
        Section(
            "Due in the next 14 days, not booked",
            WORKLIST,
            {
                **common,
                "title": "Due in the next 14 days, not booked",
                "rows": lists.due_soon,
                "count": lists.counts["due_soon"],
                "testid": "due-soon",
                "empty": "Everyone due in the next two weeks has an injection booked.",
            },
        ),
        Section(
            "Did not attend or cancelled, not rebooked",
            "scheduling/partials/not_rebooked.html",
            {
                **common,
                "not_rebooked": lists.not_rebooked,
                "count": lists.counts["not_rebooked"],
                "testid": "not-rebooked",
            },
        ),
        Section(
            "Reminders",
            "scheduling/partials/reminders_summary.html",
            {"counts": reminder_counts(now)},
        ),
    ]


def waitlist(*, request, today) -> list[Section]:
    """The waitlist's link, with how many wait and how many offers await an answer."""
    now = timezone.now()
    counts = WaitlistEntry.objects.filter(status=WaitlistEntry.Status.WAITING).aggregate(
        waiting=Count("pk", distinct=True),
        offered=Count(
            "offers",
            filter=Q(offers__state=SlotOffer.State.OFFERED, offers__expires_at__gt=now),
        ),
    )
    return [Section("Waitlist", "scheduling/waitlist/home_section.html", counts)]


def portal_appointments(*, patient, today) -> list[Section]:
    return [
        Section(
            "Your appointments",
            "scheduling/portal_appointments.html",
            {"appointments": upcoming_for_patient(patient), "course": course_of(patient, today)},
        )
    ]
