"""Side effects: anyone on the staff records them; serious ones stay red until acknowledged."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from tests.factories import AdverseEventFactory, InjectionSessionFactory
from treatments.models import AdverseEvent

pytestmark = pytest.mark.django_db


def event_form(**overrides):
    return {
        "kind": "neck_pain",
        "description": "",
        "onset_on": date.today().isoformat(),
        "severity": "mild",
        "outcome": "ongoing",
        "notes": "",
        **overrides,
    }


def add_url(session):
    return reverse("treatments:adverse_event_add", args=[session.patient_id, session.pk])


def test_front_desk_records_a_serious_event_and_it_shows_red_on_chart_and_home(
    front_desk_client, client, neurologist, patient
):
    session = InjectionSessionFactory(patient=patient, injector=neurologist)
    response = front_desk_client.post(add_url(session), event_form(kind="dysphagia"), follow=True)
    event = AdverseEvent.objects.get()
    assert event.serious and event.recorded_by.username == "desk"
    assert "The neurologists are alerted" in response.content.decode()

    client.force_login(neurologist)
    chart = client.get(reverse("patients:chart", args=[patient.pk])).content.decode()
    assert 'data-testid="serious-event-alert"' in chart
    home = client.get(reverse("neurologist_home")).content.decode()
    assert "Serious side effects to acknowledge" in home and patient.full_name in home


def test_acknowledging_clears_the_alert_and_keeps_who_and_when(neurologist_client, neurologist):
    event = AdverseEventFactory(kind=AdverseEvent.Kind.DIPLOPIA, serious=True)
    patient = event.session.patient
    neurologist_client.post(
        reverse("treatments:adverse_event_acknowledge", args=[patient.pk, event.pk]),
        {"next": "home"},
    )
    event.refresh_from_db()
    assert event.acknowledged_by == neurologist and event.acknowledged_at is not None
    home = neurologist_client.get(reverse("neurologist_home")).content.decode()
    assert "Serious side effects to acknowledge" not in home
    chart = neurologist_client.get(reverse("patients:chart", args=[patient.pk])).content.decode()
    assert 'data-testid="serious-event-alert"' not in chart


def test_a_mild_event_raises_no_alert(front_desk_client, neurologist_client, patient):
    session = InjectionSessionFactory(patient=patient)
    front_desk_client.post(add_url(session), event_form())
    assert AdverseEvent.objects.get().serious is False
    home = neurologist_client.get(reverse("neurologist_home")).content.decode()
    assert "Serious side effects to acknowledge" not in home


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"kind": "other"}, "Describe the side effect"),
        ({"onset_on": "in two days"}, "cannot be in the future"),
        ({"onset_on": "2000-01-01"}, "cannot start before"),
        ({"kind": "hiccups"}, "Select a valid choice"),
    ],
)
def test_bad_input_is_refused_with_a_message(front_desk_client, patient, overrides, message):
    if overrides.get("onset_on") == "in two days":  # worked out at run time, not collection
        overrides = {"onset_on": (date.today() + timedelta(days=2)).isoformat()}
    session = InjectionSessionFactory(patient=patient)
    response = front_desk_client.post(add_url(session), event_form(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not AdverseEvent.objects.exists()
