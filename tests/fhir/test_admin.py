"""An administrator issues a client system's token (shown once) and revokes it."""

import re

import pytest
from django.contrib.auth import get_user_model

from clinic.models import AuditEvent
from fhir_api.models import ApiClient, token_digest
from tests.factories import UserFactory
from tests.fhir.conftest import bearer


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(username="admin", is_staff=True, is_superuser=True))
    return client


def test_adding_a_client_shows_its_token_once_and_keeps_only_its_digest(admin_client):
    response = admin_client.post(
        "/admin/fhir_api/apiclient/add/", {"name": "Riverside GP", "scope": "read"}, follow=True
    )
    token = re.search(r"is (fhir_[\w-]+) ", response.content.decode()).group(1)
    client = ApiClient.objects.get()
    assert client.token_digest == token_digest(token)
    assert token not in str(ApiClient.objects.values().get())
    assert client.created_by.username == "admin"
    assert admin_client.get("/fhir/Patient", **bearer(token)).status_code == 200
    page = admin_client.get(f"/admin/fhir_api/apiclient/{client.pk}/change/").content.decode()
    assert token not in page
    assert client.token_hint in page
    assert AuditEvent.objects.filter(object_type="fhir_api.apiclient", action="create").exists()


def test_revoking_a_client_refuses_its_token_from_then_on(admin_client):
    admin = get_user_model().objects.get(username="admin")
    client, token = ApiClient.issue(name="Old EHR", scope="read", by=admin)
    admin_client.post(
        "/admin/fhir_api/apiclient/",
        {"action": "revoke", "_selected_action": [client.pk]},
    )
    client.refresh_from_db()
    assert not client.active
    assert client.revoked_by == admin
    assert admin_client.get("/fhir/Patient", **bearer(token)).status_code == 401


def test_clients_are_never_deleted_so_the_trail_still_names_them(admin_client):
    client, _ = ApiClient.issue(name="Old EHR", scope="read", by=UserFactory())
    response = admin_client.get(f"/admin/fhir_api/apiclient/{client.pk}/delete/")
    assert response.status_code == 403
