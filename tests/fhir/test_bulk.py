"""Bulk export ($export): kick-off, status, NDJSON files written by the job runner."""

import json
import time
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from fhir.resources import construct_fhir_element

from clinic.models import AuditEvent
from fhir_api import bulk
from fhir_api.bulk import run_export
from fhir_api.models import ApiClient, BulkExport
from fhir_api.resources import TYPES
from fhir_api.tasks import prune_bulk_exports
from tests.conftest import noon
from tests.fhir.conftest import TODAY, bearer
from tests.jobs import run_queued_jobs

pytestmark = pytest.mark.today(TODAY)
ASYNC = {"HTTP_PREFER": "respond-async"}


def path_of(url: str) -> str:
    return urlsplit(url).path


def kick_off(client, token, url="/fhir/$export", **headers):
    return client.post(url, **bearer(token), **ASYNC, **headers)


def test_an_export_of_the_whole_clinic(client, records, other_patient, read_token):
    response = kick_off(client, read_token)
    assert response.status_code == 202
    status_url = path_of(response["Content-Location"])

    waiting = client.get(status_url, **bearer(read_token))
    assert waiting.status_code == 202
    assert waiting["X-Progress"] == "Waiting to start"

    assert run_queued_jobs() == 1
    done = client.get(status_url, **bearer(read_token))
    assert done.status_code == 200
    manifest = done.json()
    assert manifest["requiresAccessToken"] is True
    counts = {output["type"]: output["count"] for output in manifest["output"]}
    assert list(counts) == list(TYPES)
    assert counts["Patient"] == 2
    assert counts["Procedure"] == counts["MedicationAdministration"] == 6
    assert counts["Observation"] == 12  # 4 windows and 2 scores each

    for output in manifest["output"]:
        file = client.get(path_of(output["url"]), **bearer(read_token))
        assert file.status_code == 200
        assert file["Content-Type"] == "application/fhir+ndjson"
        lines = file.content.decode().splitlines()
        assert len(lines) == output["count"]
        for line in lines:
            resource = json.loads(line)
            assert resource["resourceType"] == output["type"]
            construct_fhir_element(resource["resourceType"], resource)  # valid R4
    audited = AuditEvent.objects.filter(object_type="fhir:Patient-1.ndjson", action="export")
    assert audited.exists()


def test_an_export_of_one_patient_and_some_types(client, records, other_patient, read_token):
    url = f"/fhir/Patient/{records.pk}/$export?_type=Procedure,AdverseEvent"
    response = kick_off(client, read_token, url)
    assert response.status_code == 202
    run_queued_jobs()
    manifest = client.get(path_of(response["Content-Location"]), **bearer(read_token)).json()
    assert [(o["type"], o["count"]) for o in manifest["output"]] == [
        ("Procedure", 3),
        ("AdverseEvent", 1),
    ]
    export = BulkExport.objects.get()
    assert export.patient == records
    assert AuditEvent.objects.get(object_type="fhir:$export").patient_id == records.pk


def test_a_type_with_many_resources_takes_several_files(client, records, read_token, monkeypatch):
    monkeypatch.setattr(bulk, "FILE_LINES", 2)
    response = kick_off(client, read_token, f"/fhir/Patient/{records.pk}/$export?_type=Procedure")
    run_queued_jobs()
    manifest = client.get(path_of(response["Content-Location"]), **bearer(read_token)).json()
    assert [(o["type"], o["count"]) for o in manifest["output"]] == [
        ("Procedure", 2),
        ("Procedure", 1),
    ]
    ids = []
    for output in manifest["output"]:
        lines = client.get(path_of(output["url"]), **bearer(read_token)).content.splitlines()
        ids += [json.loads(line)["id"] for line in lines]
    assert sorted(ids) == sorted(str(pk) for pk in records.sessions.values_list("pk", flat=True))


def test_a_second_run_of_a_finished_export_changes_nothing(client, records, read_token):
    kick_off(client, read_token)
    run_queued_jobs()
    export = BulkExport.objects.get()
    assert run_export(str(export.pk)) is None
    assert export.files.count() == len(TYPES)


