"""One review-due rule (DOMAIN.md §4, "What a decision does"): the Python `review_due` and the
review summary's SQL agree on hand-computed cases, and the queue and the desk's list follow it.

Sessions are 84 days apart from S1 = 5 Jan 2026: S2 30 Mar, S3 22 Jun, S4 14 Sep, S5 7 Dec.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import override_settings

from patients.models import Patient
from reviews import triggers
from reviews.due import DueKind, LatestReview, ReviewDue, patients_due_review, review_due
from reviews.models import ProgressSummary, ReviewSummary
from scheduling.models import CourseState, CourseStatus
from tests.factories import InjectionSessionFactory, PatientFactory, ReviewFactory, UserFactory

pytestmark = pytest.mark.django_db

S1 = date(2026, 1, 5)
S = [S1 + timedelta(days=84 * n) for n in range(9)]  # S[0] is session 1
S2, S3, S4 = S[1], S[2], S[3]
RESUME = date(2027, 1, 10)
RESTART = date(2026, 8, 1)


@dataclass
class Case:
    sessions: list[date]
    reviews: list[tuple[date, str]] = field(default_factory=list)
    status: str = CourseStatus.ACTIVE
    resume_on: date | None = None
    started_on: date | None = None  # a restart
    verdict: str | None = None  # the progress summary
    cycle_complete_on: date | None = None
    due: tuple[date, str] | None = None  # by hand


CASES = {
    "one session": Case([S1]),
    "two sessions: cycle 2 complete 84 days after session 2": Case(
        [S1, S2], due=(S2 + timedelta(84), DueKind.CYCLE_2)
    ),
    "session 3 early: cycle 2 complete at session 3": Case(
        [S1, S2, S2 + timedelta(60)], due=(S2 + timedelta(60), DueKind.CYCLE_2)
    ),
    "continue on session 3's day: 3 sessions since, not yet": Case(S[:6], [(S3, "continue")]),
    "continue on session 3's day: due at the 4th session since": Case(
        S[:7], [(S3, "continue")], due=(S[6], DueKind.RE_REVIEW)
    ),
    "continue: the verdict turned to inadequate response at a cycle after it": Case(
        S[:4],
        [(S3, "continue")],
        verdict="inadequate-response",
        cycle_complete_on=S4,
        due=(S4, DueKind.INADEQUATE),
    ),
    "continue: the verdict turned to episodic": Case(
        S[:5],
        [(S3, "continue")],
        verdict="episodic",
        cycle_complete_on=S[4],
        due=(S[4], DueKind.EPISODIC),
    ),
    "continue: an inadequate verdict the decision already saw": Case(
        S[:3], [(S3, "continue")], verdict="inadequate-response", cycle_complete_on=S3
    ),
    "continue: a responding verdict changes nothing": Case(
        S[:4], [(S3, "continue")], verdict="responder-50", cycle_complete_on=S4
    ),
    "one more cycle on session 3's day: due once cycle 3 is complete": Case(
        [S1, S2, S3], [(S3, "extend")], due=(S3 + timedelta(84), DueKind.EXTEND)
    ),
    "one more cycle before session 3: cycle 3, ended early by session 4": Case(
        [S1, S2, S3, S3 + timedelta(70)],
        [(S3 - timedelta(5), "extend")],
        due=(S3 + timedelta(70), DueKind.EXTEND),
    ),
    "one more cycle after the last session: not until the next one": Case(
        [S1, S2, S3], [(S3 + timedelta(3), "extend")]
    ),
    "extend, then continue: the latest decides": Case(S[:5], [(S2, "extend"), (S3, "continue")]),
    "paused: due when the pause ends": Case(
        [S1, S2, S3],
        [(S3, "pause")],
        status=CourseStatus.PAUSED,
        resume_on=RESUME,
        due=(RESUME, DueKind.PAUSE_ENDED),
    ),
    "stopped: never due": Case(S[:8], [(S3, "stop")], status=CourseStatus.STOPPED),
    "restarted: only the new course counts, one session": Case(
        [S1, S2, S3, RESTART + timedelta(9)], [(S3, "stop")], started_on=RESTART
    ),
    "restarted: cycle 2 of the new course": Case(
        [S1, S2, S3, RESTART + timedelta(9), RESTART + timedelta(93)],
        [(S3, "stop")],
        started_on=RESTART,
        due=(RESTART + timedelta(93 + 84), DueKind.CYCLE_2),
    ),
}


def build(case: Case) -> Patient:
    patient = PatientFactory()
    for day in case.sessions:
        InjectionSessionFactory(patient=patient, performed_on=day)
    for day, decision in case.reviews:
        ReviewFactory(patient=patient, reviewed_on=day, decision=decision, reason="In the test")
    if case.status != CourseStatus.ACTIVE or case.started_on:
        CourseState.objects.create(
            patient=patient,
            status=case.status,
            since=case.reviews[-1][0],
            resume_on=case.resume_on,
            started_on=case.started_on,
            changed_by=UserFactory(),
        )
    if case.verdict:
        ProgressSummary.objects.create(
            patient=patient,
            as_of=case.cycle_complete_on + timedelta(1),
            verdict=case.verdict,
            cycle_complete_on=case.cycle_complete_on,
        )
    return patient


def in_python(case: Case) -> ReviewDue | None:
    """The rule on the case's own numbers: the current course's sessions and decisions."""
    start = case.started_on or date.min
    reviews = [(day, decision) for day, decision in case.reviews if day >= start]
    latest = LatestReview(reviews[-1][1], reviews[-1][0]) if reviews else None
    return review_due(
        sessions=[day for day in case.sessions if day >= start],
        latest=latest,
        status=case.status,
        resume_on=case.resume_on,
        verdict=case.verdict,
        cycle_complete_on=case.cycle_complete_on,
    )


def in_sql(patient) -> tuple[date, str] | None:
    row = ReviewSummary.objects.get(patient=patient)
    return (row.due_since, row.due_kind) if row.due_since else None


@pytest.mark.parametrize("name", CASES)
def test_the_python_rule_and_the_sql_agree(name):
    case = CASES[name]
    patient = build(case)
    python = in_python(case)
    assert ((python.since, python.kind) if python else None) == in_sql(patient) == case.due


def test_due_means_on_or_after_its_day():
    patient = build(CASES["two sessions: cycle 2 complete 84 days after session 2"])
    day = S2 + timedelta(84)
    assert patient not in patients_due_review(day - timedelta(1))
    assert patient in patients_due_review(day)
    assert patient in patients_due_review(day - timedelta(28), within_days=28)


def test_discharged_patients_are_never_listed():
    patient = build(CASES["session 3 early: cycle 2 complete at session 3"])
    Patient.objects.filter(pk=patient.pk).update(status=Patient.Status.DISCHARGED)
    assert patient not in patients_due_review(S4)


@pytest.mark.parametrize(
    ("due", "reason"),
    [
        (ReviewDue(date(2026, 11, 3), DueKind.CYCLE_2), "Cycle 2 complete on 3 Nov 2026"),
        (
            ReviewDue(date(2027, 7, 1), DueKind.RE_REVIEW, date(2026, 8, 7)),
            "Re-review: 4 sessions since continue on 7 Aug 2026",
        ),
        (
            ReviewDue(date(2026, 11, 3), DueKind.INADEQUATE, date(2026, 8, 7)),
            "Verdict turned to inadequate response (continue on 7 Aug 2026)",
        ),
        (
            ReviewDue(date(2026, 11, 3), DueKind.EXTEND, date(2026, 8, 7)),
            "One more cycle (chosen 7 Aug 2026) complete on 3 Nov 2026",
        ),
        (ReviewDue(date(2027, 1, 10), DueKind.PAUSE_ENDED), "End of the pause on 10 Jan 2027"),
    ],
)
def test_each_reason_reads_as_the_queue_shows_it(due, reason):
    assert due.reason == reason


def test_the_re_review_interval_is_a_setting_the_sql_follows():
    case = Case(S[:5], [(S3, "continue")], due=(S[4], DueKind.RE_REVIEW))
    with override_settings(RE_REVIEW_AFTER_SESSIONS=2):
        triggers.install_if_changed()  # what `migrate` does after the setting changes
        patient = build(case)
        python = in_python(case)
        assert (python.since, python.kind) == in_sql(patient) == case.due
        assert python.reason == "Re-review: 2 sessions since continue on 22 Jun 2026"
    triggers.install_if_changed()
    with connection.cursor() as cursor:
        cursor.execute("SELECT reviews_re_review_after_sessions()")
        assert cursor.fetchone()[0] == 4
    assert in_sql(patient) is None  # recomputed with 4: two sessions since are not enough
