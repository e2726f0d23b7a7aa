"""The pages the sections compose, as each role sees them: axe-core finds no serious or critical
violation, they reflow at 200% zoom (a 1280 px window at 200% is 640 CSS px wide), and the
main actions work from the keyboard. Screenshots go to var/screenshots/a11y-*.png."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from scheduling.models import Appointment
from tests.browser import OVERFLOW, log_in, serious_violations
from tests.factories import (
    AdverseEventFactory,
    AppointmentFactory,
    InjectionSessionFactory,
    PatientFactory,
    PortalPatientFactory,
    ReviewFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def check(page, axe_source, screenshot, name: str) -> None:
    """No serious violation at full width, and no sideways scrolling at 200% zoom."""
    screenshot(page, f"a11y-{name}")
    assert serious_violations(page, axe_source) == []
    width = page.viewport_size["width"]
    page.set_viewport_size({"width": width // 2, "height": page.viewport_size["height"]})
    assert page.evaluate(OVERFLOW) <= 0, f"{name} scrolls sideways at 200% zoom"
    screenshot(page, f"a11y-{name}-zoom-200")
    page.set_viewport_size({"width": width, "height": page.viewport_size["height"]})


@pytest.fixture
def clinic(neurologist, patient):
    """A queued patient with a serious side effect, a missed appointment, a referral and a
    patient whose side-effect check-in is open: every section of the homes has rows."""
    today = timezone.localdate()
    for days in (170, 86):
        InjectionSessionFactory(patient=patient, performed_on=today - timedelta(days=days))
    AdverseEventFactory(session=patient.sessions.last(), kind="dysphagia", serious=True)
    missed = PatientFactory(family_name="Missed", given_name="Mona")
    AppointmentFactory(
        patient=missed,
        clinician=neurologist,
        starts_at=timezone.now() - timedelta(days=3),
        status=Appointment.Status.NO_SHOW,
    )
    PatientFactory(family_name="Referred", given_name="Rita", status="referred")
    checking = PortalPatientFactory(family_name="Checkin", given_name="Cara")
    InjectionSessionFactory(patient=checking, performed_on=today - timedelta(days=20))
    return patient


def test_the_neurologist_home_and_chart(page, screenshot, axe_source, neurologist, clinic):
    log_in(page, neurologist.username)
    expect(page.get_by_test_id("review-queue")).to_contain_text(clinic.full_name)
    expect(page.get_by_test_id("serious-events")).to_be_visible()
    check(page, axe_source, screenshot, "neurologist-home")
    page.get_by_test_id("review-queue").get_by_role("link", name=clinic.full_name).focus()
    page.keyboard.press("Enter")  # to the progress page, by keyboard
    expect(page.get_by_role("heading", name="Progress toward review")).to_be_visible()
    page.goto(f"/patients/{clinic.pk}/")
    expect(page.get_by_test_id("next-due")).to_be_visible()
    check(page, axe_source, screenshot, "chart-neurologist")


def test_the_front_desk_home_and_chart(page, screenshot, axe_source, front_desk, clinic):
    log_in(page, front_desk.username)
    expect(page.get_by_test_id("not-rebooked")).to_contain_text("Mona Missed")
    expect(page.get_by_test_id("reviews-due")).to_contain_text(clinic.full_name)
    check(page, axe_source, screenshot, "front-desk-home")
    for _ in range(60):  # Tab through the page to the review booking, then Enter
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.textContent.trim()") == "Book review":
            break
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=clinic.full_name)).to_be_visible()
    assert "kind=review" in page.url
    page.goto(f"/patients/{clinic.pk}/")
    expect(page.get_by_test_id("next-due")).to_be_visible()
    check(page, axe_source, screenshot, "chart-front-desk")


def test_the_portal_home_and_check_in_on_a_phone(phone_page, screenshot, axe_source, clinic):
    page = phone_page
    checking = PortalPatientFactory._meta.model.objects.get(family_name="Checkin")
    log_in(page, checking.user.username)
    expect(
        page.get_by_role("heading", name="How have you been since your injections?")
    ).to_be_visible()
    assert page.evaluate(OVERFLOW) <= 0
    screenshot(page, "a11y-portal-home-phone")
    assert serious_violations(page, axe_source) == []
    page.get_by_role("link", name="Answer the check-in").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.evaluate(OVERFLOW) <= 0
    screenshot(page, "a11y-check-in-phone")
    assert serious_violations(page, axe_source) == []
    page.get_by_role("button", name="Send my answers").click()  # nothing ticked: nothing to report
    expect(page.locator(".alert-success")).to_contain_text("Thank you")


def test_an_appointment_shows_only_the_changes_its_status_allows(
    page, screenshot, axe_source, front_desk, neurologist, clinic
):
    appointment = AppointmentFactory(
        patient=clinic, clinician=neurologist, starts_at=timezone.now() - timedelta(hours=1)
    )
    log_in(page, front_desk.username)
    page.goto(f"/schedule/patients/{clinic.pk}/appointments/{appointment.pk}/")
    for status in appointment.next_statuses:
        if status != Appointment.Status.CANCELLED:
            expect(
                page.get_by_role("button", name=Appointment.Status(status).label)
            ).to_be_visible()
    check(page, axe_source, screenshot, "appointment")


def test_the_progress_charts_and_the_clinic_audit(
    page, screenshot, axe_source, neurologist, clinic
):
    log_in(page, neurologist.username)
    page.goto(f"/patients/{clinic.pk}/progress/")
    expect(page.get_by_test_id("trend-chart-wide")).to_be_visible()
    check(page, axe_source, screenshot, "progress")
    page.goto("/")
    page.get_by_role("link", name="Open the clinic audit").focus()
    page.keyboard.press("Enter")  # to the audit, by keyboard
    expect(page.get_by_test_id("audit-figures")).to_be_visible()
    check(page, axe_source, screenshot, "clinic-audit")
    page.get_by_label("To", exact=True).fill("2000-01-01")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("The period ends before it starts.")).to_be_visible()
    check(page, axe_source, screenshot, "clinic-audit-errors")


def test_the_letters_page_before_and_after_a_letter_is_issued(
    page, screenshot, axe_source, neurologist, clinic
):
    review = ReviewFactory(patient=clinic, reviewed_by=neurologist)
    log_in(page, neurologist.username)
    page.goto(f"/patients/{clinic.pk}/progress/reviews/{review.pk}/letter/")
    check(page, axe_source, screenshot, "letters")
    page.get_by_role("button", name="Issue the letter").click()
    expect(page.get_by_role("heading", name="Issued letters")).to_be_visible()
    check(page, axe_source, screenshot, "letters-issued")
