"""DOMAIN.md §4 verdicts, each proved against a course counted by hand.

Dates: sessions S1, S2 = S1 + 84, S3 = S2 + 84; the baseline is the 28 days before S1.
"""

from datetime import timedelta
from fractions import Fraction

import pytest

from diaries.metrics import rounded
from diaries.models import DiaryDay
from patients.models import Eligibility
from reviews.models import Verdict
from reviews.progress import patient_progress, progress_for_patients
from tests.factories import PatientFactory, UserFactory
from tests.reviews.progress_helpers import (
    BASELINE_START,
    S1,
    S2,
    S3,
    log,
    responding_course,
    treat,
)

pytestmark = pytest.mark.django_db

AFTER_S3 = S3 + timedelta(days=10)


def verdict(patient, as_of):
    return patient_progress(patient, as_of).verdict


def test_a_patient_without_sessions_awaits_the_baseline():
    patient = PatientFactory()
    log(patient, S1, 28, 20)
    assert verdict(patient, S1 + timedelta(days=100)) == Verdict.AWAITING_BASELINE


def test_the_baseline_is_the_28_days_before_the_first_session():
    patient = PatientFactory()
    treat(patient, S1)
    log(patient, BASELINE_START - timedelta(days=5), 40, 40)  # 5 days before, 7 after
    baseline = patient_progress(patient, S1).baseline.window
    assert (baseline.start, baseline.end) == (BASELINE_START, S1 - timedelta(days=1))
    assert (baseline.days_logged, baseline.counts.headache_days) == (28, 28)


def test_cycle_2_completes_exactly_84_days_after_its_session():
    patient = PatientFactory()
    treat(patient, S1, S2)
    log(patient, BASELINE_START, 28, 24)
    log(patient, S1, 168, 0)
    day_83 = patient_progress(patient, S2 + timedelta(days=83))
    assert day_83.verdict == Verdict.AWAITING_CYCLE_2
    assert day_83.explanation == "1 of 2 cycles complete."
    # the as-of day is not over: the cycle in progress ends the day before
    assert (day_83.cycles[1].end, day_83.cycles[1].complete) == (S2 + timedelta(days=82), False)
    day_84 = patient_progress(patient, S2 + timedelta(days=84))
    assert day_84.cycles[1].complete
    assert day_84.verdict != Verdict.AWAITING_CYCLE_2


def test_a_reduction_of_exactly_30_percent_is_responding():
    """Baseline 24/28. Cycle 2: 42 headache days in 70 logged = 16.8/28 = 30% fewer."""
    patient = PatientFactory()
    treat(patient, S1, S2, S3)
    log(patient, BASELINE_START, 28, 24)
    log(patient, S2, 70, 42)
    progress = patient_progress(patient, AFTER_S3)
    assert progress.cycles[1].headache_rate == Fraction(84, 5)
    assert progress.latest_reduction == 30
    assert progress.verdict == Verdict.RESPONDING


def test_a_reduction_just_under_30_percent_is_an_inadequate_response():
    """43 in 70 logged = 17.2/28: 28.3% fewer than 24."""
    patient = PatientFactory()
    treat(patient, S1, S2, S3)
    log(patient, BASELINE_START, 28, 24)
    log(patient, S2, 70, 43)
    progress = patient_progress(patient, AFTER_S3)
    assert round(float(progress.latest_reduction), 1) == 28.3
    assert progress.verdict == Verdict.INADEQUATE_RESPONSE


def test_a_reduction_of_exactly_50_percent_is_a_50_percent_responder():
    patient = PatientFactory()
    responding_course(patient, baseline_days=24, cycle_headache_days=36)  # 12/28
    progress = patient_progress(patient, AFTER_S3)
    assert progress.latest_reduction == 50
    assert progress.verdict == Verdict.RESPONDER_50


def test_the_latest_complete_cycle_decides_not_the_first():
    """Cycle 1 at 12/28 (50% fewer), cycle 2 back at 20/28 (16.7% fewer)."""
    patient = PatientFactory()
    treat(patient, S1, S2, S3)
    log(patient, BASELINE_START, 28, 24)
    log(patient, S1, 84, 36)
    log(patient, S2, 84, 60)
    progress = patient_progress(patient, AFTER_S3)
    assert [str(rounded(c.reduction)) for c in progress.cycles[:2]] == ["50.0", "16.7"]
    assert progress.verdict == Verdict.INADEQUATE_RESPONSE
    assert progress.cycles[2].complete is False  # cycle 3 has only just started


