"""A big diary file is imported by the job runner while the page shows how far it is; a small
one is imported at once, and one over the cap is refused."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clinic.models import AuditEvent
from diaries import imports
from diaries.exchange import MAX_IMPORT_ROWS
from diaries.imports import IMPORT_IN_BACKGROUND_ROWS
from diaries.models import DiaryDay, DiaryImport
from tests.diaries.test_exchange import row
from tests.diaries.test_import_speed import year_of_days
from tests.factories import DiaryImportFactory
from tests.jobs import run_queued_jobs

TODAY = date(2026, 6, 17)
pytestmark = [pytest.mark.django_db, pytest.mark.today(TODAY)]
BIG = IMPORT_IN_BACKGROUND_ROWS + 50


@pytest.fixture
def patient(patient):
    patient.registered_on = date(2020, 1, 1)
    patient.save()
    return patient


def upload(client, data: bytes, url=None):
    url = url or reverse("portal:transfer")
    return client.post(url, {"file": SimpleUploadedFile("diary.csv", data, "text/csv")})


def test_a_big_file_is_imported_by_a_job_with_its_progress_shown(patient_client, patient):
    response = upload(patient_client, year_of_days(BIG))
    diary_import = DiaryImport.objects.get(patient=patient)
    assert response.url == reverse("portal:import_progress", args=[diary_import.pk])
    assert not DiaryDay.objects.filter(patient=patient).exists()  # not in the request

    page = patient_client.get(response.url).content.decode()
    assert f"Importing {BIG} days" in page and "Step 1 of 4: Waiting to start" in page
    poll = patient_client.get(response.url, HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 2s"' in poll.content.decode()

    assert run_queued_jobs() == 1
    assert DiaryDay.objects.filter(patient=patient).count() == BIG
    assert patient_client.get(response.url, HTTP_HX_REQUEST="true")["HX-Refresh"] == "true"
    page = patient_client.get(response.url).content.decode()
    assert f"Imported {BIG} days (0 already in the diary unchanged, 2 medicines added)" in page
    diary_import.refresh_from_db()
    assert (diary_import.status, bytes(diary_import.data)) == ("done", b"")


def test_a_big_file_with_a_bad_line_imports_nothing_and_says_where(patient_client, patient):
    data = year_of_days(BIG) + (row(date(2026, 6, 30)) + "\n").encode()  # a future day
    response = upload(patient_client, data)
    run_queued_jobs()
    page = patient_client.get(response.url).content.decode()
    assert "Nothing was imported" in page and f"Line {BIG + 2}:" in page
    assert not DiaryDay.objects.filter(patient=patient).exists()


def test_a_small_file_is_imported_at_once(patient_client, patient):
    response = upload(patient_client, year_of_days(10))
    assert response.url == reverse("portal:transfer")
    assert DiaryDay.objects.filter(patient=patient).count() == 10
    assert not DiaryImport.objects.exists()
    events = AuditEvent.objects.filter(object_type="diaries.diaryday", patient_id=patient.pk)
    assert set(events.values_list("user", "ip_address")) == {(patient.user.pk, "127.0.0.1")}


def test_a_file_over_the_cap_is_refused_in_the_page(patient_client, patient):
    response = upload(patient_client, year_of_days(MAX_IMPORT_ROWS + 1))
    assert response.status_code == 200
    assert f"import at most {MAX_IMPORT_ROWS} at once" in response.content.decode()
    assert not DiaryImport.objects.exists() and not DiaryDay.objects.exists()


def test_a_neurologist_follows_a_patients_import(neurologist_client, patient):
    url = reverse("diary:transfer", kwargs={"patient_id": patient.pk})
    response = upload(neurologist_client, year_of_days(BIG), url=url)
    assert response.url.startswith(reverse("diary:transfer", kwargs={"patient_id": patient.pk}))
    run_queued_jobs()
    assert "Imported" in neurologist_client.get(response.url).content.decode()


def test_another_patients_import_is_not_found(patient_client, other_patient):
    other = DiaryImportFactory(patient=other_patient)
    assert patient_client.get(reverse("portal:import_progress", args=[other.pk])).status_code == 404


def test_an_import_stopped_by_a_fault_says_so_and_the_retry_finishes_it(
    patient_client, patient, monkeypatch
):
    response = upload(patient_client, year_of_days(BIG))
    diary_import = DiaryImport.objects.get(patient=patient)

    def database_gone(*args, **kwargs):
        raise ConnectionError("the database went away")

    monkeypatch.setattr(imports, "import_csv", database_gone)
    with pytest.raises(ConnectionError):
        imports.run_import(diary_import.pk)
    page = patient_client.get(response.url).content.decode()
    assert "stopped on a fault and nothing was saved" in page
    assert 'hx-trigger="every 2s"' in page  # it goes on watching for the retry
    monkeypatch.undo()
    imports.run_import(diary_import.pk)  # the job's retry
    assert DiaryDay.objects.filter(patient=patient).count() == BIG
    assert imports.run_import(diary_import.pk) is None  # a further run does nothing
