"""The progress page, the review decision, the GP letter and the patient's progress page."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from diaries.models import DiaryDay
from reviews.models import Review, Verdict
from tests.factories import ReviewFactory
from tests.reviews.progress_helpers import AFTER_S3, BASELINE_START, responding_course

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pinned_after_s3")]

TODAY = AFTER_S3


@pytest.fixture
def responder(patient):
    responding_course(patient)  # baseline 24/28, cycle 2 at 12/28: 50% fewer
    return patient


def page(client, patient):
    return client.get(reverse("progress:page", args=[patient.pk]))


def test_the_page_shows_the_verdict_the_chart_and_every_window(neurologist_client, responder):
    response = page(neurologist_client, responder)
    html = response.content.decode()
    assert response.context["progress"].verdict == Verdict.RESPONDER_50
    assert "50% responder" in html
    assert html.count('data-testid="slot"') == 4 * 2  # baseline and three cycles, two layouts
    assert 'data-testid="level-reduction-30"' in html
    assert html.count('data-testid="window-row"') == 4
    assert "50.0%" in html  # cycle 2's reduction in the table
    row = html.split('data-testid="window-row"')[3].split("</tr>")[0]  # cycle 2
    assert row.count(">0.0<") == 3  # no migraine, acute-medication days or hours: 0.0, not "–"


def test_an_insufficient_window_is_drawn_hatched_and_says_so(neurologist_client, responder):
    DiaryDay.objects.filter(patient=responder, day__lt=BASELINE_START + timedelta(days=6)).delete()
    html = page(neurologist_client, responder).content.decode()
    assert html.count("bar bar-insufficient bar-headache") == 2  # in both layouts
    assert "Insufficient data" in html
    assert "Baseline diary logged on 22 of 28 days (78.6%, 80% needed)" in html


def test_medication_overuse_windows_are_highlighted(neurologist_client, responder):
    from diaries.models import DiaryDose
    from tests.factories import PatientMedicineFactory

    triptan = PatientMedicineFactory(patient=responder, medicine_class="triptan")
    for day in DiaryDay.objects.filter(patient=responder, day__lt=BASELINE_START + timedelta(10)):
        DiaryDose.objects.create(day=day, medicine=triptan, medicine_class="triptan")
    html = page(neurologist_client, responder).content.decode()
    assert "Medication overuse: Triptan on 10 days in 28" in html
    assert html.count('class="table-warning"') == 1


def test_a_patient_without_sessions_gets_a_helpful_empty_page(neurologist_client, patient):
    html = page(neurologist_client, patient).content.decode()
    assert "Awaiting baseline" in html
    assert "No injection session yet" in html
    assert 'data-testid="progress-chart"' not in html


def test_the_chart_section_shows_the_verdict_to_neurologists_only(
    client, neurologist, front_desk, responder
):
    client.force_login(neurologist)
    chart = reverse("patients:chart", args=[responder.pk])
    assert "50% responder" in client.get(chart).content.decode()
    client.force_login(front_desk)
    assert "Progress toward review" not in client.get(chart).content.decode()


def test_the_page_does_a_bounded_number_of_queries(
    neurologist_client, responder, django_assert_max_num_queries
):
    # auth (session, user, groups), patient + flags, sessions, reported baseline, windows,
    # last three windows, overuse per window (4), side effects, reviews, and the audit trail
    with django_assert_max_num_queries(22):
        page(neurologist_client, responder)


def review(client, patient, **data):
    values = {"reviewed_on": TODAY.isoformat(), "midas": "12", "hit6": "58", "reason": ""}
    return client.post(reverse("progress:review_add", args=[patient.pk]), {**values, **data})


def test_a_decision_that_follows_the_verdict_is_saved_with_it(
    neurologist_client, neurologist, responder
):
    response = review(neurologist_client, responder, decision="continue")
    assert response.status_code == 302
    saved = Review.objects.get(patient=responder)
    assert (saved.suggested_verdict, saved.decision, saved.reviewed_by) == (
        Verdict.RESPONDER_50,
        "continue",
        neurologist,
    )


def test_a_decision_against_the_verdict_needs_a_reason(neurologist_client, responder):
    response = review(neurologist_client, responder, decision="stop")
    assert response.status_code == 200
    assert "record why you decide “stop treatment”" in response.content.decode()
    assert not Review.objects.exists()
    review(neurologist_client, responder, decision="stop", reason="Patient prefers to stop.")
    assert Review.objects.get().reason == "Patient prefers to stop."


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("hit6", "30", "A HIT-6 total is from 36 to 78."),
        ("midas", "300", "A MIDAS total is from 0 to 270."),
        ("reviewed_on", (TODAY + timedelta(days=1)).isoformat(), "cannot be dated in the future"),
        ("reviewed_on", "31/02/2026", "Enter a valid date."),
    ],
)
def test_bad_review_input_gets_a_clear_message(
    neurologist_client, responder, field, value, message
):
    response = review(neurologist_client, responder, decision="continue", **{field: value})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Review.objects.exists()


def test_the_letter_page_offers_to_issue_letters(neurologist_client, responder, neurologist):
    saved = ReviewFactory(patient=responder, reviewed_on=TODAY, reviewed_by=neurologist)
    html = neurologist_client.get(reverse("progress:letter", args=[responder.pk, saved.pk]))
    assert "No letter issued yet." in html.content.decode()  # tests/reviews/test_letters.py


def test_scores_show_their_band_and_change_since_the_last_review(neurologist_client, responder):
    ReviewFactory(patient=responder, reviewed_on=TODAY - timedelta(days=90), midas=30, hit6=66)
    ReviewFactory(patient=responder, reviewed_on=TODAY, midas=12, hit6=58)
    html = page(neurologist_client, responder).content.decode()
    assert "Grade III: moderate disability · -18 since last" in html
    assert "Substantial impact · -8 since last" in html


def test_the_patient_sees_an_encouraging_progress_page(patient_client, responder):
    html = patient_client.get(reverse("progress:portal")).content.decode()
    assert "In cycle 2 you had <strong>50.0% fewer</strong> headache days" in html
    assert 'data-testid="progress-chart"' in html


def test_a_patient_before_treatment_is_told_what_to_do(patient_client, patient):
    html = patient_client.get(reverse("progress:portal")).content.decode()
    assert "starts after your first injection session" in html


def test_dates_read_as_people_write_them(neurologist_client, responder):
    assert date(2025, 12, 8) == BASELINE_START
    assert "8 Dec 2025" in page(neurologist_client, responder).content.decode()
