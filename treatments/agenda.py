"""What the calendar pages show: each clinician's appointments and free slots, day by day."""

from dataclasses import dataclass, field
from datetime import date, time, timedelta

from django.utils import timezone

from treatments.calendar import ClinicCalendar, Slot, days_between, free_slots, local_datetime
from treatments.models import Appointment


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
    """Live appointments starting from `first` to `last` inclusive, with patient and clinician."""
    appointments = (
        Appointment.objects.live()
        .for_display()
        .filter(
            starts_at__gte=local_datetime(first, time.min),
            starts_at__lt=local_datetime(last + timedelta(days=1), time.min),
        )
    )
    return appointments.filter(clinician=clinician) if clinician else appointments


def agenda(first: date, last: date, clinician=None) -> tuple[list[date], list[AgendaRow]]:
    """Rows of cells for each clinician (or just `clinician`) and day from `first` to `last`."""
    calendar = ClinicCalendar(first, last, [clinician.pk] if clinician else None)
    appointments = list(live_appointments(first, last, clinician))
    free = free_slots(calendar)
    people = {clinic.clinician.pk: clinic.clinician for clinic in calendar.clinics}
    people.update({a.clinician.pk: a.clinician for a in appointments})
    if clinician:
        people = {clinician.pk: clinician}
    days = [
        day
        for day in days_between(first, last)
        if day.weekday() in calendar.hours or any(a.local_day == day for a in appointments)
    ]
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
            cell.appointments = [
                a for a in appointments if a.clinician_id == person.pk and a.local_day == day
            ]
            cell.free = [s for s in free if s.clinician.pk == person.pk and s.local_day == day]
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
