"""In the browser: the neurologist records each decision, and the chart, the session form, the
front desk's worklists and the booking page follow it; a stopped course is restarted.

Four patients had three sessions, the last 100 days ago (their next injection is overdue).
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser import log_in
from tests.factories import AppointmentFactory, InjectionSessionFactory, PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo(settings.TIME_ZONE))  # a Tuesday
TODAY = NOW.date()
RESUME = TODAY + timedelta(days=90)
DECISIONS = [
    ("Cora", "Continue", "Continue treatment", "Responding well."),
    ("Ezra", "Extend", "One more cycle, then review", "EHF: a third cycle."),
    ("Pia", "Pause", "Pause (treatment break)", "Episodic for three months."),
    ("Stan", "Stop", "Stop treatment", "Under 30% fewer headache days."),
]


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=True):
        yield


def treated(given: str, family: str):
    patient = PatientFactory(given_name=given, family_name=family)
    for weeks in (38, 26, 14):
        InjectionSessionFactory(patient=patient, performed_on=TODAY - timedelta(days=weeks * 7 + 2))
    return patient


def test_each_decision_drives_the_course(page, screenshot, neurologist, front_desk):
    patients = {given: treated(given, family) for given, family, _, _ in DECISIONS}
    booked = AppointmentFactory(patient=patients["Pia"], starts_at=NOW + timedelta(days=10))

    log_in(page, neurologist.username)
    for given, _, decision, reason in DECISIONS:
        page.goto(reverse("progress:review_add", args=[patients[given].pk]))
        page.get_by_label("Decision").select_option(label=decision)
        page.get_by_label("Reason").fill(reason)
        if given == "Pia":
            page.get_by_label("Resume treatment on").fill(RESUME.isoformat())
            screenshot(page, "course-review-pause")
        page.get_by_role("button", name="Save the review").click()
        expect(page.get_by_text("Review recorded")).to_be_visible()

    expected = {
        "Cora": f"Next injection due {TODAY - timedelta(days=16):%-d %b %Y}",
        "Ezra": f"Next injection due {TODAY - timedelta(days=16):%-d %b %Y}",
        "Pia": f"No injection due: paused until {RESUME:%-d %b %Y}.",
        "Stan": f"No injection due: stopped on {TODAY:%-d %b %Y}.",
    }
    warnings = {
        "Pia": f"Treatment is paused until {RESUME:%-d %b %Y}",
        "Stan": f"Treatment was stopped on {TODAY:%-d %b %Y}",
    }
    for given, patient in patients.items():
        page.goto(reverse("patients:chart", args=[patient.pk]))
        expect(page.get_by_test_id("course-state")).to_contain_text(expected[given])
        if given == "Stan":
            screenshot(page, "course-chart-stopped")
        page.goto(reverse("treatments:session_new", args=[patient.pk]))
        if given in warnings:
            warned = page.get_by_test_id("session-warning").filter(has_text=warnings[given])
            expect(warned).to_have_count(1)
        else:
            expect(page.get_by_text("Treatment was stopped")).to_have_count(0)
            expect(page.get_by_text("Treatment is paused")).to_have_count(0)

    page.context.clear_cookies()
    log_in(page, front_desk.username)
    page.goto(reverse("front_desk_home"))
    overdue = page.get_by_test_id("overdue")
    for given in ("Cora", "Ezra"):
        expect(overdue).to_contain_text(given)
    for given in ("Pia", "Stan"):
        expect(overdue).not_to_contain_text(given)
    against = page.get_by_test_id("against-course")
    expect(against.get_by_test_id("against-course-row")).to_have_count(1)
    expect(against).to_contain_text(f"paused until {RESUME:%-d %b %Y}")
    screenshot(page, "course-desk-bookings")
    against.get_by_role("button", name="Cancel booking").click()
    expect(page.get_by_text("Cancelled the injection booking")).to_be_visible()
    booked.refresh_from_db()
    assert booked.status == "cancelled"

    page.goto(reverse("schedule:book_next", args=[patients["Stan"].pk]))
    expect(page.get_by_test_id("course-alert")).to_contain_text(expected["Stan"])
    screenshot(page, "course-booking-stopped")

    page.context.clear_cookies()
    log_in(page, neurologist.username)
    page.goto(reverse("patients:chart", args=[patients["Stan"].pk]))
    page.get_by_role("link", name="Restart treatment").click()
    page.get_by_role("button", name="Restart treatment").click()
    expect(page.get_by_text("Give the new baseline date")).to_be_visible()
    page.get_by_label("New baseline date").fill(TODAY.isoformat())
    page.get_by_label("Why treatment restarts").fill("Chronic migraine is back.")
    screenshot(page, "course-restart")
    page.get_by_role("button", name="Restart treatment").click()
    expect(page.get_by_test_id("course-state")).to_contain_text("Not started")
