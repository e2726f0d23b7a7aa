"""Sessions, sites, side effects and after-care sheets in the patient's records archive."""

from django.template.loader import render_to_string

from patients.data_export import readable_by
from treatments.courses import next_due_on
from treatments.models import AdverseEvent, InjectedSite


def session_rows(patient) -> dict[str, list]:
    """Each session with its sites and side effects (three queries)."""
    sessions = readable_by(patient.sessions.order_by("performed_on"), "id")
    of_patient = {"session__patient": patient}
    sites = readable_by(InjectedSite.objects.filter(**of_patient).order_by("pk"), "session")
    events = readable_by(AdverseEvent.objects.filter(**of_patient).order_by("pk"), "session")
    rows = [
        {**row, "Injection sites": sites.get(pk, []), "Side effects": events.get(pk, [])}
        for pk, (row,) in sessions.items()
    ]
    return {"Injection sessions": rows}


def aftercare_files(patient, request) -> dict[str, str]:
    return {
        f"after-care/cycle-{session.number}.html": render_to_string(
            "treatments/aftercare_archive.html",
            {"patient": patient, "session": session, "next_due": next_due_on(session.performed_on)},
            request=request,
        )
        for session in patient.sessions.order_by("performed_on")
    }
