"""The chart's appointments section: the next injection's due date and the appointments."""

from clinic.roles import Role
from clinic.sections import Section
from patients.models import Patient
from scheduling.agenda import patient_appointments
from scheduling.due_dates import injection_due_on


def appointments_sections(*, patient: Patient, role: Role) -> list[Section]:
    context = {**patient_appointments(patient), "due_on": injection_due_on(patient)}
    return [
        Section(
            "Appointments",
            "scheduling/chart_appointments.html",
            context=context,
            anchor="appointments",
        )
    ]
