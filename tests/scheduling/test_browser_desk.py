"""The front desk in a real browser: a free slot in the week view books with one click, and a
booking is moved to another free slot from the day view in one click."""

import pytest

from tests.browser import log_in
from tests.factories import AppointmentFactory, PatientFactory
from tests.scheduling.calendar_setup import at, tuesday_after, tuesday_clinic

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_book_from_the_week_view_then_reschedule_from_the_day_view(
    page, screenshot, front_desk, neurologist
):
    tuesday_clinic(neurologist)
    day = tuesday_after()
    patient = PatientFactory(given_name="Oona", family_name="Mercer")
    AppointmentFactory(clinician=neurologist, starts_at=at(day, 9, 20))  # someone else's
    log_in(page, front_desk.username)

    page.goto(f"/schedule/patients/{patient.pk}/book-next/")
    page.get_by_role("link", name="Pick a slot in the week view").click()
    target = page.get_by_test_id("slot-target")
    assert "Booking an injection for Oona Mercer" in target.inner_text()
    while f"{day:%a %-d %b}" not in page.locator("thead").inner_text():
        page.get_by_role("link", name="Next →").click()  # moving on keeps the patient
    screenshot(page, "desk-week-book")
    page.get_by_role("button", name="09:00 free: book").click()
    assert "Booked: Injection on" in page.locator(".alert-success").inner_text()

    page.get_by_role("link", name=f"{day:%a %-d %b %Y}, 09:00").click()
    assert page.get_by_role("button", name="Did not attend").count() == 0
    page.get_by_role("link", name="Reschedule").click()
    assert "Rescheduling injection of Oona Mercer" in target.inner_text()
    screenshot(page, "desk-day-reschedule")
    page.get_by_role("button", name="10:00 free: move here").click()

    assert "Rescheduled: Injection now on" in page.locator(".alert-success").inner_text()
    assert "10:00" in page.locator("h2").first.inner_text()
    screenshot(page, "desk-rescheduled")
    page.goto(f"/schedule/day/?date={day.isoformat()}")
    day_view = page.locator("main").inner_text()
    assert "09:00 free" in day_view  # the old slot is free again
