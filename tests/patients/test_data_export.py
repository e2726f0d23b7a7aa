"""The patient's right of access: one zip with everything held, for the patient or for staff."""

import csv
import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic.models import AuditEvent
from tests.factories import (
    AdverseEventFactory,
    AppointmentFactory,
    ClinicalFlagFactory,
    DiaryDayFactory,
    InjectionSessionFactory,
    PriorPreventiveFactory,
)

pytestmark = pytest.mark.django_db


def archive(response) -> zipfile.ZipFile:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.content))


@pytest.fixture
def treated_patient(patient, neurologist):
    today = timezone.localdate()
    PriorPreventiveFactory(patient=patient, name="Topiramate")
    ClinicalFlagFactory(patient=patient, recorded_by=neurologist)
    session = InjectionSessionFactory(
        patient=patient, injector=neurologist, performed_on=today - timedelta(days=20)
    )
    AdverseEventFactory(session=session)
    DiaryDayFactory(patient=patient, day=today - timedelta(days=3))
    DiaryDayFactory(
        patient=patient, day=today - timedelta(days=2), headache=True, severity="severe", hours=5
    )
    AppointmentFactory(patient=patient, clinician=neurologist)
    return patient


def test_the_patient_downloads_all_their_records(patient_client, treated_patient):
    files = archive(patient_client.get(reverse("portal:my_records")))
    assert set(files.namelist()) == {
        "README.txt",
        "record.json",
        "diary.csv",
        "appointments.ics",
        "after-care/cycle-1.html",
    }
    record = json.loads(files.read("record.json"))
    assert record["patient"]["mrn"] == treated_patient.mrn
    assert [p["name"] for p in record["prior_preventives"]] == ["Topiramate"]
    (session,) = record["injection_sessions"]
    assert float(session["units_given"]) == 155
    assert session["side_effects"][0]["kind"] == "neck_pain"
    assert len(record["appointments"]) == 1
    diary = list(csv.DictReader(io.StringIO(files.read("diary.csv").decode())))
    assert [row["severity"] for row in diary] == ["none", "severe"]
    assert b"BEGIN:VCALENDAR" in files.read("appointments.ics")
    assert b"Stay upright" in files.read("after-care/cycle-1.html")


def test_another_patients_records_are_never_in_the_zip(patient_client, patient, other_patient):
    DiaryDayFactory(patient=other_patient, day=timezone.localdate(), note="not yours")
    files = archive(patient_client.get(reverse("portal:my_records")))
    assert b"not yours" not in files.read("diary.csv")
    assert other_patient.mrn not in files.read("record.json").decode()


def test_a_neurologist_produces_the_same_for_a_subject_access_request(
    neurologist_client, treated_patient
):
    files = archive(
        neurologist_client.get(reverse("patients:data_export", args=[treated_patient.pk]))
    )
    assert json.loads(files.read("record.json"))["patient"]["mrn"] == treated_patient.mrn
    event = AuditEvent.objects.get(action="export", patient_id=treated_patient.pk)
    assert event.object_type == "all records (zip)"


def test_a_patient_with_nothing_yet_still_gets_a_readable_zip(patient_client):
    files = archive(patient_client.get(reverse("portal:my_records")))
    assert files.read("diary.csv").decode().startswith("date,headache,severity")
    assert json.loads(files.read("record.json"))["injection_sessions"] == []


@pytest.mark.parametrize("sessions", [1, 6])
def test_the_export_queries_do_not_grow_with_the_record(
    patient_client, patient, neurologist, django_assert_max_num_queries, sessions
):
    today = timezone.localdate()
    for n in range(sessions):
        session = InjectionSessionFactory(
            patient=patient, injector=neurologist, performed_on=today - timedelta(days=90 * n + 1)
        )
        AdverseEventFactory(session=session)
    # session, user, role, patient; first diary day; sessions, sites, side effects; patient,
    # eligibility, preventives, flags, reviews, appointments, waitlist entries, slot offers;
    # diary; appointments (.ics); sessions (after-care sheets); the audit event
    with django_assert_max_num_queries(20):
        patient_client.get(reverse("portal:my_records"))
