"""At phone width a patient logs today, fills in missed days and marks a week headache-free."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.browser import log_in
from tests.factories import DiaryDayFactory, InjectionSessionFactory, PatientMedicineFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_patient_keeps_the_diary_on_a_phone(phone_page, screenshot, patient):
    page = phone_page
    today = timezone.localdate()
    PatientMedicineFactory(patient=patient, name="Sumatriptan", medicine_class="triptan")
    log_in(page, patient.user.username)
    screenshot(page, "portal-home-empty")

    # Today: a headache, with details and a triptan.
    page.get_by_role("link", name="I had a headache").click()
    assert page.locator("#headache-details").is_visible()
    page.get_by_text("Moderate", exact=True).click()
    page.get_by_label("Hours of headache").fill("3.5")
    page.get_by_label("Throbbing or pulsating").check()
    page.get_by_label("Nausea or vomiting").check()
    page.get_by_role("spinbutton", name="Sumatriptan").fill("1")
    screenshot(page, "portal-day-form")
    page.get_by_role("button", name="Save").click()
    assert "Saved" in page.locator(".alert-success").inner_text()

    # Missed days from the home page: yesterday headache-free in one tap.
    page.get_by_role("link", name="Home").click()
    assert "Logged:" in page.get_by_text("Logged:").inner_text()
    yesterday = today - timedelta(days=1)
    page.get_by_role(
        "button", name=f"No headache on {yesterday:%A} {yesterday.day} {yesterday:%B}"
    ).click()
    assert "Marked 1 day as headache-free" in page.locator(".alert-success").inner_text()

    # The day before: choosing "No headache" makes the form short.
    two_days_ago = today - timedelta(days=2)
    page.get_by_role(
        "link", name=f"Headache on {two_days_ago:%A} {two_days_ago.day} {two_days_ago:%B}"
    ).click()
    page.get_by_text("No headache", exact=True).click()
    assert not page.locator("#headache-details").is_visible()
    page.get_by_text("I had a headache", exact=True).click()
    page.get_by_text("Severe", exact=True).click()
    page.get_by_role("button", name="Save").click()

    # A week marked headache-free at once from the calendar.
    page.get_by_role("link", name="Calendar").click()
    page.get_by_label("From").fill((today - timedelta(days=9)).isoformat())
    page.get_by_label("To").fill((today - timedelta(days=3)).isoformat())
    page.get_by_role("button", name="Mark as headache-free").click()
    # It reaches back 9 days: nothing is saved until the patient confirms.
    assert "entered late" in page.get_by_test_id("confirm-range").inner_text()
    screenshot(page, "portal-confirm-range")
    assert patient.diary_days.count() == 3
    page.get_by_role("button", name="Yes, mark 7 days headache-free").click()
    assert "Marked 7 days as headache-free" in page.locator(".alert-success").inner_text()
    if (today - timedelta(days=9)).month != today.month:
        page.get_by_role("link", name="Next month").click()
    screenshot(page, "portal-calendar")

    assert patient.diary_days.count() == 10
    assert patient.diary_days.filter(headache=True).count() == 2
    assert patient.diary_days.get(day=today).doses.get().doses == 1

    page.get_by_role("link", name="Home").click()
    assert "Nothing missing" not in page.content()  # days 10–14 are still open
    screenshot(page, "portal-home")


def test_patient_answers_the_side_effect_check_in_on_a_phone(phone_page, screenshot, patient):
    InjectionSessionFactory(patient=patient, performed_on=timezone.localdate() - timedelta(days=20))
    log_in(phone_page, patient.user.username)
    phone_page.get_by_role("link", name="Answer the check-in").click()
    phone_page.get_by_label("A drooping eyelid").check()
    phone_page.get_by_text("Mild", exact=True).click()
    phone_page.get_by_label("When did it start?").fill(
        (timezone.localdate() - timedelta(days=10)).isoformat()
    )
    screenshot(phone_page, "portal-check-in")
    phone_page.get_by_role("button", name="Send my answers").click()
    assert "your answers are with the clinic" in phone_page.locator(".alert-success").inner_text()
    assert patient.sessions.get().adverse_events.get().kind == "ptosis"


def test_neurologist_reads_the_diary_on_the_chart_and_prints_a_report(
    page, screenshot, neurologist, patient
):
    today = timezone.localdate()
    for n in range(40):
        DiaryDayFactory(
            patient=patient,
            day=today - timedelta(days=n),
            headache=n % 3 == 0,
            severity=["mild", "moderate", "severe"][n % 3] if n % 3 == 0 else "none",
            late=n == 6,
        )
    log_in(page, neurologist.username)
    page.goto(f"/patients/{patient.pk}/#diary")
    assert "Headache days" in page.locator("#diary").inner_text()
    screenshot(page, "chart-diary-section")
    page.locator("#diary").get_by_role("link", name="Printable report").click()
    assert page.get_by_role("heading", level=2, name="Headache diary: Paula Owner").is_visible()
    screenshot(page, "diary-report")
