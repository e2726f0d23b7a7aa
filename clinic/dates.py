"""The days of the week, and the years a calendar page can show.

Year 1 and year 9999 are dates Python accepts, but a page's week or month grid, its previous
and next links and the time zone conversion of its day run off the ends of the calendar.
Nobody books or keeps a diary outside these years, so a page asked for one shows today with
a message instead.
"""

from datetime import date

from django.contrib import messages
from django.db import models
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

CALENDAR_YEARS = range(1900, 3000)


class Weekday(models.IntegerChoices):
    """Numbered as `date.weekday()` numbers them."""

    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


def weekday_date(day: date) -> str:
    """The day with its weekday, in the active language: "Wednesday 2 December",
    "miércoles, 2 de diciembre" (templates: `|date:_("l j F")`)."""
    # Translators: a date format of Django's date filter (weekday, day, month).
    return date_format(day, gettext("l j F"))


def day_in_calendar(request, day: date, today: date) -> date:
    """`day`, or `today` with a message when `day` is outside CALENDAR_YEARS."""
    if day.year in CALENDAR_YEARS:
        return day
    first, last = CALENDAR_YEARS[0], CALENDAR_YEARS[-1]
    messages.warning(
        request,
        gettext(
            "%(day)s is outside the calendar (the years %(first)d to %(last)d): "
            "showing today instead."
        )
        % {"day": day.isoformat(), "first": first, "last": last},
    )
    return today
