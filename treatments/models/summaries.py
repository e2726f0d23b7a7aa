"""Derived per-patient summaries that keep the busiest lists fast at clinic-network scale.

Nothing here is clinical data: every row is recomputed from sessions, appointments, reviews
and the diary (`treatments/summaries.py`), and PostgreSQL triggers (migration 0006) mark a
patient's rows out of date whenever those change, by whatever path (forms, admin, imports,
COPY). Readers refresh what is out of date first, in a fixed number of queries.
"""

from django.db import models

from patients.models import Patient
from treatments.models.reviews import Verdict, VerdictDisplay


class CourseSummary(models.Model):
    """A patient's course so far: sessions, when the next injection is due, review pending."""

    patient = models.OneToOneField(
        Patient, on_delete=models.CASCADE, primary_key=True, related_name="course"
    )
    active = models.BooleanField(default=False)  # the patient's status is active
    session_count = models.PositiveIntegerField(default=0)
    last_session_on = models.DateField(null=True)
    # The later of the last session and the last completed injection appointment.
    last_injection_on = models.DateField(null=True)
    injection_due_on = models.DateField(null=True)
    # The latest start of a booked (or arrived) injection and review appointment: one is
    # booked ahead when this is today or later.
    booked_injection_at = models.DateTimeField(null=True)
    booked_review_at = models.DateTimeField(null=True)
    # Two sessions or more and no review yet, or the last review chose one more cycle and a
    # session has happened since.
    review_pending = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(
                fields=["injection_due_on", "booked_injection_at", "booked_review_at"],
                name="course_active_due_idx",
                condition=models.Q(active=True),
            ),
            models.Index(
                fields=["last_session_on"],
                name="course_review_pending_idx",
                condition=models.Q(review_pending=True),
            ),
        ]

    def __str__(self):
        return f"Course of patient {self.patient_id}: {self.session_count} sessions"


class StaleCourse(models.Model):
    """A patient whose `CourseSummary` must be recomputed: a queue the triggers fill."""

    patient_id = models.BigIntegerField(primary_key=True)

    def __str__(self):
        return f"Course of patient {self.patient_id} out of date"


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
