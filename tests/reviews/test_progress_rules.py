"""DOMAIN.md §3–4 as issue 13 sharpened them, each on a course counted by hand: the as-of day,
current overuse and overuse spans across a session, a reported baseline and its history,
reductions only against an adequate baseline, and the verdict for each indication.

Dates: sessions S1, S2 = S1 + 84, S3 = S2 + 84; the baseline is the 28 days before S1.
"""

from datetime import datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings

from diaries.models import DiaryDay, DiaryDose
from patients.models import Diagnosis, Eligibility
from reviews.models import Verdict
from reviews.progress import patient_progress, progress_for_patients
from tests.factories import PatientFactory, PatientMedicineFactory, UserFactory
from tests.reviews.progress_helpers import (
    AFTER_S3,
    BASELINE_START,
    S1,
    S2,
    S3,
    log,
    responding_course,
    treat,
)

pytestmark = pytest.mark.django_db

TRIPTAN_LIMIT = "Triptan on 10 days in 28 (limit: fewer than 10)"


def triptans_on(patient, *days):
    """A triptan on each of `days` (logging the day as a headache if it is not in the diary)."""
    medicine = patient.medicines.first() or PatientMedicineFactory(
        patient=patient, medicine_class="triptan"
    )
    for day in days:
        entry, _ = DiaryDay.objects.get_or_create(
            patient=patient, day=day, defaults={"headache": True, "severity": "moderate"}
        )
        DiaryDose.objects.create(day=entry, medicine=medicine, medicine_class="triptan")


# -- the as-of day is never counted ----------------------------------------------------------


def test_the_cycle_in_progress_ends_the_day_before_the_as_of_day():
    patient = PatientFactory()
    responding_course(patient)
    log(patient, S3, 11, 11)  # S3 … S3 + 10: the as-of day is S3 + 10
    cycle = patient_progress(patient, AFTER_S3).cycles[2]
    assert (cycle.start, cycle.end, cycle.complete) == (S3, AFTER_S3 - timedelta(days=1), False)
    assert (cycle.days_in_window, cycle.days_logged, cycle.counts.headache_days) == (10, 10, 10)


def test_a_session_on_the_as_of_day_counts_but_its_cycle_has_no_days_yet():
    patient = PatientFactory()
    responding_course(patient)
    log(patient, S3, 1, 1)
    progress = patient_progress(patient, S3)
    assert progress.sessions == [S1, S2, S3]
    cycle = progress.cycles[2]
    assert (cycle.days_in_window, cycle.days_logged, cycle.complete) == (0, 0, False)
    assert cycle.headache_rate is None
    # cycle 2 ended the day before S3: complete, and it decides
    assert progress.cycles[1].complete
    assert progress.verdict == Verdict.RESPONDER_50


def test_the_last_three_windows_end_the_day_before_the_as_of_day():
    patient = PatientFactory()
    treat(patient, S1, S2)
    as_of = S2 + timedelta(days=84)
    assert [(w.start, w.end) for w in patient_progress(patient, as_of).recent] == [
        (as_of - timedelta(days=84), as_of - timedelta(days=57)),
        (as_of - timedelta(days=56), as_of - timedelta(days=29)),
        (as_of - timedelta(days=28), as_of - timedelta(days=1)),
    ]


# -- medication overuse: current, and spans across sessions ---------------------------------


@pytest.mark.parametrize(
    ("tenth_day", "overused"),
    [(26, True), (27, True), (28, False), (29, False)],
)
def test_a_28_day_span_crossing_a_session_is_checked(tenth_day, overused):
    """Triptans on the 9 days S2 − 5 … S2 + 3 and once more on day `tenth_day` counted from
    S2 − 5: days 0 and 27 are in one 28-day span, days 0 and 28 are not (and the span from
    day 1 holds only 8 of the 9). Neither cycle alone has 10 days."""
    patient = PatientFactory()
    responding_course(patient)
    first = S2 - timedelta(days=5)
    triptans_on(patient, *(first + timedelta(days=n) for n in range(9)))
    triptans_on(patient, first + timedelta(days=tenth_day))
    progress = patient_progress(patient, AFTER_S3)
    assert [bool(window.overuse) for window in progress.windows] == [
        False,
        overused,
        overused,
        False,
    ]
    if overused:
        assert progress.cycles[0].overuse == progress.cycles[1].overuse == [TRIPTAN_LIMIT]
    assert progress.medication_overuse is False  # long ago: not current


