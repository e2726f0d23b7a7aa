"""Free slots for the next injection: a window around the due date, best matches first.

"Best" means the same clinician, weekday and time of day as the patient's last injection, then
the nearest to the due date.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone

from scheduling.calendar import ClinicCalendar, Slot, free_slots
from scheduling.models import Appointment
from treatments.models import InjectionSession

WINDOW_DAYS = 7  # shown either side of the due date
SUGGESTED = 3


@dataclass(frozen=True)
class Habit:
    """When the patient usually comes: their last injection's clinician, weekday and time."""

    clinician_id: int | None
    weekday: int | None
    minute_of_day: int | None


@dataclass(frozen=True)
class SlotOption:
    slot: Slot
    early: bool  # before the due date: booking it needs a reason
    habitual: bool  # same clinician, weekday and time of day as last time


@dataclass(frozen=True)
class NextInjection:
    due_on: date | None
    first: date
    last: date
    suggested: list[SlotOption]
    by_day: list[tuple[date, list[SlotOption]]]


def patient_habit(patient, *, now: datetime) -> Habit:
    """From the last injection appointment by `now`, else the last session (no time of day)."""
    appointment = (
        Appointment.objects.live()
        .filter(patient=patient, kind=Appointment.Kind.INJECTION, starts_at__lte=now)
        .order_by("-starts_at")
        .first()
    )
    if appointment:
        local = timezone.localtime(appointment.starts_at)
        return Habit(appointment.clinician_id, local.weekday(), local.hour * 60 + local.minute)
    session = InjectionSession.objects.filter(patient=patient).order_by("-performed_on").first()
    if session:
        return Habit(session.injector_id, session.performed_on.weekday(), None)
    return Habit(None, None, None)


def _rank(option: SlotOption, habit: Habit, due_on: date | None):
    local = timezone.localtime(option.slot.starts_at)
    minutes = local.hour * 60 + local.minute
    return (
        option.slot.clinician.pk != habit.clinician_id,
        local.weekday() != habit.weekday,
        abs(minutes - habit.minute_of_day) if habit.minute_of_day is not None else 0,
        abs((local.date() - due_on).days) if due_on else 0,
        option.slot.starts_at,
    )


def next_injection_slots(
    patient, *, due_on: date | None, now: datetime, from_day: date | None = None
) -> NextInjection:
    """Free slots after `now` from a week before the due date (or `from_day`) for two weeks."""
    today = timezone.localdate(now)
    first = from_day or ((due_on - timedelta(days=WINDOW_DAYS)) if due_on else today)
    first = max(first, today)
    last = first + timedelta(days=2 * WINDOW_DAYS)
    habit = patient_habit(patient, now=now)
    options = []
    for slot in free_slots(ClinicCalendar(first, last), patient=patient, now=now):
        local = timezone.localtime(slot.starts_at)
        options.append(
            SlotOption(
                slot,
                early=bool(due_on and local.date() < due_on),
                habitual=slot.clinician.pk == habit.clinician_id
                and local.weekday() == habit.weekday
                and (
                    habit.minute_of_day is None
                    or habit.minute_of_day == local.hour * 60 + local.minute
                ),
            )
        )
    on_time = [option for option in options if not option.early]
    suggested = sorted(on_time, key=lambda option: _rank(option, habit, due_on))[:SUGGESTED]
    by_day: dict[date, list[SlotOption]] = {}
    for option in options:
        by_day.setdefault(timezone.localtime(option.slot.starts_at).date(), []).append(option)
    return NextInjection(due_on, first, last, suggested, list(by_day.items()))
