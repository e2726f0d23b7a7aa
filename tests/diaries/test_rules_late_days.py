"""Late and backfilled days (issue 13): a range reaching back more than a week is confirmed
before anything is saved, and every window counts its days entered late and by staff."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse

from diaries.entries import BackfillNotConfirmed, mark_headache_free, needs_confirmation
from diaries.metrics import LATE_AFTER_DAYS, diary_counts
from diaries.models import DiaryDay, Source
from tests.factories import DiaryDayFactory, PatientFactory
from tests.reviews.progress_helpers import AFTER_S3, S2, responding_course

TODAY = date(2026, 6, 17)
pytestmark = [pytest.mark.django_db, pytest.mark.today(TODAY)]


@pytest.mark.parametrize(
    ("days_back", "days", "asked"),
    [(7, 5, False), (8, 5, True), (8, 1, False), (60, 30, True)],
)
def test_a_range_reaching_back_more_than_a_week_asks_to_confirm(days_back, days, asked):
    start = TODAY - timedelta(days=days_back)
    end = start + timedelta(days=days - 1)
    assert needs_confirmation(start, end, TODAY) is asked


def test_nothing_is_saved_until_the_backfill_is_confirmed(patient):
    start, end = TODAY - timedelta(days=20), TODAY - timedelta(days=10)
    DiaryDayFactory(patient=patient, day=start + timedelta(days=2))
    with pytest.raises(BackfillNotConfirmed) as pending:
        mark_headache_free(patient=patient, start=start, end=end, by=patient.user)
    assert len(pending.value.days) == 10
    assert patient.diary_days.count() == 1
    added = mark_headache_free(
        patient=patient, start=start, end=end, by=patient.user, confirmed=True
    )
    assert len(added) == 10
    assert patient.diary_days.filter(late=True).count() == 10


@pytest.mark.parametrize(("who", "url"), [("patient", "portal"), ("neurologist", "staff")])
def test_the_calendar_asks_first_then_saves_on_confirmation(client, patient, neurologist, who, url):
    client.force_login(patient.user if who == "patient" else neurologist)
    page = (
        reverse("portal:calendar")
        if url == "portal"
        else reverse("diary:calendar", args=[patient.pk])
    )
    data = {
        "range-start": (TODAY - timedelta(days=70)).isoformat(),
        "range-end": (TODAY - timedelta(days=10)).isoformat(),
    }
    response = client.post(page, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Mark 61 past days headache-free?" in html
    assert f"more than {LATE_AFTER_DAYS} days" in html
    assert not patient.diary_days.exists()
    response = client.post(page, {**data, "confirm": "yes"})
    assert response.status_code == 302
    assert patient.diary_days.count() == 61


def test_a_window_counts_its_days_entered_late_and_by_staff(patient, neurologist):
    start = TODAY - timedelta(days=27)
    DiaryDayFactory(patient=patient, day=start, late=True)
    DiaryDayFactory(patient=patient, day=start + timedelta(days=1), late=True)
    DiaryDayFactory(patient=patient, day=start + timedelta(days=2), source=Source.TRANSCRIBED)
    DiaryDayFactory(
        patient=patient, day=start + timedelta(days=3), late=True, source=Source.TRANSCRIBED
    )
    DiaryDayFactory(patient=patient, day=start + timedelta(days=4), source=Source.IMPORTED)
    DiaryDayFactory(patient=patient, day=start - timedelta(days=1), late=True)  # outside
    counts = diary_counts(patient, start, TODAY)
    assert (counts.days_logged, counts.late_days, counts.transcribed_days) == (5, 3, 2)


def late_course():
    """A responding course; in cycle 2, 30 days backfilled late, 12 of them by staff."""
    patient = PatientFactory(mrn="L-0001")
    responding_course(patient)
    DiaryDay.objects.filter(patient=patient, day__range=(S2, S2 + timedelta(days=29))).update(
        late=True
    )
    DiaryDay.objects.filter(patient=patient, day__range=(S2, S2 + timedelta(days=11))).update(
        source=Source.TRANSCRIBED
    )
    return patient


@pytest.mark.today(AFTER_S3)
def test_the_progress_page_says_how_many_days_of_each_window_were_late_or_by_staff(
    neurologist_client,
):
    patient = late_course()
    html = neurologist_client.get(reverse("progress:page", args=[patient.pk])).content.decode()
    late = [cell.split("</td>")[0] for cell in html.split('data-testid="late-days">')[1:]]
    staff = [cell.split("</td>")[0] for cell in html.split('data-testid="transcribed-days">')[1:]]
    assert late == ["0", "0", "30", "0"]  # baseline, cycles 1–3
    assert staff == ["0", "0", "12", "0"]


def test_the_progress_export_says_so_too():
    late_course()
    out = io.StringIO()
    call_command("progress_report", "--format", "csv", "--as-of", AFTER_S3.isoformat(), stdout=out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [(r["window"], r["n"], r["late_days"], r["transcribed_days"]) for r in rows] == [
        ("baseline", "", "0", "0"),
        ("cycle", "1", "0", "0"),
        ("cycle", "2", "30", "12"),
        ("cycle", "3", "0", "0"),
    ]
