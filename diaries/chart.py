"""Diary sections of the patient chart (clinicians only: front desk sees no diary detail)."""

from django.utils import timezone

from clinic.roles import Role
from clinic.sections import Section
from diaries.access import Diary
from diaries.metrics import diary_summary, last_28_days
from patients.models import Patient


def portal_section(patient: Patient) -> Section:
    """Whether the patient can use the portal, and the button to (re-)invite them."""
    return Section(
        "Patient portal",
        "diaries/chart_portal.html",
        context={"patient": patient, "invitation": patient.invitations.first()},
        anchor="portal",
    )


def diary_section(patient: Patient) -> Section:
    start, end = last_28_days(timezone.localdate())
    summary = diary_summary(patient, start, end)  # counts its late and transcribed days too
    marks = {
        "any_days": patient.diary_days.exists(),
        "late_days": summary.counts.late_days,
        "transcribed_days": summary.counts.transcribed_days,
    }
    diary = Diary(patient, staff=True)
    links = [
        ("Calendar", diary.url("calendar")),
        ("Transcribe a day", diary.url("day_new")),
        ("Medicines", diary.url("medicines")),
        ("Import / export", diary.url("transfer")),
        ("Printable report", diary.url("report")),
    ]
    return Section(
        "Headache diary",
        "diaries/chart_diary.html",
        context={"summary": summary, "links": links, **marks},
        anchor="diary",
    )


def diary_sections(*, patient: Patient, role: Role) -> list[Section]:
    sections = [portal_section(patient)]
    if role == Role.NEUROLOGIST:
        sections.append(diary_section(patient))
    return sections
