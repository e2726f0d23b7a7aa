"""`progress_report` gives, per patient, the diagnosis, the latest decision and the course: its
state, the next injection and the review due, from the modules the pages read."""

import io
import json
from datetime import date, timedelta

import pytest
from django.core.management import call_command

from reviews.models import Review
from reviews.reviewing import review_record
from tests.factories import InjectionSessionFactory, PatientFactory

pytestmark = [pytest.mark.django_db, pytest.mark.today(date(2026, 11, 23))]

TODAY = date(2026, 11, 23)
S = [date(2026, 1, 5) + timedelta(days=84 * n) for n in range(4)]  # S[2] 22 Jun, S[3] 14 Sep


def report(*args) -> dict:
    out = io.StringIO()
    call_command("progress_report", "--as-of", TODAY.isoformat(), *args, stdout=out)
    return {record["mrn"]: record for record in json.loads(out.getvalue())}


def treated(mrn: str, sessions: list[date]):
    patient = PatientFactory(mrn=mrn)
    for day in sessions:
        InjectionSessionFactory(patient=patient, performed_on=day)
    return patient


def decide(patient, by, decision, on, **fields):
    review = Review(patient=patient, reviewed_on=on, decision=decision, reason="Why", **fields)
    review_record(review=review, reviewed_by=by, today=TODAY)


def test_each_course_state_and_the_review_due(neurologist):
    treated("NEW", [])
    due = treated("DUE", S[:3])
    stopped = treated("STOP", S[:3])
    paused = treated("PAUSE", S[:4])
    continued = treated("CONT", S[:4])
    decide(stopped, neurologist, "stop", S[2])
    decide(paused, neurologist, "pause", S[3], resume_on=date(2027, 1, 4))
    decide(continued, neurologist, "continue", S[2])
    records = report()

    assert records["NEW"]["latest_decision"] is None
    assert records["NEW"]["course"] == {
        "status": "not-started",
        "next_injection_due": None,
        "review_due": False,
        "review_due_since": None,
        "review_due_reason": None,
    }
    assert records["DUE"]["diagnosis"] == due.primary_diagnosis
    assert records["DUE"]["course"] == {
        "status": "active",
        "next_injection_due": "2026-09-14",
        "review_due": True,
        "review_due_since": "2026-06-22",
        "review_due_reason": "Cycle 2 complete on 22 Jun 2026",
    }
    assert records["STOP"]["latest_decision"] == {"decision": "stop", "on": "2026-06-22"}
    assert records["STOP"]["course"]["status"] == "stopped"
    assert records["STOP"]["course"]["next_injection_due"] is None
    assert records["STOP"]["course"]["review_due"] is False
    assert records["PAUSE"]["course"]["status"] == "paused"
    assert records["PAUSE"]["course"]["next_injection_due"] == "2027-01-04"
    assert records["PAUSE"]["course"]["review_due"] is False  # due when the pause ends
    assert records["CONT"]["latest_decision"] == {"decision": "continue", "on": "2026-06-22"}
    assert records["CONT"]["course"]["status"] == "active"
    assert records["CONT"]["course"]["review_due"] is False  # one session since, of four


def test_as_of_a_day_before_a_decision_it_is_not_the_latest(neurologist):
    patient = treated("P1", S[:3])
    decide(patient, neurologist, "continue", S[2])
    out = io.StringIO()
    call_command("progress_report", "--as-of", "2026-06-21", stdout=out)
    assert json.loads(out.getvalue())[0]["latest_decision"] is None
