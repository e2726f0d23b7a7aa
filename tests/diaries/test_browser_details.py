"""At phone width (390 px) a patient removes a day entered by mistake; every page passes
axe-core with no serious or critical violation. Screenshots: var/screenshots/diary-*.png."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.browser import log_in
from tests.clinic.test_browser_accessibility import AXE, OVERFLOW, serious_violations
from tests.factories import DiaryDayFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def axe():
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `make test` (it installs it under var/axe).")
    return AXE.read_text()


def checked(page, axe, screenshot, name: str) -> None:
    screenshot(page, f"diary-{name}")
    assert serious_violations(page, axe) == []
    assert page.evaluate(OVERFLOW) <= 0, f"{name} scrolls sideways at 390 px"


def test_patient_removes_a_day_entered_by_mistake(phone_page, screenshot, axe, patient):
    page = phone_page
    day = timezone.localdate() - timedelta(days=1)
    DiaryDayFactory(patient=patient, day=day, headache=True, severity="severe", note="wrong day")
    log_in(page, patient.user.username)
    page.get_by_role("link", name="Calendar").click()
    page.get_by_role("link", name=f"{day:%a} {day.day} {day:%b}: Severe headache").first.click()
    checked(page, axe, screenshot, "day-with-remove")

    page.get_by_role("link", name="Remove this day…").click()
    checked(page, axe, screenshot, "confirm-remove")
    page.get_by_role("button", name="Yes, remove this day").click()
    assert "Removed" in page.locator(".alert-success").inner_text()
    assert not patient.diary_days.exists()
    if day.month != timezone.localdate().month:
        page.get_by_role("link", name="Next month").click()
    checked(page, axe, screenshot, "calendar-after-remove")
    page.get_by_role("link", name=f"{day:%a} {day.day} {day:%b}: Not logged").first.click()
    assert "Removed the day" in page.get_by_test_id("day-history").inner_text()
