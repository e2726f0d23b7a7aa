"""Reschedule in one action, one-click free slots in the calendars, only the status buttons
that can work, undo of a past "did not attend", and the week view's "No clinic today"."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from scheduling.booking import appointment_reschedule
from scheduling.models import Appointment
from tests.factories import AppointmentFactory
from tests.scheduling.calendar_setup import at, tuesday_after, tuesday_clinic

TODAY = date(2026, 6, 1)  # a Monday
pytestmark = [pytest.mark.django_db, pytest.mark.today(TODAY)]
Status = Appointment.Status


@pytest.fixture
def tuesday(neurologist):
    tuesday_clinic(neurologist)
    return tuesday_after(TODAY, weeks=2)


@pytest.fixture
def booked(patient, neurologist, tuesday):
    return AppointmentFactory(
        patient=patient, clinician=neurologist, starts_at=at(tuesday, 9), notes="Prefers mornings"
    )


def move(client, appointment, day, hour, minute=0):
    return client.post(
        reverse("schedule:reschedule", args=[appointment.patient_id, appointment.pk]),
        {
            "clinician": appointment.clinician_id,
            "day": day.isoformat(),
            "time": f"{hour:02d}:{minute:02d}",
        },
        follow=True,
    )


def test_reschedule_keeps_the_history_and_frees_the_old_slot(
    front_desk_client, booked, tuesday, patient
):
    response = move(front_desk_client, booked, tuesday, 10)
    assert "Rescheduled: Injection now on Tuesday" in response.text
    booked.refresh_from_db()
    assert booked.status == Status.CANCELLED
    assert booked.cancellation_reason.startswith("Rescheduled to Tue")
    new = patient.appointments.get(status=Status.BOOKED)
    assert new.starts_at == at(tuesday, 10) and new.duration_minutes == 20
    assert "Prefers mornings" in new.notes and "Rescheduled from Tue" in new.notes
    # the old slot is free again: another patient can have it
    day = front_desk_client.get(reverse("schedule:day"), {"date": tuesday.isoformat()})
    assert "09:00 free" in day.text


def test_moving_by_ten_minutes_overlapping_itself_works(front_desk_client, booked, tuesday):
    # the old booking is cancelled first, in the same transaction
    assert booked.patient.appointments.count() == 1
    new = appointment_reschedule(
        booked,
        clinician=booked.clinician,
        starts_at=at(tuesday, 9, 20),
        by=booked.clinician,
    )
    assert new.status == Status.BOOKED


def test_a_taken_slot_leaves_the_old_booking_standing(
    front_desk_client, booked, tuesday, neurologist
):
    AppointmentFactory(clinician=neurologist, starts_at=at(tuesday, 10))
    response = move(front_desk_client, booked, tuesday, 10)
    assert "already booked" in response.text or "just taken" in response.text
    booked.refresh_from_db()
    assert booked.status == Status.BOOKED
    assert booked.patient.appointments.count() == 1


def test_a_past_booking_cannot_be_rescheduled(front_desk_client, patient, neurologist, tuesday):
    past = AppointmentFactory(
        patient=patient, clinician=neurologist, starts_at=at(TODAY - timedelta(days=7), 9)
    )
    response = move(front_desk_client, past, tuesday, 10)
    assert "Only a booking still to come can be rescheduled." in response.text
    assert patient.appointments.count() == 1


def test_bad_input_gives_a_message(front_desk_client, booked):
    url = reverse("schedule:reschedule", args=[booked.patient_id, booked.pk])
    response = front_desk_client.post(url, {"day": "nope"}, follow=True)
    assert "Choose a free slot" in response.text


def test_the_appointment_page_offers_reschedule_and_only_cancel_for_a_future_one(
    front_desk_client, booked
):
    page = front_desk_client.get(
        reverse("schedule:appointment", args=[booked.patient_id, booked.pk])
    ).text
    assert f"reschedule={booked.pk}" in page
    for label in ("Arrived", "Completed", "Did not attend"):
        assert f">{label}</button>" not in page
    assert "Cancel appointment" in page


def test_rescheduling_from_the_day_view_is_one_click(front_desk_client, booked, tuesday):
    day = front_desk_client.get(
        reverse("schedule:day"), {"date": tuesday.isoformat(), "reschedule": booked.pk}
    ).text
    assert "Rescheduling" in day
    assert reverse("schedule:reschedule", args=[booked.patient_id, booked.pk]) in day
    assert "09:20 free: move here" in day


def test_a_free_slot_in_the_week_view_books_for_the_patient(
    front_desk_client, patient, tuesday, neurologist
):
    week = front_desk_client.get(
        reverse("schedule:week"), {"date": tuesday.isoformat(), "patient": patient.pk}
    ).text
    assert reverse("schedule:book", args=[patient.pk]) in week
    assert "09:00 free: book" in week
    response = front_desk_client.post(
        reverse("schedule:book", args=[patient.pk]),
        {
            "clinician": neurologist.pk,
            "kind": "injection",
            "day": tuesday.isoformat(),
            "time": "09:00",
            "minutes": 20,
        },
        follow=True,
    )
    assert "Booked: Injection" in response.text


def test_calendars_without_a_patient_show_free_slots_as_text(front_desk_client, tuesday):
    day = front_desk_client.get(reverse("schedule:day"), {"date": tuesday.isoformat()}).text
    assert "09:00 free" in day and "move here" not in day and "free: book" not in day


def test_a_bad_patient_or_booking_in_the_calendar_is_404(front_desk_client, tuesday):
    assert front_desk_client.get(reverse("schedule:day"), {"reschedule": 99999}).status_code == 404
    assert front_desk_client.get(reverse("schedule:week"), {"patient": 99999}).status_code == 404


def test_undoing_a_past_did_not_attend_makes_it_attended(front_desk_client, patient):
    past = AppointmentFactory(patient=patient, starts_at=at(TODAY - timedelta(days=3), 9))
    url = reverse("schedule:status", args=[patient.pk, past.pk])
    front_desk_client.post(url, {"status": "no_show"})
    response = front_desk_client.post(
        reverse("schedule:undo", args=[patient.pk, past.pk]), follow=True
    )
    assert "Undone: the appointment is completed again" in response.text
    past.refresh_from_db()
    assert past.status == Status.COMPLETED


def test_the_week_view_says_no_clinic_today_where_the_day_view_does(front_desk_client, neurologist):
    tuesday_clinic(neurologist)
    last_tuesday = TODAY - timedelta(days=6)  # gone by, nothing booked: no free slot either
    week = front_desk_client.get(reverse("schedule:week"), {"date": last_tuesday.isoformat()})
    day = front_desk_client.get(reverse("schedule:day"), {"date": last_tuesday.isoformat()})
    assert "No clinic today" in day.text
    assert "No clinic today" in week.text and ">Full<" not in week.text
