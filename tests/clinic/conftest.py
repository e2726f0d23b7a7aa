"""Fixtures shared by the clinic-wide tests (the URL matrix and the form fuzzing)."""

import pytest
from django.utils import timezone

from clinic.roles import Role
from tests.factories import (
    AdverseEventFactory,
    AppointmentFactory,
    ClinicalFlagFactory,
    DiaryDayFactory,
    DiaryImportFactory,
    InjectionSessionFactory,
    IssuedLetterFactory,
    PatientMedicineFactory,
    PriorPreventiveFactory,
    ReviewFactory,
    WaitlistEntryFactory,
)


@pytest.fixture
def world(neurologist, front_desk, patient, other_patient):
    return {
        "users": {
            Role.NEUROLOGIST: neurologist,
            Role.FRONT_DESK: front_desk,
            Role.PATIENT: patient.user,
        },
        "patient": patient.pk,
        "mrn": patient.mrn,
        "preventive": PriorPreventiveFactory(patient=patient).pk,
        "flag": ClinicalFlagFactory(patient=patient, recorded_by=neurologist).pk,
        "session": (session := InjectionSessionFactory(patient=patient, injector=neurologist)).pk,
        "event": AdverseEventFactory(session=session, serious=True).pk,
        "day": DiaryDayFactory(patient=patient, day=timezone.localdate()).pk,
        "medicine": PatientMedicineFactory(patient=patient).pk,
        "diary_import": DiaryImportFactory(patient=patient).pk,
        "review": (review := ReviewFactory(patient=patient, reviewed_by=neurologist)).pk,
        "letter": IssuedLetterFactory(review=review).pk,
        "appointment": AppointmentFactory(patient=patient, clinician=neurologist).pk,
        "waitlist_entry": WaitlistEntryFactory(patient=patient, added_by=neurologist).pk,
    }
