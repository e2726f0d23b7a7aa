"""Diary sections of the patient chart (clinicians only: front desk sees no diary detail)."""

from clinic.roles import Role
from patients.chart import ChartSection
from patients.models import Patient


def diary_sections(patient: Patient, role: Role) -> list[ChartSection]:
    if role != Role.NEUROLOGIST:
        return []
    return [
        ChartSection("Headache diary", "diaries/chart_diary.html", anchor="diary"),
        ChartSection("Progress toward review", "diaries/chart_progress.html", anchor="progress"),
    ]
