"""The review queue's progress summaries: each queued patient's verdict, rates and reduction.

Nothing here is clinical data: rows are recomputed from sessions, the diary and eligibility
(`reviews/summaries.py`); PostgreSQL triggers (`reviews/triggers.py`) delete a patient's row
when those change, and the periodic job and the writes themselves compute it again.
"""

from django.db import models

from patients.models import Patient
from reviews.models.reviews import Verdict, VerdictDisplay


class ProgressSummary(VerdictDisplay, models.Model):
    """A patient's progress toward review as of `as_of`: what the review queue sorts and shows.

    Deleted by the triggers when the patient's diary, sessions or eligibility change; out of
    date once `as_of` is not today (windows move with the date).
    """

    patient = models.OneToOneField(
        Patient, on_delete=models.CASCADE, primary_key=True, related_name="progress_summary"
    )
    as_of = models.DateField()
    verdict = models.CharField(max_length=24, choices=Verdict)
    baseline_source = models.CharField(max_length=8, blank=True)  # "diary", "reported" or ""
    baseline_rate = models.DecimalField(max_digits=5, decimal_places=1, null=True)
    latest_rate = models.DecimalField(max_digits=5, decimal_places=1, null=True)
    reduction = models.DecimalField(max_digits=7, decimal_places=1, null=True)
    coverage = models.DecimalField(max_digits=4, decimal_places=1, null=True)

    class Meta:
        verbose_name_plural = "progress summaries"

    def __str__(self):
        return f"Progress of patient {self.patient_id} on {self.as_of}: {self.verdict}"
