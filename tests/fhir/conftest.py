"""A small clinic to read through the FHIR API, and client systems with tokens."""

from datetime import date, datetime, time

import pytest
from django.utils import timezone

from fhir_api.models import ApiClient
from patients.models import Patient
from reviews.models import Review
from reviews.reviewing import review_record
from tests.factories import (
    AdverseEventFactory,
    AppointmentFactory,
    UserFactory,
)
from tests.reviews.progress_helpers import AFTER_S3, S1, S2, S3, log, treat
from treatments.models import InjectedSite

TODAY = AFTER_S3  # cycle 3 is under way: its Observation is preliminary


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def read_token(admin_user):
    return ApiClient.issue(name="Riverside GP", scope=ApiClient.Scope.READ, by=admin_user)[1]


@pytest.fixture
def revoked_token(admin_user):
    client, token = ApiClient.issue(name="Old EHR", scope=ApiClient.Scope.READ, by=admin_user)
    client.revoke(by=admin_user, now=timezone.now())
    return token


@pytest.fixture
def import_token(admin_user):
    return ApiClient.issue(name="Importer", scope=ApiClient.Scope.IMPORT, by=admin_user)[1]


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def fill_records(patient: Patient) -> None:
    """Three sessions with sites, a side effect, an appointment, a diary, and a review (its
    decision sets the course: a course state)."""
    treat(patient, S1, S2, S3)
    session = patient.sessions.get(performed_on=S3)
    InjectedSite.objects.create(session=session, muscle_group="frontalis", side="left", units=10)
    InjectedSite.objects.create(session=session, muscle_group="procerus", side="midline", units=5)
    log(patient, date(2025, 12, 8), 28, 20)
    log(patient, S1, 84, 30)
    log(patient, S2, 84, 12)
    AdverseEventFactory(session=session, kind="ptosis", severity="moderate")
    AppointmentFactory(
        patient=patient,
        starts_at=timezone.make_aware(datetime.combine(date(2026, 9, 1), time(9, 0))),
        ends_at=timezone.make_aware(datetime.combine(date(2026, 9, 1), time(9, 20))),
    )
    review = Review(patient=patient, reviewed_on=S3, midas=24, hit6=62, decision="continue")
    review.reason = "Far fewer headache days: carry on."
    review_record(review=review, reviewed_by=session.injector, today=S3)


@pytest.fixture
def records(patient, other_patient):
    """The owner patient and another, each with a full course; NHS number on the owner."""
    Patient.objects.filter(pk=patient.pk).update(
        national_id_kind="nhs", national_id="9434765919", diagnosis_date=date(2024, 3, 1)
    )
    patient.refresh_from_db()
    fill_records(patient)
    fill_records(other_patient)
    return patient
