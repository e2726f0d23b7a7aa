"""The review queue's summaries: since when a review is due, and each watched patient's progress.

Nothing here is clinical data: rows are recomputed from sessions, the diary and eligibility
(`reviews/summaries.py`); PostgreSQL triggers (`reviews/triggers.py`) delete a patient's row
when those change, and the periodic job and the writes themselves compute it again.
"""

from django.db import models

from patients.models import Patient
from reviews.models.reviews import Decision, Verdict, VerdictDisplay


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
    # The day the latest complete cycle completed: a verdict that turns after a "continue"
    # makes the review due from this day (`reviews.due`).
    cycle_complete_on = models.DateField(null=True)

    class Meta:
        verbose_name_plural = "progress summaries"

    def __str__(self):
        return f"Progress of patient {self.patient_id} on {self.as_of}: {self.verdict}"


class ReviewSummary(models.Model):
    """Each patient's latest decision in the current course, and since when a review is due.

    Kept true by triggers (`reviews/triggers.py`): the review-due rule of `reviews.due` in SQL.
    `due_since` is a day (None: not due on any day yet); the review is due once it is today or
    earlier, so the queue and the desk's list read a partial index of patients with a day.
    """

    patient = models.OneToOneField(
        Patient, on_delete=models.CASCADE, primary_key=True, related_name="review_summary"
    )
    latest_decision = models.CharField(max_length=10, choices=Decision, blank=True)  # "": none
    latest_reviewed_on = models.DateField(null=True)
    due_since = models.DateField(null=True)
    due_kind = models.CharField(max_length=24, blank=True)  # `reviews.due.DueKind`

    class Meta:
        indexes = [
            models.Index(
                fields=["due_since"],
                name="review_due_since_idx",
                condition=models.Q(due_since__isnull=False),
            )
        ]

    def __str__(self):
        return f"Reviews of patient {self.patient_id}: due since {self.due_since}"
