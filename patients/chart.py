"""The pieces of a patient's chart: the header every staff page shows, and the sections."""

from dataclasses import dataclass, field

from clinic.roles import Role
from patients.models import Patient


@dataclass(frozen=True)
class ChartSection:
    """One titled block of the chart, rendered from `template` with `context`."""

    title: str
    template: str
    context: dict = field(default_factory=dict)
    anchor: str = ""


def patient_header(patient: Patient) -> dict:
    """Context for `partials/patient_header.html`: the patient and active warning flags."""
    flags = [flag for flag in patient.flags.all() if flag.is_active]
    return {
        "patient": patient,
        "active_flags": flags,
        "contraindications": [f for f in flags if f.is_contraindication],
        "precautions": [f for f in flags if not f.is_contraindication],
    }


def chart_sections(patient: Patient, role: Role) -> list[ChartSection]:
    """Sections contributed by the treatment and diary apps and the audit trail, in order."""
    from clinic.access_log import access_log_sections
    from diaries.chart import diary_sections
    from treatments.chart import treatment_sections

    return [
        *treatment_sections(patient, role),
        *diary_sections(patient, role),
        *access_log_sections(patient, role),
    ]
