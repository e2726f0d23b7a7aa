"""Free slots for the next appointment: a bounded choice, per clinician, best matches first.

The page shows a page of clinicians (the patient's habitual clinician first, then by name), the
first few free slots of each from the due date (or a chosen day), and a "more" batch per
clinician on demand, so its size does not grow with the clinic. "Best" means the same
clinician, weekday and time of day as the patient's last injection, then the nearest to the due
date. A kind of appointment books into clinic slots at least as long as it takes
(`Appointment.MINUTES`): reviews into review-length slots.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db.models import Case, Exists, OuterRef, Value, When
from django.utils import timezone

from scheduling.agenda import CLINICIANS_PER_PAGE
from scheduling.calendar import ClinicCalendar, Slot, free_slots, local_datetime
from scheduling.models import Appointment, ClinicianClinic
from treatments.models import InjectionSession

WINDOW_DAYS = 14  # days searched for a page, or for one clinician's next batch
SLOTS_PER_CLINICIAN = 4
SUGGESTED = 3


@dataclass(frozen=True)
class Habit:
    """When the patient usually comes: their last injection's clinician, weekday and time."""

    clinician_id: int | None
    weekday: int | None
    minute_of_day: int | None

    def matches(self, slot: Slot) -> bool:
        local = timezone.localtime(slot.starts_at)
        return (
            slot.clinician.pk == self.clinician_id
            and local.weekday() == self.weekday
            and (self.minute_of_day is None or self.minute_of_day == local.hour * 60 + local.minute)
        )


@dataclass(frozen=True)
class SlotOption:
    slot: Slot
    early: bool  # an injection before the due date: booking it needs a reason
    habitual: bool  # same clinician, weekday and time of day as last time


@dataclass(frozen=True)
class ClinicianSlots:
    """One clinician's first free slots, and where their next batch starts."""

    clinician: object
    habitual: bool  # the clinician of the patient's last injection
    options: list[SlotOption]
    more_after: datetime  # the next batch is the free slots after this


@dataclass(frozen=True)
class NextInjection:
    kind: str
    minutes: int  # the shortest slot offered
    due_on: date | None
    first: date
    last: date
    suggested: list[SlotOption]
    clinicians: list[ClinicianSlots]
    page: Page


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


def bookable_clinicians(kind: str, first_id: int | None = None):
    """Clinicians holding clinics with slots long enough for `kind`, by name (`first_id`, the
    habitual clinician, first)."""
    holds = ClinicianClinic.objects.filter(
        clinician=OuterRef("pk"), slot_minutes__gte=Appointment.MINUTES[kind]
    )
    return (
        get_user_model()
        .objects.filter(Exists(holds))
        .order_by(
            Case(When(pk=first_id, then=Value(0)), default=Value(1)),
            "last_name",
            "first_name",
            "pk",
        )
    )


def _options(slots, *, kind: str, due_on: date | None, habit: Habit) -> list[SlotOption]:
    injection = kind == Appointment.Kind.INJECTION
    return [
        SlotOption(
            slot,
            early=bool(injection and due_on and slot.local_day < due_on),
            habitual=injection and habit.matches(slot),
        )
        for slot in slots
    ]


def _window_slots(patient, clinician_ids, first: date, last: date, *, kind, now) -> list[Slot]:
    calendar = ClinicCalendar(first, last, clinician_ids, shortest_slot=Appointment.MINUTES[kind])
    return free_slots(calendar, patient=patient, now=now)


def next_injection_slots(
    patient,
    *,
    due_on: date | None,
    now: datetime,
    from_day: date | None = None,
    kind: str = Appointment.Kind.INJECTION,
    page: str | int | None = 1,
) -> NextInjection:
    """Free `kind` slots after `now` for a fortnight from the due date (or `from_day`, or
    today): for one page of clinicians, the first `SLOTS_PER_CLINICIAN` of each."""
    today = timezone.localdate(now)
    due = due_on if kind == Appointment.Kind.INJECTION else None
    first = max(from_day or due or today, today)
    last = first + timedelta(days=WINDOW_DAYS)
    habit = patient_habit(patient, now=now)
    bookable = bookable_clinicians(kind, habit.clinician_id)
    clinicians_page = Paginator(bookable, CLINICIANS_PER_PAGE).get_page(page)
    clinicians = list(clinicians_page)
    slots = _window_slots(patient, [c.pk for c in clinicians], first, last, kind=kind, now=now)
    options = _options(slots, kind=kind, due_on=due, habit=habit)
    on_time = [option for option in options if not option.early]
    suggested = sorted(on_time, key=lambda option: _rank(option, habit, due))[:SUGGESTED]
    window_end = local_datetime(last + timedelta(days=1), time.min)
    rows = []
    for clinician in clinicians:
        own = [option for option in options if option.slot.clinician.pk == clinician.pk]
        shown = own[:SLOTS_PER_CLINICIAN]
        more_after = shown[-1].slot.starts_at if len(own) > len(shown) else window_end
        habitual = clinician.pk == habit.clinician_id
        rows.append(ClinicianSlots(clinician, habitual, shown, more_after))
    return NextInjection(
        kind,
        Appointment.MINUTES[kind],
        due,
        first,
        last,
        suggested,
        rows,
        clinicians_page,
    )


def more_slots(
    patient,
    clinician,
    *,
    after: datetime,
    due_on: date | None,
    now: datetime,
    kind: str = Appointment.Kind.INJECTION,
) -> ClinicianSlots:
    """`clinician`'s next `SLOTS_PER_CLINICIAN` free `kind` slots after `after` (and `now`),
    searched for a fortnight: the "more" batch of the page."""
    after = max(after, now)
    first = timezone.localdate(after)
    last = first + timedelta(days=WINDOW_DAYS)
    habit = patient_habit(patient, now=now)
    slots = _window_slots(patient, [clinician.pk], first, last, kind=kind, now=after)
    due = due_on if kind == Appointment.Kind.INJECTION else None
    options = _options(slots, kind=kind, due_on=due, habit=habit)
    shown = options[:SLOTS_PER_CLINICIAN]
    if len(options) > len(shown):
        more_after = shown[-1].slot.starts_at
    else:
        more_after = local_datetime(last + timedelta(days=1), time.min)
    return ClinicianSlots(clinician, clinician.pk == habit.clinician_id, shown, more_after)
