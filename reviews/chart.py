"""The chart's progress section: the suggested verdict and a link to the progress page."""

from django.utils import timezone

from clinic.roles import Role
from clinic.sections import Section
from patients.models import Patient
from reviews.due import review_due_for
from reviews.progress import patient_progress


def progress_sections(*, patient: Patient, role: Role) -> list[Section]:
    """Clinicians only."""
    if role != Role.NEUROLOGIST:
        return []
    progress = patient_progress(patient, timezone.localdate(), with_overuse=False)
    return [
        Section(
            "Progress toward review",
            "reviews/chart_progress.html",
            context={"progress": progress, "review_due": review_due_for(patient)},
            anchor="progress",
        )
    ]
