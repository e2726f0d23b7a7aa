"""At phone width (390 px) a patient sets their diary reminders, sees a clear error for a
channel they have no address for, and stops them from a reminder's link without logging in;
each page passes axe-core. Screenshots: var/screenshots/diary-reminders-*.png."""

import pytest

from diaries.models import DiaryNudgeSettings
from diaries.nudges import stop_url
from patients.models import Patient
from tests.browser import log_in
from tests.diaries.test_browser_details import checked

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_patient_sets_diary_reminders_on_a_phone(phone_page, screenshot, axe_source, patient):
    Patient.objects.filter(pk=patient.pk).update(phone="")
    page = phone_page
    log_in(page, patient.user.username)
    page.get_by_role("link", name="Set your diary reminders").click()
    checked(page, axe_source, screenshot, "reminders")

    page.get_by_label("Remind me each day I have not filled in my diary").check()
    page.get_by_label("Time of day").select_option("20:15")
    page.get_by_label("Once a week, tell me which days of the past week are missing").check()
    page.get_by_label("Day of the week").select_option(label="Friday")
    page.get_by_label("Text message (SMS)").check()
    page.get_by_role("button", name="Save").click()
    assert "no mobile number" in page.locator(".invalid-feedback").first.inner_text()
    checked(page, axe_source, screenshot, "reminders-error")

    page.get_by_label("Email").check()
    page.get_by_role("button", name="Save").click()
    assert "saved" in page.locator(".alert-success").inner_text()
    saved = DiaryNudgeSettings.objects.get(patient=patient)
    assert (saved.daily, f"{saved.daily_at:%H:%M}", saved.weekly, saved.weekday) == (
        True,
        "20:15",
        True,
        4,
    )

    page.context.clear_cookies()  # the link works without logging in
    page.goto(stop_url(patient).replace("http://localhost:8000", page.url.split("/portal")[0]))
    checked(page, axe_source, screenshot, "reminders-stop")
    page.get_by_role("button", name="Stop these reminders").click()
    assert "not be reminded" in page.get_by_test_id("stopped").inner_text()
    checked(page, axe_source, screenshot, "reminders-stopped")
    saved.refresh_from_db()
    assert not saved.daily and not saved.weekly
