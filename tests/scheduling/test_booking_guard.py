"""Booking an injection is guarded: a second booking, a discharged patient, a stopped or paused
course, a contraindication each warn first and need a reason, which the appointment keeps."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from patients.models import ClinicalFlag, Patient
from scheduling.courses import course_follow
from scheduling.models import Appointment, CourseStatus
from scheduling.reminders import reminders_queue, reminders_send
from tests.factories import AppointmentFactory, ClinicalFlagFactory, InjectionSessionFactory
from tests.scheduling.calendar_setup import at, tuesday_after, tuesday_clinic

TODAY = date(2026, 6, 1)  # a Monday
pytestmark = [pytest.mark.django_db, pytest.mark.today(TODAY)]


@pytest.fixture
def tuesday(neurologist):
    tuesday_clinic(neurologist)
    return tuesday_after(TODAY, weeks=2)


def book(client, patient, neurologist, day, hour, **extra):
    data = {
        "clinician": neurologist.pk,
        "kind": "injection",
        "day": day.isoformat(),
        "time": f"{hour:02d}:00",
        "minutes": 20,
        **extra,
    }
    return client.post(reverse("schedule:book", args=[patient.pk]), data, follow=True)


def test_a_second_injection_is_not_booked_with_one_click(
    front_desk_client, patient, neurologist, tuesday
):
    AppointmentFactory(patient=patient, clinician=neurologist, starts_at=at(tuesday, 9))
    response = book(front_desk_client, patient, neurologist, tuesday + timedelta(days=7), 10)
    assert "Already booked: an injection on Tue" in response.text
    assert "Give a reason to book it anyway" in response.text
    assert patient.appointments.count() == 1


def test_a_reason_books_it_and_the_appointment_keeps_the_warning_and_reason(
    front_desk_client, patient, neurologist, tuesday
):
    AppointmentFactory(patient=patient, clinician=neurologist, starts_at=at(tuesday, 9))
    later = tuesday + timedelta(days=7)
    response = book(
        front_desk_client, patient, neurologist, later, 10, override_reason="Patient asked"
    )
    assert "Booked: Injection" in response.text
    new = patient.appointments.get(starts_at=at(later, 10))
    assert "Already booked: an injection" in new.notes
    assert "Reason: Patient asked" in new.notes
    assert new.history.first().notes == new.notes  # in the history, with who booked it
    page = front_desk_client.get(reverse("schedule:appointment", args=[patient.pk, new.pk]))
    assert "Reason: Patient asked" in page.text


def test_a_discharged_patient_with_a_contraindication_shows_both_first(
    front_desk_client, patient, neurologist, tuesday
):
    Patient.objects.filter(pk=patient.pk).update(status=Patient.Status.DISCHARGED)
    ClinicalFlagFactory(patient=patient, kind=ClinicalFlag.Kind.HYPERSENSITIVITY)
    ClinicalFlagFactory(  # resolved: no longer a reason to stop
        patient=patient,
        kind=ClinicalFlag.Kind.SITE_INFECTION,
        noted_on=TODAY - timedelta(days=30),
        resolved_on=TODAY - timedelta(days=20),
    )
    page = front_desk_client.get(reverse("schedule:book_next", args=[patient.pk])).text
    cautions = page[page.index('data-testid="booking-cautions"') :]
    assert page.index("booking-cautions") < page.index("Suggested")
    assert "The patient is discharged." in cautions
    assert "Contraindication: Hypersensitivity" in cautions
    assert "Contraindication: Infection" not in cautions
    response = book(front_desk_client, patient, neurologist, tuesday, 9)
    assert "Give a reason to book it anyway" in response.text
    assert not patient.appointments.exists()


def test_a_stopped_course_warns(front_desk_client, patient, neurologist, tuesday):
    InjectionSessionFactory(patient=patient, performed_on=TODAY - timedelta(days=80))
    course_follow(
        patient=patient,
        status=CourseStatus.STOPPED,
        on=TODAY,
        reason="No benefit",
        by=neurologist,
        today=TODAY,
    )
    response = book(front_desk_client, patient, neurologist, tuesday, 9)
    assert "Treatment is stopped" in response.text
    assert not patient.appointments.exists()


def test_a_review_is_not_guarded(front_desk_client, patient, neurologist, tuesday):
    Patient.objects.filter(pk=patient.pk).update(status=Patient.Status.DISCHARGED)
    response = book(front_desk_client, patient, neurologist, tuesday, 9, kind="review")
    assert "Booked: Review" in response.text


def test_a_clean_booking_still_takes_one_click(front_desk_client, patient, neurologist, tuesday):
    response = book(front_desk_client, patient, neurologist, tuesday, 9)
    assert "Booked: Injection" in response.text
    assert 'data-testid="booking-cautions"' not in response.text


def test_reminders_are_not_emailed_to_a_discharged_patient(patient, neurologist):
    soon = timezone.now() + timedelta(days=1)
    AppointmentFactory(patient=patient, clinician=neurologist, starts_at=soon)
    reminders_queue(days_before=2, now=timezone.now())  # queued while still in treatment
    Patient.objects.filter(pk=patient.pk).update(status=Patient.Status.DISCHARGED)
    run = reminders_send(now=timezone.now())
    assert run.sent == 0 and mail.outbox == []
    other = AppointmentFactory(clinician=neurologist, starts_at=soon + timedelta(hours=1))
    Patient.objects.filter(pk=other.patient_id).update(status=Patient.Status.DISCHARGED)
    assert reminders_queue(days_before=2, now=timezone.now()) == 0
    assert Appointment.objects.filter(reminder__isnull=False).count() == 1
