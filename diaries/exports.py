"""The diary's part of the patient's records archive (`patients.data_export`)."""

from django.db.models import Min
from django.utils import timezone

from diaries.exchange import export_csv


def diary_files(patient, request) -> dict[str, str]:
    today = timezone.localdate()
    first_day = patient.diary_days.aggregate(first=Min("day"))["first"] or today
    return {"diary.csv": export_csv(patient, first_day, today)}
