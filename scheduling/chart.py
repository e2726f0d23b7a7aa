"""The chart's appointments section: the course state, the next injection's due date (or why
none is due), and the appointments."""

from django.utils import timezone

from clinic.roles import Role
from clinic.sections import Section
from patients.models import Patient
from scheduling.agenda import patient_appointments
from scheduling.courses import course_of
from scheduling.models import WaitlistEntry


def appointments_sections(*, patient: Patient, role: Role) -> list[Section]:
    course = course_of(patient, timezone.localdate())
    context = {
        **patient_appointments(patient),
        "course": course,
        "due_on": course.next_injection_due,
        "can_restart": role == Role.NEUROLOGIST and course.status in ("stopped", "paused"),
        "waiting": patient.waitlist_entries.filter(status=WaitlistEntry.Status.WAITING)
        .select_related("clinician")
        .first(),
    }
    return [
        Section(
            "Appointments",
            "scheduling/chart_appointments.html",
            context=context,
            anchor="appointments",
        )
    ]
