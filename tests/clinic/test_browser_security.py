"""Security pages in a real browser: no CSP violations, two-factor set-up, the access log."""

import pytest
from playwright.sync_api import expect

from tests.browser import log_in
from tests.clinic.test_accounts import code_for, device_from_secret
from tests.factories import ClinicalFlagFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def csp_violations(page) -> list[str]:
    """Collect the console's Content-Security-Policy complaints from now on."""
    found = []
    page.on(
        "console",
        lambda message: (
            found.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return found


def test_staff_pages_and_the_admin_break_no_csp_rule(page, screenshot, neurologist, patient):
    violations = csp_violations(page)
    ClinicalFlagFactory(patient=patient, recorded_by=neurologist)
    log_in(page, neurologist.username)
    page.goto(f"/patients/{patient.pk}/")
    page.get_by_role("heading", name="Access log").scroll_into_view_if_needed()
    screenshot(page, "chart-access-log")
    page.get_by_role("link", name="Open the access log with changed values").click()
    assert page.get_by_role("heading", name="Access log").is_visible()
    screenshot(page, "patient-access-log")
    UserFactory(username="admin", is_staff=True, is_superuser=True)
    page.get_by_role("button", name="Log out").click()
    log_in(page, "admin")
    page.goto("/admin/clinic/auditevent/")
    page.get_by_label("username").fill("neuro")
    page.get_by_label("username").press("Enter")
    expect(page.locator("#result_list tbody tr").nth(1)).to_be_visible()  # two events or more
    screenshot(page, "admin-audit-trail")
    assert violations == []


def test_a_patient_turns_on_two_factor_on_a_phone(phone_page, screenshot, patient):
    page = phone_page
    violations = csp_violations(page)
    log_in(page, patient.user.username)
    page.goto("/accounts/")
    page.get_by_role("link", name="Set up two-factor").click()
    assert page.get_by_test_id("qr-code").locator("svg").is_visible()
    screenshot(page, "two-factor-setup-phone")
    device = device_from_secret(page.get_by_test_id("totp-secret").inner_text())
    page.get_by_label("6-digit code").fill(code_for(device))
    page.get_by_role("button", name="Turn on two-factor").click()
    assert "Two-factor authentication is on" in page.locator(".alert-success").inner_text()
    assert violations == []


def test_a_forgotten_password_and_a_lockout_read_clearly_on_a_phone(
    phone_page, screenshot, patient, settings
):
    page = phone_page
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Forgotten your password?").click()
    page.get_by_label("Email").fill("someone@example.org")
    page.get_by_role("button", name="Send the link").click()
    assert "If an account uses that address" in page.get_by_test_id("reset-sent").inner_text()
    screenshot(page, "password-reset-sent-phone")

    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(page, patient.user.username, "not the password")
    assert "Too many failed logins" in page.get_by_role("heading", level=1).inner_text()
    assert "ask the clinic administrator" in page.get_by_test_id("locked-out").inner_text()
    screenshot(page, "locked-out-phone")
