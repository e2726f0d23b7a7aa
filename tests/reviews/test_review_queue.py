"""The review queue on the neurologist home: who is in it, what it shows, and its query count."""

from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from patients.models import Patient
from reviews.models import ProgressSummary
from reviews.queue import review_queue
from reviews.summaries import refresh_summaries
from scheduling.models import CourseSummary
from tests.factories import AdverseEventFactory, AppointmentFactory, PatientFactory, ReviewFactory
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


def queued(today=TODAY, **options):
    return list(review_queue(today, **options))


def test_patients_whose_cycle_2_is_complete_are_in_the_queue():
    third_done = PatientFactory(family_name="Third")
    treat(third_done, S1, S2, S3)
    due_soon = PatientFactory(family_name="Soon")
    treat(due_soon, TODAY - timedelta(days=84 + 70), TODAY - timedelta(days=70))  # due in 14
    due_later = PatientFactory(family_name="Later")
    treat(due_later, TODAY - timedelta(days=84 + 40), TODAY - timedelta(days=40))  # due in 44
    one_session = PatientFactory(family_name="One")
    treat(one_session, S3)
    assert queued() == [third_done]  # cycle 2 of the others is not complete yet


def test_discharged_and_already_reviewed_patients_leave_the_queue(neurologist):
    discharged = PatientFactory(status=Patient.Status.DISCHARGED)
    reviewed = PatientFactory()
    extended = PatientFactory()
    for patient in (discharged, reviewed, extended):
        treat(patient, S1, S2, S3)
    ReviewFactory(patient=reviewed, reviewed_on=S3, decision="continue")
    ReviewFactory(patient=extended, reviewed_on=S2, decision="extend", reason="EHF: a third cycle")
    assert queued() == [extended]  # one more cycle was chosen, and session 3 has happened since


def test_the_queue_shows_rates_reduction_verdict_and_serious_side_effects(neurologist_client):
    patient = PatientFactory(given_name="Queenie", family_name="Queue")
    responding_course(patient)  # baseline 24, cycle 2 at 12/28: 50% fewer
    AdverseEventFactory(session=patient.sessions.get(number=2), kind="dysphagia", serious=True)
    booked = datetime.combine(TODAY + timedelta(days=60), time(10)).astimezone()
    AppointmentFactory(patient=patient, starts_at=booked)
    AppointmentFactory(
        patient=patient,
        starts_at=booked - timedelta(days=7),
        status="cancelled",
        cancellation_reason="Patient unwell",
    )
    html = neurologist_client.get(reverse("neurologist_home")).content.decode()
    row = html[html.index('data-testid="queue-row"') :]
    row = row[: row.index("</tr>")]
    for shown in ("Queenie Queue", "24.0", "12.0", "50.0%", "100.0%", "50% responder", ">1<"):
        assert shown in row
    assert booked.strftime("%-d %b %Y") in row  # the next live appointment, not the cancelled one
    assert "session due " + (S3 + timedelta(days=84)).strftime("%-d %b %Y") in row


def test_the_queue_filters_by_verdict_and_sorts(neurologist_client):
    good = PatientFactory(family_name="Able")
    responding_course(good)
    poor = PatientFactory(family_name="Baker")
    responding_course(poor, cycle_headache_days=60)  # 16.7% fewer
    refresh_summaries(TODAY)  # the nightly job: the verdict filter reads the stored summaries
    assert queued(verdict="inadequate-response") == [poor]
    assert queued(sort="name") == [good, poor]
    assert queued(sort="reduction") == [poor, good]
    page = neurologist_client.get(reverse("neurologist_home"), {"verdict": "episodic"})
    assert "No patient in the queue has this verdict" in page.content.decode()
    page = neurologist_client.get(reverse("neurologist_home"), {"verdict": "nonsense", "sort": "x"})
    assert page.content.decode().count('data-testid="queue-row"') == 2


def test_the_home_page_writes_nothing_and_still_shows_a_missing_summary(neurologist_client):
    patient = PatientFactory(given_name="Quentin", family_name="Queue")
    responding_course(patient)  # in the queue; no summary stored (the nightly job has not run)
    assert not ProgressSummary.objects.filter(patient=patient).exists()
    before = (ProgressSummary.objects.count(), CourseSummary.objects.count())
    with CaptureQueriesContext(connection) as context:
        html = neurologist_client.get(reverse("neurologist_home")).text
    assert (ProgressSummary.objects.count(), CourseSummary.objects.count()) == before
    summaries = ("reviews_progresssummary", "scheduling_coursesummary")
    writes = [
        query["sql"]
        for query in context.captured_queries
        if query["sql"].lstrip().split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}
        and any(table in query["sql"] for table in summaries)
    ]
    assert writes == []
    row = html[html.index('data-testid="queue-row"') :]
    row = row[: row.index("</tr>")]
    assert "Quentin Queue" in row and "50% responder" in row and "50.0%" in row


def test_an_empty_queue_says_when_patients_will_appear(neurologist_client):
    html = neurologist_client.get(reverse("neurologist_home")).content.decode()
    assert "No reviews are due" in html


def course(number: int) -> None:
    patient = PatientFactory(family_name=f"Patient {number:02d}")
    treat(patient, S1, S2, S3)
    log(patient, BASELINE_START, 28, 20)
    log(patient, S2, 84, 30)
    AdverseEventFactory(session=patient.sessions.get(number=1))


def home_queries(client) -> tuple[int, int]:
    """Queries of one home page view, and the queue rows it shows."""
    with CaptureQueriesContext(connection) as context:
        response = client.get(reverse("neurologist_home"))
    return len(context.captured_queries), response.content.decode().count('data-testid="queue-row"')


def test_the_home_page_does_the_same_queries_for_5_and_50_patients(neurologist_client):
    for number in range(5):
        course(number)
    five = home_queries(neurologist_client)
    for number in range(5, 50):
        course(number)
    fifty = home_queries(neurologist_client)
    # queue: patients, sessions, reported baselines, cycle windows, last three windows
    assert (five[1], fifty[1]) == (5, 50)
    assert five[0] == fifty[0]
