"""The review queue lists every patient whose review is due by the one rule (`reviews.due`), with
why and for how many days, the longest overdue first; each filter returns what it says; a
patient reviewed before comes back when the rule makes the review due again.

The clock stands at noon on 23 Nov 2026. Sessions are 84 days apart from S1 = 5 Jan 2026.
"""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from reviews.due import DueKind
from reviews.models import ProgressSummary
from reviews.queue import QUEUE_VERDICTS, queue_context, review_queue
from tests.factories import InjectionSessionFactory, PatientFactory, ReviewFactory

pytestmark = [pytest.mark.django_db, pytest.mark.today(date(2026, 11, 23))]

TODAY = date(2026, 11, 23)
S = [date(2026, 1, 5) + timedelta(days=84 * n) for n in range(5)]  # S[3] 14 Sep, S[4] 7 Dec


def treated(days: list[date], reviews=(), **patient):
    person = PatientFactory(**patient)
    for day in days:
        InjectionSessionFactory(patient=person, performed_on=day)
    for day, decision in reviews:
        ReviewFactory(patient=person, reviewed_on=day, decision=decision, reason="In the test")
    return person


def queued(**options) -> list:
    return list(review_queue(TODAY, **options))


def test_each_row_says_why_and_for_how_many_days_overdue_first(neurologist_client):
    recent = treated([S[1], S[2]], family_name="Recent")  # cycle 2 complete 14 Sep: 70 days
    old = treated([S[0], S[1], date(2026, 5, 1)], family_name="Old")  # session 3 on 1 May
    assert queued() == [old, recent]
    html = neurologist_client.get(reverse("neurologist_home")).text
    rows = html.split('data-testid="queue-row"')[1:]
    assert "Old" in rows[0] and "Cycle 2 complete on 1 May 2026" in rows[0]
    assert "due for 206 days" in rows[0]
    assert "Recent" in rows[1] and "Cycle 2 complete on 14 Sep 2026" in rows[1]
    assert "due for 70 days" in rows[1]


def test_a_patient_continued_before_comes_back_after_four_more_sessions():
    back = treated(
        [S[0], S[1], S[2], *(S[2] + timedelta(days=35 * n) for n in range(1, 5))],
        reviews=[(S[2], "continue")],
        family_name="Back",
    )
    not_yet = treated(
        [S[0], S[1], S[2], *(S[2] + timedelta(days=35 * n) for n in range(1, 4))],
        reviews=[(S[2], "continue")],
        family_name="Notyet",
    )
    page = queued()
    assert back in page and not_yet not in page
    assert page[0].due.reason == "Re-review: 4 sessions since continue on 22 Jun 2026"


def test_a_verdict_that_turns_after_continue_brings_the_patient_back():
    patient = treated([S[0], S[1], S[2], S[3]], reviews=[(S[2], "continue")])
    assert queued() == []
    ProgressSummary.objects.create(
        patient=patient, as_of=TODAY, verdict="inadequate-response", cycle_complete_on=S[3]
    )
    assert queued() == [patient]
    reason = "Verdict turned to inadequate response (continue on 22 Jun 2026)"
    assert queued()[0].due.reason == reason


def test_every_filter_returns_what_it_says():
    first = treated([S[0], S[1], S[2]])
    extended = treated([S[0], S[1], S[2]], reviews=[(S[1], "extend")])
    for patient, verdict in ((first, "responding"), (extended, "insufficient-data")):
        ProgressSummary.objects.create(patient=patient, as_of=TODAY, verdict=verdict)
    assert queued(why=DueKind.CYCLE_2) == [first]
    assert queued(why=DueKind.EXTEND) == [extended]
    assert queued(why=DueKind.PAUSE_ENDED) == []
    assert queued(verdict="responding") == [first]
    assert queued(verdict="insufficient-data") == [extended]
    for verdict, _ in QUEUE_VERDICTS:
        assert all(p.progress_summary.verdict == verdict for p in queued(verdict=verdict))


def test_verdicts_no_due_patient_can_have_are_not_offered(rf):
    offered = {value for value, _ in queue_context(rf.get("/").GET, TODAY)["verdicts"]}
    assert "awaiting-baseline" not in offered and "awaiting-cycle-2" not in offered
    assert {"inadequate-response", "episodic", "responding"} <= offered


@pytest.mark.parametrize("size", [3, 30])
def test_the_queue_does_a_fixed_number_of_queries(
    neurologist_client, django_assert_max_num_queries, size
):
    for number in range(size):
        treated([S[0], S[1], S[2]], reviews=[(S[1], "extend")] if number % 2 else ())
    # session, user; serious events; the queue's count and page; four of progress computed
    # for the rows without a summary (the nightly job has not run); the audit trail
    with django_assert_max_num_queries(10):
        html = neurologist_client.get(reverse("neurologist_home")).text
    assert html.count('data-testid="queue-row"') == size
