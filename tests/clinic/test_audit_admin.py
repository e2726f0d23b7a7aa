"""The whole audit trail in the admin: filterable, read-only, and cheap at any size."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic import audit
from clinic.models import AuditEvent
from tests.factories import PatientFactory, UserFactory

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:clinic_auditevent_changelist")


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="admin", is_staff=True, is_superuser=True))
    return client


def views_by(user, patient, count=1):
    for _ in range(count):
        audit.record(
            action=AuditEvent.Action.VIEW,
            object_type="chart",
            patient_id=patient.pk,
            user=user,
        )


def listed(response) -> int:
    return len(response.context["cl"].result_list)


def test_it_filters_by_username_patient_and_day(admin_client, neurologist, front_desk):
    paula, oscar = PatientFactory(mrn="PAULA1"), PatientFactory(mrn="OSCAR1")
    views_by(neurologist, paula, 2)
    views_by(front_desk, oscar, 3)
    assert listed(admin_client.get(CHANGELIST, {"username": "neuro"})) == 2
    assert listed(admin_client.get(CHANGELIST, {"mrn": "oscar1"})) == 4  # created + 3 views
    today = timezone.localdate()
    # 2 patients created, 5 views, and the administrator logging in
    assert listed(admin_client.get(CHANGELIST, {"day": today.strftime("%d/%m/%Y")})) == 8
    yesterday = today - timedelta(days=1)
    assert listed(admin_client.get(CHANGELIST, {"day": yesterday.isoformat()})) == 0


def test_a_day_that_is_not_a_date_is_an_admin_error_not_a_crash(admin_client):
    response = admin_client.get(CHANGELIST, {"day": "last tuesday"})
    assert response.status_code == 302 and "e=1" in response.url


def test_nobody_can_add_change_or_delete_events_in_the_admin(admin_client, neurologist):
    views_by(neurologist, PatientFactory())
    event = AuditEvent.objects.filter(action=AuditEvent.Action.VIEW).get()
    assert admin_client.get(reverse("admin:clinic_auditevent_add")).status_code == 403
    delete = reverse("admin:clinic_auditevent_delete", args=[event.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    page = admin_client.get(reverse("admin:clinic_auditevent_change", args=[event.pk]))
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.parametrize("size", [5, 200])
def test_the_trail_page_queries_do_not_grow_with_events(
    admin_client, neurologist, django_assert_max_num_queries, size
):
    views_by(neurologist, PatientFactory(), size)
    # session, user, user's groups (role), the page of events with their patients,
    # and the admin's own count queries
    with django_assert_max_num_queries(8):
        admin_client.get(CHANGELIST, {"username": "neuro"})
