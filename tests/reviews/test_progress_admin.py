"""The admin's patient list: sessions, latest reduction and verdict columns, a verdict filter."""

from datetime import timedelta
from unittest import mock

import pytest
from django.urls import reverse

from tests.factories import PatientFactory, UserFactory
from tests.reviews.progress_helpers import S3, responding_course

pytestmark = pytest.mark.django_db

TODAY = S3 + timedelta(days=10)


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    with mock.patch("django.utils.timezone.localdate", return_value=TODAY):
        yield client


def changelist(client, **params):
    return client.get(reverse("admin:patients_patient_changelist"), params).content.decode()


def test_the_patient_list_shows_sessions_reduction_and_verdict(admin_client):
    responding_course(PatientFactory(family_name="Responder"))
    PatientFactory(family_name="Untreated")
    html = changelist(admin_client)
    assert "50.0%" in html and "50% responder" in html
    assert "Awaiting baseline" in html
    assert '<td class="field-sessions">3</td>' in html


def test_the_patient_list_filters_by_verdict(admin_client):
    responding_course(PatientFactory(family_name="Responder"))
    PatientFactory(family_name="Untreated")
    html = changelist(admin_client, verdict="responder-50")
    assert "Responder" in html and "Untreated" not in html


def test_the_columns_cost_the_same_queries_for_2_and_12_patients(admin_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            changelist(admin_client)
        return len(context.captured_queries)

    for _ in range(2):
        responding_course(PatientFactory())
    few = queries()
    for _ in range(10):
        responding_course(PatientFactory())
    assert queries() == few
