from datetime import date

import pytest

from patients.eligibility import assess_nice
from patients.models import Eligibility, PriorPreventive
from tests.factories import PatientFactory, PriorPreventiveFactory, UserFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 23)


def eligible_patient(failed: int = 3):
    patient = PatientFactory(date_of_birth=date(1980, 1, 1))
    eligibility = Eligibility.objects.create(
        patient=patient,
        chronic_migraine_criteria_met=True,
        medication_overuse_managed=True,
        assessed_by=UserFactory(),
    )
    preventives = PriorPreventiveFactory.create_batch(failed, patient=patient)
    return patient, eligibility, preventives


def test_all_criteria_met():
    assessment = assess_nice(*eligible_patient(), TODAY)
    assert assessment.met
    assert assessment.missing == []


def test_two_failed_preventives_are_not_enough():
    assessment = assess_nice(*eligible_patient(failed=2), TODAY)
    assert not assessment.met
    assert [c.label for c in assessment.missing] == ["At least 3 preventive medicines failed"]


def test_a_preventive_still_being_taken_does_not_count_as_failed():
    patient, eligibility, preventives = eligible_patient(failed=2)
    preventives.append(
        PriorPreventiveFactory(patient=patient, stop_reason=PriorPreventive.StopReason.STILL_TAKING)
    )
    assert not assess_nice(patient, eligibility, preventives, TODAY).met


def test_nothing_recorded_is_not_met_and_says_so():
    patient = PatientFactory(date_of_birth=date(1980, 1, 1))
    assessment = assess_nice(patient, None, [], TODAY)
    unknown = [c for c in assessment.criteria if c.met is None]
    assert {c.label for c in unknown} == {
        "ICHD-3 chronic migraine criteria met",
        "Medication overuse managed",
    }
    assert all(c.detail == "Not recorded yet." for c in unknown)


def test_a_child_is_not_eligible():
    patient, eligibility, preventives = eligible_patient()
    patient.date_of_birth = date(2010, 1, 1)
    assessment = assess_nice(patient, eligibility, preventives, TODAY)
    assert [c.label for c in assessment.missing] == ["Adult"]


def test_an_off_label_diagnosis_is_not_eligible():
    patient, eligibility, preventives = eligible_patient()
    patient.primary_diagnosis = "cluster"
    assessment = assess_nice(patient, eligibility, preventives, TODAY)
    assert assessment.missing[0].detail == "Cluster headache (off-label)"


def test_eighteenth_birthday_counts_as_adult():
    patient, eligibility, preventives = eligible_patient()
    patient.date_of_birth = date(2008, 11, 23)
    assert assess_nice(patient, eligibility, preventives, TODAY).met
    patient.date_of_birth = date(2008, 11, 24)
    assert not assess_nice(patient, eligibility, preventives, TODAY).met
