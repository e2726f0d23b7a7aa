"""Treatment sections of the patient chart."""

from clinic.roles import Role
from patients.chart import ChartSection
from patients.models import Patient


def treatment_sections(patient: Patient, role: Role) -> list[ChartSection]:
    return [
        ChartSection("Injection sessions", "treatments/chart_sessions.html", anchor="sessions"),
        ChartSection("Appointments", "treatments/chart_appointments.html", anchor="appointments"),
    ]
