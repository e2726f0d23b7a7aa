"""Appointments in the patient's records archive: the stored rows (with the waitlist and its
slot offers) and an .ics calendar."""

from scheduling.feeds import patient_calendar


def appointment_rows(patient) -> dict[str, list]:
    return {
        "appointments": list(patient.appointments.order_by("starts_at").values()),
        "waitlist_entries": list(patient.waitlist_entries.order_by("added_at").values()),
        "slot_offers": list(patient.slot_offers.order_by("offered_at").values()),
    }


def calendar_files(patient, request) -> dict[str, str]:
    return {"appointments.ics": patient_calendar(patient, request.get_host())}
