import pytest
from django.urls import reverse
from icalendar import Calendar

from scheduling.models import CalendarFeed
from tests.factories import AppointmentFactory
from tests.scheduling.calendar_setup import at, tuesday_after

pytestmark = pytest.mark.django_db


def events(response):
    assert response["Content-Type"].startswith("text/calendar")
    return list(Calendar.from_ical(response.content).walk("VEVENT"))


def test_a_patient_downloads_their_own_appointments(patient_client, patient, other_patient):
    mine = AppointmentFactory(patient=patient, starts_at=at(tuesday_after(), 9))
    AppointmentFactory(patient=other_patient)
    response = patient_client.get(reverse("schedule:patient_ics", args=[patient.pk]))
    [event] = events(response)
    assert event.decoded("dtstart") == mine.starts_at
    assert "Injection with" in str(event["summary"])


def test_a_patient_cannot_download_someone_elses(patient_client, other_patient):
    response = patient_client.get(reverse("schedule:patient_ics", args=[other_patient.pk]))
    assert response.status_code == 404


def test_the_clinician_feed_has_no_patient_names(client, neurologist, patient):
    AppointmentFactory(patient=patient, clinician=neurologist)
    feed = CalendarFeed.objects.create(clinician=neurologist)
    response = client.get(reverse("schedule:feed", args=[feed.token]))
    [event] = events(response)
    assert "Injection" in str(event["summary"])
    assert patient.given_name.encode() not in response.content
    assert patient.family_name.encode() not in response.content


def test_making_a_new_feed_address_revokes_the_old(neurologist_client, neurologist):
    neurologist_client.post(reverse("schedule:feed_settings"))
    old = CalendarFeed.objects.get(clinician=neurologist).token
    response = neurologist_client.post(reverse("schedule:feed_settings"), follow=True)
    new = CalendarFeed.objects.get(clinician=neurologist).token
    assert new != old and new in response.text
    assert neurologist_client.get(reverse("schedule:feed", args=[old])).status_code == 404
    assert neurologist_client.get(reverse("schedule:feed", args=[new])).status_code == 200


def test_an_unknown_feed_token_is_not_found(client):
    assert client.get(reverse("schedule:feed", args=["guessed-token"])).status_code == 404
