"""Reminders of appointments and prompts to answer the side-effect check-in, by each patient's
preferred channel (`scheduling/reminders.py` sends them)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from patients.models import Patient
from scheduling.models.calendar import Appointment


class Reminder(models.Model):
    """One reminder per appointment, or one check-in prompt per injection session: the unique
    row is what makes sending idempotent, and its state is the one-time record of the patient's
    answer to the links it carried."""

    class Kind(models.TextChoices):
        APPOINTMENT = "appointment", "Appointment reminder"
        CHECK_IN = "check_in", "Side-effect check-in prompt"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to send"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (will retry)"
        GAVE_UP = "gave_up", "Failed (gave up)"
        TO_PRINT = "to_print", "Letter to print"
        TO_CALL = "to_call", "To phone"
        UNREACHABLE = "unreachable", "Cannot be reached"

    class Response(models.TextChoices):
        NONE = "", "No answer"
        CONFIRMED = "confirmed", "Confirmed"
        CHANGE = "change", "Asked to change"

    kind = models.CharField(max_length=12, choices=Kind, default=Kind.APPOINTMENT)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="reminders")
    appointment = models.OneToOneField(
        Appointment, on_delete=models.CASCADE, related_name="reminder", null=True, blank=True
    )
    session = models.OneToOneField(
        "treatments.InjectionSession",
        on_delete=models.CASCADE,
        related_name="check_in_prompt",
        null=True,
        blank=True,
    )
    channel = models.CharField(max_length=10, choices=Patient.Contact, blank=True)
    status = models.CharField(max_length=12, choices=Status, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField("last error", max_length=300, blank=True)
    sent_at = models.DateTimeField("sent at", null=True, blank=True)
    sent_by = models.ForeignKey(  # who printed the letter or made the call
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    response = models.CharField(max_length=10, choices=Response, blank=True, default="")
    responded_at = models.DateTimeField("answered at", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.CheckConstraint(
                name="reminder_one_subject",
                condition=(
                    Q(kind="appointment", appointment__isnull=False, session__isnull=True)
                    | Q(kind="check_in", session__isnull=False, appointment__isnull=True)
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "kind"], name="reminder_status_idx"),
            models.Index(fields=["created_at"], name="reminder_created_idx"),
        ]

    def __str__(self):
        subject = self.appointment if self.kind == self.Kind.APPOINTMENT else self.session
        return f"{self.get_kind_display()} for {subject} ({self.get_status_display()})"
