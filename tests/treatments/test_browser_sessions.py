"""A neurologist records, signs and amends a full PREEMPT session in a real browser."""

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser import log_in
from treatments.models import InjectionSession
from treatments.protocols import preempt_protocol

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_neurologist_records_signs_and_amends_a_preempt_session(
    page, screenshot, neurologist, patient
):
    preempt_protocol()  # transactional tests flush the migration's data
    log_in(page, neurologist.username)
    page.goto(f"/patients/{patient.pk}/")
    page.get_by_role("link", name="Record a session").click()
    expect(page.locator("[data-total-units]")).to_have_text("155")
    expect(page.locator("[data-discarded]")).to_have_text("45")

    page.get_by_label("Units at TEM-L1").fill("7.5")
    page.get_by_label("Skip PRO").check()
    page.get_by_label("Follow-the-pain site 1 muscle").select_option("trapezius")
    page.get_by_label("Follow-the-pain site 1 units").fill("5")
    expect(page.locator("[data-total-units]")).to_have_text("157.5")  # live, before saving
    page.get_by_label("Lot number").fill("C4321C3")
    page.get_by_label("Lot expiry date").fill((date.today() + timedelta(days=200)).isoformat())
    screenshot(page, "session-form")
    page.get_by_role("button", name="Save session").click()

    expect(page.locator(".alert-success")).to_contain_text("Cycle 1")
    expect(page.get_by_test_id("units-given")).to_have_text("157.5 U at 31 sites")
    map_ = page.get_by_test_id("site-map")
    expect(map_.locator("circle.mark-given")).to_have_count(30)
    expect(map_.locator("circle.mark-skipped")).to_have_count(1)
    expect(map_.locator("circle.mark-extra")).to_have_count(1)
    screenshot(page, "session-site-map")

    page.get_by_role("button", name="Sign session").click()
    expect(page.locator(".alert-success")).to_contain_text("signed")
    page.get_by_role("link", name="Amend").click()
    page.get_by_label("Lot number").fill("C4321C4")
    page.get_by_label("Why is the signed record being amended?").fill("Lot misread from the vial.")
    page.get_by_role("button", name="Save amendment").click()

    expect(page.locator(".alert-success")).to_contain_text("the original is kept")
    amendments = page.get_by_role("heading", name="Amendments").locator("..")
    expect(amendments).to_contain_text("Lot misread from the vial.")
    expect(amendments).to_contain_text("C4321C3")
    session = InjectionSession.objects.get()
    assert session.is_signed and session.lot_number == "C4321C4"
    screenshot(page, "session-amended")

    page.emulate_media(media="print")  # the printout keeps the map and drops the buttons
    expect(page.get_by_test_id("site-map")).to_be_visible()
    expect(page.get_by_role("link", name="Amend")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    expect(page.locator(".alert-success")).to_be_hidden()
    screenshot(page, "session-printout")


def test_the_site_map_fits_a_phone(phone_page, screenshot, neurologist, patient):
    from tests.factories import InjectionSessionFactory
    from tests.treatments.test_sitemap import add_preempt_sites

    session = InjectionSessionFactory(patient=patient, injector=neurologist)
    add_preempt_sites(session, extras=2)
    log_in(phone_page, neurologist.username)
    phone_page.goto(f"/patients/{patient.pk}/sessions/{session.pk}/")
    map_box = phone_page.get_by_test_id("site-map").bounding_box()
    assert map_box["width"] <= 390
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone_page, "session-site-map-phone")
