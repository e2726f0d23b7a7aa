"""`diaries.metrics.rolling_28_day_counts`: the 28 days ending on each day, by the definitions."""

from datetime import date, timedelta

import pytest

from diaries.metrics import rolling_28_day_counts
from diaries.models import DiaryDose
from tests.factories import DiaryDayFactory, PatientFactory, PatientMedicineFactory

pytestmark = pytest.mark.django_db

START = date(2026, 3, 1)


def test_each_day_counts_the_28_days_ending_on_it_by_the_definitions():
    patient = PatientFactory()
    triptan = PatientMedicineFactory(patient=patient, medicine_class="triptan")
    for offset in range(10):  # 10 days logged; headache on the first 4, a triptan on day 0
        day = DiaryDayFactory(
            patient=patient,
            day=START + timedelta(days=offset),
            headache=offset < 4,
            severity="moderate" if offset < 4 else "none",
        )
        if offset == 0:
            DiaryDose.objects.create(day=day, medicine=triptan, medicine_class="triptan")
    DiaryDayFactory(patient=PatientFactory(), day=START, headache=True, severity="severe")

    rows = rolling_28_day_counts(patient.pk, START, START + timedelta(days=40))
    assert len(rows) == 41
    first, day_27, day_28, last = rows[0], rows[27], rows[28], rows[-1]
    assert (first.day, first.days_logged, first.headache_days) == (START, 1, 1)
    assert (first.migraine_days, first.acute_medication_days) == (1, 1)  # the triptan day
    assert (day_27.days_logged, day_27.headache_days, day_27.migraine_days) == (10, 4, 1)
    assert (day_28.days_logged, day_28.headache_days, day_28.migraine_days) == (9, 3, 0)
    assert (last.days_logged, last.headache_days) == (0, 0)
    assert not day_27.adequate


def test_a_step_keeps_every_nth_day_back_from_the_last():
    patient = PatientFactory()
    rows = rolling_28_day_counts(patient.pk, START, START + timedelta(days=20), step=7)
    assert [row.day for row in rows] == [START + timedelta(days=n) for n in (6, 13, 20)]
    assert rolling_28_day_counts(patient.pk, START, START - timedelta(days=1)) == []
