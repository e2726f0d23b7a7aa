"""The worklists as a calling list: contact details, the call log, counts, one list a patient."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from scheduling.calls import record_call
from scheduling.models import Appointment, CallAttempt
from scheduling.worklists import front_desk_worklists
from tests.factories import AppointmentFactory, InjectionSessionFactory, PatientFactory

pytestmark = pytest.mark.django_db
Status = Appointment.Status
Outcome = CallAttempt.Outcome


def treated(days_ago: int, **patient):
    person = PatientFactory(**patient)
    InjectionSessionFactory(
        patient=person, performed_on=timezone.localdate() - timedelta(days=days_ago)
    )
    return person


def section(html: str, testid: str) -> str:
    start = html.index(f'data-testid="{testid}"')
    return html[start : html.index("</section>", start)]


def test_rows_show_the_phone_and_the_preferred_contact(front_desk_client):
    treated(100, phone="07700 900123", preferred_contact="sms")
    overdue = section(front_desk_client.get(reverse("front_desk_home")).text, "overdue")
    assert 'href="tel:07700 900123"' in overdue
    assert "prefers text message" in overdue.lower() or "prefers sms" in overdue.lower()


def test_logging_a_call_from_the_row_keeps_who_and_when_and_moves_the_patient_down(
    front_desk_client, front_desk
):
    first, second = treated(110, family_name="Aardvark"), treated(100, family_name="Zebra")
    assert [p.pk for p in front_desk_worklists(timezone.localdate()).overdue] == [
        first.pk,
        second.pk,
    ]
    response = front_desk_client.post(
        reverse("schedule:call_record", args=[first.pk]),
        {"outcome": "no_answer", "note": "rang twice"},
    )
    assert response.status_code == 302
    attempt = CallAttempt.objects.get()
    assert (attempt.patient, attempt.outcome, attempt.note, attempt.made_by) == (
        first,
        Outcome.NO_ANSWER,
        "rang twice",
        front_desk,
    )
    assert attempt.history.count() == 1
    lists = front_desk_worklists(timezone.localdate())
    assert [p.pk for p in lists.overdue] == [second.pk, first.pk]
    assert lists.overdue[1].calls_tried == 1
    overdue = section(front_desk_client.get(reverse("front_desk_home")).text, "overdue")
    assert "No answer · tried 1×, last" in overdue


def test_tried_twice_shows_the_count_and_the_last_time(front_desk_client, front_desk):
    person = treated(100)
    now = timezone.now()
    record_call(
        patient=person, outcome="no_answer", note="", by=front_desk, now=now - timedelta(hours=2)
    )
    record_call(patient=person, outcome="left_message", note="", by=front_desk, now=now)
    overdue = section(front_desk_client.get(reverse("front_desk_home")).text, "overdue")
    assert f"Left a message · tried 2×, last {timezone.localtime(now):%-d %b %H:%M}" in overdue


@pytest.mark.parametrize(
    "data", [{}, {"outcome": "shouted"}, {"outcome": "called", "note": "x" * 201}]
)
def test_a_bad_call_log_saves_nothing(front_desk_client, data):
    person = treated(100)
    response = front_desk_client.post(reverse("schedule:call_record", args=[person.pk]), data)
    assert response.status_code == 302
    assert not CallAttempt.objects.exists()


def test_an_unknown_patient_is_a_404(front_desk_client):
    response = front_desk_client.post(
        reverse("schedule:call_record", args=[999999]), {"outcome": "called"}
    )
    assert response.status_code == 404


def test_a_missed_appointment_takes_precedence_over_overdue():
    person = treated(100)
    AppointmentFactory(
        patient=person, starts_at=timezone.now() - timedelta(days=3), status=Status.NO_SHOW
    )
    lists = front_desk_worklists(timezone.localdate())
    assert [a.patient_id for a in lists.not_rebooked] == [person.pk]
    assert lists.overdue == []
    assert lists.counts == {"due_soon": 0, "overdue": 0, "not_rebooked": 1}


def test_two_misses_are_one_row():
    missed = AppointmentFactory(starts_at=timezone.now() - timedelta(days=9), status=Status.NO_SHOW)
    AppointmentFactory(
        patient=missed.patient,
        starts_at=timezone.now() - timedelta(days=3),
        status=Status.CANCELLED,
        cancellation_reason="Ill",
    )
    assert len(front_desk_worklists(timezone.localdate()).not_rebooked) == 1


def test_every_list_has_its_count_and_referrals_a_book_button(front_desk_client):
    for _ in range(3):
        treated(100)
    referred = PatientFactory(status="referred")
    html = front_desk_client.get(reverse("front_desk_home")).text
    assert 'data-testid="count">3</span>' in section(html, "overdue")
    assert 'data-testid="count">0</span>' in section(html, "due-soon")
    referrals = section(html, "referrals")
    assert 'data-testid="count">1</span>' in referrals
    assert reverse("schedule:book", args=[referred.pk]) in referrals


@pytest.mark.parametrize("size", [2, 12])
def test_the_calling_lists_do_a_fixed_number_of_queries(
    front_desk_client, front_desk, django_assert_max_num_queries, size
):
    for _ in range(size):
        for person in (treated(80), treated(100)):
            record_call(
                patient=person, outcome="no_answer", note="", by=front_desk, now=timezone.now()
            )
        AppointmentFactory(starts_at=timezone.now() - timedelta(days=2), status=Status.NO_SHOW)
        PatientFactory(status="referred")
    # session, user, groups; referrals and their count; courses refreshed; due soon, overdue,
    # not rebooked and their counts; reviews; reminders; against the course
    with django_assert_max_num_queries(15):
        response = front_desk_client.get(reverse("front_desk_home"))
    assert response.text.count("tried 1×") == 2 * size
