"""Appointments in the patient's records archive: the stored rows (with the waitlist and its
slot offers) and an .ics calendar."""

from patients.data_export import readable
from scheduling.feeds import patient_calendar


def appointment_rows(patient) -> dict[str, list]:
    return {
        "Appointments": readable(patient.appointments.order_by("starts_at")),
        "Waiting list entries": readable(patient.waitlist_entries.order_by("added_at")),
        "Slot offers": readable(patient.slot_offers.order_by("offered_at")),
    }


def calendar_files(patient, request) -> dict[str, str]:
    return {"appointments.ics": patient_calendar(patient, request.get_host())}
