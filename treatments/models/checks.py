"""What the clinician confirmed before an injection (DOMAIN.md §4, "Before each injection")."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from treatments.models.sessions import InjectionSession


class Answer(models.TextChoices):
    NO = "no", "No"
    YES = "yes", "Yes"


class PreInjectionCheck(models.Model):
    """The checklist answered before a session, kept with it.

    A question that does not apply to the patient is not asked and stays blank (pregnancy
    and breastfeeding outside `Patient.can_be_pregnant_on`; the serious side effects review
    when there were none). Any "yes" needs `findings_note`; each warning shown (NICE criteria
    not met, a standing stop or pause) is kept in `warnings` with the reason given for it.
    """

    # The yes/no questions, in the order the form asks them.
    QUESTIONS = {
        "pregnancy": "Is the patient pregnant, or could they be?",
        "breastfeeding": "Is the patient breastfeeding?",
        "neuromuscular": "Any neuromuscular disease (myasthenia gravis, Lambert-Eaton, ALS)?",
        "swallowing_breathing": "Any swallowing or breathing problems?",
        "site_infection": "Any infection at the injection sites?",
    }
    PREGNANCY_QUESTIONS = ("pregnancy", "breastfeeding")

    session = models.OneToOneField(
        InjectionSession, on_delete=models.CASCADE, related_name="pre_injection_check"
    )
    consent_on_file = models.BooleanField("consent to treatment is on file")
    pregnancy = models.CharField(max_length=3, choices=Answer, blank=True)
    breastfeeding = models.CharField(max_length=3, choices=Answer, blank=True)
    neuromuscular = models.CharField(max_length=3, choices=Answer)
    swallowing_breathing = models.CharField(max_length=3, choices=Answer)
    site_infection = models.CharField(max_length=3, choices=Answer)
    findings_note = models.TextField(
        "what was found, and why it is safe to inject", blank=True, default=""
    )
    serious_events_reviewed = models.BooleanField(
        "serious side effects since the last session reviewed",
        null=True,
        blank=True,
        help_text="Blank when there were none to review.",
    )
    warnings = models.JSONField(
        default=list, blank=True, help_text='[{"warning": "…", "reason": "…"}, …]'
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(consent_on_file=True),
                name="pre_injection_consent_on_file",
                violation_error_message="Consent must be on file before injecting.",
            ),
        ]

    def __str__(self):
        return f"Pre-injection check of {self.session}"

    @property
    def audit_patient_id(self) -> int:
        return self.session.patient_id

    def answers(self) -> list[tuple[str, str]]:
        """(question, answer) for each question that was asked."""
        return [
            (question, self.get_answer_display(name))
            for name, question in self.QUESTIONS.items()
            if getattr(self, name)
        ]

    def get_answer_display(self, name: str) -> str:
        return Answer(getattr(self, name)).label

    @property
    def yes_answers(self) -> list[str]:
        return [name for name in self.QUESTIONS if getattr(self, name) == Answer.YES]
