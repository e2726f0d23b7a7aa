"""Emailed appointment reminders, sent at most once each however often or concurrently this runs.

Each appointment gets one `Reminder` row (a unique constraint); a sender locks a row with
`SELECT … FOR UPDATE SKIP LOCKED` while it sends, and marks it sent in the same transaction,
so a second sender either skips the row or finds it already sent. A failure is recorded on the
row and retried on a later run, up to MAX_ATTEMPTS; staff see failures on the worklist.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from clinic.context_processors import clinic_details
from patients.models import Patient
from scheduling.calendar import local_datetime
from scheduling.models import Appointment, Reminder

DEFAULT_DAYS_BEFORE = 2
MAX_ATTEMPTS = 5


@dataclass
class ReminderRun:
    queued: int = 0
    sent: int = 0
    failed: int = 0


def reminders_queue(*, days_before: int, now: datetime) -> int:
    """Add a reminder for each booked appointment from now to the end of the day `days_before`
    days ahead, for patients with an email address who are not discharged. Returns how many
    were added."""
    horizon = local_datetime(timezone.localdate(now) + timedelta(days=days_before + 1), time.min)
    appointments = (
        Appointment.objects.filter(
            status=Appointment.Status.BOOKED,
            starts_at__gt=now,
            starts_at__lt=horizon,
            reminder__isnull=True,
        )
        .exclude(patient__email="")
        .exclude(patient__status=Patient.Status.DISCHARGED)
        .values_list("pk", flat=True)
    )
    created = Reminder.objects.bulk_create(
        [Reminder(appointment_id=pk) for pk in appointments], ignore_conflicts=True
    )
    return len(created)


def _reminder_text(appointment: Appointment) -> tuple[str, str]:
    when = timezone.localtime(appointment.starts_at)
    clinic = clinic_details()
    subject = f"Reminder: your appointment on {when:%A %-d %B at %H:%M}"
    body = (
        f"Dear {appointment.patient.given_name},\n\n"
        f"This is a reminder of your {appointment.get_kind_display().lower()} appointment "
        f"with {appointment.clinician} at {settings.CLINIC_NAME} "
        f"on {when:%A %-d %B %Y at %H:%M}.\n\n"
        "If you cannot come, please phone the clinic on "
        f"{clinic['telephone']} so that someone else can have the slot.\n\n"
        f"{clinic['name']}\n{clinic['address']}"
    )
    return subject, body


def _next_reminder(now: datetime, tried: set[int]) -> Reminder | None:
    """Lock one reminder that is due to be sent and that no other sender holds."""
    return (
        Reminder.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("appointment__patient", "appointment__clinician")
        .filter(
            status__in=[Reminder.Status.PENDING, Reminder.Status.FAILED],
            appointment__status=Appointment.Status.BOOKED,
            appointment__starts_at__gt=now,
        )
        .exclude(appointment__patient__status=Patient.Status.DISCHARGED)
        .exclude(pk__in=tried)
        .order_by("pk")
        .first()
    )


def reminders_send(*, now: datetime) -> ReminderRun:
    """Send every due reminder once; record failures for a later run to retry."""
    run = ReminderRun()
    tried: set[int] = set()
    while True:
        with transaction.atomic():
            reminder = _next_reminder(now, tried)
            if reminder is None:
                return run
            tried.add(reminder.pk)
            reminder.attempts += 1
            subject, body = _reminder_text(reminder.appointment)
            try:
                send_mail(subject, body, None, [reminder.appointment.patient.email])
            except Exception as error:  # any mail failure: keep it for staff and retry later
                reminder.status = (
                    Reminder.Status.GAVE_UP
                    if reminder.attempts >= MAX_ATTEMPTS
                    else Reminder.Status.FAILED
                )
                reminder.last_error = f"{type(error).__name__}: {error}"[:300]
                run.failed += 1
            else:
                reminder.status = Reminder.Status.SENT
                reminder.sent_at = timezone.now()
                reminder.last_error = ""
                run.sent += 1
            reminder.save()
