"""The course state: whether a patient's treatment is active, paused or stopped (DOMAIN.md §4).

One standing row per patient (no row: active, never restarted), kept with its history. The
review's decisions set it (`reviews.reviewing` calls `scheduling.courses.course_follow`), and a
restart (`scheduling.courses.course_restart`) starts a new course from `started_on`: sessions
before that day belong to the old course. The course summary (`scheduling/triggers.py`) reads
it, so the due dates, the worklists and the review-due rule follow it.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from patients.models import Patient


class CourseStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    STOPPED = "stopped", "Stopped"


class CourseState(models.Model):
    """A patient's standing course state, since `since`, and the current course's start."""

    patient = models.OneToOneField(
        Patient, on_delete=models.CASCADE, primary_key=True, related_name="course_state"
    )
    status = models.CharField(max_length=8, choices=CourseStatus, default=CourseStatus.ACTIVE)
    since = models.DateField("in this state since")
    resume_on = models.DateField("resume on", null=True, blank=True)
    # The day the current course began after a restart (its new baseline); None: never restarted.
    started_on = models.DateField("current course started on", null=True, blank=True)
    reason = models.TextField(blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(status=CourseStatus.PAUSED, resume_on__isnull=False)
                | (~Q(status=CourseStatus.PAUSED) & Q(resume_on__isnull=True)),
                name="course_state_resume_only_when_paused",
                violation_error_message="A pause needs a resume date; only a pause has one.",
            ),
        ]

    def __str__(self):
        return f"Course of patient {self.patient_id}: {self.status} since {self.since}"

    def clean(self):
        paused = self.status == CourseStatus.PAUSED and self.resume_on and self.since
        if paused and self.resume_on <= self.since:
            raise ValidationError({"resume_on": "The resume date must be after the pause."})
