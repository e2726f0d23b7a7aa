"""Demo clinic calendar for `seed_demo`: clinics, a closure, leave, and appointments over two
months around today, with some patients overdue, some no-shows and a full day."""

import random
from datetime import date, time, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from patients.models import Patient
from scheduling.calendar import ClinicCalendar, free_slots, local_datetime
from scheduling.models import Appointment, ClinicianClinic, ClinicianLeave, Closure, OpeningHours

Status = Appointment.Status
SPAN = timedelta(days=35)  # each side of today


def _set_up_calendar(neurologists, today: date) -> None:
    for weekday in range(5):
        OpeningHours.objects.get_or_create(
            weekday=weekday, defaults={"opens_at": time(8, 30), "closes_at": time(17, 30)}
        )
    first, second = neurologists[0], neurologists[-1]
    for clinician, weekday, start, end, minutes in [
        (first, 1, time(9), time(13), 20),  # Tuesday morning injections
        (first, 3, time(13), time(17), 20),  # Thursday afternoon injections
        (second, 2, time(9), time(12), 20),  # Wednesday injections
        (second, 4, time(14), time(16), 30),  # Friday reviews
    ]:
        ClinicianClinic.objects.get_or_create(
            clinician=clinician,
            weekday=weekday,
            starts_at=start,
            defaults={"ends_at": end, "slot_minutes": minutes},
        )
    if not Closure.objects.exists():
        monday = today + timedelta(days=21 - today.weekday())
        Closure.objects.create(starts_on=monday, ends_on=monday, reason="Staff training day")
    if not ClinicianLeave.objects.exists():
        start = today + timedelta(days=14 - today.weekday() + 2)
        ClinicianLeave.objects.create(
            clinician=second, starts_on=start, ends_on=start + timedelta(days=2), reason="Leave"
        )


def _add(patient, clinician, starts_at, *, status=Status.BOOKED, kind="injection", **extra):
    """Save one appointment as it would have been made then; skip it if the time is taken."""
    minutes = 30 if kind == Appointment.Kind.REVIEW else 20
    appointment = Appointment(
        patient=patient,
        clinician=clinician,
        kind=kind,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        status=status,
        booked_by=clinician,
        status_changed_by=clinician,
        status_changed_at=min(starts_at, timezone.now()),
        **extra,
    )
    try:
        with transaction.atomic():
            appointment.save()
    except IntegrityError:
        return None
    # As if booked a fortnight ahead (the worklists compare booking and status times).
    booked_at = min(starts_at - timedelta(days=14), timezone.now())
    Appointment.objects.filter(pk=appointment.pk).update(created_at=booked_at)
    return appointment


def seed_schedule(*, neurologists, today: date) -> int:
    """Set up the calendar and, once, the demo appointments. Returns how many exist."""
    _set_up_calendar(neurologists, today)
    if Appointment.objects.exists():
        return Appointment.objects.count()
    rng = random.Random(12)
    patients = list(Patient.objects.filter(status=Patient.Status.ACTIVE).order_by("mrn"))
    rng.shuffle(patients)
    calendar = ClinicCalendar(today - SPAN, today + SPAN)
    now = timezone.now()
    days = [today + timedelta(days=n) for n in range(-SPAN.days, SPAN.days + 1)]
    slots = [slot for day in days for slot in calendar.slots_on(day)]
    future = [s for s in slots if s.starts_at > now + timedelta(days=7)]
    past = [s for s in slots if s.starts_at < now - timedelta(days=7)]
    interval = timedelta(days=84)

    groups = iter(patients)
    # Overdue (last injection 90–98 days ago) and due within a fortnight, nothing booked.
    for n, patient in enumerate(next_few(groups, 6)):
        days_ago = 90 + 4 * n if n < 3 else 72 + 2 * n
        start = local_datetime(today - timedelta(days=days_ago), time(10, 20 * (n % 3)))
        _add(patient, neurologists[n % len(neurologists)], start, status=Status.COMPLETED)
    # A full Tuesday clinic at least a week ahead; each had their last injection 84 days before.
    full_day = next(s.local_day for s in future if s.local_day.weekday() == 1)
    full = [s for s in future if s.local_day == full_day]
    spread = rng.sample([s for s in future if s.local_day != full_day], 5)
    for slot, patient in zip(full + spread, groups, strict=False):
        kind = Appointment.Kind.REVIEW if slot.minutes == 30 else Appointment.Kind.INJECTION
        _add(patient, slot.clinician, slot.starts_at - interval, status=Status.COMPLETED)
        _add(patient, slot.clinician, slot.starts_at, kind=kind)
    # The past weeks: three did not attend, one cancelled, the rest came.
    for n, (slot, patient) in enumerate(zip(rng.sample(past, 8), groups, strict=False)):
        if n < 3:
            _add(patient, slot.clinician, slot.starts_at - interval, status=Status.COMPLETED)
            _add(patient, slot.clinician, slot.starts_at, status=Status.NO_SHOW)
        elif n == 3:
            reason = "Patient unwell"
            _add(
                patient,
                slot.clinician,
                slot.starts_at,
                status=Status.CANCELLED,
                cancellation_reason=reason,
            )
        else:
            _add(patient, slot.clinician, slot.starts_at, status=Status.COMPLETED)
    return Appointment.objects.count()


def next_few(patients, count: int) -> list:
    return [patient for _, patient in zip(range(count), patients, strict=False)]


def seed_portal_follow_up(patient, neurologists, today: date) -> Appointment | None:
    """Book the portal demo patient's next injection, so the portal's appointments card shows
    one: the first free 20-minute slot of a demo neurologist from 84 days after their last
    session (at the earliest tomorrow). Nothing is booked when one is already upcoming."""
    now = timezone.now()
    if patient.appointments.live().filter(starts_at__gt=now).exists():
        return None
    last = patient.sessions.order_by("-performed_on").first()
    due = last.performed_on + timedelta(days=84) if last else today + timedelta(days=14)
    return book_first_free(patient, neurologists, max(due, today + timedelta(days=1)))


def book_first_free(patient, neurologists, first: date) -> Appointment | None:
    """Book the first free 20-minute injection slot of a demo neurologist from `first`."""
    calendar = ClinicCalendar(
        first, first + timedelta(days=42), clinician_ids=[user.pk for user in neurologists]
    )
    for slot in free_slots(calendar, patient=patient, now=timezone.now()):
        if slot.minutes == 20:
            appointment = _add(patient, slot.clinician, slot.starts_at)
            if appointment:
                return appointment
    return None
