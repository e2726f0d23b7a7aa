"""Status changes: the model's table is the one place that says which are allowed; the
appointment page shows exactly those buttons, and the server refuses every other one."""

from datetime import datetime, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from scheduling.models import Appointment
from tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db
Status = Appointment.Status
# A Tuesday at 10:00; the appointments start at 09:00 that day, so the clock allows any change.
NOW = datetime(2026, 6, 2, 10, 0, tzinfo=ZoneInfo(settings.TIME_ZONE))


@pytest.fixture(autouse=True)
def pinned_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def appointment_in(status: str, patient) -> Appointment:
    return AppointmentFactory(
        patient=patient,
        starts_at=NOW - timedelta(hours=1),
        status=status,
        cancellation_reason="Unwell" if status == Status.CANCELLED else "",
    )


class Forms(HTMLParser):
    """Each form on a page: its action, its hidden inputs and its button's text."""

    def __init__(self, html: str):
        super().__init__()
        self.forms: list[dict] = []
        self.in_button = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action"), "inputs": {}, "button": ""})
        elif tag == "input" and self.forms and attrs.get("type") == "hidden":
            self.forms[-1]["inputs"][attrs.get("name")] = attrs.get("value")
        elif tag == "button":
            self.in_button = True

    def handle_endtag(self, tag):
        if tag == "button":
            self.in_button = False

    def handle_data(self, data):
        if self.in_button and self.forms:
            self.forms[-1]["button"] += data.strip()

    def posting_to(self, url: str) -> list[dict]:
        return [form for form in self.forms if form["action"] == url]


def status_url(appointment: Appointment) -> str:
    return reverse("schedule:status", args=[appointment.patient_id, appointment.pk])


def snapshot(appointment: Appointment) -> tuple:
    appointment.refresh_from_db()
    return (
        appointment.status,
        appointment.status_changed_at,
        appointment.status_changed_by_id,
        appointment.cancellation_reason,
        appointment.history.count(),
    )


REFUSED = [
    (status, refused)
    for status in Status
    for refused in Status
    if refused not in Appointment.STATUS_CHANGES[status]
]
ALLOWED = [(status, allowed) for status in Status for allowed in Appointment.STATUS_CHANGES[status]]


def test_the_table_covers_every_status_and_only_statuses():
    assert set(Appointment.STATUS_CHANGES) == set(Status)
    assert all(set(after) <= set(Status) for after in Appointment.STATUS_CHANGES.values())
    assert set(Appointment.UNDOABLE) <= set(Status)


@pytest.mark.parametrize("status", list(Status))
def test_the_page_shows_exactly_the_models_next_statuses_in_order(
    front_desk_client, patient, status
):
    appointment = appointment_in(status, patient)
    response = front_desk_client.get(
        reverse("schedule:appointment", args=[patient.pk, appointment.pk])
    )
    forms = Forms(response.text)
    buttons = forms.posting_to(status_url(appointment))
    assert [form["inputs"]["status"] for form in buttons] == appointment.next_statuses
    labels = [
        "Cancel appointment" if next_status == Status.CANCELLED else next_status.label
        for next_status in appointment.next_statuses
    ]
    assert [form["button"] for form in buttons] == labels
    undo = forms.posting_to(reverse("schedule:undo", args=[patient.pk, appointment.pk]))
    assert len(undo) == appointment.can_undo


@pytest.mark.parametrize("status", list(Status))
def test_the_arrivals_row_offers_arrived_only_when_the_model_allows_it(
    front_desk_client, patient, status
):
    appointment = appointment_in(status, patient)
    response = front_desk_client.post(status_url(appointment), {}, HTTP_HX_REQUEST="true")
    offered = [
        form["inputs"]["status"]
        for form in Forms(response.text).posting_to(status_url(appointment))
    ]
    assert offered == ([Status.ARRIVED] if Status.ARRIVED in appointment.next_statuses else [])


@pytest.mark.parametrize(("status", "refused"), REFUSED)
def test_a_status_change_the_model_does_not_allow_is_refused_and_changes_nothing(
    front_desk_client, patient, status, refused
):
    appointment = appointment_in(status, patient)
    before = snapshot(appointment)
    response = front_desk_client.post(
        status_url(appointment), {"status": refused, "reason": "Changed plans"}, follow=True
    )
    message = (
        f"A {Status(status).label.lower()} appointment cannot be marked "
        f"{Status(refused).label.lower()}."
    )
    assert message in response.text
    assert response.redirect_chain[-1][0] == reverse(
        "schedule:appointment", args=[patient.pk, appointment.pk]
    )
    assert snapshot(appointment) == before


@pytest.mark.parametrize(
    "status", [s for s in Status if Status.CANCELLED not in Appointment.STATUS_CHANGES[s]]
)
def test_a_refused_cancellation_says_so_even_without_a_reason(front_desk_client, patient, status):
    """Not "give a reason", which would suggest that a reason would make it allowed."""
    appointment = appointment_in(status, patient)
    before = snapshot(appointment)
    response = front_desk_client.post(status_url(appointment), {"status": "cancelled"}, follow=True)
    assert "cannot be marked cancelled" in response.text
    assert "Give a reason" not in response.text
    assert snapshot(appointment) == before


@pytest.mark.parametrize(("status", "refused"), REFUSED)
def test_a_refused_change_from_the_arrivals_list_shows_why_in_the_row(
    front_desk_client, patient, status, refused
):
    appointment = appointment_in(status, patient)
    before = snapshot(appointment)
    response = front_desk_client.post(
        status_url(appointment), {"status": refused, "reason": "x"}, HTTP_HX_REQUEST="true"
    )
    assert 'role="alert"' in response.text
    assert "cannot be marked" in response.text
    assert snapshot(appointment) == before


@pytest.mark.parametrize("status", list(Status))
def test_a_status_that_does_not_exist_is_refused(front_desk_client, patient, status):
    appointment = appointment_in(status, patient)
    before = snapshot(appointment)
    response = front_desk_client.post(status_url(appointment), {"status": "flown"}, follow=True)
    assert "Choose what happened to the appointment." in response.text
    assert snapshot(appointment) == before


@pytest.mark.parametrize(("status", "allowed"), ALLOWED)
def test_every_change_the_model_allows_is_made(front_desk_client, patient, status, allowed):
    appointment = appointment_in(status, patient)
    front_desk_client.post(status_url(appointment), {"status": allowed, "reason": "Unwell"})
    appointment.refresh_from_db()
    assert (appointment.status, appointment.status_changed_at) == (allowed, NOW)


@pytest.mark.parametrize("status", [s for s in Status if s not in Appointment.UNDOABLE])
def test_undo_is_refused_where_the_model_has_nothing_to_undo(front_desk_client, patient, status):
    appointment = appointment_in(status, patient)
    before = snapshot(appointment)
    response = front_desk_client.post(
        reverse("schedule:undo", args=[patient.pk, appointment.pk]), follow=True
    )
    assert "There is no status change to undo." in response.text
    assert snapshot(appointment) == before
