"""At phone width (390 px) a patient removes a day entered by mistake; every page passes
axe-core with no serious or critical violation. Screenshots: var/screenshots/diary-*.png."""

from datetime import timedelta

import pytest
from django.utils import timezone

from diaries.models import DiaryDose
from patients.models import Diagnosis, Patient
from tests.browser import OVERFLOW, log_in, serious_violations
from tests.factories import DiaryDayFactory, PatientMedicineFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def checked(page, axe_source, screenshot, name: str) -> None:
    screenshot(page, f"diary-{name}")
    assert serious_violations(page, axe_source) == []
    assert page.evaluate(OVERFLOW) <= 0, f"{name} scrolls sideways at 390 px"


def test_patient_removes_a_day_entered_by_mistake(phone_page, screenshot, axe_source, patient):
    page = phone_page
    day = timezone.localdate() - timedelta(days=1)
    DiaryDayFactory(patient=patient, day=day, headache=True, severity="severe", note="wrong day")
    log_in(page, patient.user.username)
    page.get_by_role("link", name="Calendar").click()
    page.get_by_role("link", name=f"{day:%a} {day.day} {day:%b}: Severe headache").first.click()
    checked(page, axe_source, screenshot, "day-with-remove")

    page.get_by_role("link", name="Remove this day…").click()
    checked(page, axe_source, screenshot, "confirm-remove")
    page.get_by_role("button", name="Yes, remove this day").click()
    assert "Removed" in page.locator(".alert-success").inner_text()
    assert not patient.diary_days.exists()
    if day.month != timezone.localdate().month:
        page.get_by_role("link", name="Next month").click()
    checked(page, axe_source, screenshot, "calendar-after-remove")
    page.get_by_role("link", name=f"{day:%a} {day.day} {day:%b}: Not logged").first.click()
    assert "Removed the day" in page.get_by_test_id("day-history").inner_text()


def test_a_cluster_patient_times_an_attack_with_two_taps(
    phone_page, screenshot, axe_source, patient
):
    Patient.objects.filter(pk=patient.pk).update(primary_diagnosis=Diagnosis.CLUSTER)
    page = phone_page
    log_in(page, patient.user.username)
    checked(page, axe_source, screenshot, "home-attack-timer")
    # It began 40 minutes ago: the patient says so, then starts the timer.
    page.get_by_text("It started earlier").click()
    began = timezone.localtime() - timedelta(minutes=40)
    page.get_by_label("When it started").fill(f"{began:%Y-%m-%dT%H:%M}")
    page.get_by_role("button", name="Start from this time").click()
    assert f"since {began:%H:%M}" in page.locator(".alert-success").inner_text()
    page.get_by_role("button", name="Headache started").wait_for(state="detached")
    checked(page, axe_source, screenshot, "home-attack-running")

    page.get_by_role("button", name="Severe").click()  # one tap: it ended, the worst pain
    assert "saved in your diary" in page.locator(".alert-success").inner_text()
    assert "Today's attacks: 1" in page.get_by_test_id("attack-timer").inner_text() or (
        began.date() != timezone.localdate()
    )
    checked(page, axe_source, screenshot, "home-attack-ended")
    entry = patient.diary_days.get(day=began.date())
    assert (entry.headache, entry.severity, entry.attacks) == (True, "severe", 1)


TARGETS = """() => [...document.querySelectorAll(
    ".tap-targets label.form-check-label, .tap-targets .btn, .tap-targets .form-control"
)].filter((e) => e.offsetParent !== null).map((e) => {
    const box = e.getBoundingClientRect();
    return [e.textContent.trim() || e.name || e.id, Math.round(box.width), Math.round(box.height)];
})"""


def test_the_day_form_has_big_targets_and_dose_steppers(
    phone_page, screenshot, axe_source, patient
):
    page = phone_page
    PatientMedicineFactory(patient=patient, name="Sumatriptan", medicine_class="triptan")
    log_in(page, patient.user.username)
    page.get_by_role("link", name="I had a headache").click()
    page.wait_for_url("**/portal/days/new/**")
    page.wait_for_load_state()  # the style sheet applied before the boxes are measured
    small = [target for target in page.evaluate(TARGETS) if min(target[1:]) < 44]
    assert small == []
    page.get_by_role("button", name="One more dose of Sumatriptan").click()
    page.get_by_role("button", name="One more dose of Sumatriptan").click()
    page.get_by_role("button", name="One dose fewer of Sumatriptan").click()
    page.get_by_text("Severe", exact=True).click()
    checked(page, axe_source, screenshot, "day-form-steppers")
    page.get_by_role("button", name="Save").click()
    page.locator(".alert-success").wait_for()  # the save is posted by the offline script
    assert patient.diary_days.get().doses.get().doses == 1


def test_the_calendar_marks_missing_free_and_medicine_days(
    phone_page, screenshot, axe_source, patient
):
    today = timezone.localdate()
    medicine = PatientMedicineFactory(patient=patient, name="Ibuprofen")
    DiaryDayFactory(patient=patient, day=today)
    headache = (
        DiaryDayFactory(patient=patient, day=today.replace(day=1), headache=True, severity="mild")
        if today.day > 1
        else None
    )
    if headache:
        DiaryDose.objects.create(day=headache, medicine=medicine, medicine_class="simple")
    log_in(phone_page, patient.user.username)
    phone_page.get_by_role("link", name="Calendar").click()
    legend = phone_page.locator(".diary-legend").inner_text()
    assert "? Not logged" in legend and "✓ No headache" in legend and "• acute medicine" in legend
    checked(phone_page, axe_source, screenshot, "calendar-marks")
