"""Treatment models, one module per concept; import them from `treatments.models`."""

from treatments.models.costs import CostSettings
from treatments.models.protocols import MuscleGroup, Protocol, ProtocolAddition, ProtocolSite, Side
from treatments.models.reviews import Decision, Review, Verdict
from treatments.models.scheduling import (
    Appointment,
    CalendarFeed,
    ClinicianClinic,
    ClinicianLeave,
    Closure,
    OpeningHours,
    Reminder,
    Weekday,
)
from treatments.models.sessions import (
    AdverseEvent,
    InjectedSite,
    InjectionSession,
    SessionAmendment,
)
from treatments.models.summaries import CourseSummary, ProgressSummary, StaleCourse

__all__ = [
    "AdverseEvent",
    "Appointment",
    "CalendarFeed",
    "ClinicianClinic",
    "ClinicianLeave",
    "Closure",
    "CostSettings",
    "CourseSummary",
    "Decision",
    "InjectedSite",
    "InjectionSession",
    "MuscleGroup",
    "OpeningHours",
    "Protocol",
    "ProtocolAddition",
    "ProgressSummary",
    "ProtocolSite",
    "Reminder",
    "Review",
    "SessionAmendment",
    "StaleCourse",
    "Side",
    "Verdict",
    "Weekday",
]
