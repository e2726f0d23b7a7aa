"""Two clinicians (or one double click) at the same moment: the patient lock lets one through."""

from datetime import date, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest
from django.core.exceptions import ValidationError

from patients.models import Diagnosis
from tests.factories import PatientFactory, UserFactory
from tests.races import race
from tests.treatments.test_custom_protocols import cluster_protocol, record
from treatments.models import InjectionSession
from treatments.recording import AlreadySaved

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_same_form_submitted_twice_at_once_saves_one_session():
    injector = UserFactory()
    patient = PatientFactory(primary_diagnosis=Diagnosis.CLUSTER)
    protocol, token = cluster_protocol(), uuid4()

    def submit():
        return record(patient, protocol, date.today(), injector, form_token=token)

    results = race(submit, submit, expected=(ValidationError, AlreadySaved))
    assert sum(isinstance(r, AlreadySaved) for r in results) == 1
    assert InjectionSession.objects.count() == 1


def test_two_sessions_at_once_cannot_pass_400_units_in_84_days_together():
    """Each alone is allowed (250 U); both would make 500 U within 84 days."""
    injector = UserFactory()
    patient = PatientFactory(primary_diagnosis=Diagnosis.CLUSTER)
    protocol = cluster_protocol()
    protocol.sites.update(default_units=Decimal(125))
    today = date.today()

    def on(day):
        return lambda: record(
            patient, protocol, day, injector, vials_used=2, early_reason="Cluster bout returned"
        )

    results = race(
        on(today - timedelta(days=10)),
        on(today - timedelta(days=5)),
        expected=(ValidationError, AlreadySaved),
    )
    assert sum(isinstance(r, ValidationError) for r in results) == 1
    assert InjectionSession.objects.count() == 1
