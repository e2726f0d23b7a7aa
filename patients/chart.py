"""The pieces of a patient's chart: the header every staff page shows, and the sections.

The chart's sections come from the apps above (`clinic.sections`, page `CHART`): each
registers a provider in its `AppConfig.ready()`, so this app imports none of them.
"""

from clinic import sections
from clinic.roles import Role
from patients.models import Patient


def patient_header(patient: Patient) -> dict:
    """Context for `partials/patient_header.html`: the patient and active warning flags."""
    flags = [flag for flag in patient.flags.all() if flag.is_active]
    return {
        "patient": patient,
        "active_flags": flags,
        "contraindications": [f for f in flags if f.is_contraindication],
        "precautions": [f for f in flags if not f.is_contraindication],
    }


def chart_sections(patient: Patient, role: Role) -> list[sections.Section]:
    """The sections every app contributes to the chart, in order."""
    return sections.sections(sections.CHART, patient=patient, role=role)
