"""Appointments in the patient's records archive: the stored rows and an .ics calendar."""

from scheduling.feeds import patient_calendar


def appointment_rows(patient) -> dict[str, list]:
    return {"appointments": list(patient.appointments.order_by("starts_at").values())}


def calendar_files(patient, request) -> dict[str, str]:
    return {"appointments.ics": patient_calendar(patient, request.get_host())}
