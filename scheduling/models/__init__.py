"""Scheduling models: the clinic calendar, appointments, reminders, feeds, course summaries."""

from scheduling.models.calendar import (
    Appointment,
    CalendarFeed,
    ClinicianClinic,
    ClinicianLeave,
    Closure,
    OpeningHours,
    Reminder,
    Weekday,
)
from scheduling.models.summaries import CourseSummary

__all__ = [
    "Appointment",
    "CalendarFeed",
    "ClinicianClinic",
    "ClinicianLeave",
    "Closure",
    "CourseSummary",
    "OpeningHours",
    "Reminder",
    "Weekday",
]
