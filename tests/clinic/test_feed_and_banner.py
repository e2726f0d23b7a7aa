"""A deactivated clinician's calendar feed stops at once; the desk sees a flag's kind only."""

import pytest
from django.urls import reverse

from patients.models import ClinicalFlag
from scheduling.models import CalendarFeed
from tests.factories import AppointmentFactory, ClinicalFlagFactory

pytestmark = pytest.mark.django_db


def test_a_deactivated_clinicians_feed_stops_at_once(client, neurologist, patient):
    AppointmentFactory(patient=patient, clinician=neurologist)
    feed = CalendarFeed.objects.create(clinician=neurologist)
    url = reverse("schedule:feed", args=[feed.token])
    assert client.get(url).status_code == 200
    neurologist.is_active = False
    neurologist.save()
    response = client.get(url)
    assert response.status_code == 404
    assert b"VEVENT" not in response.content


NOTE = "anaphylaxis to onabotulinumtoxinA in 2019"


@pytest.fixture
def flagged(patient, neurologist):
    ClinicalFlagFactory(
        patient=patient, kind=ClinicalFlag.Kind.HYPERSENSITIVITY, note=NOTE, recorded_by=neurologist
    )
    ClinicalFlagFactory(
        patient=patient,
        kind=ClinicalFlag.Kind.NEUROMUSCULAR,
        note="suspected LEMS",
        recorded_by=neurologist,
    )
    return patient


def banner(client, patient) -> str:
    return client.get(reverse("patients:chart", args=[patient.pk])).content.decode()


def test_the_neurologist_reads_the_flags_notes_on_the_banner(neurologist_client, flagged):
    page = banner(neurologist_client, flagged)
    assert "Hypersensitivity to a botulinum toxin product" in page
    assert NOTE in page and "suspected LEMS" in page


def test_the_front_desk_sees_each_flags_kind_but_not_its_note(front_desk_client, flagged):
    page = banner(front_desk_client, flagged)
    assert "Hypersensitivity to a botulinum toxin product" in page
    assert "Neuromuscular disease" in page
    assert NOTE not in page and "suspected LEMS" not in page
