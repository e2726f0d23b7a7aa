"""A patient's access log: who looked at or changed their records (neurologists only)."""

from clinic.models import AuditEvent
from clinic.roles import Role
from clinic.sections import Section
from patients.models import Patient

CHART_PREVIEW = 10


def patient_events(patient: Patient):
    """Newest first; served by the (patient, id) index."""
    return AuditEvent.objects.filter(patient_id=patient.pk).order_by("-id")


def access_log_sections(*, patient: Patient, role: Role) -> list[Section]:
    if role != Role.NEUROLOGIST:
        return []
    events = list(patient_events(patient)[: CHART_PREVIEW + 1])
    context = {
        "events": events[:CHART_PREVIEW],
        "more": len(events) > CHART_PREVIEW,
        "patient": patient,
    }
    return [Section("Access log", "patients/chart_access_log.html", context, anchor="access-log")]
