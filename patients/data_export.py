"""Everything the clinic holds about one patient, in one zip: the patient's right of access.

The same archive serves the patient (portal download) and staff answering a subject access
request. Clinical rows are exported as they are stored; the diary uses the import/export CSV
format and the appointments the .ics calendar, so both open in other programs.
"""

import io
import json
import zipfile

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Min
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from clinic import audit
from diaries.exchange import export_csv
from patients.models import Eligibility, Patient
from treatments.courses import next_due_on
from treatments.feeds import patient_calendar
from treatments.models import AdverseEvent, InjectedSite

ARCHIVE_README = """Your records from {clinic}, exported on {today}.

record.json      your details, eligibility, medicines tried before, precautions, every
                 injection session with its sites and units, side effects, reviews and
                 appointments, exactly as the clinic stores them
diary.csv        your headache diary (one line per day; opens in a spreadsheet)
appointments.ics your appointments (opens in a calendar program)
after-care/      the after-care sheet of each injection session
"""


def patient_record(patient: Patient) -> dict:
    """The patient's stored rows, grouped by kind (a fixed number of queries)."""
    sessions = list(patient.sessions.order_by("performed_on").values())
    session_ids = [session["id"] for session in sessions]
    sites = _grouped(InjectedSite.objects.filter(session_id__in=session_ids))
    events = _grouped(AdverseEvent.objects.filter(session_id__in=session_ids))
    for session in sessions:
        session["sites"] = sites.get(session["id"], [])
        session["side_effects"] = events.get(session["id"], [])
    details = Patient.objects.filter(pk=patient.pk).values().get()
    details.pop("user_id")
    return {
        "patient": details,
        "eligibility": list(Eligibility.objects.filter(patient=patient).values()),
        "prior_preventives": list(patient.prior_preventives.values()),
        "precautions_and_contraindications": list(patient.flags.values()),
        "injection_sessions": sessions,
        "reviews": list(patient.reviews.order_by("reviewed_on").values()),
        "appointments": list(patient.appointments.order_by("starts_at").values()),
    }


def _grouped(rows) -> dict[int, list[dict]]:
    grouped: dict[int, list[dict]] = {}
    for row in rows.order_by("pk").values():
        grouped.setdefault(row["session_id"], []).append(row)
    return grouped


def patient_archive(patient: Patient, request) -> bytes:
    """The zip: record.json, diary.csv, appointments.ics and the after-care sheets."""
    today = timezone.localdate()
    first_day = patient.diary_days.aggregate(first=Min("day"))["first"] or today
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "README.txt",
            ARCHIVE_README.format(clinic=settings.CLINIC_NAME, today=f"{today:%-d %B %Y}"),
        )
        record = json.dumps(patient_record(patient), cls=DjangoJSONEncoder, indent=2)
        archive.writestr("record.json", record)
        archive.writestr("diary.csv", export_csv(patient, first_day, today))
        archive.writestr("appointments.ics", patient_calendar(patient, request.get_host()))
        for session in patient.sessions.order_by("performed_on"):
            sheet = render_to_string(
                "treatments/aftercare.html",
                {
                    "patient": patient,
                    "session": session,
                    "next_due": next_due_on(session.performed_on),
                },
                request=request,
            )
            archive.writestr(f"after-care/cycle-{session.number}.html", sheet)
    return buffer.getvalue()


def archive_response(request, patient: Patient) -> HttpResponse:
    """All the patient's records as a zip download, logged as an export."""
    response = HttpResponse(patient_archive(patient, request), content_type="application/zip")
    filename = f"records-{patient.mrn}-{timezone.localdate():%Y-%m-%d}.zip"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    audit.record_export(request, patient, "all records (zip)")
    return response
