"""The days of the week, and the years a calendar page can show.

Year 1 and year 9999 are dates Python accepts, but a page's week or month grid, its previous
and next links and the time zone conversion of its day run off the ends of the calendar.
Nobody books or keeps a diary outside these years, so a page asked for one shows today with
a message instead.
"""

from datetime import date

from django.contrib import messages
from django.db import models

CALENDAR_YEARS = range(1900, 3000)


class Weekday(models.IntegerChoices):
    """Numbered as `date.weekday()` numbers them."""

    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


def day_in_calendar(request, day: date, today: date) -> date:
    """`day`, or `today` with a message when `day` is outside CALENDAR_YEARS."""
    if day.year in CALENDAR_YEARS:
        return day
    first, last = CALENDAR_YEARS[0], CALENDAR_YEARS[-1]
    messages.warning(
        request,
        f"{day.isoformat()} is outside the calendar (the years {first} to {last}): "
        "showing today instead.",
    )
    return today
