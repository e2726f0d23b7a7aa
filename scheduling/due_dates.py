"""When each patient's next injection is due: 84 days after their last one (DOMAIN.md §1, §4).

The last injection is the later of the last recorded session and the last completed injection
appointment (front desk may complete the appointment before the session is written up). The
course state decides the rest: a stopped course has no injection due, a paused one none before
its resume date. `next_injection_due` is the rule; the course summary's SQL
(`scheduling/triggers.py`) is the same rule for lists, and a test runs both on the same cases.
Every page reads one of them.
"""

from datetime import date

from scheduling.models import CourseStatus, CourseSummary
from treatments.courses import next_due_on


def next_injection_due(
    last_session_on: date | None,
    last_completed_injection_on: date | None,
    status: str = CourseStatus.ACTIVE,
    resume_on: date | None = None,
) -> date | None:
    """The day the next injection is due, or None before the first or once stopped."""
    if status == CourseStatus.STOPPED:
        return None
    days = [day for day in (last_session_on, last_completed_injection_on) if day is not None]
    due = next_due_on(max(days)) if days else None
    if status == CourseStatus.PAUSED:
        return max(day for day in (due, resume_on) if day is not None)
    return due


def injection_due_on(patient) -> date | None:
    """The patient's next injection due date, from their course summary (one query)."""
    return (
        CourseSummary.objects.filter(patient=patient)
        .values_list("injection_due_on", flat=True)
        .first()
    )
