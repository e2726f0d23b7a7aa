"""The review after two or three cycles (DOMAIN.md §4–5): verdicts, decisions and scores."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from patients.models import Patient


class Verdict(models.TextChoices):
    """The verdict the rules suggest (DOMAIN.md §4); the values are the export's."""

    NOT_ASSESSED = "not-assessed", "Not assessed (not chronic migraine)"
    AWAITING_BASELINE = "awaiting-baseline", "Awaiting baseline"
    AWAITING_CYCLE_2 = "awaiting-cycle-2", "Awaiting cycle 2"
    INSUFFICIENT_DATA = "insufficient-data", "Insufficient data"
    INADEQUATE_RESPONSE = "inadequate-response", "Inadequate response"
    EPISODIC = "episodic", "Converted to episodic"
    RESPONDER_50 = "responder-50", "50% responder"
    RESPONDING = "responding", "Responding"


# Bootstrap badge class for each verdict, wherever a verdict is shown.
VERDICT_BADGE = {
    Verdict.NOT_ASSESSED: "text-bg-light border",
    Verdict.AWAITING_BASELINE: "text-bg-secondary",
    Verdict.AWAITING_CYCLE_2: "text-bg-secondary",
    Verdict.INSUFFICIENT_DATA: "text-bg-warning",
    Verdict.INADEQUATE_RESPONSE: "text-bg-danger",
    Verdict.EPISODIC: "text-bg-info",
    Verdict.RESPONDER_50: "text-bg-success",
    Verdict.RESPONDING: "text-bg-success",
}


class VerdictDisplay:
    """How a verdict is shown, for anything with a `verdict`."""

    verdict: str

    @property
    def verdict_label(self) -> str:
        return Verdict(self.verdict).label

    @property
    def verdict_badge(self) -> str:
        return VERDICT_BADGE[self.verdict]


class Decision(models.TextChoices):
    CONTINUE = "continue", _("Continue treatment")
    STOP = "stop", _("Stop treatment")
    PAUSE = "pause", _("Pause (treatment break)")
    EXTEND = "extend", _("One more cycle, then review")


# The decision each verdict suggests; any other decision needs a reason.
SUGGESTED_DECISION = {
    Verdict.AWAITING_BASELINE: Decision.CONTINUE,
    Verdict.AWAITING_CYCLE_2: Decision.CONTINUE,
    Verdict.INADEQUATE_RESPONSE: Decision.STOP,
    Verdict.EPISODIC: Decision.PAUSE,
    Verdict.RESPONDER_50: Decision.CONTINUE,
    Verdict.RESPONDING: Decision.CONTINUE,
}

# Decisions that end or interrupt the course need a reason whatever the rules suggest.
REASON_ALWAYS = {Decision.STOP, Decision.PAUSE}

MIDAS_MAX = 270  # 3 questions about days in 3 months
HIT6_MIN, HIT6_MAX = 36, 78


def midas_grade(total: int) -> str:
    """MIDAS grade (DOMAIN.md §5)."""
    if total <= 5:
        return "Grade I: little or no disability"
    if total <= 10:
        return "Grade II: mild disability"
    if total <= 20:
        return "Grade III: moderate disability"
    return "Grade IV: severe disability"


def hit6_band(total: int) -> str:
    """HIT-6 impact band (DOMAIN.md §5)."""
    if total <= 49:
        return "Little or no impact"
    if total <= 55:
        return "Some impact"
    if total <= 59:
        return "Substantial impact"
    return "Severe impact"


class Review(models.Model):
    """The neurologist's decision at a review, with the verdict the rules suggested then."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="reviews")
    reviewed_on = models.DateField("review date", default=timezone.localdate)
    midas = models.PositiveSmallIntegerField(
        "MIDAS total", null=True, blank=True, help_text="Days lost over 3 months (0–270)."
    )
    hit6 = models.PositiveSmallIntegerField(
        "HIT-6 total", null=True, blank=True, help_text="36 to 78, over the last 4 weeks."
    )
    suggested_verdict = models.CharField(
        "suggested verdict", max_length=20, choices=Verdict, editable=False
    )
    decision = models.CharField(max_length=10, choices=Decision)
    reason = models.TextField(
        blank=True,
        help_text="Required for a stop or a pause, and when the decision differs from the "
        "suggested verdict.",
    )
    resume_on = models.DateField(
        "resume treatment on", null=True, blank=True, help_text="For a pause: when it ends."
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-reviewed_on", "-id"]
        indexes = [models.Index(fields=["patient", "-reviewed_on"], name="review_patient_date_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(midas__isnull=True) | Q(midas__lte=MIDAS_MAX),
                name="review_midas_range",
                violation_error_message=f"A MIDAS total is from 0 to {MIDAS_MAX}.",
            ),
            models.CheckConstraint(
                condition=Q(hit6__isnull=True) | Q(hit6__gte=HIT6_MIN, hit6__lte=HIT6_MAX),
                name="review_hit6_range",
                violation_error_message=f"A HIT-6 total is from {HIT6_MIN} to {HIT6_MAX}.",
            ),
        ]

    def __str__(self):
        return f"Review of {self.patient} on {self.reviewed_on:%d %b %Y}"

    @property
    def agrees_with_verdict(self) -> bool:
        return SUGGESTED_DECISION.get(self.suggested_verdict) == self.decision

    @property
    def midas_grade(self) -> str:
        return "" if self.midas is None else midas_grade(self.midas)

    @property
    def hit6_band(self) -> str:
        return "" if self.hit6 is None else hit6_band(self.hit6)

    def clean(self):
        errors = {}
        if self.reviewed_on and self.reviewed_on > timezone.localdate():
            errors["reviewed_on"] = "A review cannot be dated in the future."
        if self.decision == Decision.PAUSE and not self.resume_on:
            errors["resume_on"] = "Give the date treatment resumes after the pause."
        if self.decision != Decision.PAUSE and self.resume_on:
            errors["resume_on"] = "Only a pause has a resume date."
        if self.suggested_verdict and not self.agrees_with_verdict and not self.reason.strip():
            verdict = Verdict(self.suggested_verdict).label.lower()
            errors["reason"] = (
                f"The suggested verdict is “{verdict}”: record why you decide "
                f"“{Decision(self.decision).label.lower()}”."
                if self.decision
                else "Choose a decision."
            )
        elif self.suggested_verdict and self.decision in REASON_ALWAYS and not self.reason.strip():
            errors["reason"] = f"Record why you decide “{Decision(self.decision).label.lower()}”."
        if errors:
            raise ValidationError(errors)
