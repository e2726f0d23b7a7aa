"""Book next: a bounded choice per clinician, the habitual one first, more on demand, and the
slots of the kind of appointment being booked."""

import re
from datetime import time, timedelta

import pytest
from django.urls import reverse

from clinic.roles import Role
from scheduling.agenda import CLINICIANS_PER_PAGE
from scheduling.models import Appointment
from scheduling.slots import SLOTS_PER_CLINICIAN, SUGGESTED
from tests.factories import (
    AppointmentFactory,
    ClinicianClinicFactory,
    InjectionSessionFactory,
    PatientFactory,
    UserFactory,
)
from tests.scheduling.calendar_setup import at, open_weekdays, tuesday_after, tuesday_clinic

pytestmark = pytest.mark.django_db
BOOKING_FORMS = CLINICIANS_PER_PAGE * SLOTS_PER_CLINICIAN + SUGGESTED


def book_next(client, patient, headers=None, **params):
    return client.get(reverse("schedule:book_next", args=[patient.pk]), params, headers=headers)


def booking_forms(html: str) -> int:
    return html.count('name="minutes"')


def clinicians_with_history(count: int, tuesday) -> list:
    """`count` clinicians with a Tuesday clinic, each with patients booked and treated."""
    neurologist = Role.NEUROLOGIST
    clinicians = [UserFactory(last_name=f"Doc {n:02d}", role=neurologist) for n in range(count)]
    for n, clinician in enumerate(clinicians):
        tuesday_clinic(clinician)
        other = PatientFactory()
        AppointmentFactory(patient=other, clinician=clinician, starts_at=at(tuesday, 9))
        InjectionSessionFactory(injector=clinician, performed_on=tuesday - timedelta(days=84 + n))
    return clinicians


@pytest.mark.parametrize("size", [1, 14])
def test_the_page_is_bounded_whatever_the_clinic_size(
    front_desk_client, patient, django_assert_max_num_queries, size
):
    tuesday = tuesday_after()
    clinicians_with_history(size, tuesday)
    InjectionSessionFactory(patient=patient, performed_on=tuesday - timedelta(days=84))
    # session, user, groups; patient with flags; audit; due date (courses refreshed, then read);
    # habit (2); clinicians (count, page); hours, closures, clinics, leave; busy times;
    # an injection booked ahead
    with django_assert_max_num_queries(18):
        response = book_next(front_desk_client, patient)
    plan = response.context["plan"]
    assert len(plan.clinicians) == min(size, CLINICIANS_PER_PAGE)
    assert all(len(row.options) == SLOTS_PER_CLINICIAN for row in plan.clinicians)
    assert booking_forms(response.text) <= BOOKING_FORMS
    assert len(response.content) < 120_000
    if size > CLINICIANS_PER_PAGE:
        assert "Page 1 of 3" in response.text
        page_two = book_next(front_desk_client, patient, page=2)
        assert [row.clinician.last_name for row in page_two.context["plan"].clinicians][0] == (
            "Doc 06"
        )


def test_the_habitual_clinician_comes_first(front_desk_client, patient):
    tuesday = tuesday_after()
    first, usual = clinicians_with_history(2, tuesday)
    AppointmentFactory(
        patient=patient,
        clinician=usual,
        starts_at=at(tuesday - timedelta(days=84), 10),
        status=Appointment.Status.COMPLETED,
    )
    response = book_next(front_desk_client, patient)
    rows = response.context["plan"].clinicians
    assert [row.clinician for row in rows] == [usual, first]
    assert rows[0].habitual and not rows[1].habitual
    assert "usual clinician" in response.text
    assert response.context["plan"].suggested[0].slot.clinician == usual


def test_more_returns_the_next_batch_of_one_clinician(front_desk_client, patient, neurologist):
    tuesday_clinic(neurologist)
    tuesday = tuesday_after()
    response = book_next(front_desk_client, patient, **{"from": tuesday.isoformat()})
    row = response.context["plan"].clinicians[0]
    shown = [option.slot.starts_at for option in row.options]
    assert shown == [at(tuesday, 9) + timedelta(minutes=20 * n) for n in range(4)]
    more = book_next(
        front_desk_client,
        patient,
        clinician=neurologist.pk,
        after=row.more_after.isoformat(),
        headers={"HX-Request": "true"},
    )
    batch = [option.slot.starts_at for option in more.context["row"].options]
    assert batch == [at(tuesday, 10, 20) + timedelta(minutes=20 * n) for n in range(4)]
    assert "<html" not in more.text and booking_forms(more.text) == SLOTS_PER_CLINICIAN
    assert "More" in more.text  # and the next batch after that
    # Without htmx, the same link is a page of its own.
    page = book_next(
        front_desk_client, patient, clinician=neurologist.pk, after=row.more_after.isoformat()
    )
    assert f"Free slots with {neurologist}" in page.text


@pytest.mark.parametrize("clinician", ["abc", "999999"])
def test_more_for_an_unknown_clinician_is_not_found(front_desk_client, patient, clinician):
    response = book_next(front_desk_client, patient, clinician=clinician, after="2026-01-01")
    assert response.status_code == 404


@pytest.mark.parametrize("after", ["soon", "9999-12-31T23:59:00+00:00", "0001-01-01"])
def test_more_with_a_bad_time_starts_from_now(front_desk_client, patient, neurologist, after):
    tuesday_clinic(neurologist)
    response = book_next(front_desk_client, patient, clinician=neurologist.pk, after=after)
    assert response.status_code == 200
    assert len(response.context["row"].options) == SLOTS_PER_CLINICIAN


def test_a_review_is_offered_review_length_slots(front_desk_client, patient, neurologist):
    tuesday_clinic(neurologist)  # 20-minute injection slots
    ClinicianClinicFactory(
        clinician=neurologist, weekday=4, starts_at=time(14), ends_at=time(16), slot_minutes=30
    )
    form = front_desk_client.get(reverse("schedule:book", args=[patient.pk]), {"kind": "review"})
    free_slots_link = reverse("schedule:book_next", args=[patient.pk]) + "?kind=review"
    assert f'href="{free_slots_link}"' in form.text
    response = front_desk_client.get(free_slots_link)
    options = response.context["plan"].clinicians[0].options
    assert {option.slot.minutes for option in options} == {30}
    assert {option.slot.local_day.weekday() for option in options} == {4}
    assert 'name="kind" value="review"' in response.text
    assert 'name="kind" value="injection"' not in response.text
    assert "Free slots for a review" in response.text
    # An injection may still go in any slot at least as long as it takes.
    injection = book_next(front_desk_client, patient).context["plan"]
    assert {o.slot.minutes for o in injection.clinicians[0].options} <= {20, 30}


def test_a_review_slot_books_a_review_of_its_length(front_desk_client, patient, neurologist):
    open_weekdays()
    ClinicianClinicFactory(
        clinician=neurologist, weekday=4, starts_at=time(14), ends_at=time(16), slot_minutes=30
    )
    response = book_next(front_desk_client, patient, kind="review")
    book_url = reverse("schedule:book", args=[patient.pk])
    form = re.search(f'<form method="post" action="{book_url}".*?</form>', response.text, re.S)
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form.group(0)))
    front_desk_client.post(book_url, fields)
    booked = patient.appointments.get()
    assert (booked.kind, booked.duration_minutes) == (Appointment.Kind.REVIEW, 30)