def test_a_cycle_cut_short_by_an_early_session_ends_the_day_before_it():
    """Cycle 2 lasts 35 days; 28 logged is exactly 80%: enough to decide."""
    patient = PatientFactory()
    early = S2 + timedelta(days=35)
    treat(patient, S1, S2, early)
    log(patient, BASELINE_START, 28, 24)
    log(patient, S2, 28, 6)
    progress = patient_progress(patient, early + timedelta(days=10))
    cycle = progress.cycles[1]
    assert (cycle.end, cycle.days_in_window, cycle.coverage_percent) == (
        early - timedelta(days=1),
        35,
        80.0,
    )
    assert progress.verdict == Verdict.RESPONDER_50


def test_a_cycle_logged_on_under_80_percent_of_days_gives_no_verdict_and_says_why():
    patient = PatientFactory()
    early = S2 + timedelta(days=35)
    treat(patient, S1, S2, early)
    log(patient, BASELINE_START, 28, 24)
    log(patient, S2, 27, 6)
    progress = patient_progress(patient, early + timedelta(days=10))
    assert progress.verdict == Verdict.INSUFFICIENT_DATA
    assert progress.explanation == ("Cycle 2 diary logged on 27 of 35 days (77.1%, 80% needed).")


def test_a_gap_of_months_ends_the_cycle_after_84_days():
    """Days in the gap between cycle 2's 84 days and the late third session count nowhere."""
    patient = PatientFactory()
    late = S2 + timedelta(days=200)
    treat(patient, S1, S2, late)
    log(patient, BASELINE_START, 28, 24)
    log(patient, S2, 84, 21)  # 7/28
    log(patient, S2 + timedelta(days=84), 116, 116)  # every gap day a headache
    progress = patient_progress(patient, late + timedelta(days=10))
    cycle = progress.cycles[1]
    assert (cycle.end, cycle.days_logged, cycle.counts.headache_days) == (
        S2 + timedelta(days=83),
        84,
        21,
    )
    assert progress.latest_reduction == Fraction(1700, 24)  # (24 − 7) / 24: 70.8%
    assert progress.verdict == Verdict.RESPONDER_50


def test_an_insufficient_diary_baseline_without_a_reported_one_gives_no_verdict():
    patient = PatientFactory()
    responding_course(patient)
    DiaryDay.objects.filter(patient=patient, day__lt=BASELINE_START + timedelta(days=6)).delete()
    progress = patient_progress(patient, AFTER_S3)
    assert progress.baseline.source is None
    assert progress.verdict == Verdict.INSUFFICIENT_DATA
    assert progress.explanation.startswith("Baseline diary logged on 22 of 28 days (78.6%")


def test_a_reported_baseline_is_used_when_the_diary_baseline_is_insufficient():
    patient = PatientFactory()
    responding_course(patient, cycle_headache_days=60)  # cycle 2: 20/28
    DiaryDay.objects.filter(patient=patient, day__lt=BASELINE_START + timedelta(days=6)).delete()
    Eligibility.objects.create(
        patient=patient,
        headache_days_per_month=25,
        assessed_on=S1 - timedelta(days=40),
        assessed_by=UserFactory(),
    )
    progress = patient_progress(patient, AFTER_S3)
    assert (progress.baseline.source, progress.baseline.headache_rate) == ("reported", 25)
    assert progress.latest_reduction == 20
    assert progress.verdict == Verdict.INADEQUATE_RESPONSE


def test_an_adequate_diary_baseline_wins_over_a_reported_one():
    patient = PatientFactory()
    responding_course(patient)
    Eligibility.objects.create(
        patient=patient, headache_days_per_month=10, assessed_by=UserFactory()
    )
    assert patient_progress(patient, AFTER_S3).baseline.source == "diary"


