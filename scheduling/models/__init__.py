"""Scheduling models: the calendar, appointments, reminders and check-in prompts, feeds,
course states, summaries, the waitlist and its slot offers."""

from scheduling.models.calendar import (
    Appointment,
    CalendarFeed,
    ClinicianClinic,
    ClinicianLeave,
    Closure,
    OpeningHours,
    Weekday,
)
from scheduling.models.calls import CallAttempt
from scheduling.models.courses import CourseState, CourseStatus
from scheduling.models.reminders import Reminder
from scheduling.models.summaries import CourseSummary
from scheduling.models.waitlist import SlotOffer, WaitlistEntry

__all__ = [
    "Appointment",
    "CallAttempt",
    "CalendarFeed",
    "ClinicianClinic",
    "ClinicianLeave",
    "Closure",
    "CourseState",
    "CourseStatus",
    "CourseSummary",
    "OpeningHours",
    "Reminder",
    "SlotOffer",
    "WaitlistEntry",
    "Weekday",
]
