"""The demo shows each decision and each course state, and its injection worklists are never
empty; seeding again adds nothing."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from clinic.roles import Role
from demo.accounts import demo_staff
from demo.courses import COURSES, seed_courses
from reviews.due import patients_due_review
from reviews.models import Decision, Review
from scheduling.courses import bookings_against_course, courses_of
from scheduling.models import Appointment, CourseState
from scheduling.worklists import front_desk_worklists

pytestmark = pytest.mark.django_db


def test_each_decision_and_course_state_appears_and_the_worklists_are_not_empty():
    today = timezone.localdate()
    call_command("seed_demo")
    counts = (Review.objects.count(), CourseState.history.count(), Appointment.objects.count())
    seed_courses(neurologists=demo_staff()[Role.NEUROLOGIST], today=today)
    assert (Review.objects.count(), CourseState.history.count(), Appointment.objects.count()) == (
        counts
    )

    demo = [
        state.patient_id for state in CourseState.objects.filter(patient__mrn__startswith="DEMOC")
    ]
    assert len(demo) == len(COURSES)
    assert set(Review.objects.values_list("decision", flat=True)) == set(Decision)
    states = {course.status for course in courses_of(demo, today).values()}
    assert states == {"active", "paused", "stopped", "not-started"}
    lists = front_desk_worklists(today)
    assert lists.overdue and lists.due_soon
    assert {a.patient.family_name for a in bookings_against_course(today, timezone.now())} == {
        "Paused",
        "Stopped",
    }
    assert patients_due_review(today).filter(family_name="Resumed").exists()  # the pause ended
