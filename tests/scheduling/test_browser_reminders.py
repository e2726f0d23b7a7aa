"""In the browser: a patient confirms by the reminder's link on a phone; the desk sees who
confirmed, who asked to change, who cannot be reached, and prints the letters."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from scheduling.reminders import reminders_queue, reminders_send
from tests.browser import AXE, OVERFLOW, log_in, serious_violations
from tests.factories import AppointmentFactory, PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOW = datetime(2026, 11, 24, 10, 5, tzinfo=ZoneInfo(settings.TIME_ZONE))


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def remind(contact: str, given: str, family: str, **patient):
    appointment = AppointmentFactory(
        patient=PatientFactory(
            preferred_contact=contact, given_name=given, family_name=family, **patient
        ),
        starts_at=NOW + timedelta(days=1, hours=1),
    )
    reminders_queue(days_before=2, now=NOW)
    reminders_send(now=NOW)
    return appointment


def reflows_at_200_percent(page) -> bool:
    """A 1280 px window at 200% zoom is 640 CSS px wide: nothing may scroll sideways."""
    page.set_viewport_size({"width": 640, "height": 900})
    fits = page.evaluate(OVERFLOW) <= 0
    page.set_viewport_size({"width": 1280, "height": 900})
    return fits


def link(appointment, action: str) -> str:
    body = next(m.body for m in mail.outbox if m.to == [appointment.patient.email])
    confirm, change = re.findall(r"https?://[^/\s]+(/schedule/r/[^/\s]+/)", body)
    return confirm if action == "confirm" else change


def test_a_patient_confirms_on_a_phone(phone_page, screenshot):
    appointment = remind("email", "Ada", "Lovelace")
    page = phone_page
    page.goto(link(appointment, "confirm"))
    expect(page.get_by_role("heading", name="Confirm your appointment")).to_be_visible()
    expect(page.get_by_test_id("when")).to_have_text("Wednesday 25 November 2026 at 11:05")
    expect(page.get_by_text("Lovelace")).to_have_count(0)
    assert page.evaluate(OVERFLOW) <= 0, "the confirm page scrolls sideways at 390 px"
    assert serious_violations(page, AXE.read_text()) == []
    screenshot(page, "reminder-confirm-390")

    page.get_by_role("button", name="Yes, I will come").click()
    expect(page.get_by_test_id("answered")).to_contain_text("is confirmed")
    assert serious_violations(page, AXE.read_text()) == []
    screenshot(page, "reminder-confirmed-390")

    page.goto(link(appointment, "change"))
    expect(page.get_by_test_id("link-closed")).to_contain_text("already answered")
    assert page.evaluate(OVERFLOW) <= 0
    assert serious_violations(page, AXE.read_text()) == []
    screenshot(page, "reminder-link-used-390")


def test_the_desk_sees_the_answers_and_prints_the_letters(page, screenshot, front_desk):
    confirmed = remind("email", "Ada", "Lovelace")
    change = remind("email", "Bob", "Baker")
    remind("email", "Cat", "Carter", email="")
    remind("post", "Dan", "Dale", address="2 Mill Lane\nParkside PK2 3CD")
    remind("phone", "Eve", "Evans", phone="07700 900124")
    page.goto(link(confirmed, "confirm"))
    page.get_by_role("button", name="Yes, I will come").click()
    page.goto(link(change, "change"))
    page.get_by_role("button", name="Please phone me to change it").click()
    expect(page.get_by_test_id("answered")).to_contain_text("The clinic will phone you")

    log_in(page, front_desk.username)
    page.goto(reverse("front_desk_home"))
    page.get_by_test_id("reminders-summary").get_by_role("link", name="Open reminders").click()
    expect(page.get_by_role("heading", name="Reminders", exact=True)).to_be_visible()
    expect(page.get_by_test_id("confirmed")).to_contain_text("Ada Lovelace")
    asked = page.get_by_test_id("asked-to-change")
    expect(asked).to_contain_text("Bob Baker")
    expect(asked.get_by_role("link", name="Reschedule")).to_be_visible()
    expect(page.get_by_test_id("unreachable")).to_contain_text(
        "Prefers email but has no email address."
    )
    expect(page.get_by_test_id("reminder-calls")).to_contain_text("Eve Evans")
    assert serious_violations(page, AXE.read_text()) == []
    screenshot(page, "reminders-desk")
    assert reflows_at_200_percent(page)

    page.get_by_role("link", name="Letters to print").click()
    expect(page.get_by_test_id("letter")).to_have_count(1)
    expect(page.get_by_test_id("letter")).to_contain_text("2 Mill Lane")
    assert serious_violations(page, AXE.read_text()) == []
    screenshot(page, "reminder-letters")
    assert reflows_at_200_percent(page)
    page.get_by_role("button", name="Record 1 letter as printed").click()
    expect(page.get_by_text("1 letter recorded as printed.")).to_be_visible()

    calls = page.get_by_test_id("reminder-calls")
    calls.get_by_label("Call outcome for Eve Evans").select_option(label="Left a message")
    calls.get_by_role("button", name="Log call").click()
    expect(page.get_by_text("Call to Eve Evans logged.")).to_be_visible()
    expect(page.get_by_test_id("reminder-calls").get_by_test_id("count")).to_have_text("0")

    asked.get_by_role("link", name="Reschedule").click()
    expect(page.get_by_test_id("slot-target")).to_contain_text("Bob Baker")
