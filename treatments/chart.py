"""Treatment sections of the patient chart: injection sessions and their side effects."""

from django.db.models import Prefetch

from clinic.roles import Role
from clinic.sections import Section
from patients.models import Patient
from treatments.models import AdverseEvent, InjectionSession


def sessions_context(patient: Patient, role: Role) -> dict:
    """The patient's sessions newest first, and their serious side effects: those awaiting
    acknowledgement, and those acknowledged (with what was done)."""
    sessions = list(
        InjectionSession.objects.for_chart()
        .filter(patient=patient)
        .prefetch_related(
            Prefetch(
                "adverse_events", queryset=AdverseEvent.objects.select_related("acknowledged_by")
            )
        )
        .order_by("-performed_on")
    )
    serious = [event for session in sessions for event in session.adverse_events.all()]
    serious = [event for event in serious if event.serious]
    return {
        "sessions": sessions,
        "serious_alerts": [event for event in serious if event.needs_acknowledgement],
        "acknowledged": [event for event in serious if not event.needs_acknowledgement],
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
