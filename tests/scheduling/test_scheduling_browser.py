"""Front desk in a real browser: the worklist → the chart → the next injection in one click."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser import AXE, SERIOUS, log_in
from tests.factories import AppointmentFactory, InjectionSessionFactory, PatientFactory
from tests.scheduling.calendar_setup import at, tuesday_after, tuesday_clinic

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_session_recorded_then_next_injection_booked_in_one_click(
    page, screenshot, front_desk, neurologist
):
    tuesday_clinic(neurologist)
    due = tuesday_after()
    patient = PatientFactory(given_name="Imogen", family_name="Rhythm")
    InjectionSessionFactory(patient=patient, performed_on=due - timedelta(days=84))
    for n in range(3):  # others already booked that morning
        AppointmentFactory(clinician=neurologist, starts_at=at(due, 10, 20 * n))

    log_in(page, front_desk.username)
    due_soon = page.get_by_test_id("due-soon")
    assert "Imogen Rhythm" in due_soon.inner_text()
    screenshot(page, "schedule-worklist")

    due_soon.get_by_role("link", name="Imogen Rhythm").click()
    assert page.get_by_test_id("next-due").inner_text() == f"{due:%-d %b %Y}"
    page.get_by_role("link", name="Book next injection").click()
    screenshot(page, "schedule-book-next")
    page.get_by_role("button", name="Book 09:00").first.click()

    assert "Booked: Injection on" in page.locator(".alert-success").inner_text()
    assert f"{due:%a %-d %b %Y}, 09:00" in page.locator("#appointments").inner_text()

    page.goto(f"/schedule/week/?date={due.isoformat()}")
    assert "Imogen Rhythm" in page.locator("table").inner_text()
    screenshot(page, "schedule-week")
    page.goto("/")
    assert "Imogen Rhythm" not in page.get_by_test_id("due-soon").inner_text()


def test_arrived_is_one_click_and_welcomes_the_patient(page, screenshot, front_desk, patient):
    early_today = timezone.localtime().replace(hour=0, minute=1)
    AppointmentFactory(patient=patient, starts_at=early_today)
    log_in(page, front_desk.username)
    page.goto("/schedule/arrivals/")
    page.get_by_role("button", name="Arrived").click()
    assert "Welcome, Paula" in page.get_by_role("status").inner_text()
    screenshot(page, "schedule-arrivals")
    page.reload()
    assert "Welcome, Paula" in page.get_by_role("status").inner_text()


def test_the_day_view_works_on_a_phone(phone_page, screenshot, front_desk, neurologist):
    tuesday_clinic(neurologist)
    day = tuesday_after()
    log_in(phone_page, front_desk.username)
    phone_page.goto(f"/schedule/day/?date={day.isoformat()}")
    assert "09:00 free" in phone_page.locator("main").inner_text()
    screenshot(phone_page, "schedule-day-phone")


def test_book_next_loads_more_slots_of_one_clinician(page, screenshot, front_desk, neurologist):
    tuesday_clinic(neurologist)
    due = tuesday_after()
    patient = PatientFactory(given_name="Mora", family_name="Slots")
    InjectionSessionFactory(patient=patient, performed_on=due - timedelta(days=84))
    log_in(page, front_desk.username)
    page.goto(f"/schedule/patients/{patient.pk}/book-next/")
    row = page.get_by_test_id("clinicians").locator("dd").first
    assert row.locator("form").count() == 4
    row.get_by_role("link", name="More").click()
    expect(row.locator("form")).to_have_count(8)
    assert "Tue" in row.inner_text() and "10:40" in row.inner_text()
    screenshot(page, "schedule-book-next-more")
    page.evaluate(AXE.read_text())
    assert page.evaluate(SERIOUS) == []
