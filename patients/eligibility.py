"""Whether a patient meets the NICE TA260 criteria for Botox (DOMAIN.md §2), and what is missing."""

from dataclasses import dataclass
from datetime import date

from patients.models import Diagnosis, Eligibility, Patient, PriorPreventive

FAILED_PREVENTIVES_NEEDED = 3
ADULT_AGE = 18


@dataclass(frozen=True)
class Criterion:
    label: str
    met: bool | None  # None: not yet recorded
    detail: str


@dataclass(frozen=True)
class NiceAssessment:
    criteria: list[Criterion]

    @property
    def met(self) -> bool:
        return all(criterion.met for criterion in self.criteria)

    @property
    def missing(self) -> list[Criterion]:
        return [criterion for criterion in self.criteria if not criterion.met]


def assess_nice(
    patient: Patient,
    eligibility: Eligibility | None,
    preventives: list[PriorPreventive],
    today: date,
) -> NiceAssessment:
    """Check each NICE criterion from what is recorded; nothing recorded counts as not met."""
    age = patient.age_on(today)
    failed = [p for p in preventives if p.failed]
    criteria = [
        Criterion("Adult", age >= ADULT_AGE, f"Age {age}."),
        Criterion(
            "Diagnosis is chronic migraine",
            patient.primary_diagnosis == Diagnosis.CHRONIC_MIGRAINE,
            patient.get_primary_diagnosis_display()
            + ("" if patient.primary_diagnosis == Diagnosis.CHRONIC_MIGRAINE else " (off-label)"),
        ),
        _recorded(
            "ICHD-3 chronic migraine criteria met",
            eligibility and eligibility.chronic_migraine_criteria_met,
            "15+ headache days a month for over 3 months, 8+ with migraine features.",
        ),
        Criterion(
            f"At least {FAILED_PREVENTIVES_NEEDED} preventive medicines failed",
            len(failed) >= FAILED_PREVENTIVES_NEEDED,
            f"{len(failed)} recorded as failed"
            + (f": {', '.join(p.name for p in failed)}." if failed else "."),
        ),
        _recorded(
            "Medication overuse managed",
            eligibility and eligibility.medication_overuse_managed,
            "No overuse, or overuse addressed.",
        ),
    ]
    return NiceAssessment(criteria)


def _recorded(label: str, value: bool | None, detail: str) -> Criterion:
    if value is None:
        return Criterion(label, None, "Not recorded yet.")
    return Criterion(label, value, detail if value else "Recorded as not met.")
