"""The patient's answer to the portal's side-effect check-in after a session."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords


class SideEffectCheckIn(models.Model):
    """The patient's answer to the portal's side-effect check-in after one session."""

    session = models.OneToOneField(
        "treatments.InjectionSession", on_delete=models.PROTECT, related_name="check_in"
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(default=timezone.now)
    nothing_to_report = models.BooleanField(default=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "side-effect check-in"

    def __str__(self):
        return f"Check-in after {self.session}"

    @property
    def audit_patient_id(self) -> int:
        return self.session.patient_id
