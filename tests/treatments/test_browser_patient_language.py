"""In Debian's chromium: the after-care sheet a clinician prints for a Spanish patient, and the
diary report the patient prints on a phone (390 px), are in Spanish, pass axe-core, and fit."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser import AXE, OVERFLOW, log_in, serious_violations
from tests.factories import DiaryDayFactory, InjectionSessionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SPANISH_DATE = re.compile(r"\d{1,2} de [a-z]+ de 20\d\d")


@pytest.fixture
def spanish(patient):
    patient.language = "es"
    patient.save()
    return patient


def test_a_clinician_prints_the_after_care_sheet_in_the_patients_spanish(
    page, screenshot, spanish, front_desk
):
    session = InjectionSessionFactory(patient=spanish)
    log_in(page, front_desk.username)
    page.goto(f"/patients/{spanish.pk}/sessions/{session.pk}/aftercare/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Después de su tratamiento con bótox")
    sheet = page.locator('article[lang="es"]').inner_text()
    assert "Su próximo tratamiento corresponde el" in sheet and SPANISH_DATE.search(sheet)
    assert "Pida ayuda urgente (llame al 999) si tiene" in sheet
    assert serious_violations(page, Path(AXE).read_text()) == []
    page.emulate_media(media="print")
    screenshot(page, "aftercare-es-print")
    expect(page.get_by_role("link", name="Back to the chart")).to_be_hidden()  # not printed


def test_a_spanish_patient_prints_the_diary_report_on_a_phone(phone_page, screenshot, spanish):
    page = phone_page
    today = timezone.localdate()
    headache = {"headache": True, "severity": "moderate", "hours": 3}
    for n in range(10):
        DiaryDayFactory(patient=spanish, day=today - timedelta(days=n), **headache if n % 3 else {})
    log_in(page, spanish.user.username)
    page.goto("/portal/report/")
    heading = page.get_by_role("heading", name=f"Diario de cefaleas: {spanish.full_name}")
    expect(heading).to_be_visible()
    expect(page.get_by_role("heading", name="Resumen")).to_be_visible()
    expect(page.get_by_test_id("report-rates")).to_contain_text("Por cada 28 días registrados")
    assert SPANISH_DATE.search(page.locator("main").inner_text())
    assert serious_violations(page, Path(AXE).read_text()) == []
    assert page.evaluate(OVERFLOW) <= 0
    screenshot(page, "portal-report-es")
    page.emulate_media(media="print")
    screenshot(page, "portal-report-es-print")
