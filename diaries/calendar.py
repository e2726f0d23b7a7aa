"""Month calendars of a diary: each day coloured by what was logged, with a mark where colour
alone would be the only cue (not logged, headache-free, medicine taken) and a text label."""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Exists, OuterRef
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from clinic.dates import Weekday
from diaries.access import Diary
from diaries.history import Removal, removed_days
from diaries.models import DiaryDay, DiaryDose, earliest_diary_day

STATUS_LABELS = {
    "missing": _("Not logged"),
    "free": _("No headache"),
    "mild": _("Mild headache"),
    "moderate": _("Moderate headache"),
    "severe": _("Severe headache"),
}
# Not logged and headache-free differ by more than colour: a mark in the cell and the legend.
STATUS_MARKS = {"missing": "?", "free": "✓"}
MEDICINE_MARK = "•"
LEGEND = [(status, STATUS_MARKS.get(status, ""), label) for status, label in STATUS_LABELS.items()]
# The month grid's column headings, Monday first: (initial, the day's name for screen readers).
WEEKDAY_INITIALS = [
    pgettext_lazy("Monday", "M"),
    pgettext_lazy("Tuesday", "T"),
    pgettext_lazy("Wednesday", "W"),
    pgettext_lazy("Thursday", "T"),
    pgettext_lazy("Friday", "F"),
    pgettext_lazy("Saturday", "S"),
    pgettext_lazy("Sunday", "S"),
]
WEEKDAY_HEADINGS = list(zip(WEEKDAY_INITIALS, [day.label for day in Weekday], strict=True))


@dataclass(frozen=True)
class CalendarDay:
    day: date
    in_month: bool
    entry: DiaryDay | None
    url: str | None  # None when the day cannot be logged (future, before the diary starts)
    removal: Removal | None = None  # shown to clinicians when the day is not in the diary now

    @property
    def status(self) -> str:
        if self.entry is None:
            return "missing"
        return self.entry.severity if self.entry.headache else "free"

    @property
    def mark(self) -> str:
        return STATUS_MARKS.get(self.status, "")

    @property
    def took_medicine(self) -> bool:
        return bool(self.entry and self.entry.took_medicine)

    @property
    def label(self) -> str:
        details = [gettext("acute medicine")] if self.took_medicine else []
        if self.entry and self.entry.attacks:
            attacks = self.entry.attacks
            details.append(ngettext("%(n)d attack", "%(n)d attacks", attacks) % {"n": attacks})
        if self.entry and self.entry.menstruation:
            details.append(gettext("period"))
        shown = "".join(f", {detail}" for detail in details)
        late = f" ({gettext('entered late')})" if self.entry and self.entry.late else ""
        removed = f" ({self.removal})" if self.removal else ""
        day = date_format(self.day, gettext("D j M"))
        return f"{day}: {STATUS_LABELS[self.status]}{shown}{late}{removed}"


@dataclass(frozen=True)
class Month:
    first: date
    weeks: list[list[CalendarDay]]

    @property
    def weekday_headings(self) -> list[tuple[str, str]]:
        return WEEKDAY_HEADINGS

    @property
    def days(self) -> list[CalendarDay]:
        """The month's own days, for the text alternative."""
        return [cell for week in self.weeks for cell in week if cell.in_month]

    @property
    def removed(self) -> list[CalendarDay]:
        """The month's days removed from the diary and not entered again (staff view)."""
        return [cell for cell in self.days if cell.removal]

    @property
    def previous(self) -> date:
        return (self.first - timedelta(days=1)).replace(day=1)

    @property
    def next(self) -> date:
        return (self.first + timedelta(days=31)).replace(day=1)


def month_start(day: date) -> date:
    return day.replace(day=1)


def months_between(start: date, end: date) -> list[date]:
    months, month = [], month_start(start)
    while month <= end:
        months.append(month)
        month = (month + timedelta(days=31)).replace(day=1)
    return months


def diary_months(diary: Diary, months: list[date], today: date) -> list[Month]:
    """Monday-first month grids for `months`, from one query for all their entries (and, for
    clinicians, one for the days removed from the diary)."""
    cal = calendar.Calendar(firstweekday=calendar.MONDAY)
    grids = [list(cal.monthdatescalendar(first.year, first.month)) for first in months]
    if not grids:
        return []
    span = (grids[0][0][0], grids[-1][-1][-1])
    days = diary.patient.diary_days.filter(day__range=span).annotate(
        took_medicine=Exists(DiaryDose.objects.filter(day=OuterRef("pk")))
    )
    entries = {entry.day: entry for entry in days}
    removals = removed_days(diary.patient, *span) if diary.staff else {}
    earliest = earliest_diary_day(diary.patient)
    return [
        Month(
            first=first,
            weeks=[
                [
                    CalendarDay(
                        day=day,
                        in_month=day.month == first.month,
                        entry=entries.get(day),
                        url=diary.day_url(day, entries.get(day))
                        if earliest <= day <= today
                        else None,
                        removal=None if day in entries else removals.get(day),
                    )
                    for day in week
                ]
                for week in grid
            ],
        )
        for first, grid in zip(months, grids, strict=True)
    ]
