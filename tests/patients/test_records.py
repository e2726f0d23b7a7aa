import pytest
from django.core.exceptions import ValidationError

from patients.models import Patient
from patients.records import next_mrn, patient_save
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


def test_generated_mrn_skips_one_already_taken_by_hand():
    upcoming = next_mrn()
    number = int(upcoming[2:])
    PatientFactory(mrn=f"HC{number + 1:06d}")
    assert next_mrn() == f"HC{number + 2:06d}"


def test_patient_save_validates_before_saving():
    patient = Patient(given_name="A", family_name="B", date_of_birth="2999-01-01")
    with pytest.raises(ValidationError, match="cannot be in the future"):
        patient_save(patient)
    assert not Patient.objects.exists()
