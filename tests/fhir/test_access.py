"""Who may read the API: client tokens with the read scope, and patients (their own only)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinic.models import AuditEvent
from fhir_api.resources import TYPES
from scheduling.models import CourseState
from tests.fhir.conftest import TODAY, bearer

pytestmark = pytest.mark.today(TODAY)


@pytest.fixture
def endpoints(records):
    """A search and a read of every type, on the owner patient's records."""
    session = records.sessions.get(number=3)
    ids = {
        "Patient": records.pk,
        "Condition": records.pk,
        "Procedure": session.pk,
        "MedicationAdministration": session.pk,
        "AdverseEvent": session.adverse_events.get().pk,
        "Appointment": records.appointments.get().pk,
        "ClinicalImpression": records.reviews.get().pk,
        "EpisodeOfCare": CourseState.history.get(patient_id=records.pk).pk,
        "Observation": f"diary-{records.pk}-1",
    }
    assert set(ids) == set(TYPES)
    searches = [f"/fhir/{name}?patient={records.pk}" for name in TYPES if name != "Patient"]
    return [
        f"/fhir/Patient?_id={records.pk}",
        *searches,
        *(f"/fhir/{name}/{ids[name]}" for name in TYPES),
    ]


def refused(response, status: int, code: str):
    assert response.status_code == status
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["code"] == code
    return outcome["issue"][0]["diagnostics"]


def test_every_endpoint_refuses_without_credentials(client, endpoints):
    for url in [*endpoints, "/fhir/NoSuchType"]:
        assert "Bearer" in refused(client.get(url), 401, "login"), url


def test_every_endpoint_refuses_a_revoked_or_unknown_token(client, endpoints, revoked_token):
    for url in endpoints:
        refused(client.get(url, **bearer(revoked_token)), 401, "login")
        refused(client.get(url, **bearer("fhir_made-up")), 401, "login")
        refused(client.get(url, HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz"), 401, "login")


def test_every_endpoint_refuses_a_token_without_the_read_scope(client, endpoints, import_token):
    for url in endpoints:
        refused(client.get(url, **bearer(import_token)), 403, "forbidden")


def test_every_endpoint_refuses_staff_sessions(client, endpoints, neurologist):
    client.force_login(neurologist)
    for url in endpoints:
        refused(client.get(url), 403, "forbidden")


def test_a_read_token_reads_every_endpoint(client, endpoints, read_token):
    for url in endpoints:
        assert client.get(url, **bearer(read_token)).status_code == 200, url


def test_the_capability_statement_is_public_but_checks_a_token_sent(client, db, revoked_token):
    assert client.get("/fhir/metadata").status_code == 200
    refused(client.get("/fhir/metadata", **bearer(revoked_token)), 401, "login")


def test_a_patient_reads_their_own_records_only(client, records, other_patient):
    client.force_login(records.user)
    patients = client.get("/fhir/Patient").json()
    assert [entry["resource"]["id"] for entry in patients["entry"]] == [str(records.pk)]
    sessions = client.get("/fhir/Procedure").json()
    assert sessions["total"] == 3
    assert {e["resource"]["subject"]["reference"] for e in sessions["entry"]} == {
        f"Patient/{records.pk}"
    }
    observations = client.get("/fhir/Observation").json()  # the patient is implied
    assert observations["total"] == 6  # 4 diary windows, MIDAS and HIT-6

    other = other_patient.sessions.first()
    refused(client.get(f"/fhir/Patient/{other_patient.pk}"), 404, "not-found")
    refused(client.get(f"/fhir/Procedure/{other.pk}"), 404, "not-found")
    refused(client.get(f"/fhir/Observation/diary-{other_patient.pk}-1"), 404, "not-found")
    refused(client.get("/fhir/Procedure", {"patient": other_patient.pk}), 403, "forbidden")
    refused(client.get("/fhir/Observation", {"patient": other_patient.pk}), 403, "forbidden")


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_writing_is_refused_with_405(client, records, read_token, method):
    response = getattr(client, method)(f"/fhir/Patient/{records.pk}", **bearer(read_token))
    refused(response, 405, "not-supported")
    assert response["Allow"] == "GET, HEAD"


def test_unknown_types_and_ids_give_404(client, records, read_token):
    refused(client.get("/fhir/Medication", **bearer(read_token)), 404, "not-supported")
    refused(client.get("/fhir/Patient/987654321", **bearer(read_token)), 404, "not-found")
    refused(client.get("/fhir/Patient/abc", **bearer(read_token)), 404, "not-found")
    refused(client.get("/fhir/Observation/diary-x-1", **bearer(read_token)), 404, "not-found")
    refused(client.get("/fhir/Observation/midas-987654", **bearer(read_token)), 404, "not-found")
    refused(client.get("/fhir/Patient/1/_history", **bearer(read_token)), 404, "not-found")


def test_every_read_is_audited_with_the_client_system(client, records, read_token):
    client.get(f"/fhir/Procedure?patient={records.pk}", **bearer(read_token))
    event = AuditEvent.objects.filter(object_type="fhir:Procedure").get()
    assert event.action == AuditEvent.Action.VIEW
    assert event.patient_id == records.pk
    assert event.changes["api_client"] == "Riverside GP"
    assert len(event.changes["ids"]) == 3


def test_a_search_of_many_patients_audits_each_patient(client, records, other_patient, read_token):
    client.get("/fhir/Patient", **bearer(read_token))
    audited = set(
        AuditEvent.objects.filter(object_type="fhir:Patient").values_list("patient_id", flat=True)
    )
    assert audited == {records.pk, other_patient.pk}


def test_a_patient_session_read_is_audited_as_that_user(client, records):
    client.force_login(records.user)
    client.get(f"/fhir/Patient/{records.pk}")
    event = AuditEvent.objects.filter(object_type="fhir:Patient").get()
    assert event.user_id == records.user.pk
    assert event.patient_id == records.pk


def test_a_read_writes_nothing_but_the_audit_trail(client, records, read_token):
    with CaptureQueriesContext(connection) as queries:
        client.get(f"/fhir/Observation?patient={records.pk}", **bearer(read_token))
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes and all('"clinic_auditevent"' in sql for sql in writes)
