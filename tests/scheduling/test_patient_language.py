"""Appointment reminders, check-in prompts, the desk's reminder letters and the patient's .ics
are in the patient's language (Patient.language), whatever language is active around them."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation
from icalendar import Calendar

from clinic.sms import read_sent
from scheduling.reminders import check_in_prompts_queue, reminders_queue, reminders_send
from tests.clock import NOON, TODAY
from tests.factories import AppointmentFactory, InjectionSessionFactory, PatientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "http://testserver"


@pytest.fixture
def sms(settings, tmp_path):
    settings.SMS_BACKEND, settings.SMS_FILE_PATH = "clinic.sms.FileBackend", str(tmp_path)
    return lambda: read_sent(tmp_path)


def booked(language: str, contact: str = "email", **patient):
    """An injection tomorrow at noon (Tuesday 24 November 2026)."""
    return AppointmentFactory(
        patient=PatientFactory(preferred_contact=contact, language=language, **patient),
        kind="injection",
        starts_at=NOON + timedelta(days=1),
    )


def run():
    reminders_queue(days_before=2, now=NOON)
    return reminders_send(now=NOON)


def test_one_run_reminds_an_english_and_a_spanish_patient_each_in_their_language(clock):
    english, spanish, english_again = booked("en-gb"), booked("es"), booked("en-gb")
    with translation.override("es"):  # what is active around the job does not leak in
        assert run().sent == 3
        assert translation.get_language() == "es"
    sent = {m.to[0]: m for m in mail.outbox}
    for appointment in (english, english_again):
        email = sent[appointment.patient.email]
        assert email.subject == "Reminder: your appointment on Tuesday 24 November at 12:00"
        assert "your injection appointment with" in email.body
        assert "on Tuesday 24 November 2026 at 12:00" in email.body
        assert "Please confirm you are coming: http://testserver/schedule/r/" in email.body
    email = sent[spanish.patient.email]
    assert email.subject == "Recordatorio: su cita del martes 24 de noviembre a las 12:00"
    assert email.body.startswith(f"Estimado/a {spanish.patient.given_name}:")
    assert "Le recordamos su cita (inyección)" in email.body
    assert "el martes 24 de noviembre de 2026 a las 12:00" in email.body
    assert "Confirme que vendrá: http://testserver/schedule/r/" in email.body
    assert "Teléfono" in email.body


def test_a_reminder_by_text_message_is_in_spanish(clock, sms):
    booked("es", "sms", phone="07700 900123")
    run()
    [text] = sms()
    assert "su cita es el mar 24 nov, 12:00. Confirmar: http://testserver/" in text["body"]


def test_a_check_in_prompt_is_in_spanish(clock):
    InjectionSessionFactory(
        patient=PatientFactory(preferred_contact="email", language="es"),
        performed_on=TODAY - timedelta(days=15),
    )
    check_in_prompts_queue(today=TODAY)
    reminders_send(now=NOON)
    [email] = mail.outbox
    assert email.subject == "¿Cómo se ha encontrado desde su inyección?"
    assert "desde su inyección del 8 de noviembre de 2026" in email.body
    assert (
        "dificultad para tragar" in email.body and "antes del 6 de diciembre de 2026" in email.body
    )


def test_the_desks_reminder_letters_are_each_in_their_patients_language(clock, front_desk_client):
    booked("es", "post", address="Calle Mayor 1\nMadrid")
    booked("en-gb", "post", address="2 Mill Lane\nParkside")
    run()
    page = front_desk_client.get(reverse("schedule:letters")).text
    assert "Recordatorio de su cita" in page and "23 de noviembre de 2026" in page
    assert "Le recordamos su cita (inyección)" in page
    assert "Reminder of your appointment" in page and "23 November 2026" in page
    assert "Letters to print" in page  # the desk's own page stays English


def test_the_patients_calendar_file_is_in_their_language(patient_client, patient):
    patient.language = "es"
    patient.save()
    AppointmentFactory(patient=patient, kind="review", starts_at=NOON + timedelta(days=3))
    response = patient_client.get(reverse("schedule:patient_ics", args=[patient.pk]))
    calendar = Calendar.from_ical(response.content)
    assert calendar["x-wr-calname"].endswith(": mis citas")
    [event] = calendar.walk("VEVENT")
    assert str(event["summary"]).startswith("Revisión con ")
    [alarm] = event.walk("VALARM")
    assert str(alarm["description"]).startswith("Mañana: Revisión con ")
