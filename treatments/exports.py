"""Sessions, sites, side effects and after-care sheets in the patient's records archive."""

from django.template.loader import render_to_string

from treatments.courses import next_due_on
from treatments.models import AdverseEvent, InjectedSite


def _grouped(rows) -> dict[int, list[dict]]:
    grouped: dict[int, list[dict]] = {}
    for row in rows.order_by("pk").values():
        grouped.setdefault(row["session_id"], []).append(row)
    return grouped


def session_rows(patient) -> dict[str, list]:
    sessions = list(patient.sessions.order_by("performed_on").values())
    session_ids = [session["id"] for session in sessions]
    sites = _grouped(InjectedSite.objects.filter(session_id__in=session_ids))
    events = _grouped(AdverseEvent.objects.filter(session_id__in=session_ids))
    for session in sessions:
        session["sites"] = sites.get(session["id"], [])
        session["side_effects"] = events.get(session["id"], [])
    return {"injection_sessions": sessions}


def aftercare_files(patient, request) -> dict[str, str]:
    return {
        f"after-care/cycle-{session.number}.html": render_to_string(
            "treatments/aftercare.html",
            {"patient": patient, "session": session, "next_due": next_due_on(session.performed_on)},
            request=request,
        )
        for session in patient.sessions.order_by("performed_on")
    }
