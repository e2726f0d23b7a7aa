"""The side-effect check-in 2 to 4 weeks after a session: answers become adverse events,
serious ones wait for a neurologist."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import InjectionSessionFactory
from treatments.models import AdverseEvent, SideEffectCheckIn

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


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
