"""Booking appointments and changing their status, with the calendar's and the clock's rules."""

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from scheduling.calendar import ClinicCalendar
from scheduling.models import Appointment

SLOT_TAKEN = "That slot was just taken: someone booked it a moment ago. Choose another slot."
CLASH_MESSAGES = {
    "appointment_no_clinician_overlap": SLOT_TAKEN,
    "appointment_no_patient_overlap": "The patient already has an appointment at this time.",
}
Status = Appointment.Status


def clash_error(error: IntegrityError) -> ValidationError | None:
    """The form message for an exclusion-constraint violation, or None for other errors."""
    constraint = getattr(getattr(error.__cause__, "diag", None), "constraint_name", None)
    if constraint in CLASH_MESSAGES:
        return ValidationError(CLASH_MESSAGES[constraint])
    return None


def _save(appointment: Appointment, by) -> None:
    """Validate and save in a savepoint, turning a lost race into a clear message."""
    appointment._history_user = by
    appointment.full_clean()
    try:
        with transaction.atomic():
            appointment.save()
    except IntegrityError as error:
        raise clash_error(error) or error from error


def appointment_book(
    *,
    patient,
    clinician,
    kind: str,
    starts_at: datetime,
    minutes: int,
    booked_by,
    due_on: date | None = None,
    early_reason: str = "",
    notes: str = "",
    now: datetime | None = None,
) -> tuple[Appointment, bool]:
    """Book an appointment; return it and whether it is new.

    Submitting the same booking twice returns the first one instead of failing. An injection
    before `due_on` (84 days after the last) needs `early_reason`.
    """
    now = now or timezone.now()
    ends_at = starts_at + timedelta(minutes=minutes)
    same = Appointment.objects.live().filter(
        patient=patient, clinician=clinician, kind=kind, starts_at=starts_at, ends_at=ends_at
    )
    existing = same.first()
    if existing:
        return existing, False
    if starts_at <= now:
        raise ValidationError({"starts_at": "Choose a time in the future."})
    day = timezone.localtime(starts_at).date()
    problem = ClinicCalendar(day, day, [clinician.pk]).problem_with(
        clinician.pk, starts_at, ends_at
    )
    if problem:
        raise ValidationError({"starts_at": problem})
    early = kind == Appointment.Kind.INJECTION and due_on and day < due_on
    if early and not early_reason.strip():
        raise ValidationError(
            {
                "early_reason": f"This is before the next injection is due ({due_on:%-d %b %Y}, "
                "84 days after the last). Give a reason to book it early."
            }
        )
    appointment = Appointment(
        patient=patient,
        clinician=clinician,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        early_reason=early_reason.strip() if early else "",
        notes=notes,
        booked_by=booked_by,
        status_changed_by=booked_by,
        status_changed_at=now,
    )
    _save(appointment, booked_by)
    return appointment, True


def appointment_set_status(
    appointment: Appointment, *, status: str, by, reason: str = "", now: datetime | None = None
) -> Appointment:
    """Move an appointment to `status` (arrived, completed, did not attend, cancelled)."""
    now = now or timezone.now()
    with transaction.atomic():
        current = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if status not in current.next_statuses:
            raise ValidationError(
                f"A {current.get_status_display().lower()} appointment cannot be marked "
                f"{Status(status).label.lower()}."
            )
        starts_on = timezone.localtime(current.starts_at).date()
        if status != Status.CANCELLED and starts_on > timezone.localdate(now):
            raise ValidationError(
                f"This appointment is on {starts_on:%-d %b %Y}: it cannot be marked "
                f"{Status(status).label.lower()} before that day."
            )
        if status == Status.CANCELLED:
            if not reason.strip():
                raise ValidationError({"cancellation_reason": "Give a reason for cancelling."})
            current.cancellation_reason = reason.strip()
        current.status = status
        current.status_changed_at = now
        current.status_changed_by = by
        _save(current, by)
    return current


def appointment_undo_status(
    appointment: Appointment, *, by, now: datetime | None = None
) -> Appointment:
    """Put a wrongly recorded no-show, completion or cancellation back to the status before."""
    with transaction.atomic():
        current = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if not current.can_undo:
            raise ValidationError("There is no status change to undo.")
        before = (
            current.history.exclude(status__in=Appointment.UNDOABLE)
            .order_by("-history_date", "-history_id")
            .first()
        )
        current.status = before.status if before else Status.BOOKED
        current.cancellation_reason = ""
        current.status_changed_at = now or timezone.now()
        current.status_changed_by = by
        _save(current, by)
    return current
