"""A neurologist merges a duplicate record from the chart, in the browser: find it, read the
preview (axe-core clean, reflows at 200%), confirm with a reason, land on the kept record."""

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from patients.models import Patient
from tests.browser import log_in
from tests.clinic.test_browser_accessibility import check
from tests.factories import (
    AppointmentFactory,
    DiaryDayFactory,
    InjectionSessionFactory,
    PatientFactory,
    PortalPatientFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_neurologist_previews_and_merges_a_duplicate(page, neurologist, axe_source, screenshot):
    kept = PortalPatientFactory(given_name="Maria", family_name="O'Brien", phone="07700 900123")
    duplicate = PortalPatientFactory(
        given_name="Mary", family_name="OBrien", email="mary.obrien@example.org"
    )
    InjectionSessionFactory(patient=kept, injector=neurologist)
    InjectionSessionFactory(
        patient=duplicate, injector=neurologist, performed_on=date.today() - timedelta(days=91)
    )
    DiaryDayFactory(patient=duplicate)
    AppointmentFactory(patient=duplicate, clinician=neurologist)

    log_in(page, neurologist.username)
    page.goto(f"/patients/{kept.pk}/")
    page.get_by_role("link", name="Merge a duplicate record into this one").click()
    expect(page.get_by_test_id("likely-duplicates")).to_contain_text(duplicate.mrn)
    check(page, axe_source, screenshot, "merge-pick")

    page.get_by_role("link", name=f"Preview merging {duplicate.mrn} into this record").click()
    expect(page.get_by_test_id("merge-side-by-side")).to_contain_text("differs")
    expect(page.get_by_test_id("merge-counts")).to_contain_text("Injection sessions")
    expect(page.get_by_test_id("merge-outcomes")).to_contain_text("renumbered")
    expect(page.get_by_test_id("merge-outcomes")).to_contain_text("detached and switched off")
    check(page, axe_source, screenshot, "merge-preview")

    page.get_by_role("button", name=f"Merge {duplicate.mrn} into {kept.mrn}").click()
    expect(page.get_by_text("Why these records are one person")).to_be_visible()
    expect(page.locator(".invalid-feedback, .alert-danger").first).to_be_visible()  # no reason
    page.get_by_label("Why these records are one person").fill("Registered twice in 2025.")
    page.get_by_role("button", name=f"Merge {duplicate.mrn} into {kept.mrn}").click()
    expect(page.get_by_text("was merged into this record")).to_be_visible()
    assert page.url.endswith(f"/patients/{kept.pk}/")
    screenshot(page, "merge-done-kept-chart")

    page.goto(f"/patients/{duplicate.pk}/")
    expect(page.get_by_test_id("merged-into")).to_contain_text(kept.mrn)
    check(page, axe_source, screenshot, "merge-merged-chart")
    assert Patient.objects.get(pk=duplicate.pk).status == Patient.Status.MERGED
    assert kept.sessions.count() == 2


def test_a_preview_with_a_clash_lists_what_to_correct(page, neurologist, axe_source, screenshot):
    kept = PatientFactory()
    duplicate = PatientFactory(date_of_birth=kept.date_of_birth + timedelta(days=1))
    log_in(page, neurologist.username)
    page.goto(f"/patients/{kept.pk}/merge/?other={duplicate.pk}")
    expect(page.get_by_test_id("merge-conflicts")).to_contain_text("dates of birth differ")
    expect(page.get_by_role("button", name=f"Merge {duplicate.mrn} into {kept.mrn}")).to_have_count(
        0
    )
    check(page, axe_source, screenshot, "merge-preview-conflict")
