"""The whole audit trail in the admin: filterable, read-only, and cheap at any size."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic import audit
from clinic.models import AuditEvent
from patients.models import Patient
from tests.factories import (
    AdverseEventFactory,
    ClinicalFlagFactory,
    DiaryDayFactory,
    PatientFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:clinic_auditevent_changelist")


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="admin", is_staff=True, is_superuser=True))
    return client


def views_by(user, patient, count=1):
    for _ in range(count):
        audit.record(
            action=AuditEvent.Action.VIEW,
            object_type="chart",
            patient_id=patient.pk,
            user=user,
        )


def listed(response) -> int:
    return len(response.context["cl"].result_list)


def test_it_filters_by_username_patient_and_day(admin_client, neurologist, front_desk):
    paula, oscar = PatientFactory(mrn="PAULA1"), PatientFactory(mrn="OSCAR1")
    views_by(neurologist, paula, 2)
    views_by(front_desk, oscar, 3)
    assert listed(admin_client.get(CHANGELIST, {"username": "neuro"})) == 2
    assert listed(admin_client.get(CHANGELIST, {"mrn": "oscar1"})) == 4  # created + 3 views
    today = timezone.localdate()
    # 2 patients created, 5 views, and the administrator logging in
    assert listed(admin_client.get(CHANGELIST, {"day": today.strftime("%d/%m/%Y")})) == 8
    yesterday = today - timedelta(days=1)
    assert listed(admin_client.get(CHANGELIST, {"day": yesterday.isoformat()})) == 0


def test_a_day_that_is_not_a_date_is_an_admin_error_not_a_crash(admin_client):
    response = admin_client.get(CHANGELIST, {"day": "last tuesday"})
    assert response.status_code == 302 and "e=1" in response.url


def test_nobody_can_add_change_or_delete_events_in_the_admin(admin_client, neurologist):
    views_by(neurologist, PatientFactory())
    event = AuditEvent.objects.filter(action=AuditEvent.Action.VIEW).get()
    assert admin_client.get(reverse("admin:clinic_auditevent_add")).status_code == 403
    delete = reverse("admin:clinic_auditevent_delete", args=[event.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    page = admin_client.get(reverse("admin:clinic_auditevent_change", args=[event.pk]))
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.parametrize("size", [5, 200])
def test_the_trail_page_queries_do_not_grow_with_events(
    admin_client, neurologist, django_assert_max_num_queries, size
):
    views_by(neurologist, PatientFactory(), size)
    # session, user, user's groups (role), the page of events with their patients,
    # and the admin's own count queries
    with django_assert_max_num_queries(8):
        admin_client.get(CHANGELIST, {"username": "neuro"})


# Reads in the admin are audited like reads of the pages: a record with patient data opened,
# its history, and searches (what was searched, by whom, how many found; not what was found).


def views_of(patient):
    return AuditEvent.objects.filter(action=AuditEvent.Action.VIEW, patient_id=patient.pk)


@pytest.mark.parametrize(
    "factory",
    [PatientFactory, DiaryDayFactory, AdverseEventFactory, ClinicalFlagFactory],
    ids=lambda factory: factory._meta.model.__name__,
)
def test_opening_a_record_with_patient_data_in_the_admin_is_audited(admin_client, factory):
    record = factory()
    patient = record if isinstance(record, Patient) else audit_patient(record)
    meta = record._meta
    page = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[record.pk])
    assert admin_client.get(page).status_code == 200
    [event] = views_of(patient)
    assert event.username == "admin" and event.object_type == f"admin {meta.label_lower}"
    assert event.object_id == str(record.pk)
    history = reverse(f"admin:{meta.app_label}_{meta.model_name}_history", args=[record.pk])
    assert admin_client.get(history).status_code == 200
    version = reverse(
        f"admin:{meta.app_label}_{meta.model_name}_simple_history",
        args=[record.pk, record.history.latest().history_id],
    )
    assert admin_client.get(version).status_code == 200
    assert views_of(patient).filter(object_type=f"admin history {meta.label_lower}").count() == 2


def audit_patient(record):
    from clinic.audit import audited_patient_id

    return Patient.objects.get(pk=audited_patient_id(record))


def holds_patient_data(model) -> bool:
    if model is Patient or hasattr(model, "audit_patient_id"):
        return True
    return any(
        field.many_to_one
        and (field.related_model is Patient or hasattr(field.related_model, "patient_id"))
        for field in model._meta.concrete_fields
    )


def test_every_admin_with_patient_data_audits_its_reads():
    from django.contrib import admin

    from patients.audit_admin import AuditedReadsMixin

    unaudited = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if holds_patient_data(model)
        and model is not AuditEvent  # the trail itself
        and not isinstance(model_admin, AuditedReadsMixin)
    ]
    assert unaudited == []


def test_a_patient_search_in_the_admin_is_audited(admin_client):
    PatientFactory(family_name="Okafor")
    PatientFactory(family_name="Okafor-Smith")
    admin_client.get(reverse("admin:patients_patient_changelist"), {"q": "okafor"})
    [event] = AuditEvent.objects.filter(object_type="admin search patients.patient")
    assert event.username == "admin" and event.patient_id is None
    assert event.changes == {"query": "okafor", "results": 2}
    admin_client.get(reverse("admin:patients_patient_changelist"))  # no search: no event
    assert AuditEvent.objects.filter(object_type__startswith="admin search").count() == 1


def test_a_patient_search_on_the_staff_list_is_audited(front_desk_client):
    PatientFactory(family_name="Okafor")
    front_desk_client.get(reverse("patients:list"), {"q": "okaf"})
    [event] = AuditEvent.objects.filter(object_type="patient search")
    assert event.username == "desk" and event.patient_id is None
    assert event.changes == {"query": "okaf", "results": 1}
    front_desk_client.get(reverse("patients:list"))  # the plain list: no event
    assert AuditEvent.objects.filter(object_type="patient search").count() == 1


def test_a_patient_search_in_an_admin_autocomplete_box_is_audited(admin_client):
    PatientFactory(family_name="Okafor")
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "diaries", "model_name": "diaryday", "field_name": "patient", "term": "oka"},
    )
    assert len(response.json()["results"]) == 1
    [event] = AuditEvent.objects.filter(object_type="admin search patients.patient")
    assert event.changes == {"query": "oka", "results": 1}
