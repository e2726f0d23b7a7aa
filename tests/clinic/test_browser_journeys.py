"""First journeys in a real browser: each role logs in and lands home; front desk adds a patient."""

import pytest

from tests.browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("user_fixture", "heading"),
    [("neurologist", "Good to see you"), ("front_desk", "Worklist"), ("patient", "Hello, Paula")],
)
def test_each_role_logs_in_and_lands_on_its_home(request, page, screenshot, user_fixture, heading):
    user = request.getfixturevalue(user_fixture)
    user = getattr(user, "user", user)
    log_in(page, user.username)
    assert heading in page.get_by_role("heading", level=1).inner_text()
    screenshot(page, f"home-{user_fixture}")


def test_front_desk_adds_a_patient_and_finds_them(page, screenshot, front_desk):
    log_in(page, front_desk.username)
    page.get_by_role("link", name="Add a patient").click()
    page.get_by_label("Given name").fill("Imogen")
    page.get_by_label("Family name").fill("Testwell")
    page.get_by_label("Date of birth").fill("1984-06-30")
    page.get_by_label("Email").fill("imogen@example.org")
    page.get_by_role("button", name="Add patient").click()
    assert "Patient Imogen Testwell added" in page.locator(".alert-success").inner_text()
    screenshot(page, "chart-new-patient-front-desk")

    page.get_by_role("link", name="Patients", exact=True).click()
    page.get_by_label("Name, MRN, phone, email or date of birth").fill("testwell")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Testwell, Imogen").click()
    assert "Imogen Testwell" in page.get_by_role("heading", level=1).inner_text()


def test_bad_input_shows_errors_in_the_browser(page, front_desk):
    log_in(page, front_desk.username)
    page.goto("/patients/new/")
    page.get_by_label("Given name").fill("Future")
    page.get_by_label("Family name").fill("Baby")
    page.get_by_label("Date of birth").fill("2999-01-01")
    page.get_by_role("button", name="Add patient").click()
    assert page.get_by_text("The date of birth cannot be in the future.").is_visible()


def test_patient_cannot_open_staff_pages(page, patient):
    log_in(page, patient.user.username)
    response = page.goto("/patients/")
    assert response.status == 403
    assert "You do not have access" in page.content()
