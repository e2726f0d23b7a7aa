"""One review-due rule: the Python `review_due` and the SQL `with_review_due` /
`patients_due_review` agree, and the desk's list and the neurologist's queue follow it.

The SQL list leaves discharged patients out; the Python rule takes no status (its callers
decide who is a candidate), so a discharged patient is the one case where they differ.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse

from patients.models import Patient
from reviews.due import LatestReview, patients_due_review, review_due, with_review_due
from reviews.home import reviews_to_book
from reviews.queue import review_queue
from scheduling.due_dates import next_injection_due
from tests.factories import InjectionSessionFactory, PatientFactory, ReviewFactory

pytestmark = pytest.mark.django_db
Status = Patient.Status

TODAY = date(2026, 11, 24)
NEAR = 80  # days since the last session: the next is due in 4 days (within 28)
FAR = 10  # the next is due in 74 days


@pytest.fixture
def pinned():
    noon = datetime.combine(TODAY, time(12), tzinfo=ZoneInfo(settings.TIME_ZONE))
    with time_machine.travel(noon, tick=False):
        yield TODAY


def course(sessions: int, days_ago: int, reviews=(), status=Status.ACTIVE, **patient):
    """A patient with `sessions` sessions 84 days apart, the last `days_ago` days ago, and
    `reviews` as (days after the last session, decision); returns (patient, session days)."""
    person = PatientFactory(status=status, **patient)
    last = TODAY - timedelta(days=days_ago)
    days = [last - timedelta(days=84 * n) for n in reversed(range(sessions))]
    for day in days:
        InjectionSessionFactory(patient=person, performed_on=day)
    for offset, decision in reviews:
        ReviewFactory(
            patient=person,
            reviewed_on=last + timedelta(days=offset),
            decision=decision,
            reason="Recorded in the test",
        )
    return person, days


BEFORE_LAST = -5  # a review between the last session and the one before
AFTER_LAST = 3

# (id, sessions, days since the last, reviews, status, Python rule, in the SQL list)
CASES = [
    ("1 session", 1, NEAR, [], Status.ACTIVE, False, False),
    ("2 sessions, next due within 28 days", 2, NEAR, [], Status.ACTIVE, True, True),
    ("2 sessions, next due in 74 days", 2, FAR, [], Status.ACTIVE, False, False),
    ("3 sessions, no review", 3, FAR, [], Status.ACTIVE, True, True),
    ("4 sessions, no review", 4, FAR, [], Status.ACTIVE, True, True),
    ("continue before session 3", 3, FAR, [(BEFORE_LAST, "continue")], Status.ACTIVE, False, False),
    ("continue after session 3", 3, FAR, [(AFTER_LAST, "continue")], Status.ACTIVE, False, False),
    ("extend before session 3", 3, FAR, [(BEFORE_LAST, "extend")], Status.ACTIVE, True, True),
    (
        "extend after the last session",
        3,
        FAR,
        [(AFTER_LAST, "extend")],
        Status.ACTIVE,
        False,
        False,
    ),
    ("extend on the last session's day", 3, FAR, [(0, "extend")], Status.ACTIVE, False, False),
    ("extend before session 4", 4, FAR, [(BEFORE_LAST, "extend")], Status.ACTIVE, True, True),
    ("stop", 3, FAR, [(BEFORE_LAST, "stop")], Status.ACTIVE, False, False),
    ("pause", 3, FAR, [(BEFORE_LAST, "pause")], Status.ACTIVE, False, False),
    (
        "extend, then continue: the latest decides",
        4,
        FAR,
        [(BEFORE_LAST - 84, "extend"), (BEFORE_LAST, "continue")],
        Status.ACTIVE,
        False,
        False,
    ),
    (
        "continue, then extend: the latest decides",
        4,
        FAR,
        [(BEFORE_LAST - 84, "continue"), (BEFORE_LAST, "extend")],
        Status.ACTIVE,
        True,
        True,
    ),
    # In the queue, not on the desk's list (`reviews_to_book` takes active patients only).
    ("paused patient, 3 sessions", 3, FAR, [], Status.PAUSED, True, True),
    # The one disagreement, on purpose: the SQL list leaves discharged patients out.
    ("discharged patient, 3 sessions", 3, FAR, [], Status.DISCHARGED, True, False),
]


def latest_of(reviews, last_session_on: date) -> LatestReview | None:
    """The latest of the case's reviews, as the Python rule takes it (ties: the later one)."""
    if not reviews:
        return None
    offset, decision = max(enumerate(reviews), key=lambda item: (item[1][0], item[0]))[1]
    return LatestReview(decision, last_session_on + timedelta(days=offset))


@pytest.mark.parametrize(
    ("sessions", "days_ago", "reviews", "status", "python", "listed"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_the_python_rule_and_the_sql_agree(sessions, days_ago, reviews, status, python, listed):
    patient, days = course(sessions, days_ago, reviews, status)
    last = days[-1]
    in_python = review_due(
        sessions, last, next_injection_due(last, None), latest_of(reviews, last), TODAY
    )
    annotated = with_review_due(Patient.objects.filter(pk=patient.pk), TODAY).get()
    in_list = patients_due_review(TODAY).filter(pk=patient.pk).exists()
    assert in_python == annotated.review_due == python
    assert in_list == listed
    if status != Status.DISCHARGED:
        assert in_list == in_python


def section(html: str, testid: str) -> str:
    start = html[html.index(f'data-testid="{testid}"') :]
    return start[: start.index("</section>")]


def seen(patient, neurologist, front_desk) -> dict[str, bool]:
    """Where the patient shows: the desk's list and the queue, as functions and as pages."""
    desk = Client()
    desk.force_login(front_desk)
    clinician = Client()
    clinician.force_login(neurologist)
    desk_page = section(desk.get(reverse("front_desk_home")).text, "reviews-due")
    queue_page = section(clinician.get(reverse("neurologist_home")).text, "review-queue")
    return {
        "reviews to book": patient in reviews_to_book(TODAY),
        "review queue": patient in list(review_queue(TODAY)),
        "desk page": patient.full_name in desk_page,
        "queue page": patient.full_name in queue_page,
    }


def test_continue_before_session_3_is_on_neither_list(pinned, neurologist, front_desk):
    patient, _ = course(
        3, FAR, [(BEFORE_LAST, "continue")], given_name="Connie", family_name="Continued"
    )
    assert seen(patient, neurologist, front_desk) == dict.fromkeys(
        ["reviews to book", "review queue", "desk page", "queue page"], False
    )


def test_extend_before_session_4_is_on_both_lists(pinned, neurologist, front_desk):
    patient, _ = course(
        4, FAR, [(BEFORE_LAST, "extend")], given_name="Ezra", family_name="Extended"
    )
    assert seen(patient, neurologist, front_desk) == dict.fromkeys(
        ["reviews to book", "review queue", "desk page", "queue page"], True
    )
