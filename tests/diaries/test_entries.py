"""Diary rules: no future days, no days long before registration, late and transcribed
entries marked, history kept, ranges marked headache-free without touching entered days."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from diaries.entries import Dose, diary_day_save, mark_headache_free
from diaries.models import DiaryDay, Source
from tests.factories import PatientMedicineFactory

# Tests read TODAY (some at collection, in parameters): the clock stands still on it.
TODAY = date(2026, 6, 17)
pytestmark = [pytest.mark.django_db, pytest.mark.today(TODAY)]


def save(patient, user, days_ago=0, doses=(), source=Source.PATIENT, **fields):
    entry = DiaryDay(patient=patient, day=TODAY - timedelta(days=days_ago), **fields)
    return diary_day_save(entry=entry, doses=list(doses), by=user, source=source)


def test_a_future_day_is_refused(patient):
    with pytest.raises(ValidationError, match="future"):
        save(patient, patient.user, days_ago=-1)
    assert not DiaryDay.objects.exists()


def test_a_day_more_than_90_days_before_registration_is_refused(patient):
    patient.registered_on = TODAY - timedelta(days=10)
    with pytest.raises(ValidationError, match="diary starts"):
        save(patient, patient.user, days_ago=101)
    save(patient, patient.user, days_ago=100)
    assert DiaryDay.objects.count() == 1


def test_the_same_day_twice_is_refused(patient):
    save(patient, patient.user)
    with pytest.raises(ValidationError, match="already in the diary"):
        save(patient, patient.user)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"headache": False, "severity": "mild"}, "no severity"),
        ({"headache": True, "severity": "none"}, "worst pain"),
        ({"headache": True, "severity": "mild", "hours": 25}, "24"),
        ({"headache": True, "severity": "mild", "hours": -1}, "0"),
        ({"headache": False, "hours": 3}, "no headache hours"),
    ],
)
def test_inconsistent_days_are_refused(patient, fields, message):
    with pytest.raises(ValidationError, match=message):
        save(patient, patient.user, **fields)
    assert not DiaryDay.objects.exists()


def test_an_entry_more_than_a_week_late_is_marked_late(patient):
    assert not save(patient, patient.user, days_ago=7).late
    assert save(patient, patient.user, days_ago=8).late


def test_a_medicine_of_another_patient_is_refused_and_nothing_is_saved(patient, other_patient):
    foreign = PatientMedicineFactory(patient=other_patient)
    with pytest.raises(ValidationError, match="not on this patient's list"):
        save(patient, patient.user, doses=[Dose(foreign, 1)], headache=True, severity="mild")
    assert not DiaryDay.objects.exists()


def test_changes_keep_who_when_and_the_old_values(patient, neurologist):
    medicine = PatientMedicineFactory(patient=patient, medicine_class="triptan")
    entry = save(patient, patient.user, doses=[Dose(medicine, 1)], headache=True, severity="mild")
    entry.severity = "severe"
    diary_day_save(entry=entry, doses=[Dose(medicine, 2)], by=neurologist, source=Source.PATIENT)
    versions = list(entry.history.order_by("history_date", "history_id"))
    assert [v.severity for v in versions] == ["mild", "severe"]
    assert entry.doses.get().history.count() == 2
    assert entry.doses.get().doses == 2


def test_staff_entries_are_marked_transcribed(patient, neurologist):
    mark_headache_free(patient=patient, start=TODAY, end=TODAY, by=neurologist)
    assert DiaryDay.objects.get().source == Source.TRANSCRIBED


def test_marking_a_range_skips_days_already_entered(patient):
    save(patient, patient.user, days_ago=3, headache=True, severity="severe")
    added = mark_headache_free(
        patient=patient, start=TODAY - timedelta(days=6), end=TODAY, by=patient.user
    )
    assert len(added) == 6
    assert patient.diary_days.get(day=TODAY - timedelta(days=3)).severity == "severe"
    assert patient.diary_days.filter(headache=False).count() == 6


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [(1, 3, "before the first"), (2, -1, "future"), (70, 0, "at most")],
)
def test_bad_ranges_are_refused(patient, start, end, message):
    with pytest.raises(ValidationError, match=message):
        mark_headache_free(
            patient=patient,
            start=TODAY - timedelta(days=start),
            end=TODAY - timedelta(days=end),
            by=patient.user,
        )
    assert not DiaryDay.objects.exists()
