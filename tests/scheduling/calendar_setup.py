"""A small clinic calendar for scheduling tests: open weekdays, one Tuesday injection clinic."""

from datetime import date, time, timedelta

from django.utils import timezone

from scheduling.calendar import local_datetime
from scheduling.models import OpeningHours
from tests.factories import ClinicianClinicFactory


def open_weekdays(opens=time(8, 0), closes=time(18, 0)) -> None:
    for weekday in range(5):
        OpeningHours.objects.get_or_create(
            weekday=weekday, defaults={"opens_at": opens, "closes_at": closes}
        )


def tuesday_clinic(clinician, **kwargs):
    """Open the clinic on weekdays and give `clinician` Tuesdays 09:00–12:00, 20-minute slots."""
    open_weekdays()
    return ClinicianClinicFactory(clinician=clinician, **kwargs)


def tuesday_after(day: date | None = None, weeks: int = 1) -> date:
    """The Tuesday at least `weeks` weeks after `day` (default today)."""
    day = (day or timezone.localdate()) + timedelta(weeks=weeks)
    return day + timedelta(days=(1 - day.weekday()) % 7)


def at(day: date, hour: int, minute: int = 0):
    return local_datetime(day, time(hour, minute))
