"""The waitlist in a real browser: the desk puts a patient on it from their appointment, a
cancellation frees a slot that fits, the desk offers it by email, and the patient accepts it on
a phone (390 px) from the link. Every page passes axe-core; screenshots in var/screenshots/."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from scheduling.models import Appointment
from tests.browser import AXE, OVERFLOW, log_in, serious_violations
from tests.factories import AppointmentFactory, InjectionSessionFactory, PatientFactory
from tests.scheduling.calendar_setup import at, tuesday_after, tuesday_clinic

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LINK = re.compile(r"http://[^/\s]+(/schedule/offers/[^/\s]+/)")


def clean(page) -> None:
    """No serious axe-core violation; no sideways scrolling, also at 200% zoom."""
    assert serious_violations(page, AXE.read_text()) == []
    viewport = page.viewport_size
    for width in (viewport["width"], viewport["width"] // 2):
        page.set_viewport_size({"width": width, "height": viewport["height"]})
        assert page.evaluate(OVERFLOW) <= 0, f"the page scrolls sideways at {width} px"
    page.set_viewport_size(viewport)


def test_waitlist_offer_and_accept_on_a_phone(
    page, phone_page, screenshot, front_desk, neurologist, patient
):
    tuesday_clinic(neurologist)
    today = timezone.localdate()
    day = tuesday_after(today)
    InjectionSessionFactory(patient=patient, performed_on=today - timedelta(days=100))
    later = AppointmentFactory(
        patient=patient, clinician=neurologist, starts_at=at(tuesday_after(today, 5), 9)
    )
    someone = PatientFactory(given_name="Sid", family_name="Else")
    theirs = AppointmentFactory(patient=someone, clinician=neurologist, starts_at=at(day, 10))
    for hour in (9, 11):  # the rest of that morning is taken
        for minute in (0, 20, 40):
            AppointmentFactory(clinician=neurologist, starts_at=at(day, hour, minute))
    AppointmentFactory(clinician=neurologist, starts_at=at(day, 10, 20))
    AppointmentFactory(clinician=neurologist, starts_at=at(day, 10, 40))
    log_in(page, front_desk.username)

    page.goto(f"/schedule/patients/{patient.pk}/appointments/{later.pk}/")
    page.get_by_role("link", name="Waitlist for an earlier slot").click()
    page.get_by_label("Tuesday").check()
    page.get_by_label("Mornings (before 12:00)").check()
    screenshot(page, "waitlist-join")
    clean(page)
    page.get_by_role("button", name="Add to the waitlist").click()
    assert "is on the waitlist" in page.locator(".alert-success").inner_text()
    assert "Tuesday; mornings" in page.get_by_test_id("on-waitlist").inner_text()

    page.goto(f"/schedule/patients/{someone.pk}/appointments/{theirs.pk}/")
    page.get_by_label("Reason for cancelling").fill("Unwell")
    page.get_by_role("button", name="Cancel appointment").click()
    freed = page.locator(".alert-info")
    assert "1 patient on the waitlist fits the freed slot" in freed.inner_text()
    freed.get_by_role("link", name="offer it").click()

    slot = page.get_by_test_id("slot").filter(has_text=f"{day:%a %-d %b %Y}, 10:00")
    slot.get_by_label(patient.full_name).check()
    screenshot(page, "waitlist-page")
    clean(page)
    slot.get_by_role("button", name="Offer to those ticked (email or text)").click()
    assert "the first to accept gets it" in page.locator(".alert-success").inner_text()
    assert "offered" in page.get_by_test_id("offer-row").inner_text()
    screenshot(page, "waitlist-offered")

    (message,) = mail.outbox
    phone_page.goto(LINK.search(message.body).group(1))
    offer = phone_page.get_by_test_id("offer")
    assert f"Hello {patient.given_name}" in offer.inner_text()
    assert patient.family_name not in offer.inner_text()
    screenshot(phone_page, "waitlist-offer-phone")
    clean(phone_page)
    phone_page.get_by_role("button", name="Accept").click()
    assert "It's yours." in offer.inner_text()
    screenshot(phone_page, "waitlist-accepted-phone")
    clean(phone_page)

    booked = patient.appointments.get(status=Appointment.Status.BOOKED)
    assert booked.starts_at == at(day, 10)
    later.refresh_from_db()
    assert later.status == Appointment.Status.CANCELLED
