"""The audit trail: views and changes are recorded with who, role, when, patient and address."""

import pytest
from django.db import ProgrammingError, transaction
from django.urls import reverse

from clinic.models import AuditEvent
from patients.models import Patient
from patients.records import patient_save
from tests.factories import (
    AdverseEventFactory,
    ClinicalFlagFactory,
    PatientFactory,
    PriorPreventiveFactory,
)

pytestmark = pytest.mark.django_db
Action = AuditEvent.Action


def test_viewing_the_chart_records_who_when_and_from_where(neurologist_client, neurologist):
    patient = PatientFactory()
    neurologist_client.get(reverse("patients:chart", args=[patient.pk]), REMOTE_ADDR="203.0.113.9")
    event = AuditEvent.objects.get(action=Action.VIEW)
    assert (event.user, event.username, event.role) == (neurologist, "neuro", "neurologist")
    assert (event.patient_id, event.object_type) == (patient.pk, "chart")
    assert event.ip_address == "203.0.113.9"
    assert event.path == f"/patients/{patient.pk}/"


@pytest.mark.parametrize(
    ("url_name", "what"),
    [
        ("patients:edit", "details form"),
        ("patients:eligibility", "eligibility form"),
        ("patients:preventive_add", "prior preventive form"),
        ("patients:flag_add", "flag form"),
        ("patients:access_log", "access log"),
    ],
)
def test_every_page_about_a_patient_records_a_view(neurologist_client, url_name, what):
    patient = PatientFactory()
    neurologist_client.get(reverse(url_name, args=[patient.pk]))
    assert AuditEvent.objects.filter(
        action=Action.VIEW, patient_id=patient.pk, object_type=what
    ).exists()


def test_the_portal_records_the_patient_viewing_their_own_data(patient_client, patient):
    patient_client.get(reverse("portal:home"))
    event = AuditEvent.objects.get(action=Action.VIEW)
    assert (event.patient_id, event.role, event.object_type) == (
        patient.pk,
        "patient",
        "portal home",
    )


def test_a_change_records_old_and_new_values_and_the_user(neurologist_client, neurologist):
    patient = PatientFactory(phone="01234 567890")
    data = {
        "given_name": patient.given_name,
        "family_name": patient.family_name,
        "date_of_birth": "1980-05-17",
        "sex": patient.sex,
        "phone": "07700 900123",
        "email": patient.email,
        "preferred_contact": patient.preferred_contact,
        "language": patient.language,
        "primary_diagnosis": patient.primary_diagnosis,
        "status": patient.status,
        "mrn": patient.mrn,
    }
    response = neurologist_client.post(reverse("patients:edit", args=[patient.pk]), data)
    assert response.status_code == 302
    event = AuditEvent.objects.get(action=Action.CHANGE)
    assert event.object_type == "patients.patient"
    assert event.changes["phone"] == ["01234 567890", "07700 900123"]
    assert (event.user, event.patient_id) == (neurologist, patient.pk)
    assert event.ip_address == "127.0.0.1"


def test_creating_a_record_keeps_its_values_and_deleting_keeps_what_was_lost(
    neurologist_client,
):
    patient = PatientFactory()
    neurologist_client.post(
        reverse("patients:preventive_add", args=[patient.pk]),
        {"name": "Topiramate", "stop_reason": "not_tolerated"},
    )
    created = AuditEvent.objects.get(action=Action.CREATE, object_type="patients.priorpreventive")
    assert created.changes["name"] == [None, "Topiramate"]
    assert created.patient_id == patient.pk

    neurologist_client.post(
        reverse("patients:preventive_delete", args=[patient.pk, created.object_id])
    )
    deleted = AuditEvent.objects.get(action=Action.DELETE)
    assert deleted.changes["name"] == ["Topiramate", None]
    assert deleted.patient_id == patient.pk


def test_a_row_without_its_own_patient_is_filed_under_its_parents_patient():
    adverse_event = AdverseEventFactory()  # belongs to a session, which belongs to the patient
    event = AuditEvent.objects.get(object_type="treatments.adverseevent")
    assert event.patient_id == adverse_event.session.patient_id
    assert event.changes["kind"] == [None, "neck_pain"]


def test_a_save_without_a_change_is_not_logged_as_a_change():
    flag = ClinicalFlagFactory()
    flag.save()
    assert not AuditEvent.objects.filter(action=Action.CHANGE).exists()


def test_a_rolled_back_save_leaves_no_audit_event():
    patient = Patient(given_name="Rita", family_name="Rollback", date_of_birth="1990-01-01")
    with pytest.raises(RuntimeError), transaction.atomic():
        patient_save(patient)
        raise RuntimeError("something later in the same transaction failed")
    assert not AuditEvent.objects.exists()


def test_the_database_refuses_to_change_or_delete_an_event():
    PatientFactory()  # its creation is an event
    with pytest.raises(ProgrammingError, match="append-only"), transaction.atomic():
        AuditEvent.objects.update(username="someone else")
    with pytest.raises(ProgrammingError, match="append-only"), transaction.atomic():
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.count() == 1


def test_the_trail_outlives_the_records_it_is_about():
    flag = ClinicalFlagFactory()
    patient_id = flag.patient_id
    flag.patient.delete()  # the trail neither blocks nor loses anything
    assert not Patient.objects.filter(pk=patient_id).exists()
    assert AuditEvent.objects.filter(patient_id=patient_id, action=Action.DELETE).count() == 2


def test_logins_and_logouts_are_recorded(client, neurologist):
    client.post(reverse("login"), {"username": "neuro", "password": "correct-horse-battery"})
    client.post(reverse("logout"))
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        Action.LOG_IN,
        Action.LOG_OUT,
    ]


class TestAccessLogOnTheChart:
    def test_a_neurologist_sees_who_opened_the_chart(self, client, front_desk, neurologist):
        patient = PatientFactory()
        client.force_login(front_desk)
        client.get(reverse("patients:chart", args=[patient.pk]))
        client.force_login(neurologist)
        response = client.get(reverse("patients:chart", args=[patient.pk]))
        log = response.content.decode().split('data-testid="access-log"')[1]
        assert "desk <span" in log and "Viewed chart" in log

    def test_front_desk_does_not_see_the_access_log(self, front_desk_client):
        patient = PatientFactory()
        response = front_desk_client.get(reverse("patients:chart", args=[patient.pk]))
        assert b"Access log" not in response.content

    def test_the_full_log_shows_old_and_new_values(self, neurologist_client):
        patient = PatientFactory(status=Patient.Status.REFERRED)
        patient.status = Patient.Status.ACTIVE
        patient_save(patient)
        response = neurologist_client.get(reverse("patients:access_log", args=[patient.pk]))
        assert response.status_code == 200
        assert "referred → active" in response.content.decode()

    @pytest.mark.parametrize("size", [3, 60])
    def test_the_access_log_page_queries_are_bounded(
        self, neurologist_client, django_assert_max_num_queries, size
    ):
        patient = PatientFactory()
        PriorPreventiveFactory.create_batch(size, patient=patient)  # one event each
        # session, user, role, patient, flags, audit insert, count, page of events
        with django_assert_max_num_queries(8):
            response = neurologist_client.get(reverse("patients:access_log", args=[patient.pk]))
        assert response.status_code == 200
