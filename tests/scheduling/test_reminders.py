from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from patients.models import Patient
from scheduling.models import Appointment, Reminder
from scheduling.reminders import MAX_ATTEMPTS, reminders_queue, reminders_send
from tests.factories import AppointmentFactory, PatientFactory
from tests.races import race

DOWN = "tests.scheduling.failing_email.DownEmailBackend"


def tomorrow_appointment(**kwargs):
    kwargs.setdefault("patient", PatientFactory(preferred_contact=Patient.Contact.EMAIL))
    return AppointmentFactory(starts_at=timezone.now() + timedelta(days=1), **kwargs)


@pytest.mark.django_db
def test_run_twice_sends_each_reminder_once(capsys):
    appointment = tomorrow_appointment()
    call_command("send_reminders")
    call_command("send_reminders")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [appointment.patient.email]
    assert "Reminder: your appointment on" in mail.outbox[0].subject
    assert "1 new, 1 sent, 0 failed" in capsys.readouterr().out


@pytest.mark.django_db
def test_only_booked_appointments_within_the_days_before_are_reminded():
    soon = tomorrow_appointment()
    AppointmentFactory(starts_at=timezone.now() + timedelta(days=10))
    tomorrow_appointment(status=Appointment.Status.CANCELLED, cancellation_reason="Ill")
    tomorrow_appointment(patient=PatientFactory(email="", preferred_contact="email"))
    call_command("send_reminders", days_before=2)
    assert [m.to for m in mail.outbox] == [[soon.patient.email]]


@pytest.mark.django_db
def test_the_number_of_days_is_configurable():
    AppointmentFactory(
        starts_at=timezone.now() + timedelta(days=5),
        patient=PatientFactory(preferred_contact=Patient.Contact.EMAIL),
    )
    call_command("send_reminders", days_before=2)
    assert mail.outbox == []
    call_command("send_reminders", days_before=6)
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_failure_is_shown_to_staff_and_retried_on_the_next_run(settings, front_desk_client):
    appointment = tomorrow_appointment()
    settings.EMAIL_BACKEND = DOWN
    call_command("send_reminders")
    reminder = Reminder.objects.get()
    assert (reminder.status, reminder.attempts) == (Reminder.Status.FAILED, 1)
    page = front_desk_client.get(reverse("schedule:reminders")).text
    assert "Could not be sent" in page and appointment.patient.full_name in page
    assert "SMTPServerDisconnected: Connection unexpectedly closed" in page

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("send_reminders")
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts, len(mail.outbox)) == (Reminder.Status.SENT, 2, 1)


@pytest.mark.django_db
def test_after_repeated_failures_it_gives_up(settings):
    tomorrow_appointment()
    settings.EMAIL_BACKEND = DOWN
    for _ in range(MAX_ATTEMPTS + 2):
        call_command("send_reminders")
    reminder = Reminder.objects.get()
    assert (reminder.status, reminder.attempts) == (Reminder.Status.GAVE_UP, MAX_ATTEMPTS)


@pytest.mark.django_db(transaction=True)
def test_senders_running_at_the_same_time_send_each_reminder_once():
    appointments = [tomorrow_appointment() for _ in range(12)]
    now = timezone.now()
    reminders_queue(days_before=2, now=now)
    race(*[lambda: reminders_send(now=now)] * 4, expected=())
    sent_to = sorted(address for message in mail.outbox for address in message.to)
    assert sent_to == sorted(a.patient.email for a in appointments)
    assert Reminder.objects.filter(status=Reminder.Status.SENT).count() == 12
