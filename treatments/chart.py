"""Treatment sections of the patient chart."""

from django.db.models import Prefetch
from django.utils import timezone

from clinic.roles import Role
from patients.chart import ChartSection
from patients.models import Patient
from treatments.agenda import patient_appointments
from treatments.courses import next_due_on
from treatments.models import AdverseEvent, InjectionSession
from treatments.progress import patient_progress


def sessions_context(patient: Patient, role: Role) -> dict:
    """The patient's sessions newest first, their side effects, and when the next one is due."""
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
        "next_due": next_due_on(sessions[0].performed_on) if sessions else None,
        "serious_alerts": alerts,
        "clinical": role == Role.NEUROLOGIST,
    }


def treatment_sections(patient: Patient, role: Role) -> list[ChartSection]:
    return [
        ChartSection(
            "Injection sessions",
            "treatments/chart_sessions.html",
            context=sessions_context(patient, role),
            anchor="sessions",
        ),
        ChartSection(
            "Appointments",
            "treatments/chart_appointments.html",
            context=patient_appointments(patient),
            anchor="appointments",
        ),
        *progress_sections(patient, role),
    ]


def progress_sections(patient: Patient, role: Role) -> list[ChartSection]:
    """The suggested verdict and a link to the progress page (clinicians only)."""
    if role != Role.NEUROLOGIST:
        return []
    progress = patient_progress(patient, timezone.localdate(), with_overuse=False)
    return [
        ChartSection(
            "Progress toward review",
            "treatments/chart_progress.html",
            context={"progress": progress},
            anchor="progress",
        )
    ]
