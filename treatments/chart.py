"""Treatment sections of the patient chart: injection sessions and their side effects."""

from django.db.models import Prefetch

from clinic.roles import Role
from clinic.sections import Section
from patients.models import Patient
from treatments.models import AdverseEvent, InjectionSession


def sessions_context(patient: Patient, role: Role) -> dict:
    """The patient's sessions newest first, and their side effects awaiting acknowledgement."""
    sessions = list(
        InjectionSession.objects.for_chart()
        .filter(patient=patient)
        .prefetch_related(Prefetch("adverse_events", queryset=AdverseEvent.objects.all()))
        .order_by("-performed_on")
    )
    alerts = [
        event
        for session in sessions
        for event in session.adverse_events.all()
        if event.needs_acknowledgement
    ]
    return {
        "sessions": sessions,
        "serious_alerts": alerts,
        "clinical": role == Role.NEUROLOGIST,
    }


def treatment_sections(*, patient: Patient, role: Role) -> list[Section]:
    return [
        Section(
            "Injection sessions",
            "treatments/chart_sessions.html",
            context=sessions_context(patient, role),
            anchor="sessions",
        )
    ]
