from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reviews.due import patients_due_review
from reviews.home import reviews_to_book
from scheduling.models import Appointment
from scheduling.worklists import ROWS, front_desk_worklists
from tests.factories import (
    AppointmentFactory,
    InjectionSessionFactory,
    PatientFactory,
    ReviewFactory,
)

pytestmark = pytest.mark.django_db
Status = Appointment.Status


def treated(days_ago: int, sessions: int = 1, **patient):
    """A patient whose last of `sessions` sessions was `days_ago` days ago."""
    person = PatientFactory(**patient)
    today = timezone.localdate()
    for n in range(sessions, 0, -1):
        InjectionSessionFactory(
            patient=person, performed_on=today - timedelta(days=days_ago + 84 * (n - 1))
        )
    return person


def names(rows):
    return {getattr(row, "patient", row).pk for row in rows}


def test_due_soon_and_overdue_are_the_unbooked_ones():
    today = timezone.localdate()
    due_in_4_days = treated(80)
    due_in_4_days_but_booked = treated(80)
    AppointmentFactory(patient=due_in_4_days_but_booked)
    overdue = treated(100)
    not_yet = treated(30)
    lists = front_desk_worklists(today)
    assert names(lists.due_soon) == {due_in_4_days.pk}
    assert lists.due_soon[0].due_on == today + timedelta(days=4)
    assert names(lists.overdue) == {overdue.pk}
    assert not_yet.pk not in names(lists.due_soon) | names(lists.overdue)


def test_a_completed_injection_appointment_counts_as_the_last_injection():
    person = treated(200)
    AppointmentFactory(
        patient=person,
        starts_at=timezone.now() - timedelta(days=80),
        status=Status.COMPLETED,
    )
    lists = front_desk_worklists(timezone.localdate())
    assert person.pk in names(lists.due_soon)
    assert person.pk not in names(lists.overdue)


def test_paused_patients_are_left_off():
    treated(100, status="paused")
    assert front_desk_worklists(timezone.localdate()).overdue == []


def test_a_no_show_stays_on_the_list_until_rebooked():
    missed = AppointmentFactory(starts_at=timezone.now() - timedelta(days=3), status=Status.NO_SHOW)
    assert names(front_desk_worklists(timezone.localdate()).not_rebooked) == {missed.patient.pk}
    AppointmentFactory(patient=missed.patient)
    assert front_desk_worklists(timezone.localdate()).not_rebooked == []


def test_the_desk_books_reviews_due_within_four_weeks():
    today = timezone.localdate()
    before_third = treated(80, sessions=2)
    before_fourth = treated(80, sessions=3)
    before_second = treated(80, sessions=1)
    review_booked = treated(80, sessions=2)
    AppointmentFactory(patient=review_booked, kind=Appointment.Kind.REVIEW)
    already_reviewed = treated(80, sessions=2)
    ReviewFactory(patient=already_reviewed, reviewed_on=today, decision="continue")
    continued_before_third = treated(80, sessions=3)  # 'continue' stands: not due again
    ReviewFactory(
        patient=continued_before_third, reviewed_on=today - timedelta(days=100), decision="continue"
    )
    extended_before_third = treated(80, sessions=3)  # one more cycle, and it has happened
    ReviewFactory(
        patient=extended_before_third,
        reviewed_on=today - timedelta(days=100),
        decision="extend",
        reason="EHF: a third cycle",
    )
    reviews = reviews_to_book(today)
    assert names(reviews) == {before_third.pk, before_fourth.pk, extended_before_third.pk}
    assert before_second.pk not in names(reviews)
    # Cycle 2 completes in 4 days: on the desk's list to book, in the queue once complete.
    assert before_third.pk not in names(patients_due_review(today))
    assert before_third.pk in names(patients_due_review(today + timedelta(days=4)))
    assert review_booked.pk in names(patients_due_review(today, within_days=28))  # due soon,
    assert review_booked.pk not in names(reviews)  # but the desk has booked it


@pytest.mark.parametrize("size", [2, 12])
def test_the_front_desk_home_does_a_bounded_number_of_queries(
    front_desk_client, django_assert_max_num_queries, size
):
    for _ in range(size):
        treated(80, sessions=2)
        treated(100)
        AppointmentFactory(starts_at=timezone.now() - timedelta(days=2), status=Status.NO_SHOW)
    # session, user, groups; referrals; courses refreshed; due soon, overdue, not rebooked,
    # reviews, reminders; the counts of referrals, due soon, overdue, not rebooked
    with django_assert_max_num_queries(15):
        response = front_desk_client.get(reverse("front_desk_home"))
    assert response.text.count(">Book</a>") == 2 * size
    assert response.text.count(">Rebook</a>") == size


def test_a_full_list_says_there_are_more(front_desk_client):
    for _ in range(ROWS + 1):
        treated(80, sessions=2)  # review due before the third session, and the injection
    html = front_desk_client.get(reverse("front_desk_home")).text
    reviews = html[html.index('data-testid="reviews-due"') :]
    assert f">{ROWS}+</span>" in reviews[: reviews.index("</h2>")]
    assert reviews.count(">Book review</a>") == ROWS
