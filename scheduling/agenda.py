"""What the calendar pages show: each clinician's appointments and free slots, day by day."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django.utils import timezone

from scheduling.calendar import ClinicCalendar, Slot, days_between, free_slots, local_datetime
from scheduling.models import Appointment, ClinicianClinic

CLINICIANS_PER_PAGE = 6
# What an appointment chip shows (calendar_tags.appointment_chip): no more is read.
CHIP_FIELDS = [
    "patient__given_name",
    "patient__family_name",
    "clinician_id",
    "kind",
    "status",
    "starts_at",
    "ends_at",
]


@dataclass
class AgendaCell:
    """One clinician's day: appointments, free slots, and why there is no clinic if there is not."""

    day: date
    appointments: list = field(default_factory=list)
    free: list[Slot] = field(default_factory=list)
    holds_clinic: bool = False
    closed: str = ""

    @property
    def booked_percent(self) -> int:
        """How full the clinic is, for the little bar in the week view."""
        total = len(self.appointments) + len(self.free)
        return round(100 * len(self.appointments) / total) if total else 0

    @property
    def timeline(self) -> list:
        """Appointments and free slots together, in time order (for the day view)."""
        return sorted([*self.appointments, *self.free], key=lambda item: item.starts_at)


@dataclass
class AgendaRow:
    clinician: object
    cells: list[AgendaCell]


def live_appointments(first: date, last: date, clinician=None):
    """Live appointments starting from `first` to `last` inclusive."""
    appointments = Appointment.objects.live().filter(
        starts_at__gte=local_datetime(first, time.min),
        starts_at__lt=local_datetime(last + timedelta(days=1), time.min),
    )
    return appointments.filter(clinician=clinician) if clinician else appointments


def calendar_clinicians(first: date, last: date):
    """Clinicians who hold clinics or have live appointments from `first` to `last`, by name."""
    holds_clinics = ClinicianClinic.objects.filter(clinician=OuterRef("pk"))
    booked = live_appointments(first, last).filter(clinician=OuterRef("pk"))
    return (
        get_user_model()
        .objects.filter(Exists(holds_clinics) | Exists(booked))
        .order_by("last_name", "first_name", "pk")
    )


def agenda(
    first: date, last: date, clinicians: list, *, now: datetime
) -> tuple[list[date], list[AgendaRow]]:
    """Rows of cells for each of `clinicians` and each day from `first` to `last` (free slots
    are those after `now`).

    The calendar pages show a page of clinicians at a time, so a network of many clinics costs
    no more per page than a small one.
    """
    calendar = ClinicCalendar(first, last, [person.pk for person in clinicians])
    appointments = (
        live_appointments(first, last)
        .filter(clinician__in=[person.pk for person in clinicians])
        .select_related("patient")
        .only(*CHIP_FIELDS)
        .order_by("starts_at")
    )
    free = free_slots(calendar, now=now)
    people = {person.pk: person for person in clinicians}
    booked, open_slots = defaultdict(list), defaultdict(list)
    for appointment in appointments:
        booked[appointment.clinician_id, appointment.local_day].append(appointment)
    booked_days = {day for _, day in booked}
    days = [
        day
        for day in days_between(first, last)
        if day.weekday() in calendar.hours or day in booked_days
    ]
    for slot in free:
        open_slots[slot.clinician.pk, slot.local_day].append(slot)
    rows = []
    for person in sorted(people.values(), key=lambda user: (user.last_name, user.first_name)):
        cells = []
        for day in days:
            held = [c for c in calendar.clinics_on(day) if c.clinician_id == person.pk]
            closure = calendar.closure_on(day)
            away = calendar.away(person.pk, day)
            cell = AgendaCell(
                day=day,
                holds_clinic=bool(held),
                closed=closure.reason if closure else "On leave" if away else "",
            )
            cell.appointments = booked[person.pk, day]
            cell.free = open_slots[person.pk, day]
            cells.append(cell)
        rows.append(AgendaRow(person, cells))
    return days, rows


def patient_appointments(patient, now=None) -> dict:
    """The chart's appointments section: upcoming and the past year (one query)."""
    now = now or timezone.now()
    recent = list(
        patient.appointments.select_related("clinician")
        .filter(starts_at__gte=now - timedelta(days=365))
        .order_by("starts_at")
    )
    return {
        "upcoming": [a for a in recent if a.ends_at >= now],
        "past": [a for a in reversed(recent) if a.ends_at < now],
    }


def upcoming_for_patient(patient, now=None, limit: int = 5) -> list:
    """The patient's next live appointments, for the portal (one query)."""
    now = now or timezone.now()
    return list(
        patient.appointments.live()
        .select_related("clinician")
        .filter(ends_at__gte=now)
        .order_by("starts_at")[:limit]
    )
