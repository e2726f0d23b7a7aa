"""In the browser: the front desk works the overdue list by phone and logs each call."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser import log_in
from tests.factories import InjectionSessionFactory, PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOW = datetime(2026, 11, 24, 10, 5, tzinfo=ZoneInfo(settings.TIME_ZONE))


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def overdue(given: str, family: str, phone: str):
    patient = PatientFactory(given_name=given, family_name=family, phone=phone)
    InjectionSessionFactory(patient=patient, performed_on=NOW.date() - timedelta(days=100))
    return patient


def test_a_no_answer_moves_the_patient_down_the_list(page, screenshot, front_desk, live_server):
    overdue("Ann", "Abbott", "07700 900001")
    overdue("Bob", "Baker", "07700 900002")
    log_in(page, front_desk.username)
    page.goto(live_server.url + reverse("front_desk_home"))
    rows = page.get_by_test_id("overdue").locator("li")
    expect(rows.first).to_contain_text("Ann Abbott")
    expect(rows.first).to_contain_text("07700 900001")
    expect(page.get_by_test_id("overdue").get_by_test_id("count")).to_have_text("2")

    first = rows.first
    first.get_by_label("Call outcome for Ann Abbott").select_option(label="No answer")
    first.get_by_label("Note").fill("Rang at 10:05")
    first.get_by_role("button", name="Log call").click()

    expect(page.get_by_text("Call to Ann Abbott logged.")).to_be_visible()
    expect(rows.first).to_contain_text("Bob Baker")
    expect(rows.last).to_contain_text("No answer · tried 1×, last 24 Nov 10:05")
    screenshot(page, "worklist-call-log")
