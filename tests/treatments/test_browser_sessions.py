"""A neurologist records, signs and amends a full PREEMPT session in a real browser."""

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser import log_in
from treatments.models import InjectionSession
from treatments.protocols import preempt_protocol

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUESTIONS = [
    "Is the patient pregnant, or could they be?",
    "Is the patient breastfeeding?",
    "Any neuromuscular disease (myasthenia gravis, Lambert-Eaton, ALS)?",
    "Any swallowing or breathing problems?",
    "Any infection at the injection sites?",
]


def answer_the_checklist(page, reason="Discussed with the patient: benefits outweigh the risks."):
    """Consent, "No" to every question asked, and a reason for each warning shown."""
    page.get_by_label("Consent to treatment is on file").check()
    for question in QUESTIONS:
        group = page.get_by_role("group", name=question)
        if group.count():
            group.get_by_label("No").check()
    for field in page.get_by_label("Reason to inject despite this warning").all():
        field.fill(reason)


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
    answer_the_checklist(page)
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


def test_the_checklist_before_an_injection(page, screenshot, neurologist):
    """A woman of 30 whose NICE criteria are not recorded, swallowing trouble after her last
    session: the form shows the event and what was done, warns, and asks only what applies."""
    from datetime import datetime, time

    from django.utils import timezone

    from patients.models import Patient
    from tests.factories import AdverseEventFactory, InjectionSessionFactory, PatientFactory
    from treatments.models import AdverseEvent

    preempt_protocol()
    today = timezone.localdate()
    patient = PatientFactory(
        given_name="Ines", family_name="Check", sex=Patient.Sex.FEMALE,
        date_of_birth=today.replace(year=today.year - 30) - timedelta(days=3),
        consent_date=today - timedelta(days=200),
    )  # fmt: skip
    last = InjectionSessionFactory(patient=patient, performed_on=today - timedelta(days=90))
    AdverseEventFactory(
        session=last,
        kind=AdverseEvent.Kind.DYSPHAGIA,
        serious=True,
        acknowledged_by=neurologist,
        acknowledged_at=timezone.make_aware(datetime.combine(last.performed_on, time(15))),
        acknowledgement_note="Phoned: resolved in 10 days; skip the neck sites next time.",
    )
    log_in(page, neurologist.username)
    page.goto(f"/patients/{patient.pk}/sessions/new/")
    expect(page.get_by_test_id("serious-since-last")).to_contain_text(
        "Phoned: resolved in 10 days; skip the neck sites next time."
    )
    expect(page.get_by_test_id("session-warning")).to_contain_text("NICE TA260 criteria not met")
    expect(page.get_by_role("group", name=QUESTIONS[0])).to_be_visible()
    page.get_by_label("Lot number").fill("C4321C3")
    page.get_by_label("Lot expiry date").fill((today + timedelta(days=200)).isoformat())
    page.get_by_label("Injection time").fill("10:30")
    page.get_by_label("Vial reconstituted at").fill(
        f"{(today - timedelta(days=1)).isoformat()}T10:00"
    )
    page.get_by_role("button", name="Save session").click()

    checklist = page.get_by_test_id("pre-injection-checklist")
    expect(checklist).to_contain_text("Answer this question.")
    expect(checklist).to_contain_text("Confirm that consent to treatment is on file.")
    expect(checklist).to_contain_text("Give the reason to inject despite: NICE TA260")
    expect(page.locator("body")).to_contain_text("reconstituted 24 hours 30 minutes before")
    assert not InjectionSession.objects.filter(patient=patient, number=2).exists()
    screenshot(page, "session-checklist-refused")

    page.get_by_label("Vial reconstituted at").fill(f"{today.isoformat()}T08:45")
    answer_the_checklist(page, reason="Criteria met at the referring clinic; letter awaited.")
    page.get_by_label("I have reviewed the serious side effects above").check()
    page.get_by_role("group", name=QUESTIONS[3]).get_by_label("Yes").check()
    page.get_by_label("What was found, and why it is safe to inject").fill(
        "Mild dysphagia last time, resolved; neck sites left out today."
    )
    screenshot(page, "session-checklist")
    page.get_by_role("button", name="Save session").click()

    summary = page.get_by_test_id("pre-injection-check")
    expect(summary).to_contain_text("Any swallowing or breathing problems?Yes")
    expect(summary).to_contain_text("Injected because: Criteria met at the referring clinic")
    expect(page.get_by_test_id("injected-at")).to_have_text("10:30")
    session = InjectionSession.objects.get(patient=patient, number=2)
    assert session.pre_injection_check.swallowing_breathing == "yes"
    screenshot(page, "session-checklist-kept")