def test_current_overuse_is_the_28_days_ending_the_day_before_the_as_of_date():
    """As of S3 + 10: the 28 days are S3 − 18 … S3 + 9, across the third session."""
    patient = PatientFactory()
    responding_course(patient)
    as_of = AFTER_S3
    triptans_on(patient, *(S3 - timedelta(days=n) for n in range(1, 6)))  # 5 days before S3
    triptans_on(patient, *(S3 + timedelta(days=n) for n in range(4)))  # 4 days after
    triptans_on(patient, as_of)  # the as-of day is not over: not counted
    assert patient_progress(patient, as_of).medication_overuse is False
    triptans_on(patient, as_of - timedelta(days=29))  # the day before the 28: not counted
    assert patient_progress(patient, as_of).medication_overuse is False
    triptans_on(patient, as_of - timedelta(days=1))  # the last of the 28
    progress = patient_progress(patient, as_of)
    assert progress.medication_overuse is True
    assert progress.current_overuse == [TRIPTAN_LIMIT]


def test_overuse_before_treatment_marks_the_baseline_but_does_not_flag_the_patient_for_good():
    patient = PatientFactory()
    responding_course(patient)
    triptans_on(patient, *(BASELINE_START + timedelta(days=n) for n in range(10)))
    progress = patient_progress(patient, AFTER_S3)
    assert progress.baseline.shown.overuse == [TRIPTAN_LIMIT]
    assert progress.cycles[0].overuse == []  # a span reaching S1 starts after the first day
    assert progress.medication_overuse is False


def test_a_span_over_days_no_cycle_covers_marks_the_window_it_overlaps():
    """Cycle 2 ends after 84 days; the late third session comes 200 days after S2. Triptans
    on the first 10 days of the gap: the span ending on the 10th overlaps cycle 2."""
    patient = PatientFactory()
    late = S2 + timedelta(days=200)
    treat(patient, S1, S2, late)
    log(patient, BASELINE_START, 28, 24)
    gap = S2 + timedelta(days=84)
    triptans_on(patient, *(gap + timedelta(days=n) for n in range(10)))
    progress = patient_progress(patient, late + timedelta(days=10))
    assert [bool(window.overuse) for window in progress.windows] == [False, False, True, False]


def test_overuse_takes_one_query_for_every_window_of_every_patient(django_assert_num_queries):
    patients = [PatientFactory() for _ in range(4)]
    for patient in patients:
        responding_course(patient)
    # sessions, diagnoses with reported baselines, window measures, overuse
    with django_assert_num_queries(4):
        progress_for_patients([p.pk for p in patients[:1]], AFTER_S3, with_overuse=True)
    with django_assert_num_queries(4):
        progress_for_patients([p.pk for p in patients], AFTER_S3, with_overuse=True)


# -- the reported baseline ------------------------------------------------------------------


def thin_baseline_course(patient):
    """Cycle 2 at 20/28; the baseline diary logged on 22 of 28 days only (78.6%)."""
    responding_course(patient, cycle_headache_days=60)
    DiaryDay.objects.filter(patient=patient, day__lt=BASELINE_START + timedelta(days=6)).delete()


def assess(patient, headache_days, on, by=None):
    return Eligibility.objects.create(
        patient=patient,
        headache_days_per_month=headache_days,
        assessed_on=on,
        assessed_by=by or UserFactory(),
    )


