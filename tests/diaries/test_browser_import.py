"""A patient uploads a big diary file on a phone and watches it import (the job runner)."""

from datetime import date

import pytest
from playwright.sync_api import expect

from tests.browser import AXE, log_in, serious_violations
from tests.diaries.test_import_speed import year_of_days
from tests.jobs import run_queued_jobs

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_big_import_shows_its_progress_then_its_result(phone_page, screenshot, patient, tmp_path):
    patient.registered_on = date(2020, 1, 1)
    patient.save()
    diary_file = tmp_path / "diary.csv"
    diary_file.write_bytes(year_of_days(365))
    page = phone_page
    log_in(page, patient.user.username)
    page.goto("/portal/import-export/")
    page.get_by_label("Diary CSV file").set_input_files(str(diary_file))
    page.get_by_role("button", name="Import").click()

    expect(page.get_by_test_id("import-progress")).to_contain_text("Step 1 of 4")
    screenshot(page, "diary-import-progress-phone")
    assert serious_violations(page, AXE.read_text()) == []

    run_queued_jobs()  # a worker takes the job; the page notices on its next poll
    expect(page.get_by_test_id("import-done")).to_contain_text("Imported 365 days", timeout=8000)
    screenshot(page, "diary-import-done-phone")