def test_a_baseline_without_headache_days_cannot_show_a_reduction():
    patient = PatientFactory()
    responding_course(patient, baseline_days=0)
    progress = patient_progress(patient, AFTER_S3)
    assert progress.latest_reduction is None
    assert progress.verdict == Verdict.INSUFFICIENT_DATA


def episodic_course(patient, last_window_headache_days: int):
    """Baseline 28/28; cycle 2 = the last three 28-day windows as of S2 + 84."""
    treat(patient, S1, S2)
    log(patient, BASELINE_START, 28, 28)
    log(patient, S1, 84, 42)
    log(patient, S2, 28, 14)
    log(patient, S2 + timedelta(days=28), 28, 14)
    log(patient, S2 + timedelta(days=56), 28, last_window_headache_days)


def test_14_headache_days_in_each_of_the_last_three_windows_is_episodic():
    patient = PatientFactory()
    episodic_course(patient, 14)
    progress = patient_progress(patient, S2 + timedelta(days=84))
    assert progress.latest_reduction == 50
    assert progress.verdict == Verdict.EPISODIC  # before "50% responder": first rule wins


def test_15_headache_days_in_one_of_the_last_three_windows_is_not_episodic():
    patient = PatientFactory()
    episodic_course(patient, 15)
    progress = patient_progress(patient, S2 + timedelta(days=84))
    assert round(float(progress.latest_reduction), 1) == 48.8
    assert progress.verdict == Verdict.RESPONDING


def test_an_inadequate_response_is_not_called_episodic():
    """Baseline 16/28, cycle 2 at 14/28: only 12.5% fewer, even though under 15 days."""
    patient = PatientFactory()
    treat(patient, S1, S2)
    log(patient, BASELINE_START, 28, 16)
    log(patient, S2, 84, 42)
    assert verdict(patient, S2 + timedelta(days=84)) == Verdict.INADEQUATE_RESPONSE


def test_the_verdict_follows_diary_days_edited_after_the_fact():
    patient = PatientFactory()
    responding_course(patient, cycle_headache_days=36)
    assert verdict(patient, AFTER_S3) == Verdict.RESPONDER_50
    cycle_2_days = DiaryDay.objects.filter(patient=patient, day__gte=S2, headache=False)
    DiaryDay.objects.filter(pk__in=list(cycle_2_days.values_list("pk", flat=True)[:24])).update(
        headache=True, severity="mild"
    )  # 60/84 = 20/28: 16.7% fewer
    assert verdict(patient, AFTER_S3) == Verdict.INADEQUATE_RESPONSE


def test_sessions_after_the_as_of_date_are_ignored():
    patient = PatientFactory()
    responding_course(patient)
    progress = patient_progress(patient, S2 + timedelta(days=40))
    assert progress.sessions == [S1, S2]
    assert progress.verdict == Verdict.AWAITING_CYCLE_2


def test_a_window_reports_every_measure_per_28_days():
    patient = PatientFactory()
    treat(patient, S1)
    log(patient, BASELINE_START, 14, 4, severity="severe", aura=True, hours=3)  # 4 migraine days
    log(patient, BASELINE_START + timedelta(days=14), 14, 2, severity="mild", hours="1.5")
    window = patient_progress(patient, S1).baseline.window
    rates = {name: float(value) for name, value in window.rates().items()}
    assert rates == {
        "headache_days_per_28": 6.0,
        "migraine_days_per_28": 4.0,
        "moderate_severe_days_per_28": 4.0,
        "acute_medication_days_per_28": 0.0,
    }
    assert window.mean_severity == pytest.approx((4 * 3 + 2 * 1) / 6)
    assert window.headache_hours == 15


def test_many_patients_take_the_same_few_queries(django_assert_num_queries):
    patients = [PatientFactory() for _ in range(6)]
    for patient in patients:
        responding_course(patient)
    # sessions, reported baselines, every window (cycles and the last three 28 days) at once
    with django_assert_num_queries(3):
        few = progress_for_patients([p.pk for p in patients[:2]], AFTER_S3)
    with django_assert_num_queries(3):
        many = progress_for_patients([p.pk for p in patients], AFTER_S3)
    assert few[patients[0].pk].verdict == many[patients[5].pk].verdict == Verdict.RESPONDER_50
