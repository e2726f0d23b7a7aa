"""The administrator's upload page: who may use it, the line-numbered errors, what was
imported, a dry run; and in a browser, axe-clean."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from playwright.sync_api import expect

from patients.models import Patient
from tests.browser import log_in, serious_violations
from tests.factories import UserFactory
from tests.records_in.helpers import csv_file, patient_row

URL = reverse("records_in:upload")
WRITES = ("INSERT", "UPDATE", "DELETE")


@pytest.fixture
def admin(db):
    return UserFactory(username="admin", is_superuser=True, is_staff=True)


def upload(client, kind: str, data: bytes, **extra):
    file = SimpleUploadedFile("file.csv", data, content_type="text/csv")
    return client.post(URL, {"kind": kind, "file": file, **extra})


@pytest.mark.django_db
@pytest.mark.today(date(2026, 11, 23))
def test_an_administrator_imports_and_sees_what_was_imported(client, admin):
    client.force_login(admin)
    assert client.get(URL).status_code == 200
    response = upload(client, "patients", csv_file([patient_row()]), dry_run="on")
    assert "Checked (dry run, nothing saved): 1 patients added" in response.content.decode()
    assert Patient.objects.count() == 0
    response = upload(client, "patients", csv_file([patient_row()]))
    assert "Imported: 1 patients added, 0 already there." in response.content.decode()
    assert Patient.objects.get().mrn == "EXT0001"


@pytest.mark.django_db
@pytest.mark.today(date(2026, 11, 23))
def test_the_errors_are_listed_with_their_lines(client, admin):
    client.force_login(admin)
    rows = [patient_row(), patient_row("EXT2", date_of_birth="yesterday")]
    page = upload(client, "patients", csv_file(rows)).content.decode()
    assert "Nothing was imported: 1 problem(s)." in page
    assert "Line 3: date_of_birth: “yesterday” is not a date as YYYY-MM-DD." in page
    assert Patient.objects.count() == 0


@pytest.mark.django_db
def test_the_page_view_writes_nothing_and_is_never_cached(client, admin):
    client.force_login(admin)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith(WRITES)]
    assert [sql for sql in writes if "django_session" not in sql] == []


@pytest.mark.django_db
def test_staff_roles_are_refused(neurologist_client, front_desk_client):
    """(tests/clinic/test_url_permissions.py refuses every role; an admin is not a role.)"""
    for client in (neurologist_client, front_desk_client):
        assert client.get(URL).status_code == 403
        assert upload(client, "patients", csv_file([patient_row()])).status_code == 403
    assert not Patient.objects.exists()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_upload_page_in_a_browser(page, live_server, screenshot, axe_source, tmp_path):
    UserFactory(username="admin", is_superuser=True, is_staff=True)
    log_in(page, "admin")
    page.goto(live_server.url + URL)
    expect(page.get_by_role("heading", name="Import records")).to_be_visible()
    assert serious_violations(page, axe_source) == []
    screenshot(page, "records-in-upload")
    bad = tmp_path / "patients.csv"
    bad.write_bytes(csv_file([patient_row(), patient_row("EXT2", sex="f")]))
    page.get_by_label("What the file holds").select_option("patients")
    page.locator("input[type=file]").set_input_files(bad)
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_test_id("import-errors")).to_contain_text("Line 3: sex")
    assert serious_violations(page, axe_source) == []
    screenshot(page, "records-in-upload-errors")
