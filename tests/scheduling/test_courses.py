"""Decisions drive the course (DOMAIN.md §4): the state each decision leaves, restarts, what the
chart, the worklists, the booking pages, the portal and the session form then say, and the
future bookings a stop or pause leaves for the desk. Bad input is refused with nothing saved.

The clock stands at noon on Monday 23 Nov 2026; the patient's sessions were 84 days apart, the
last (session 3) on 9 Nov 2026: the next injection would be due on 1 Feb 2027.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from reviews.models import Review
from reviews.progress import patient_progress
from reviews.reviewing import review_record
from scheduling.courses import (
    bookings_against_course,
    course_of,
    course_restart,
    session_warnings,
)
from scheduling.models import Appointment, CourseState, CourseStatus
from scheduling.worklists import front_desk_worklists
from tests.factories import AppointmentFactory, InjectionSessionFactory, PatientFactory
from treatments.session_warnings import warnings_for

pytestmark = [pytest.mark.django_db, pytest.mark.today(date(2026, 11, 23))]

TODAY = date(2026, 11, 23)
S3 = date(2026, 11, 9)
SESSIONS = [S3 - timedelta(days=168), S3 - timedelta(days=84), S3]
DUE = S3 + timedelta(days=84)  # 1 Feb 2027
RESUME = date(2027, 3, 1)
NOW = datetime.combine(TODAY, time(12), tzinfo=ZoneInfo(settings.TIME_ZONE))


def treated(**patient):
    person = PatientFactory(**patient)
    for day in SESSIONS:
        InjectionSessionFactory(patient=person, performed_on=day)
    return person


def decide(patient, by, decision, reason="Discussed with the patient", resume_on=None, on=TODAY):
    review = Review(
        patient=patient, reviewed_on=on, decision=decision, reason=reason, resume_on=resume_on
    )
    return review_record(review=review, reviewed_by=by, today=TODAY)


def booked_injection(patient, day: date) -> Appointment:
    return AppointmentFactory(
        patient=patient, starts_at=datetime.combine(day, time(10), tzinfo=NOW.tzinfo)
    )


@pytest.mark.parametrize(
    ("decision", "resume_on", "status", "due"),
    [
        ("continue", None, "active", DUE),
        ("extend", None, "active", DUE),
        ("pause", RESUME, "paused", RESUME),
        ("stop", None, "stopped", None),
    ],
)
def test_each_decision_sets_the_course(neurologist, decision, resume_on, status, due):
    patient = treated()
    decide(patient, neurologist, decision, resume_on=resume_on)
    course = course_of(patient, TODAY)
    assert (course.status, course.next_injection_due) == (status, due)
    state = CourseState.objects.get(patient=patient)
    assert (state.since, state.changed_by) == (TODAY, neurologist)
    assert state.history.count() == 1


def test_a_pause_ends_on_its_resume_date(neurologist):
    patient = treated()
    decide(patient, neurologist, "pause", resume_on=RESUME)
    assert course_of(patient, RESUME - timedelta(days=1)).status == "paused"
    assert course_of(patient, RESUME).status == "active"


def test_the_sentences_the_screens_show(neurologist):
    stopped, paused, active = treated(), treated(), treated()
    decide(stopped, neurologist, "stop")
    decide(paused, neurologist, "pause", resume_on=RESUME)
    assert course_of(stopped, TODAY).due_sentence == "No injection due: stopped on 23 Nov 2026."
    assert course_of(paused, TODAY).due_sentence == "No injection due: paused until 1 Mar 2027."
    assert course_of(active, TODAY).due_sentence == "Next injection due 1 Feb 2027."
    assert course_of(PatientFactory(), TODAY).status == "not-started"


# Bad input: a clear message, nothing saved.


def assert_nothing_saved(patient):
    assert not Review.objects.filter(patient=patient).exists()
    assert not CourseState.objects.filter(patient=patient).exists()


@pytest.mark.parametrize(
    ("decision", "reason", "resume_on", "field", "message"),
    [
        ("stop", "", None, "reason", "why you decide “stop treatment”."),
        ("pause", "", RESUME, "reason", "why you decide “pause (treatment break)”."),
        ("pause", "A break", None, "resume_on", "Give the date treatment resumes"),
        ("pause", "A break", TODAY - timedelta(1), "resume_on", "must be in the future"),
        ("pause", "A break", TODAY, "resume_on", "must be in the future"),
        ("continue", "", RESUME, "resume_on", "Only a pause has a resume date."),
    ],
)
def test_a_decision_with_bad_input_is_refused(
    neurologist, decision, reason, resume_on, field, message
):
    patient = treated()
    with pytest.raises(ValidationError) as error:
        decide(patient, neurologist, decision, reason=reason, resume_on=resume_on)
    assert message in " ".join(error.value.message_dict[field])
    assert_nothing_saved(patient)


def test_a_stop_on_a_patient_with_no_session_is_refused(neurologist):
    patient = PatientFactory()
    with pytest.raises(ValidationError, match="no session in this course to stop"):
        decide(patient, neurologist, "stop")
    assert_nothing_saved(patient)


def test_the_review_form_shows_the_messages_and_saves_nothing(neurologist_client):
    patient = PatientFactory()
    url = reverse("progress:review_add", args=[patient.pk])
    response = neurologist_client.post(
        url, {"reviewed_on": TODAY.isoformat(), "decision": "stop", "reason": "No benefit"}
    )
    assert response.status_code == 200
    assert "no session in this course to stop" in response.text
    response = neurologist_client.post(
        url,
        {
            "reviewed_on": TODAY.isoformat(),
            "decision": "pause",
            "resume_on": "2026-11-01",
            "reason": "A break",
        },
    )
    assert "The resume date must be in the future, after the pause." in response.text
    response = neurologist_client.post(url, {"reviewed_on": TODAY.isoformat(), "decision": "pause"})
    assert "Give the date treatment resumes after the pause." in response.text
    assert_nothing_saved(patient)


def test_after_a_stop_only_a_restart_resumes_treatment(neurologist):
    patient = treated()
    decide(patient, neurologist, "stop", on=TODAY - timedelta(days=7))
    with pytest.raises(ValidationError, match="restart the course"):
        decide(patient, neurologist, "continue")
    assert Review.objects.filter(patient=patient).count() == 1


@pytest.mark.parametrize(
    ("started_on", "reason", "message"),
    [
        (None, "Migraine back", "Give the new baseline date"),
        (TODAY + timedelta(1), "Migraine back", "cannot start in the future"),
        (S3, "Migraine back", "must start after the last session (9 Nov 2026)"),
        (TODAY, "", "Record why treatment restarts."),
    ],
)
def test_a_restart_with_bad_input_is_refused(neurologist, started_on, reason, message):
    patient = treated()
    decide(patient, neurologist, "stop", on=S3)
    with pytest.raises(ValidationError) as error:
        course_restart(
            patient=patient, started_on=started_on, reason=reason, by=neurologist, today=TODAY
        )
    assert message in " ".join(error.value.messages)
    assert CourseState.objects.get(patient=patient).status == CourseStatus.STOPPED


def test_an_active_course_cannot_be_restarted(neurologist):
    with pytest.raises(ValidationError, match="nothing to restart"):
        course_restart(patient=treated(), started_on=TODAY, reason="x", by=neurologist, today=TODAY)


def test_a_restart_starts_a_new_course_with_its_own_baseline(neurologist):
    patient = treated()
    decide(patient, neurologist, "stop", on=S3)
    course_restart(
        patient=patient, started_on=TODAY, reason="Migraine back", by=neurologist, today=TODAY
    )
    state = CourseState.objects.get(patient=patient)
    assert (state.status, state.started_on) == (CourseStatus.ACTIVE, TODAY)
    assert [h.status for h in state.history.order_by("history_date", "history_id")] == [
        "stopped",
        "active",
    ]
    assert course_of(patient, TODAY).status == "not-started"
    assert patient_progress(patient, TODAY).sessions == []  # the old course's do not count
    assert len(patient_progress(patient, TODAY - timedelta(days=1)).sessions) == 3  # as of then
    InjectionSessionFactory(patient=patient, performed_on=TODAY)
    progress = patient_progress(patient, TODAY + timedelta(days=1))
    assert progress.sessions == [TODAY]
    assert progress.baseline.window.start == TODAY - timedelta(days=28)


def test_the_restart_page_restarts_and_says_what_is_missing(neurologist_client, neurologist):
    patient = treated()
    decide(patient, neurologist, "stop", on=S3)
    url = reverse("schedule:restart", args=[patient.pk])
    assert "Restart treatment" in neurologist_client.get(url).text
    response = neurologist_client.post(url, {"started_on": "", "reason": "Migraine back"})
    assert "Give the new baseline date" in response.text
    assert CourseState.objects.get(patient=patient).status == CourseStatus.STOPPED
    response = neurologist_client.post(
        url, {"started_on": TODAY.isoformat(), "reason": "Migraine back"}
    )
    assert response.status_code == 302
    assert CourseState.objects.get(patient=patient).status == CourseStatus.ACTIVE


# The session form's warning (the form itself shows and acknowledges it).


def test_the_session_form_is_warned_of_a_standing_stop_or_pause(neurologist):
    stopped, paused = treated(), treated()
    decide(stopped, neurologist, "stop", reason="No benefit after three cycles")
    decide(paused, neurologist, "pause", reason="Converted to episodic", resume_on=RESUME)
    assert session_warnings(stopped, TODAY) == [
        "Treatment was stopped on 23 Nov 2026 (No benefit after three cycles). Record why you "
        "inject again, or restart the course from the progress page."
    ]
    assert warnings_for(paused, TODAY) == [
        "Treatment is paused until 1 Mar 2027 (since 23 Nov 2026) (Converted to episodic). "
        "Record why you inject during the pause."
    ]
    assert warnings_for(paused, RESUME) == []
    assert warnings_for(treated(), TODAY) == []


# Bookings a stop or pause leaves standing.


def test_future_injection_bookings_are_listed_to_cancel_or_keep(neurologist, front_desk):
    stopped, paused, active = treated(), treated(), treated()
    on_stopped = booked_injection(stopped, DUE)
    during_pause = booked_injection(paused, RESUME - timedelta(days=7))
    booked_injection(paused, RESUME + timedelta(days=1))  # after the pause: needed
    booked_injection(active, DUE)
    decide(stopped, neurologist, "stop")
    decide(paused, neurologist, "pause", resume_on=RESUME)
    assert list(bookings_against_course(TODAY, NOW)) == [on_stopped, during_pause]
    assert front_desk_worklists(TODAY, NOW).against_course == [on_stopped, during_pause]


def test_the_desk_keeps_or_cancels_each_and_nothing_is_deleted(client, neurologist, front_desk):
    kept, cancelled = treated(), treated()
    keep_booking = booked_injection(kept, DUE)
    cancel_booking = booked_injection(cancelled, DUE)
    for patient in (kept, cancelled):
        decide(patient, neurologist, "stop", reason="No benefit")
    client.force_login(front_desk)
    html = client.get(reverse("front_desk_home")).text
    listed = html[html.index('data-testid="against-course"') :]
    assert listed.count('data-testid="against-course-row"') == 2
    client.post(reverse("schedule:booking_keep", args=[kept.pk, keep_booking.pk]))
    client.post(reverse("schedule:booking_cancel", args=[cancelled.pk, cancel_booking.pk]))
    keep_booking.refresh_from_db()
    cancel_booking.refresh_from_db()
    assert (keep_booking.status, keep_booking.kept_by) == (Appointment.Status.BOOKED, front_desk)
    assert cancel_booking.status == Appointment.Status.CANCELLED
    assert cancel_booking.cancellation_reason == "Treatment stopped on 23 Nov 2026"
    assert list(bookings_against_course(TODAY, NOW)) == []
    # A later change of course asks again about the kept booking.
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        course_restart(patient=kept, started_on=TODAY, reason="Back", by=neurologist, today=TODAY)
        decide(kept, neurologist, "pause", reason="A break after all", resume_on=RESUME)
    assert list(bookings_against_course(TODAY, NOW)) == [keep_booking]
    # A booking no longer waiting for a decision is left alone.
    response = client.post(
        reverse("schedule:booking_cancel", args=[cancelled.pk, cancel_booking.pk]), follow=True
    )
    assert "no longer waits for a decision" in response.text


# What the screens say.


def section(html: str, testid: str) -> str:
    start = html[html.index(f'data-testid="{testid}"') :]
    return start[: start.index("</section>")]


def test_the_worklists_leave_out_stopped_and_paused_until_the_pause_ends(
    client, neurologist, front_desk
):
    overdue = TODAY - timedelta(days=100)  # injections due 11 days ago
    stopped, paused, active = (PatientFactory(family_name=n) for n in ("Stopt", "Pawsd", "Actv"))
    for patient in (stopped, paused, active):
        InjectionSessionFactory(patient=patient, performed_on=overdue - timedelta(days=84))
        InjectionSessionFactory(patient=patient, performed_on=overdue)
    decide(stopped, neurologist, "stop")
    decide(paused, neurologist, "pause", resume_on=TODAY + timedelta(days=10))
    client.force_login(front_desk)
    listed = section(client.get(reverse("front_desk_home")).text, "overdue")
    assert "Actv" in listed and "Stopt" not in listed and "Pawsd" not in listed
    after = front_desk_worklists(TODAY + timedelta(days=10), NOW)
    assert {p.pk for p in after.overdue} == {active.pk}
    assert [p.pk for p in after.due_soon] == [paused.pk]  # the pause ends: due that day


def test_the_chart_booking_page_and_portal_show_the_state_first(
    client, neurologist, front_desk, patient
):
    for day in SESSIONS:
        InjectionSessionFactory(patient=patient, performed_on=day)
    decide(patient, neurologist, "pause", reason="A break", resume_on=RESUME)
    client.force_login(neurologist)
    chart = client.get(reverse("patients:chart", args=[patient.pk])).text
    state = chart[chart.index('data-testid="course-state"') :]
    assert "Paused" in state and "No injection due: paused until 1 Mar 2027." in state
    assert "Restart treatment" in chart
    client.force_login(front_desk)
    booking = client.get(reverse("schedule:book_next", args=[patient.pk])).text
    alert = booking[booking.index('data-testid="course-alert"') :]
    assert "No injection due: paused until 1 Mar 2027." in alert
    assert booking.index('data-testid="course-alert"') < booking.index('data-testid="due"')
    assert "Restart treatment" not in client.get(reverse("patients:chart", args=[patient.pk])).text
    client.force_login(patient.user)
    portal = client.get(reverse("portal:home")).text
    assert "Your treatment is paused until <strong>1 Mar 2027</strong>" in portal


def test_the_chart_says_when_stopped(client, neurologist):
    patient = treated()
    decide(patient, neurologist, "stop")
    client.force_login(neurologist)
    chart = client.get(reverse("patients:chart", args=[patient.pk])).text
    assert "No injection due: stopped on 23 Nov 2026." in chart
    assert "Next injection due" not in chart
