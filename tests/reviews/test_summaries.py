"""The derived summaries stay correct whichever way clinical data changes (triggers), and the
review queue pages in SQL."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from diaries.models import DiaryDay, DiaryDose
from patients.models import Patient
from reviews.models import ProgressSummary, Review
from reviews.queue import PAGE_SIZE, review_queue
from reviews.reviewing import review_record
from reviews.summaries import refresh_summaries
from scheduling.models import CourseSummary
from tests.factories import PatientFactory, PatientMedicineFactory
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

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pinned_after_s3")]

TODAY = AFTER_S3


def shown(patient, today=TODAY):
    """The queue row of `patient` as the neurologist sees it: (reduction, verdict)."""
    (row,) = [row for row in review_queue(today) if row.pk == patient.pk]
    return row.progress_summary.reduction, row.progress_summary.verdict


def test_a_diary_change_by_any_path_reaches_the_queue(django_capture_on_commit_callbacks):
    patient = PatientFactory()
    responding_course(patient)  # baseline 24, cycle 2 at 12 per 28: 50% fewer
    other = PatientFactory()
    responding_course(other)
    assert refresh_summaries(TODAY) == 2  # the nightly job stores both
    assert shown(patient) == (50, "responder-50")
    assert shown(other) == (50, "responder-50")
    # A bulk update that bypasses every Django signal: cycle 2 becomes 22 headache days in 28.
    cycle_2 = DiaryDay.objects.filter(patient=patient, day__range=(S2, S3 - timedelta(days=1)))
    ids = list(cycle_2.filter(headache=False).order_by("day").values_list("pk", flat=True)[:30])
    DiaryDay.objects.filter(pk__in=ids).update(headache=True, severity="mild")
    assert not ProgressSummary.objects.filter(patient=patient).exists()
    assert ProgressSummary.objects.filter(patient=other).exists()  # only the patient who changed
    # 66 headache days in the 84 of cycle 2: 22 per 28, (24 − 22) / 24 = 8.3% fewer
    assert shown(patient) == (Decimal("8.3"), "inadequate-response")
    assert not ProgressSummary.objects.filter(patient=patient).exists()  # shown, not stored
    # An audited write of a progress input stores the summary again once it commits.
    with django_capture_on_commit_callbacks(execute=True):
        day = DiaryDay.objects.get(patient=patient, day=S3 - timedelta(days=1))
        day.note = "Entered at the desk"
        day.save()
    stored = ProgressSummary.objects.get(patient=patient)
    assert (stored.as_of, stored.reduction, stored.verdict) == (
        TODAY,
        Decimal("8.3"),
        "inadequate-response",
    )


def stored(patient) -> bool:
    return ProgressSummary.objects.filter(patient=patient).exists()


def test_copy_and_doses_and_deletes_mark_the_summary_out_of_date():
    patient = PatientFactory()
    responding_course(patient)
    refresh_summaries(TODAY)
    assert stored(patient)
    day = S3 - timedelta(days=1)
    DiaryDay.objects.filter(patient=patient, day=day).delete()
    assert not stored(patient)

    refresh_summaries(TODAY)
    assert stored(patient)
    with (
        connection.cursor() as cursor,
        cursor.connection.cursor().copy(
            "COPY diaries_diaryday (patient_id, day, headache, severity, one_sided, pulsating,"
            " worse_with_activity, nausea_vomiting, light_sensitivity, sound_sensitivity, aura,"
            " relief, missed_work, cancelled_plans, bed_rest, note, source, late, created_at,"
            " updated_at) FROM STDIN"
        ) as copy,
    ):
        copy.write_row(
            (patient.pk, day, False, "none", *[False] * 7, "", *[False] * 3, "", "imported")
            + (False, "2026-01-01T00:00Z", "2026-01-01T00:00Z")
        )
    assert not stored(patient)

    refresh_summaries(TODAY)
    assert stored(patient)
    medicine = PatientMedicineFactory(patient=patient)
    DiaryDose.objects.create(
        day=DiaryDay.objects.get(patient=patient, day=day),
        medicine=medicine,
        medicine_class=medicine.medicine_class,
    )
    assert not stored(patient)


def test_the_summary_moves_with_the_date():
    patient = PatientFactory()
    responding_course(patient)
    refresh_summaries(TODAY)
    assert ProgressSummary.objects.get(patient=patient).as_of == TODAY
    later = TODAY + timedelta(days=1)
    # Before the next night's job the stored row is a day old: the queue shows one as of the
    # new day, computed for display, and leaves the stored row alone.
    (row,) = review_queue(later)
    assert row.progress_summary.as_of == later
    assert ProgressSummary.objects.get(patient=patient).as_of == TODAY
    assert refresh_summaries(later) == 1
    assert ProgressSummary.objects.get(patient=patient).as_of == later


def test_the_course_follows_sessions_added_and_removed():
    patient = PatientFactory()
    treat(patient, S1, S2, S3)  # the triggers keep the course true: nothing to refresh
    course = CourseSummary.objects.get(patient=patient)
    assert (course.session_count, course.last_session_on) == (3, S3)
    assert course.injection_due_on == S3 + timedelta(days=84)
    patient.sessions.get(number=3).delete()
    course.refresh_from_db()
    assert (course.session_count, course.last_session_on) == (2, S2)
    assert course.injection_due_on == S2 + timedelta(days=84)


def queue_section(client, **params) -> str:
    html = client.get(reverse("neurologist_home"), params).text
    section = html[html.index('data-testid="review-queue"') :]
    return section[: section.index("</section>")]


def test_the_queue_pages_fifty_patients_at_a_time(neurologist_client):
    for number in range(PAGE_SIZE + 5):
        treat(PatientFactory(family_name=f"Patient {number:02d}"), S1, S2, S3)
    first = queue_section(neurologist_client, sort="name")
    assert first.count('data-testid="queue-row"') == PAGE_SIZE
    assert "Page 1 of 2" in first
    assert "Patient 00" in first and "Patient 54" not in first
    second = queue_section(neurologist_client, sort="name", page=2)
    assert second.count('data-testid="queue-row"') == 5
    assert "Patient 54" in second and "sort=name&amp;page=1" in second
    nonsense = queue_section(neurologist_client, page="x")  # the first page, not an error
    assert nonsense.count('data-testid="queue-row"') == PAGE_SIZE


def test_the_nightly_refresh_brings_the_queue_up_to_date():
    patient = PatientFactory()
    responding_course(patient)
    out = StringIO()
    call_command("refresh_summaries", stdout=out)
    assert f"refreshed: 1 (as of {TODAY:%Y-%m-%d})" in out.getvalue()
    assert ProgressSummary.objects.get(patient=patient).as_of == TODAY
    out = StringIO()
    call_command("refresh_summaries", stdout=out)
    assert "refreshed: 0 " in out.getvalue()  # nothing left to do


def test_a_status_change_reaches_the_course_summary():
    patient = PatientFactory(status="active")
    treat(patient, S1)
    assert CourseSummary.objects.get(patient=patient).active
    Patient.objects.filter(pk=patient.pk).update(status="paused")  # no signal: the trigger
    assert not CourseSummary.objects.get(patient=patient).active


def test_a_continued_patient_whose_verdict_turns_comes_back_to_the_queue(
    neurologist, django_capture_on_commit_callbacks
):
    """The nightly job and the writes keep the summaries of continued patients too: the
    review-due rule reads their verdict, which can turn after the decision."""
    patient = PatientFactory()
    treat(patient, S1, S2)  # cycle 2 in progress: continued early, on S2
    responding = PatientFactory()
    responding_course(responding)
    for who in (patient, responding):
        review = Review(patient=who, reviewed_on=S2, decision="continue", reason="Early review")
        review_record(review=review, reviewed_by=neurologist, today=S2)
    assert review_queue(TODAY).paginator.count == 0
    # Cycle 2 (S2 to S3) and cycle 1 logged: 24 at baseline, 22 per 28 in cycle 2: 8.3% fewer.
    log(patient, BASELINE_START, 28, 24)
    log(patient, S1, 84, 60)
    log(patient, S2, 84, 66)
    with django_capture_on_commit_callbacks(execute=True):
        treat(patient, S3)  # cycle 2 complete: its verdict decides
    assert refresh_summaries(TODAY) >= 1
    stored = ProgressSummary.objects.get(patient=patient)
    assert (stored.verdict, stored.cycle_complete_on) == ("inadequate-response", S3)
    (row,) = review_queue(TODAY)
    assert row.pk == patient.pk
    assert row.due.reason == f"Verdict turned to inadequate response (continue on {S2:%-d %b %Y})"