@pytest.mark.parametrize(
    "url, headers, status, code",
    [
        ("/fhir/$export", {}, 400, "invalid"),  # no Prefer: respond-async
        ("/fhir/$export?_type=Medication", ASYNC, 400, "invalid"),
        ("/fhir/$export?_since=2026-01-01", ASYNC, 400, "invalid"),
        ("/fhir/$export?_outputFormat=text/csv", ASYNC, 400, "invalid"),
        ("/fhir/Patient/987654321/$export", ASYNC, 404, "not-found"),
    ],
)
def test_bad_kick_offs_are_refused(client, db, read_token, url, headers, status, code):
    response = client.post(url, **bearer(read_token), **headers)
    assert response.status_code == status
    assert response.json()["issue"][0]["code"] == code
    assert not BulkExport.objects.exists()


def test_only_the_client_that_asked_reads_the_export(
    client, records, read_token, revoked_token, import_token, admin_user
):
    response = kick_off(client, read_token)
    run_queued_jobs()
    status_url = path_of(response["Content-Location"])
    file_url = path_of(client.get(status_url, **bearer(read_token)).json()["output"][0]["url"])
    other = ApiClient.issue(name="Another GP", scope="read", by=admin_user)[1]
    for url in (status_url, file_url):
        assert client.get(url).status_code == 401
        assert client.get(url, **bearer(revoked_token)).status_code == 401
        assert client.get(url, **bearer(import_token)).status_code == 403
        assert client.get(url, **bearer(other)).status_code == 404
    for url in ("/fhir/$export", f"/fhir/Patient/{records.pk}/$export"):
        assert client.post(url, **ASYNC).status_code == 401
        assert client.post(url, **ASYNC, **bearer(revoked_token)).status_code == 401
        assert client.post(url, **ASYNC, **bearer(import_token)).status_code == 403
        assert client.get(url, **bearer(read_token)).status_code == 405  # a GET never writes


def test_patients_do_not_bulk_export(client, records):
    client.force_login(records.user)
    response = client.post(f"/fhir/Patient/{records.pk}/$export", **ASYNC)
    assert response.status_code == 403


def test_an_export_expires_and_its_files_are_deleted_after_the_days_kept(
    client, records, read_token, settings
):
    """Kept 7 days (FHIR_EXPORT_KEEP_DAYS) from when the job wrote them: served until then;
    from then on the status and the files answer 404 `deleted`, before and after the hourly
    job deletes the files; the export itself stays, for the audit trail."""
    settings.FHIR_EXPORT_KEEP_DAYS = 7
    status_url = path_of(kick_off(client, read_token)["Content-Location"])
    run_queued_jobs()  # written at noon on TODAY (the clock stands still)
    file_url = path_of(client.get(status_url, **bearer(read_token)).json()["output"][0]["url"])
    files = BulkExport.objects.get().files.count()

    def expired(url):
        response = client.get(url, **bearer(read_token))
        assert response.status_code == 404
        issue = response.json()["issue"][0]
        assert issue["code"] == "deleted"
        return issue["diagnostics"]

    a_week = noon(TODAY + timedelta(days=7))
    with time_machine.travel(a_week - timedelta(minutes=1), tick=False):
        assert client.get(status_url, **bearer(read_token)).status_code == 200
        assert client.get(file_url, **bearer(read_token)).status_code == 200
        assert prune_bulk_exports(timestamp=int(time.time())) == "0 expired export files deleted"
    with time_machine.travel(a_week, tick=False):
        message = expired(status_url)
        assert f"expired on {TODAY + timedelta(days=7):%-d %b %Y} 12:00" in message
        assert "Ask for a new export." in message
        expired(file_url)
        tick = int(time.time())
        assert prune_bulk_exports(timestamp=tick) == f"{files} expired export files deleted"
        assert prune_bulk_exports(timestamp=tick) == "0 expired export files deleted"
        expired(status_url)
    export = BulkExport.objects.get()
    assert export.status == BulkExport.Status.DONE and not export.files.exists()
