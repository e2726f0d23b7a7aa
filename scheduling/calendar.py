"""The clinic's calendar rules for a span of days, and the free slots they leave.

`ClinicCalendar` loads opening hours, closures, clinics and leave for the span in four queries;
everything after that is arithmetic, so a week view or a slot search costs the same however many
days or clinicians it covers.
"""

from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from scheduling.models import Appointment, ClinicianClinic, ClinicianLeave, Closure, OpeningHours
from scheduling.models.calendar import LONGEST_APPOINTMENT


@dataclass(frozen=True)
class Slot:
    """A bookable stretch of one clinician's clinic."""

    clinician: object
    starts_at: datetime
    ends_at: datetime

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def local_day(self) -> date:
        return timezone.localtime(self.starts_at).date()


def local_datetime(day: date, at: time) -> datetime:
    """`day` at `at` in the clinic's time zone."""
    return timezone.make_aware(datetime.combine(day, at))


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


class ClinicCalendar:
    """Opening hours, closures, clinicians' clinics and leave from `first` to `last`."""

    def __init__(self, first: date, last: date, clinician_ids=None, *, shortest_slot: int = 0):
        """Only `clinician_ids`' clinics if given, and only clinics whose slots last at least
        `shortest_slot` minutes (the kind of appointment to book: `Appointment.MINUTES`)."""
        self.first, self.last = first, last
        self.hours = {hours.weekday: hours for hours in OpeningHours.objects.all()}
        self.closures = list(Closure.objects.filter(starts_on__lte=last, ends_on__gte=first))
        clinics = ClinicianClinic.objects.select_related("clinician").filter(
            slot_minutes__gte=shortest_slot
        )
        leave = ClinicianLeave.objects.filter(starts_on__lte=last, ends_on__gte=first)
        if clinician_ids is not None:
            clinics = clinics.filter(clinician_id__in=clinician_ids)
            leave = leave.filter(clinician_id__in=clinician_ids)
        self.clinics = list(clinics)
        self.leave = list(leave)

    def closure_on(self, day: date) -> Closure | None:
        return next((c for c in self.closures if c.starts_on <= day <= c.ends_on), None)

    def away(self, clinician_id: int, day: date) -> bool:
        return any(
            leave.clinician_id == clinician_id and leave.starts_on <= day <= leave.ends_on
            for leave in self.leave
        )

    def clinics_on(self, day: date) -> list[ClinicianClinic]:
        """Clinics held on `day`: the clinic is open, not closed, and the clinician not away."""
        if day.weekday() not in self.hours or self.closure_on(day):
            return []
        return [
            clinic
            for clinic in self.clinics
            if clinic.weekday == day.weekday() and not self.away(clinic.clinician_id, day)
        ]

    def slots_on(self, day: date) -> list[Slot]:
        """Every slot of every clinic held on `day`, within opening hours, in time order."""
        hours = self.hours.get(day.weekday())
        slots = []
        for clinic in self.clinics_on(day):
            start = max(clinic.starts_at, hours.opens_at)
            end = min(clinic.ends_at, hours.closes_at)
            at = local_datetime(day, start)
            stop = local_datetime(day, end)
            step = timedelta(minutes=clinic.slot_minutes)
            while at + step <= stop:
                slots.append(Slot(clinic.clinician, at, at + step))
                at += step
        return sorted(slots, key=lambda slot: (slot.starts_at, slot.clinician.pk))

    def problem_with(self, clinician_id: int, starts_at: datetime, ends_at: datetime) -> str | None:
        """Why this time cannot be booked for this clinician, or None if the calendar allows it."""
        start, end = timezone.localtime(starts_at), timezone.localtime(ends_at)
        day = start.date()
        if end.date() != day:
            return "An appointment must start and end on the same day."
        closure = self.closure_on(day)
        if closure:
            return f"The clinic is closed on {day:%-d %b %Y} ({closure.reason})."
        hours = self.hours.get(day.weekday())
        if hours is None:
            return f"The clinic is closed on {day:%A}s."
        if start.time() < hours.opens_at or end.time() > hours.closes_at:
            return (
                f"That is outside opening hours ({hours.opens_at:%H:%M}–{hours.closes_at:%H:%M} "
                f"on {day:%A}s)."
            )
        if self.away(clinician_id, day):
            return f"The clinician is on leave on {day:%-d %b %Y}."
        held = [c for c in self.clinics_on(day) if c.clinician_id == clinician_id]
        if not any(c.starts_at <= start.time() and end.time() <= c.ends_at for c in held):
            return "The clinician holds no clinic at that time. Choose one of the free slots."
        return None


class BusyTimes:
    """One clinician's (or patient's) live appointments, added in order of start.

    The exclusion constraints keep them from overlapping one another, so only the last one
    starting before a slot ends can overlap it: a binary search, not a scan.
    """

    def __init__(self):
        self.starts: list[datetime] = []
        self.ends: list[datetime] = []

    def add(self, starts_at: datetime, ends_at: datetime) -> None:
        self.starts.append(starts_at)
        self.ends.append(ends_at)

    def overlaps(self, starts_at: datetime, ends_at: datetime) -> bool:
        before = bisect_left(self.starts, ends_at) - 1
        return before >= 0 and self.ends[before] > starts_at


def free_slots(
    calendar: ClinicCalendar, *, patient=None, now: datetime | None = None
) -> list[Slot]:
    """Slots of `calendar` after `now` that no live appointment overlaps (nor the patient's)."""
    now = now or timezone.now()
    span_start = local_datetime(calendar.first, time.min)
    span_end = local_datetime(calendar.last + timedelta(days=1), time.min)
    busy = Appointment.objects.live().filter(
        starts_at__gt=span_start - LONGEST_APPOINTMENT,
        starts_at__lt=span_end,
        ends_at__gt=span_start,
    )
    clinician_ids = {clinic.clinician_id for clinic in calendar.clinics}
    if patient is not None:
        busy = busy.filter(clinician_id__in=clinician_ids) | busy.filter(patient=patient)
    else:
        busy = busy.filter(clinician_id__in=clinician_ids)
    by_clinician: dict[int, BusyTimes] = defaultdict(BusyTimes)
    patient_busy = BusyTimes()
    for clinician_id, patient_id, starts_at, ends_at in busy.order_by("starts_at").values_list(
        "clinician_id", "patient_id", "starts_at", "ends_at"
    ):
        by_clinician[clinician_id].add(starts_at, ends_at)
        if patient is not None and patient_id == patient.pk:
            patient_busy.add(starts_at, ends_at)

    def is_free(slot: Slot) -> bool:
        return not (
            by_clinician[slot.clinician.pk].overlaps(slot.starts_at, slot.ends_at)
            or patient_busy.overlaps(slot.starts_at, slot.ends_at)
        )

    return [
        slot
        for day in days_between(calendar.first, calendar.last)
        for slot in calendar.slots_on(day)
        if slot.starts_at > now and is_free(slot)
    ]
