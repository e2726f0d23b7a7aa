"""The 12-week interval: the arithmetic every app counts the interval with.

The queries of the dose and interval rules live beside the model (`treatments.models.sessions`);
the due-date rule in `scheduling.due_dates` (DOMAIN.md §1).
"""

from datetime import date, timedelta

INTERVAL_DAYS = 84


def next_due_on(performed_on: date) -> date:
    """The day the next session is due: 84 days after this one."""
    return performed_on + timedelta(days=INTERVAL_DAYS)
