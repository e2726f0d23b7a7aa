"""Bringing the review queue's progress summaries up to date: where data is written, and daily.

The triggers (`reviews/triggers.py`) delete a patient's summary when an input of the progress
rules changes. A write of such a row (any model in `PROGRESS_INPUTS`, through forms, the admin
or a domain function: every one keeps history) schedules `refresh_queued` for that patient
after its transaction commits; `refresh_summaries` (the nightly job) recomputes every queued
patient's summary as of the new day. Pages only read. Each function runs a fixed number of
queries whatever the number of patients.
"""

from collections.abc import Iterable
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from clinic.audit import audited_patient_id
from diaries.metrics import rounded
from reviews.due import patients_watched
from reviews.models import ProgressSummary
from reviews.progress import Progress, progress_for_patients


def summary_of(progress: Progress) -> ProgressSummary:
    """The summary row of `progress` (not saved)."""
    baseline = progress.baseline
    cycle = progress.latest_complete_cycle
    return ProgressSummary(
        patient_id=progress.patient_id,
        as_of=progress.as_of,
        verdict=progress.verdict,
        baseline_source=(baseline.source or "") if baseline else "",
        baseline_rate=rounded(baseline.headache_rate) if baseline else None,
        latest_rate=rounded(cycle.headache_rate) if cycle else None,
        reduction=rounded(cycle.reduction) if cycle else None,
        coverage=rounded(cycle.coverage_percent) if cycle else None,
        cycle_complete_on=cycle.end + timedelta(days=1) if cycle else None,
    )


def refresh_progress(patient_ids: Iterable[int], today: date) -> int:
    """Recompute the progress summaries of these patients as of `today` (four queries)."""
    progress = progress_for_patients(patient_ids, today)
    ProgressSummary.objects.bulk_create(
        [summary_of(item) for item in progress.values()],
        update_conflicts=True,
        unique_fields=["patient"],
        update_fields=[
            "as_of",
            "verdict",
            "baseline_source",
            "baseline_rate",
            "latest_rate",
            "reduction",
            "coverage",
            "cycle_complete_on",
        ],
    )
    return len(progress)


def refresh_stale_progress(patients: QuerySet, today: date) -> int:
    """Refresh the summaries of `patients` that are missing or not as of `today`."""
    fresh = ProgressSummary.objects.filter(patient=OuterRef("pk"), as_of=today)
    stale = list(patients.exclude(Exists(fresh)).values_list("pk", flat=True))
    return refresh_progress(stale, today) if stale else 0


def refresh_queued(patient_ids: Iterable[int], today: date) -> int:
    """Refresh the stale summaries of those of these patients whom the review-due rule
    watches (`reviews.due.patients_watched`: in the queue, or continued)."""
    return refresh_stale_progress(patients_watched(today).filter(pk__in=patient_ids), today)


def refresh_summaries(today: date) -> int:
    """The nightly job: every watched patient's summary as of `today`."""
    return refresh_stale_progress(patients_watched(today), today)


def refresh_after_commit(patient_id: int | None) -> None:
    """Once the current transaction commits, refresh this patient's summary if it is stale."""
    if patient_id is not None:
        transaction.on_commit(lambda: refresh_queued([patient_id], timezone.localdate()))


# Models whose writes can change a queued patient's progress, or put a patient in the queue.
PROGRESS_INPUTS = {
    "treatments.InjectionSession",
    "patients.Eligibility",
    "diaries.DiaryDay",
    "diaries.DiaryDose",
    "scheduling.Appointment",
    "scheduling.CourseState",
    "reviews.Review",
}


def refresh_on_merge(sender, merge, **kwargs) -> None:
    """patients.merging's signal: the kept record has all the merged record's rows now (moved
    in bulk, which sends no history signal)."""
    refresh_after_commit(merge.kept_id)


def refresh_on_history(sender, instance, **kwargs) -> None:
    """simple-history's signal: every audited write of a progress input."""
    if instance._meta.label in PROGRESS_INPUTS:
        refresh_after_commit(audited_patient_id(instance))
