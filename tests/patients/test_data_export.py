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
    assert response.streaming  # written as it is read, never whole in memory
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def keys(value) -> set[str]:
    """Every key at every depth of a JSON value."""
    if isinstance(value, dict):
        return set(value) | {key for item in value.values() for key in keys(item)}
    if isinstance(value, list):
        return {key for item in value for key in keys(item)}
    return set()


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
    assert record["Patient"]["MRN"] == treated_patient.mrn
    assert [p["Medicine"] for p in record["Medicines tried before"]] == ["Topiramate"]
    (session,) = record["Injection sessions"]
    assert session["Units given"] == 155
    assert session["Side effects"][0]["Side effect"] == "Neck pain"
    assert len(record["Appointments"]) == 1
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
    assert json.loads(files.read("record.json"))["Patient"]["MRN"] == treated_patient.mrn
    event = AuditEvent.objects.get(action="export", patient_id=treated_patient.pk)
    assert event.object_type == "all records (zip)"


def test_a_patient_with_nothing_yet_still_gets_a_readable_zip(patient_client):
    files = archive(patient_client.get(reverse("portal:my_records")))
    assert files.read("diary.csv").decode().startswith("date,headache,severity")
    assert json.loads(files.read("record.json"))["Injection sessions"] == []


def test_the_record_reads_in_words_with_people_by_name(
    patient_client, treated_patient, neurologist
):
    files = archive(patient_client.get(reverse("portal:my_records")))
    record = json.loads(files.read("record.json"))
    every_key = keys(record)
    assert not [key for key in every_key if key.endswith("_id") or key == "id" or "_" in key]
    (session,) = record["Injection sessions"]
    assert session["Injecting clinician"] == neurologist.get_full_name()
    assert session["Injected on"] == f"{treated_patient.sessions.get().performed_on:%-d %b %Y}"
    appointment = record["Appointments"][0]
    assert appointment["Status"] == "Booked" and appointment["Type"] == "Injection"
    assert neurologist.get_full_name() in json.dumps(appointment)
    assert str(neurologist.pk) not in [str(value) for value in appointment.values()]


def test_the_after_care_sheet_in_the_zip_has_no_staff_links(neurologist_client, treated_patient):
    response = neurologist_client.get(reverse("patients:data_export", args=[treated_patient.pk]))
    sheet = archive(response).read("after-care/cycle-1.html").decode()
    assert "Stay upright" in sheet and treated_patient.full_name in sheet
    assert "href" not in sheet and "<nav" not in sheet and "<form" not in sheet


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
