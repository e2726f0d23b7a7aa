"""A neurologist goes from the review queue to a patient's progress, records the review and
prints the GP letter; the patient sees their own progress on a phone."""

from datetime import timedelta
from unittest import mock

import pytest
from playwright.sync_api import expect

from reviews.models import IssuedLetter, Review
from reviews.summaries import refresh_summaries
from tests.browser import log_in
from tests.factories import PatientFactory
from tests.reviews.progress_helpers import (
    BASELINE_START,
    S1,
    S2,
    S3,
    log,
    responding_course,
    treat,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TODAY = S3 + timedelta(days=10)


@pytest.fixture(autouse=True)
def today():
    with mock.patch("django.utils.timezone.localdate", return_value=TODAY):
        yield


def test_neurologist_reviews_from_the_queue_and_prints_the_letter(
    page, screenshot, neurologist, patient
):
    responding_course(patient)  # 50% responder
    sparse = PatientFactory(given_name="Sam", family_name="Sparse")
    treat(sparse, S1, S2, S3)
    log(sparse, BASELINE_START, 28, 20)  # no diary after the first session
    refresh_summaries(TODAY)  # the nightly job: the verdict filter reads stored summaries

    log_in(page, neurologist.username)
    queue = page.get_by_test_id("review-queue")
    expect(queue.get_by_test_id("queue-row")).to_have_count(2)
    expect(queue).to_contain_text("50% responder")
    expect(queue).to_contain_text("Insufficient data")
    screenshot(page, "progress-review-queue")

    page.get_by_label("Verdict").select_option("responder-50")
    page.get_by_role("button", name="Show").click()
    expect(queue.get_by_test_id("queue-row")).to_have_count(1)
    queue.get_by_role("link", name=patient.full_name).click()

    expect(page.get_by_role("heading", name="Progress toward review")).to_be_visible()
    expect(page.get_by_test_id("progress-chart-wide").get_by_test_id("slot")).to_have_count(4)
    expect(page.get_by_test_id("verdict")).to_have_text("50% responder")
    screenshot(page, "progress-page")

    page.get_by_role("link", name="Record the review").click()
    page.get_by_label("Review date").fill(TODAY.isoformat())  # the model default is the real today
    page.get_by_label("MIDAS total").fill("14")
    page.get_by_label("HIT-6 total").fill("57")
    page.get_by_label("Decision").select_option("stop")
    page.get_by_role("button", name="Save the review").click()
    expect(page.get_by_text("record why you decide “stop treatment”")).to_be_visible()
    page.get_by_label("Reason").fill("Patient plans a pregnancy.")
    page.get_by_role("button", name="Save the review").click()
    expect(page.get_by_text("Review recorded: Stop treatment.")).to_be_visible()
    assert Review.objects.get().reason == "Patient plans a pregnancy."

    page.get_by_role("link", name="Letter to GP").click()
    page.get_by_label("Kind").select_option("gp")
    page.get_by_role("button", name="Issue the letter").click()
    expect(page.get_by_text("Letter to the GP issued.")).to_be_visible()
    expect(page.get_by_test_id("issued-letter")).to_have_count(1)
    letter = IssuedLetter.objects.get()
    assert "Stop treatment.</strong> Patient plans a pregnancy." in letter.html
    assert "MIDAS: 14 (Grade III: moderate disability)" in letter.html
    screenshot(page, "progress-letters")


def test_the_patient_sees_their_progress_on_a_phone(phone_page, screenshot, patient):
    responding_course(patient)
    log_in(phone_page, patient.user.username)
    phone_page.goto("/portal/progress/")
    expect(phone_page.get_by_test_id("encouragement")).to_contain_text("50.0% fewer")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing wider than the phone
    screenshot(phone_page, "progress-portal-phone")
