"""Booking appointments and changing their status, with the calendar's and the clock's rules."""

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from patients.models import ClinicalFlag, Patient
from scheduling.calendar import ClinicCalendar
from scheduling.courses import Course, course_of
from scheduling.models import Appointment, CourseStatus
from scheduling.models.waitlist import waitlist_end_for_booking, waitlist_end_for_cancel

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


def booking_cautions(
    patient,
    *,
    kind: str,
    day: date,
    now: datetime,
    ignore: Appointment | None = None,
    course: Course | None = None,
) -> list[str]:
    """Why booking an injection for `patient` on `day` needs a reason to go on: an injection
    already booked ahead (other than `ignore`), a discharged patient, a stopped course or one
    paused past `day`, an active contraindication. Empty for other kinds of appointment.
    `course`: the patient's course as of today, if the caller has it already."""
    if kind != Appointment.Kind.INJECTION:
        return []
    cautions = []
    ahead = (
        patient.appointments.filter(
            kind=Appointment.Kind.INJECTION, status=Status.BOOKED, starts_at__gt=now
        )
        .exclude(pk=ignore.pk if ignore else None)
        .select_related("clinician")
        .order_by("starts_at")
        .first()
    )
    if ahead:
        when = timezone.localtime(ahead.starts_at)
        cautions.append(
            f"Already booked: an injection on {when:%a %-d %b %Y at %H:%M} with {ahead.clinician}."
        )
    if patient.status == Patient.Status.DISCHARGED:
        cautions.append("The patient is discharged.")
    course = course or course_of(patient, timezone.localdate(now))
    if course.status == CourseStatus.STOPPED or (
        course.status == CourseStatus.PAUSED and course.resume_on and day < course.resume_on
    ):
        cautions.append(f"Treatment is {course.label.lower()}: {course.due_sentence}")
    cautions += [  # all(): the flags the patient header prefetched, if it did
        f"Contraindication: {flag.get_kind_display()}."
        for flag in patient.flags.all()
        if flag.is_active and flag.kind in ClinicalFlag.CONTRAINDICATIONS
    ]
    return cautions


def _guarded_notes(cautions: list[str], override_reason: str, notes: str) -> str:
    """The notes, with the cautions booked over and the reason given (kept in the history)."""
    if not cautions:
        return notes
    if not override_reason.strip():
        raise ValidationError(
            {"override_reason": " ".join(cautions) + " Give a reason to book it anyway."}
        )
    kept = f"Booked despite: {' '.join(cautions)} Reason: {override_reason.strip()}"
    return f"{notes.strip()}\n{kept}".strip()


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
    override_reason: str = "",
    now: datetime | None = None,
    ignore: Appointment | None = None,
) -> tuple[Appointment, bool]:
    """Book an appointment; return it and whether it is new.

    Submitting the same booking twice returns the first one instead of failing. An injection
    before `due_on` (84 days after the last) needs `early_reason`; one that `booking_cautions`
    warns of needs `override_reason`, kept in the notes. `ignore`: the booking being moved.
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
    overlapping = patient.appointments.live().filter(starts_at__lt=ends_at, ends_at__gt=starts_at)
    if overlapping.exists():  # said before the cautions; the exclusion constraint still decides
        raise ValidationError(CLASH_MESSAGES["appointment_no_patient_overlap"])
    cautions = booking_cautions(patient, kind=kind, day=day, now=now, ignore=ignore)
    notes = _guarded_notes(cautions, override_reason, notes)
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
    with transaction.atomic():
        _save(appointment, booked_by)
        waitlist_end_for_booking(appointment, by=booked_by, now=now)
    return appointment, True


def allowed_statuses(appointment: Appointment, today: date) -> list:
    """The status changes the desk may make now: arrived, completed and did not attend only
    from the appointment's day on; cancelling any time."""
    future = appointment.local_day > today
    return [s for s in appointment.next_statuses if not future or s == Status.CANCELLED]


def appointment_reschedule(
    appointment: Appointment,
    *,
    clinician,
    starts_at: datetime,
    by,
    due_on: date | None = None,
    override_reason: str = "",
    now: datetime | None = None,
    because: str = "",
) -> Appointment:
    """Move a booking to another time in one transaction: the old one is cancelled "rescheduled
    to …" (after `because`, if given; its slot is free again), the new one booked with its kind,
    length and notes.
    Either both happen or neither (a slot taken meanwhile leaves the old booking standing)."""
    now = now or timezone.now()
    with transaction.atomic():
        old = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if old.status != Status.BOOKED or old.starts_at <= now:
            raise ValidationError("Only a booking still to come can be rescheduled.")
        if old.starts_at == starts_at and old.clinician_id == clinician.pk:
            raise ValidationError({"starts_at": "That is the time it is booked for already."})
        when = timezone.localtime(starts_at)
        reason = f"Rescheduled to {when:%a %-d %b %Y at %H:%M} with {clinician}"
        reason = f"{because}: {reason[0].lower()}{reason[1:]}" if because else reason
        appointment_set_status(old, status=Status.CANCELLED, by=by, reason=reason[:200], now=now)
        was = timezone.localtime(old.starts_at)
        new, _ = appointment_book(
            patient=old.patient,
            clinician=clinician,
            kind=old.kind,
            starts_at=starts_at,
            minutes=old.duration_minutes,
            booked_by=by,
            due_on=due_on,
            early_reason=old.early_reason,
            notes=f"{old.notes}\nRescheduled from {was:%a %-d %b %Y at %H:%M}.".strip(),
            override_reason=override_reason,
            now=now,
            ignore=old,
        )
    return new


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
        if status not in allowed_statuses(current, timezone.localdate(now)):
            raise ValidationError(
                f"This appointment is on {current.local_day:%-d %b %Y}: it cannot be marked "
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
        if status == Status.CANCELLED:
            waitlist_end_for_cancel(current, by=by, now=now)
    return current


def appointment_undo_status(
    appointment: Appointment, *, by, now: datetime | None = None
) -> Appointment:
    """Put a wrongly recorded no-show, completion or cancellation back to the status before.

    A wrong "did not attend" on a day gone by means the patient came: it becomes completed,
    so the patient is back on the lists of the attended (not a stale past booking)."""
    now = now or timezone.now()
    with transaction.atomic():
        current = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if not current.can_undo:
            raise ValidationError("There is no status change to undo.")
        before = (
            current.history.exclude(status__in=Appointment.UNDOABLE)
            .order_by("-history_date", "-history_id")
            .first()
        )
        status = before.status if before else Status.BOOKED
        past = current.local_day < timezone.localdate(now)
        if current.status == Status.NO_SHOW and past and status == Status.BOOKED:
            status = Status.COMPLETED
        current.status = status
        current.cancellation_reason = ""
        current.status_changed_at = now
        current.status_changed_by = by
        _save(current, by)
    return current
