"""At phone width a patient switches the portal to Spanish and keeps the diary in Spanish:
home, calendar and the day form in Spanish with Spanish dates, a day logged, axe-core clean.
Screenshots go to var/screenshots/es-*.png."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import override
from playwright.sync_api import expect

from diaries.metrics import diary_summary
from tests.browser import OVERFLOW, log_in, serious_violations
from tests.factories import TEST_PASSWORD, InjectionSessionFactory, PatientMedicineFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def check(page, axe_source, screenshot, name: str) -> None:
    """No serious axe-core violation, nothing wider than the phone, a screenshot."""
    screenshot(page, f"es-{name}")
    assert serious_violations(page, axe_source) == []
    assert page.evaluate(OVERFLOW) <= 0, f"{name} scrolls sideways"


def test_a_patient_switches_the_portal_to_spanish(phone_page, screenshot, axe_source, patient):
    page = phone_page
    today = timezone.localdate()
    with override("es"):
        spanish_today = date_format(today, r"l, j \d\e F")
        spanish_month = date_format(today, "YEAR_MONTH_FORMAT")
    PatientMedicineFactory(patient=patient, name="Sumatriptán", medicine_class="triptan")
    InjectionSessionFactory(patient=patient, performed_on=today - timedelta(days=40))
    log_in(page, patient.user.username)
    expect(page.locator("html")).to_have_attribute("lang", "en-gb")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Paula")

    # One tap on "Español" in the footer (by keyboard: the button takes focus and Enter).
    switch = page.get_by_test_id("language-switcher").get_by_role("button", name="Español")
    box = switch.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44
    switch.focus()
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator(".alert-success")).to_contain_text("El portal está ahora en español.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hola, Paula")
    expect(page.locator("#today-heading")).to_have_text(f"Hoy, {spanish_today}")
    expect(page.get_by_role("button", name="Hoy sin dolor de cabeza")).to_be_visible()
    expect(page.get_by_test_id("attack-timer")).to_contain_text("Empezó el dolor de cabeza")
    expect(
        page.get_by_test_id("language-switcher").get_by_role("button", name="Español")
    ).to_have_attribute("aria-pressed", "true")
    check(page, axe_source, screenshot, "portal-home")

    # The calendar: the month and weekday headings in Spanish.
    page.get_by_role("link", name="Abra el calendario").click()
    expect(page.get_by_role("heading", name=spanish_month)).to_be_visible()
    initials = page.locator("table.diary-month thead th [aria-hidden]").all_inner_texts()
    assert initials == ["L", "M", "X", "J", "V", "S", "D"]
    expect(page.get_by_role("columnheader", name="miércoles")).to_be_attached()
    expect(page.get_by_text("Marcar varios días sin dolor de cabeza")).to_be_visible()
    check(page, axe_source, screenshot, "calendar")

    # Log today from the home page in Spanish: a migraine day (moderate, throbbing, light
    # bothered, a triptan) in 6 taps from the home page (issue 16: at most 6).
    page.get_by_role("link", name="Inicio", exact=True).click()
    taps = [
        page.get_by_role("link", name="Tuve dolor de cabeza"),
        page.get_by_text("Moderado", exact=True),
        page.get_by_label("Palpitante o pulsátil"),
        page.get_by_label("Me molestaba la luz"),
        page.get_by_role("button", name="Una dosis más de Sumatriptán"),
    ]
    for tap in taps:
        tap.click()
    expect(page.get_by_role("group", name="¿Tuvo dolor de cabeza?")).to_be_visible()
    check(page, axe_source, screenshot, "day-form")
    page.get_by_role("button", name="Guardar").click()
    assert len(taps) + 1 <= 6
    expect(page.locator(".alert-success")).to_have_text(f"Guardado: {spanish_today}.")
    entry = patient.diary_days.get()
    assert (entry.day, entry.severity, entry.doses.get().doses) == (today, "moderate", 1)
    assert diary_summary(patient, today, today).counts.migraine_days == 1

    page.get_by_role("link", name="Inicio", exact=True).click()
    expect(page.get_by_text("Registrado:")).to_contain_text("dolor de cabeza moderado")
    check(page, axe_source, screenshot, "portal-home-logged")

    # My progress, and the choice is kept: logging in again, the portal is still Spanish.
    page.get_by_role("button", name="Menú").click()
    page.get_by_role("link", name="Mi evolución").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mi evolución")
    # The chart's numbers are SVG coordinates, with a decimal point in Spanish too.
    bars = page.locator("[data-testid=progress-chart] rect[x]")
    assert all(float(x) >= 0 for x in bars.evaluate_all("rs => rs.map(r => r.getAttribute('x'))"))
    check(page, axe_source, screenshot, "progress")
    page.get_by_role("button", name="Menú").click()
    page.get_by_role("button", name="Cerrar sesión").click()
    log_in_in_spanish(page, patient.user.username)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hola, Paula")
    patient.refresh_from_db()
    assert patient.language == "es"


def log_in_in_spanish(page, username: str) -> None:
    """Logged out, the login page follows the language cookie the switcher set."""
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Iniciar sesión")
    check_password = page.get_by_label("Contraseña")
    page.get_by_label("Nombre de usuario").fill(username)
    check_password.fill(TEST_PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
