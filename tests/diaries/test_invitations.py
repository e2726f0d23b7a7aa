"""Portal invitations: a one-time, 7-day link by email to set a password."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from clinic.roles import Role
from diaries.models import PortalInvitation
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-diary-password"


def invite(client, patient) -> str:
    """Send an invitation from the chart; return the link's path from the email."""
    response = client.post(reverse("diary:invite", args=[patient.pk]), follow=True)
    assert "Invitation sent" in response.content.decode()
    return re.search(r"http://testserver(/portal/invitation/\S+/)", mail.outbox[-1].body)[1]


def set_password(client, link: str, username: str = "jane"):
    return client.post(
        link,
        {"username": username, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        follow=True,
    )


@pytest.fixture
def new_patient(db):
    return PatientFactory(given_name="Jane", email="jane@example.org")


def test_front_desk_invites_and_the_patient_sets_a_password_and_lands_in_the_portal(
    client, front_desk, new_patient
):
    client.force_login(front_desk)
    link = invite(client, new_patient)
    assert mail.outbox[0].to == ["jane@example.org"]
    client.logout()
    page = client.get(link).content.decode()
    assert "Welcome, Jane" in page and 'value="jane@example.org"' in page
    response = set_password(client, link)
    assert "Hello, Jane" in response.content.decode()
    new_patient.refresh_from_db()
    assert new_patient.user.username == "jane"
    assert new_patient.user.role == Role.PATIENT
    assert new_patient.user.check_password(NEW_PASSWORD)


def test_a_used_link_is_refused(client, front_desk, new_patient):
    client.force_login(front_desk)
    link = invite(client, new_patient)
    set_password(client, link)
    client.logout()
    assert client.get(link).status_code == 410
    response = set_password(client, link, username="intruder")
    assert response.status_code == 410
    assert "no longer works" in response.content.decode()


def test_an_expired_link_is_refused(client, front_desk, new_patient):
    client.force_login(front_desk)
    link = invite(client, new_patient)
    PortalInvitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(link).status_code == 410
    new_patient.refresh_from_db()
    assert new_patient.user is None


def test_sending_again_replaces_the_old_link(client, neurologist, new_patient):
    client.force_login(neurologist)
    old_link = invite(client, new_patient)
    new_link = invite(client, new_patient)
    client.logout()
    assert client.get(old_link).status_code == 410
    assert client.get(new_link).status_code == 200


def test_an_unknown_token_is_refused(client):
    assert client.get(reverse("portal:accept_invitation", args=["nonsense"])).status_code == 410


def test_a_patient_with_an_account_just_sets_a_new_password(client, front_desk, patient):
    client.force_login(front_desk)
    link = invite(client, patient)
    client.logout()
    response = client.post(
        link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True
    )
    assert "Hello, Paula" in response.content.decode()
    patient.user.refresh_from_db()
    assert patient.user.check_password(NEW_PASSWORD)


def test_a_weak_password_gives_a_message_and_keeps_the_link(client, front_desk, new_patient):
    client.force_login(front_desk)
    link = invite(client, new_patient)
    client.logout()
    response = client.post(link, {"username": "jane", "password1": "123", "password2": "123"})
    assert response.status_code == 200
    assert "too short" in response.content.decode()
    assert PortalInvitation.objects.get().used_at is None


def test_a_patient_without_email_cannot_be_invited(front_desk_client):
    patient = PatientFactory(email="")
    response = front_desk_client.post(reverse("diary:invite", args=[patient.pk]), follow=True)
    assert "email address before inviting them" in response.content.decode()
    assert not mail.outbox


def test_the_token_itself_is_not_stored(client, front_desk, new_patient):
    client.force_login(front_desk)
    link = invite(client, new_patient)
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert not PortalInvitation.objects.filter(token_hash=token).exists()
