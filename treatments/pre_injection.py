"""Before each injection: what to ask this patient, and whether the answers allow it.

DOMAIN.md §4: consent on file; the precautions asked (pregnancy and breastfeeding only where
they can apply, `Patient.can_be_pregnant_on`); no infection at the injection sites; any
serious side effect since the last session reviewed, with what was done; and a warning,
acknowledged with a reason, for NICE criteria not met and for whatever the apps above
contribute through `treatments.session_warnings` (a standing stop or pause decision).
"""

import hashlib
from dataclasses import dataclass
from datetime import date

from django.db.models import Q
from django.template.defaultfilters import pluralize

from patients.eligibility import NiceAssessment, assess_nice
from patients.models import Eligibility, Patient
from treatments import session_warnings
from treatments.models import AdverseEvent, PreInjectionCheck
from treatments.models.checks import Answer
from treatments.models.sessions import previous_session


@dataclass(frozen=True)
class BeforeInjection:
    """What the checklist asks for `patient` on `on`."""

    patient: Patient
    on: date
    ask_pregnancy: bool
    serious_events: list[AdverseEvent]
    warnings: list[str]

    @property
    def questions(self) -> dict[str, str]:
        """The yes/no questions asked, by field name."""
        return {
            name: question
            for name, question in PreInjectionCheck.QUESTIONS.items()
            if self.ask_pregnancy or name not in PreInjectionCheck.PREGNANCY_QUESTIONS
        }

    @property
    def unacknowledged(self) -> list[AdverseEvent]:
        return [event for event in self.serious_events if event.needs_acknowledgement]


def before_injection(patient: Patient, on: date) -> BeforeInjection:
    """The questions and warnings for injecting `patient` on `on`."""
    previous = previous_session(patient.pk, on)
    events = AdverseEvent.objects.filter(session__patient=patient, serious=True).filter(
        Q(session=previous) | Q(acknowledged_at=None)
    )
    nice = assess_nice(
        patient,
        Eligibility.objects.filter(patient=patient).first(),
        list(patient.prior_preventives.all()),
        on,
    )
    warnings = [] if nice.met else [nice_warning(nice)]
    return BeforeInjection(
        patient=patient,
        on=on,
        ask_pregnancy=patient.can_be_pregnant_on(on),
        serious_events=list(
            events.select_related("session", "acknowledged_by").order_by("onset_on", "pk")
        ),
        warnings=warnings + session_warnings.warnings_for(patient, on),
    )


def nice_warning(nice: NiceAssessment) -> str:
    missing = nice.missing
    return (
        f"NICE TA260 criteria not met: {len(missing)} criteri{pluralize(len(missing), 'on,a')} "
        f"missing or unmet ({', '.join(criterion.label for criterion in missing)})."
    )


def warning_field(warning: str) -> str:
    """The form field (and error key) of a warning's reason, stable for the same sentence."""
    return "warning_" + hashlib.sha256(warning.encode()).hexdigest()[:12]


def check_errors(check: PreInjectionCheck, context: BeforeInjection) -> dict[str, list[str]]:
    """Every reason the answers in `check` do not allow the injection (empty: they do).

    Also blanks what was not asked and orders `check.warnings` as `context.warnings`.
    """
    errors: dict[str, list[str]] = {}

    def refuse(field, message):
        errors.setdefault(field, []).append(message)

    if not check.consent_on_file:
        refuse("consent_on_file", "Confirm that consent to treatment is on file.")
    for name in PreInjectionCheck.QUESTIONS:
        if name not in context.questions:
            setattr(check, name, "")
        elif getattr(check, name) not in Answer.values:
            refuse(name, "Answer this question.")
    if check.yes_answers and not check.findings_note.strip():
        asked = ", ".join(PreInjectionCheck.QUESTIONS[name].lower() for name in check.yes_answers)
        refuse(
            "findings_note",
            f"You answered yes ({asked}): record what was found and why it is safe to inject.",
        )
    _check_serious_events(check, context, refuse)
    reasons = {item.get("warning"): item.get("reason", "").strip() for item in check.warnings}
    check.warnings = []
    for warning in context.warnings:
        reason = reasons.get(warning, "")
        if not reason:
            refuse(warning_field(warning), f"Give the reason to inject despite: {warning}")
        check.warnings.append({"warning": warning, "reason": reason})
    return errors


def _check_serious_events(check, context: BeforeInjection, refuse) -> None:
    if not context.serious_events:
        check.serious_events_reviewed = None
        return
    for event in context.unacknowledged:
        refuse(
            None,
            f"The serious side effect “{event}” after the session of "
            f"{event.session.performed_on:%-d %b %Y} is not acknowledged yet: acknowledge it, "
            "with what was done, before the next injection.",
        )
    if not check.serious_events_reviewed:
        refuse(
            "serious_events_reviewed",
            "Confirm you have reviewed the serious side effects since the last session.",
        )
