"""What the patient gets: the .ics (STATUS follows the appointment, an alarm the day before a
booking, the clinic's address as the location), and the clinic's number wherever they are told
to phone it (portal, reminder, after-care sheet)."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from scheduling.models import Appointment
from scheduling.reminders import reminders_queue, reminders_send
from tests.factories import AppointmentFactory, InjectionSessionFactory
from tests.scheduling.calendar_setup import at

TODAY = date(2026, 6, 1)
pytestmark = [pytest.mark.django_db, pytest.mark.today(TODAY)]
Status = Appointment.Status
ADDRESS = "Neurology Outpatients, 1 Hospital Road, Parkside PK1 2AB"


def patient_events(client, patient) -> dict:
    response = client.get(reverse("schedule:patient_ics", args=[patient.pk]))
    calendar = Calendar.from_ical(response.content)
    return {event.decoded("dtstart"): event for event in calendar.walk("VEVENT")}


@override_settings(CLINIC_NAME="Headache Clinic", CLINIC_ADDRESS=ADDRESS)
def test_status_alarm_and_location_follow_the_appointment(patient_client, patient):
    booked = AppointmentFactory(patient=patient, starts_at=at(TODAY + timedelta(days=7), 9))
    cancelled = AppointmentFactory(
        patient=patient,
        starts_at=at(TODAY + timedelta(days=14), 9),
        status=Status.CANCELLED,
        cancellation_reason="Unwell",
    )
    done = AppointmentFactory(
        patient=patient, starts_at=at(TODAY - timedelta(days=7), 9), status=Status.COMPLETED
    )
    events = patient_events(patient_client, patient)

    coming = events[booked.starts_at]
    assert str(coming["status"]) == "CONFIRMED"
    assert str(coming["location"]) == f"Headache Clinic, {ADDRESS}"
    [alarm] = coming.walk("VALARM")
    assert alarm.decoded("trigger") == timedelta(days=-1)
    assert str(alarm["action"]) == "DISPLAY"

    assert str(events[cancelled.starts_at]["status"]) == "CANCELLED"
    assert not events[cancelled.starts_at].walk("VALARM")

    past = events[done.starts_at]
    assert past.get("status") != "CONFIRMED"
    assert str(past["summary"]).startswith("Attended: ")
    assert not past.walk("VALARM")


TELEPHONE = "020 7946 0999"


@override_settings(CLINIC_TELEPHONE=TELEPHONE)
def test_the_portal_gives_the_number_to_phone(patient_client, patient):
    AppointmentFactory(patient=patient, starts_at=at(TODAY + timedelta(days=7), 9))
    page = patient_client.get(reverse("portal:home")).text
    assert f'please phone the clinic on <a href="tel:02079460999">{TELEPHONE}</a>' in page


@override_settings(CLINIC_TELEPHONE=TELEPHONE)
def test_the_reminder_gives_the_number_to_phone(patient):
    patient.preferred_contact = patient.Contact.EMAIL  # reminders go by the preferred contact
    patient.save()
    AppointmentFactory(patient=patient, starts_at=timezone.now() + timedelta(days=1))
    reminders_queue(days_before=2, now=timezone.now())
    reminders_send(now=timezone.now())
    [email] = mail.outbox
    assert f"phone the clinic on {TELEPHONE}" in email.body


@override_settings(CLINIC_TELEPHONE=TELEPHONE)
def test_the_aftercare_sheet_gives_the_number_to_phone(neurologist_client, patient):
    session = InjectionSessionFactory(patient=patient, performed_on=TODAY)
    url = reverse("treatments:aftercare", args=[patient.pk, session.pk])
    assert f"phone the clinic on {TELEPHONE}" in neurologist_client.get(url).text