def test_a_reported_baseline_gives_headache_days_only():
    patient = PatientFactory()
    thin_baseline_course(patient)
    assess(patient, 25, S1 - timedelta(days=40))
    progress = patient_progress(patient, AFTER_S3)
    row = progress.windows[0].summary()
    assert row["source"] == "reported"
    assert row["headache_days_per_28"] == 25
    assert [row[name] for name in ("days_logged", "coverage", "migraine_days_per_28")] == [
        None,
        None,
        None,
    ]
    assert [
        row[name] for name in ("moderate_severe_days_per_28", "acute_medication_days_per_28")
    ] == [None, None]
    assert [row[name] for name in ("mean_severity", "headache_hours", "late_days")] == [
        None,
        None,
        None,
    ]
    assert progress.latest_reduction == 20  # (25 − 20) / 25
    assert progress.verdict == Verdict.INADEQUATE_RESPONSE


def at(day, hour=12):
    return time_machine.travel(
        datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(settings.TIME_ZONE)),
        tick=False,
    )


def test_a_letter_as_of_a_date_uses_the_reported_figure_that_stood_on_that_date():
    patient = PatientFactory()
    thin_baseline_course(patient)
    with at(S1 - timedelta(days=40)):
        eligibility = assess(patient, 25, S1 - timedelta(days=40))
    corrected = S3 + timedelta(days=5)
    with at(corrected, hour=23):  # late in the evening, clinic time
        eligibility.headache_days_per_month = 30
        eligibility.save()
    before = patient_progress(patient, corrected - timedelta(days=1))
    assert before.baseline.headache_rate == 25
    after = patient_progress(patient, corrected + timedelta(days=1))
    assert after.baseline.headache_rate == 30
    assert after.cycles[1].reduction == Fraction(100 * (30 - 20), 30)


def test_an_assessment_entered_after_the_fact_counts_from_its_assessment_date():
    patient = PatientFactory()
    thin_baseline_course(patient)
    with at(AFTER_S3 + timedelta(days=30)):
        assess(patient, 25, S1 - timedelta(days=40))
    assert patient_progress(patient, AFTER_S3).baseline.source == "reported"
    assert patient_progress(patient, S1 - timedelta(days=41)).baseline is None  # no session yet


# -- reductions only against an adequate baseline -------------------------------------------


def test_no_reduction_against_a_thin_diary_baseline_and_the_reason_is_given():
    patient = PatientFactory()
    thin_baseline_course(patient)
    progress = patient_progress(patient, AFTER_S3)
    assert [cycle.reduction for cycle in progress.cycles] == [None, None, None]
    assert progress.baseline.no_reduction_reason == (
        "Baseline diary logged on 22 of 28 days (78.6%, 80% needed) and no reported baseline."
    )


def test_no_reduction_against_a_baseline_without_headache_days():
    patient = PatientFactory()
    responding_course(patient, baseline_days=0)
    progress = patient_progress(patient, AFTER_S3)
    assert progress.baseline.source == "diary"
    assert [cycle.reduction for cycle in progress.cycles] == [None, None, None]
    assert progress.verdict == Verdict.INSUFFICIENT_DATA
    assert progress.explanation == "The baseline has no headache days: a reduction cannot be shown."


# -- each indication ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "diagnosis", [d for d in Diagnosis.values if d != Diagnosis.CHRONIC_MIGRAINE]
)
def test_every_other_diagnosis_is_not_assessed_yet_keeps_its_measures(diagnosis):
    patient = PatientFactory(primary_diagnosis=diagnosis)
    responding_course(patient)  # a 50% responder were it chronic migraine
    progress = patient_progress(patient, AFTER_S3)
    assert progress.verdict == Verdict.NOT_ASSESSED
    assert progress.off_label
    assert progress.latest_reduction == 50
    assert progress.cycles[1].headache_rate == 12


def test_chronic_migraine_gets_the_verdict_rules_on_label():
    patient = PatientFactory(primary_diagnosis=Diagnosis.CHRONIC_MIGRAINE)
    responding_course(patient)
    progress = patient_progress(patient, AFTER_S3)
    assert (progress.verdict, progress.off_label) == (Verdict.RESPONDER_50, False)
