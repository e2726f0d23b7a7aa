"""The clinical-record pages save through the domain functions of `patients/records.py`."""

import pytest
import time_machine
from django.urls import reverse

from patients.models import Eligibility
from tests.clock import NOON
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


def test_eligibility_can_be_saved_with_criteria_not_assessed_yet(neurologist_client, neurologist):
    patient = PatientFactory()
    with time_machine.travel(NOON, tick=False):
        response = neurologist_client.post(
            reverse("patients:eligibility", args=[patient.pk]),
            {
                "chronic_migraine_criteria_met": "",
                "headache_days_per_month": "18",
                "migraine_days_per_month": "",
                "medication_overuse_managed": "",
                "assessed_on": "2026-11-23",
                "notes": "Diary to come",
            },
        )
    assert response.status_code == 302
    eligibility = Eligibility.objects.get(patient=patient)
    assert eligibility.chronic_migraine_criteria_met is None
    assert eligibility.headache_days_per_month == 18
    assert eligibility.history.get().history_user == neurologist
