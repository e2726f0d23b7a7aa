"""When each patient's next injection is due: 84 days after their last one (DOMAIN.md §1).

The last injection is the later of the last recorded session and the last completed injection
appointment (front desk may complete the appointment before the session is written up). The
rule is computed once, in the course summary (`treatments/summaries.py`), for every screen.
"""

from datetime import date

from treatments.models import CourseSummary
from treatments.summaries import refresh_courses


def injection_due_on(patient) -> date | None:
    """The day the patient's next injection is due, or None before their first."""
    refresh_courses()
    return (
        CourseSummary.objects.filter(patient=patient)
        .values_list("injection_due_on", flat=True)
        .first()
    )
