"""Build treatment courses and diaries for progress tests, counted by hand in each test."""

from datetime import date, timedelta

from diaries.models import DiaryDay
from tests.factories import InjectionSessionFactory

S1 = date(2026, 1, 5)
S2 = S1 + timedelta(days=84)
S3 = S2 + timedelta(days=84)
BASELINE_START = S1 - timedelta(days=28)
AFTER_S3 = S3 + timedelta(days=10)  # cycle 2 complete, cycle 3 under way


def treat(patient, *days: date) -> None:
    """Injection sessions on `days` (the factory skips the interval rules on purpose)."""
    for day in days:
        InjectionSessionFactory(patient=patient, performed_on=day)


def log(patient, start: date, days: int, headache_days: int, severity: str = "moderate", **fields):
    """Log `days` consecutive days from `start`; the first `headache_days` have a headache."""
    DiaryDay.objects.bulk_create(
        DiaryDay(
            patient=patient,
            day=start + timedelta(days=offset),
            headache=offset < headache_days,
            severity=severity if offset < headache_days else "none",
            **(fields if offset < headache_days else {}),
        )
        for offset in range(days)
    )


def responding_course(patient, baseline_days: int = 24, cycle_headache_days: int = 36):
    """Baseline 24 of 28 days; cycles of 84 days fully logged. As of S3 + 10, cycle 2 decides.

    Nothing is logged after S3, so the last three 28-day windows are not adequate (no episodic).
    """
    treat(patient, S1, S2, S3)
    log(patient, BASELINE_START, 28, baseline_days)
    log(patient, S1, 84, 60)
    log(patient, S2, 84, cycle_headache_days)
