"""The front desk's call log: each attempt to reach a patient from a worklist, with its outcome."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from patients.models import Patient


class CallAttempt(models.Model):
    """One attempt to reach a patient (phone, message), who made it and when."""

    class Outcome(models.TextChoices):
        CALLED = "called", "Spoke to them"
        NO_ANSWER = "no_answer", "No answer"
        LEFT_MESSAGE = "left_message", "Left a message"
        BOOKED = "booked", "Booked"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="call_attempts")
    outcome = models.CharField(max_length=12, choices=Outcome)
    note = models.CharField(max_length=200, blank=True)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    made_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["-made_at"]
        indexes = [models.Index(fields=["patient", "-made_at"], name="call_patient_made_idx")]

    def __str__(self) -> str:
        return f"{self.patient_id} {self.get_outcome_display()} {self.made_at:%Y-%m-%d %H:%M}"
