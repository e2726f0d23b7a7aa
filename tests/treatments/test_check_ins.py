"""The side-effect check-in 2 to 4 weeks after a session: answers become adverse events,
serious ones wait for a neurologist."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from clinic.models import AuditEvent
from tests.clock import NOON, TODAY
from tests.factories import InjectionSessionFactory
from treatments.checkins import Answer, check_in_answer, check_in_closed
from treatments.models import AdverseEvent, SideEffectCheckIn

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def session_days_ago(patient, days: int):
    return InjectionSessionFactory(patient=patient, performed_on=TODAY - timedelta(days=days))


@pytest.mark.parametrize(("days", "asked"), [(13, False), (14, True), (28, True), (29, False)])
def test_the_portal_asks_only_2_to_4_weeks_after_a_session(patient_client, patient, days, asked):
    session_days_ago(patient, days)
    page = patient_client.get(reverse("portal:home")).content.decode()
    assert ("Answer the check-in" in page) is asked


def test_answers_become_adverse_events_and_serious_ones_are_flagged(
    patient_client, patient, client, neurologist
):
    session = session_days_ago(patient, 20)
    response = patient_client.post(
        reverse("check_in:answer", args=[session.pk]),
        {
            "symptoms": ["neck", "swallowing"],
            "other": "Tired eyes",
            "severity": "moderate",
            "onset_on": (TODAY - timedelta(days=15)).isoformat(),
        },
        follow=True,
    )
    assert "Your neurologist has been alerted" in response.content.decode()
    events = {event.kind: event for event in session.adverse_events.all()}
    assert set(events) == {"neck_pain", "dysphagia", "other"}
    assert events["dysphagia"].serious and not events["neck_pain"].serious
    assert events["other"].description == "Tired eyes"
    assert list(AdverseEvent.objects.awaiting_acknowledgement()) == [events["dysphagia"]]
    assert "Answer the check-in" not in response.content.decode()


def test_nothing_to_report_is_recorded_once(patient_client, patient):
    session = session_days_ago(patient, 20)
    url = reverse("check_in:answer", args=[session.pk])
    patient_client.post(url, {})
    check_in = SideEffectCheckIn.objects.get()
    assert check_in.nothing_to_report and not AdverseEvent.objects.exists()
    response = patient_client.post(url, {"symptoms": ["eyelid"]}, follow=True)
    assert "already answered" in response.content.decode()
    assert not AdverseEvent.objects.exists()


def test_a_symptom_without_severity_or_start_gives_messages(patient_client, patient):
    session = session_days_ago(patient, 20)
    response = patient_client.post(
        reverse("check_in:answer", args=[session.pk]), {"symptoms": ["eyelid"]}
    )
    page = response.content.decode()
    assert "Tell us how bad it is" in page and "roughly when it started" in page
    assert not SideEffectCheckIn.objects.exists()


def test_a_start_before_the_session_is_refused_and_nothing_saved(patient_client, patient):
    session = session_days_ago(patient, 20)
    response = patient_client.post(
        reverse("check_in:answer", args=[session.pk]),
        {"symptoms": ["eyelid"], "severity": "mild", "onset_on": TODAY - timedelta(days=30)},
    )
    assert response.status_code == 200
    assert not SideEffectCheckIn.objects.exists()
    assert not AdverseEvent.objects.exists()


def test_a_closed_check_in_says_when_it_is_open(patient_client, patient):
    session = session_days_ago(patient, 5)
    response = patient_client.get(reverse("check_in:answer", args=[session.pk]), follow=True)
    assert "This check-in is open from" in response.content.decode()


def test_another_patients_session_is_not_found(patient_client, other_patient):
    session = session_days_ago(other_patient, 20)
    response = patient_client.post(
        reverse("check_in:answer", args=[session.pk]), {"symptoms": ["neck"]}
    )
    assert response.status_code == 404
    assert not SideEffectCheckIn.objects.exists()


# The domain functions, called outside any request: only `by` can name the user.

CHECK_IN_ROWS = ["treatments.sideeffectcheckin", "treatments.adverseevent"]


@pytest.mark.parametrize(
    ("days", "closed"),
    [
        (13, "This check-in is open from 24 November to 8 December 2026."),
        (14, None),
        (28, None),
        (29, "This check-in is open from 8 November to 22 November 2026."),
    ],
)
def test_check_in_closed_says_why_on_the_day_given(patient, days, closed):
    session = session_days_ago(patient, days)
    assert check_in_closed(session=session, today=TODAY) == closed


def test_check_in_closed_once_answered(patient):
    session = session_days_ago(patient, 20)
    SideEffectCheckIn.objects.create(session=session, answered_by=patient.user)
    assert check_in_closed(session=session, today=TODAY) == (
        "Thank you: you already answered this check-in."
    )


def test_check_in_answer_records_who_and_when(patient):
    session = session_days_ago(patient, 20)
    answered_at = NOON - timedelta(minutes=3)  # the time passed in, not the clock's
    [event] = check_in_answer(
        session=session,
        by=patient.user,
        answers=[Answer(AdverseEvent.Kind.PTOSIS)],
        severity="mild",
        onset_on=TODAY - timedelta(days=10),
        now=answered_at,
    )
    check_in = SideEffectCheckIn.objects.get()
    assert (check_in.answered_by, check_in.answered_at) == (patient.user, answered_at)
    assert check_in.history.get().history_user == patient.user
    assert (event.recorded_by, event.history.get().history_user) == (patient.user, patient.user)
    audited = AuditEvent.objects.filter(object_type__in=CHECK_IN_ROWS)
    assert set(audited.values_list("object_type", "user")) == {
        ("treatments.sideeffectcheckin", patient.user.pk),
        ("treatments.adverseevent", patient.user.pk),
    }


def test_check_in_answer_saves_all_or_nothing(patient):
    session = session_days_ago(patient, 20)
    answers = [Answer(AdverseEvent.Kind.NECK_PAIN), Answer(AdverseEvent.Kind.OTHER, "")]
    with pytest.raises(ValidationError, match="Describe the side effect"):
        check_in_answer(
            session=session,
            by=patient.user,
            answers=answers,
            severity="mild",
            onset_on=TODAY - timedelta(days=10),
            now=NOON,
        )
    assert not SideEffectCheckIn.objects.exists()
    assert not AdverseEvent.objects.exists()
    assert not SideEffectCheckIn.history.exists() and not AdverseEvent.history.exists()
    assert not AuditEvent.objects.filter(object_type__in=CHECK_IN_ROWS).exists()
