"""Demo diaries line up with each patient's sessions and show the profiles the demo needs."""

from datetime import date, timedelta

import pytest

from demo.diaries import seed_diaries
from diaries.metrics import diary_counts, last_28_days, medication_overuse
from diaries.models import DiaryDay
from tests.factories import InjectionSessionFactory, PatientFactory

# Tests read TODAY (some at collection, in parameters): the clock stands still on it.
TODAY = date(2026, 6, 17)
pytestmark = [pytest.mark.django_db, pytest.mark.today(TODAY)]


@pytest.fixture
def treated():
    """Four patients (responder, non-responder, overuse, partial) with three sessions each."""
    patients = [
        PatientFactory(mrn=f"DEMO{n:05d}", registered_on=TODAY - timedelta(days=300))
        for n in range(1, 5)
    ]
    for patient in patients:
        for n, days_ago in enumerate([230, 146, 62], start=1):
            InjectionSessionFactory(
                patient=patient, number=n, performed_on=TODAY - timedelta(days=days_ago)
            )
    return patients


def test_the_diary_starts_with_a_baseline_before_the_first_session(treated):
    seed_diaries(patients=treated, today=TODAY)
    first_session = TODAY - timedelta(days=230)
    for patient in treated:
        first_day = patient.diary_days.order_by("day").first().day
        assert 28 <= (first_session - first_day).days <= 32
        baseline = diary_counts(
            patient, first_session - timedelta(days=28), first_session - timedelta(days=1)
        )
        assert baseline.headache_days_per_28 >= 15  # chronic migraine before treatment


def test_responders_improve_and_non_responders_do_not(treated):
    seed_diaries(patients=treated, today=TODAY)
    responder, non_responder = treated[0], treated[1]

    def reduction(patient):
        first = TODAY - timedelta(days=230)
        baseline = diary_counts(patient, first - timedelta(days=28), first - timedelta(days=1))
        cycle_2 = diary_counts(patient, TODAY - timedelta(days=146), TODAY - timedelta(days=63))
        return 1 - cycle_2.headache_days_per_28 / baseline.headache_days_per_28

    assert reduction(responder) >= 0.5
    assert reduction(non_responder) < 0.3


def test_one_patient_overuses_medication(treated):
    seed_diaries(patients=treated, today=TODAY)
    overuse = [bool(medication_overuse(p, *last_28_days(TODAY))) for p in treated]
    assert overuse[2] is True
    assert overuse[0] is False


def test_seeding_again_adds_nothing(treated):
    first = seed_diaries(patients=treated, today=TODAY)
    assert first == DiaryDay.objects.count() > 0
    assert seed_diaries(patients=treated, today=TODAY) == 0
    assert DiaryDay.objects.count() == first
