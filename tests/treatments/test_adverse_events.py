"""Side effects: anyone on the staff records them; serious ones stay red until acknowledged."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from clinic.models import AuditEvent
from clinic.roles import Role
from tests.clock import NOON
from tests.factories import AdverseEventFactory, InjectionSessionFactory, UserFactory
from treatments.models import AdverseEvent
from treatments.side_effects import adverse_event_acknowledge, adverse_event_add

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


WHAT_WAS_DONE = "Phoned: swallowing normal again; next dose without the neck sites."


def acknowledge_url(event):
    return reverse(
        "treatments:adverse_event_acknowledge", args=[event.session.patient_id, event.pk]
    )


def test_acknowledging_clears_the_alert_and_keeps_who_when_and_what_was_done(
    neurologist_client, neurologist
):
    event = AdverseEventFactory(kind=AdverseEvent.Kind.DIPLOPIA, serious=True)
    patient = event.session.patient
    response = neurologist_client.post(
        acknowledge_url(event), {"next": "home", "note": WHAT_WAS_DONE}
    )
    assert response.url == reverse("neurologist_home")
    event.refresh_from_db()
    assert event.acknowledged_by == neurologist and event.acknowledged_at is not None
    assert event.acknowledgement_note == WHAT_WAS_DONE
    home = neurologist_client.get(reverse("neurologist_home")).content.decode()
    assert "Serious side effects to acknowledge" not in home
    chart = neurologist_client.get(reverse("patients:chart", args=[patient.pk])).content.decode()
    assert 'data-testid="serious-event-alert"' not in chart
    assert "Double vision (serious)" in chart and WHAT_WAS_DONE in chart  # still shown, with note


@pytest.mark.parametrize("note", ["", "   "])
def test_acknowledging_without_saying_what_was_done_is_refused(neurologist_client, note):
    event = AdverseEventFactory(kind=AdverseEvent.Kind.DYSPHAGIA, serious=True)
    response = neurologist_client.post(acknowledge_url(event), {"next": "home", "note": note})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    event.refresh_from_db()
    assert event.needs_acknowledgement and event.history.count() == 1


def test_the_acknowledgement_page_shows_the_event_and_asks_what_was_done(neurologist_client):
    event = AdverseEventFactory(kind=AdverseEvent.Kind.DYSPHAGIA, serious=True)
    page = neurologist_client.get(acknowledge_url(event)).content.decode()
    assert "Serious side effect: Difficulty swallowing (serious)" in page
    assert "What was done" in page


def test_an_event_acknowledged_before_notes_were_kept_says_so(neurologist_client, neurologist):
    event = AdverseEventFactory(
        serious=True, acknowledged_by=neurologist, acknowledged_at=NOON - timedelta(days=300)
    )
    chart = neurologist_client.get(
        reverse("patients:chart", args=[event.session.patient_id])
    ).content.decode()
    assert "no note (acknowledged before notes were kept)" in chart


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


# The domain functions, called outside any request: only `by` can name the user.


def new_event(session, **fields) -> AdverseEvent:
    fields = {"kind": "neck_pain", "onset_on": session.performed_on, "severity": "mild", **fields}
    return AdverseEvent(session=session, **fields)


@pytest.mark.usefixtures("clock")
class TestAdverseEventAdd:
    def test_records_the_event_with_who_recorded_it(self, front_desk):
        session = InjectionSessionFactory()
        event = adverse_event_add(event=new_event(session), by=front_desk)
        event.refresh_from_db()
        assert (event.recorded_by, event.recorded_at) == (front_desk, NOON)
        assert event.history.get().history_user == front_desk
        audited = AuditEvent.objects.get(object_type="treatments.adverseevent")
        assert (audited.user, audited.patient_id) == (front_desk, session.patient_id)

    def test_a_serious_kind_is_always_serious(self, front_desk):
        session = InjectionSessionFactory()
        event = adverse_event_add(event=new_event(session, kind="dysphagia"), by=front_desk)
        assert event.serious and event.needs_acknowledgement

    def test_refuses_an_undescribed_other_and_saves_nothing(self, front_desk):
        session = InjectionSessionFactory()
        before = AuditEvent.objects.count()
        with pytest.raises(ValidationError, match="Describe the side effect"):
            adverse_event_add(event=new_event(session, kind="other"), by=front_desk)
        assert not AdverseEvent.objects.exists()
        assert not AdverseEvent.history.exists()
        assert AuditEvent.objects.count() == before

    def test_refuses_a_start_before_the_session(self, front_desk):
        session = InjectionSessionFactory()
        event = new_event(session)
        event.onset_on = session.performed_on - timedelta(days=1)
        with pytest.raises(ValidationError, match="cannot start before"):
            adverse_event_add(event=event, by=front_desk)
        assert not AdverseEvent.objects.exists()

    def test_a_failure_after_the_save_leaves_nothing(self, front_desk, break_audit):
        session = InjectionSessionFactory()
        break_audit()
        with pytest.raises(RuntimeError):
            adverse_event_add(event=new_event(session), by=front_desk)
        assert not AdverseEvent.objects.exists()
        assert not AdverseEvent.history.exists()


class TestAdverseEventAcknowledge:
    def test_records_who_and_the_time_given(self, neurologist, clock):
        event = AdverseEventFactory(kind=AdverseEvent.Kind.DIPLOPIA, serious=True)
        clock.shift(60)
        at = NOON - timedelta(minutes=5)  # the time passed in, not the clock's
        adverse_event_acknowledge(event=event, by=neurologist, note=WHAT_WAS_DONE, now=at)
        assert (event.acknowledged_by, event.acknowledged_at) == (neurologist, at)
        event.refresh_from_db()
        assert (event.acknowledged_by, event.acknowledged_at) == (neurologist, at)
        assert not AdverseEvent.objects.awaiting_acknowledgement().exists()
        assert event.history.latest().history_user == neurologist
        change = AuditEvent.objects.get(action="change", object_type="treatments.adverseevent")
        assert change.user == neurologist
        assert change.changes["acknowledged_by"] == [None, neurologist.pk]
        assert change.changes["acknowledgement_note"] == ["", WHAT_WAS_DONE]

    def test_a_blank_note_is_refused_and_nothing_changes(self, neurologist):
        event = AdverseEventFactory(serious=True)
        with pytest.raises(ValidationError, match="Say what was done"):
            adverse_event_acknowledge(event=event, by=neurologist, note=" ", now=NOON)
        event.refresh_from_db()
        assert event.needs_acknowledgement

    def test_acknowledging_again_keeps_the_first(self, neurologist, clock):
        event = AdverseEventFactory(serious=True)
        clock.shift(60)
        adverse_event_acknowledge(event=event, by=neurologist, note=WHAT_WAS_DONE, now=NOON)
        second = UserFactory(role=Role.NEUROLOGIST)
        stale = AdverseEvent.objects.get(pk=event.pk)
        stale.acknowledged_at = None  # a page loaded before the first acknowledgement
        adverse_event_acknowledge(
            event=stale, by=second, note="Second look.", now=NOON + timedelta(hours=1)
        )
        assert (stale.acknowledged_by, stale.acknowledged_at) == (neurologist, NOON)
        event.refresh_from_db()
        assert (event.acknowledged_by, event.acknowledged_at) == (neurologist, NOON)
        assert event.acknowledgement_note == WHAT_WAS_DONE
        assert event.history.count() == 2

    def test_a_failure_after_the_save_leaves_it_unacknowledged(
        self, neurologist, clock, break_audit
    ):
        event = AdverseEventFactory(serious=True)
        clock.shift(60)
        break_audit()
        with pytest.raises(RuntimeError):
            adverse_event_acknowledge(event=event, by=neurologist, note=WHAT_WAS_DONE, now=NOON)
        event.refresh_from_db()
        assert event.needs_acknowledgement
        assert event.history.count() == 1
