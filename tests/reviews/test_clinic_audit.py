"""The clinic audit: its figures against hand counts on a small clinic built with factories, the
period form's errors, the empty state, the CSV, and a fixed query count at two sizes."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from reviews.clinic_audit import clinic_audit
from tests.factories import (
    AdverseEventFactory,
    InjectionSessionFactory,
    PatientFactory,
    ReviewFactory,
)
from tests.reviews.progress_helpers import log, treat

pytestmark = [pytest.mark.django_db, pytest.mark.today(date(2026, 11, 23))]

START, END = date(2026, 1, 1), date(2026, 6, 30)
URL = reverse("progress:clinic_audit")


def course(patient, first: date, sessions: int, baseline_days: int, cycle_2_days: int | None):
    """`sessions` sessions 84 days apart from `first`, the baseline fully logged with
    `baseline_days` headache days, and cycle 2 fully logged with `cycle_2_days` (if given)."""
    days = [first + timedelta(days=84 * n) for n in range(sessions)]
    treat(patient, *days)
    log(patient, first - timedelta(days=28), 28, baseline_days)
    if cycle_2_days is not None:
        log(patient, days[1], 84, cycle_2_days)
    return [patient.sessions.get(performed_on=day) for day in days]


@pytest.fixture
def clinic():
    """Four patients treated in the first half of 2026 (6 sessions), one treated before it.

    - Anna: sessions 3 Nov 25, 26 Jan, 20 Apr, 13 Jul; baseline 20 days, cycle 2 (26 Jan–19 Apr)
      28 of 84 days (9.3 per 28: 53% fewer, a 50% responder); reviewed 4 May, 14 days after
      falling due on 20 Apr (on time): continue. Ptosis after 26 Jan.
    - Ben: sessions 1 Dec 25, 23 Feb, 18 May; baseline 20, cycle 2 (23 Feb–17 May) 70 of 84
      (23.3: 16.7% more, below 30%); reviewed 29 Jun, 42 days after 18 May (late): stop, the
      rules having suggested inadequate response. Neck pain after 18 May.
    - Cleo (episodic migraine: not assessed): sessions 15 Dec 25, 9 Mar; cycle 2 ends 31 May;
      reviewed 20 Mar, before it fell due (1 Jun): stop.
    - Dan: one session, 2 Feb: neck pain and a serious difficulty swallowing.
    - Eve: one session, 1 Jun 2025, before the period.
    """
    anna = course(PatientFactory(given_name="Anna"), date(2025, 11, 3), 4, 20, 28)
    ReviewFactory(
        patient=anna[0].patient,
        reviewed_on=date(2026, 5, 4),
        decision="continue",
        suggested_verdict="responder-50",
    )
    AdverseEventFactory(session=anna[1], kind="ptosis")
    ben = course(PatientFactory(given_name="Ben"), date(2025, 12, 1), 3, 20, 70)
    ReviewFactory(
        patient=ben[0].patient,
        reviewed_on=date(2026, 6, 29),
        decision="stop",
        suggested_verdict="inadequate-response",
    )
    AdverseEventFactory(session=ben[2], kind="neck_pain")
    cleo = PatientFactory(given_name="Cleo", primary_diagnosis="episodic_migraine")
    treat(cleo, date(2025, 12, 15), date(2026, 3, 9))
    ReviewFactory(
        patient=cleo,
        reviewed_on=date(2026, 3, 20),
        decision="stop",
        suggested_verdict="not-assessed",
    )
    dan = InjectionSessionFactory(
        patient=PatientFactory(given_name="Dan"), performed_on=date(2026, 2, 2)
    )
    AdverseEventFactory(session=dan, kind="neck_pain")
    AdverseEventFactory(session=dan, kind="dysphagia", serious=True, severity="severe")
    InjectionSessionFactory(patient=PatientFactory(given_name="Eve"), performed_on=date(2025, 6, 1))


def test_the_figures_match_the_hand_counts(clinic):
    audit = clinic_audit(START, END)
    assert (audit.patients_treated, audit.sessions) == (4, 6)
    t = audit.timeliness
    assert (t.recorded, t.on_time, t.late, t.early) == (3, 1, 1, 1)
    assert (t.on_time_percent, t.longest_late) == (Decimal("50.0"), 42)
    assert audit.decisions == [("Continue treatment", 1), ("Stop treatment", 2)]
    assert sorted(audit.stops) == [
        ("Inadequate response", 1),
        ("Not assessed (not chronic migraine)", 1),
    ]
    cycle_2, cycle_3 = audit.responses
    assert (cycle_2.ended, cycle_2.responder_50, cycle_2.responding, cycle_2.inadequate) == (
        3,
        1,
        0,
        1,
    )
    assert (cycle_2.not_assessed, cycle_2.insufficient, cycle_2.responder_percent) == (1, 0, 50)
    assert cycle_3.ended == 0 and cycle_3.responder_percent is None  # Anna's ends 12 Jul
    (units,) = audit.units
    assert (units.year, units.product, units.sessions) == (2026, "Botox (onabotulinumtoxinA)", 6)
    assert (units.given, units.discarded) == (930, 270)  # 155 and 45 a session
    assert (audit.sessions_with_side_effects, audit.side_effect_percent) == (3, Decimal("50.0"))
    assert (audit.sessions_with_serious, audit.serious_percent) == (1, Decimal("16.7"))
    rows = [
        (row.label, row.serious, row.events, row.per_100_sessions) for row in audit.side_effects
    ]
    assert rows == [
        ("Difficulty swallowing (serious)", True, 1, Decimal("16.7")),
        ("Neck pain", False, 2, Decimal("33.3")),
        ("Eyelid ptosis", False, 1, Decimal("16.7")),
    ]


def test_the_page_shows_them_to_a_neurologist(neurologist_client, clinic):
    html = neurologist_client.get(URL, {"start": START, "end": END}).content.decode()
    assert 'data-testid="patients-treated">4<' in html
    assert 'data-testid="reviews-on-time">1 <span class="text-body-secondary">(50.0%)' in html
    assert "Difficulty swallowing (serious)" in html
    assert "(the latest 42 days after)" in html


def test_the_csv_has_every_figure(neurologist_client, clinic):
    response = neurologist_client.get(URL, {"start": START, "end": END, "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert "clinic-audit-2026-01-01-2026-06-30.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["section", "measure", "value"]
    values = {(section, measure): value for section, measure, value in rows[1:]}
    assert values["treatment", "patients treated"] == "4"
    assert values["reviews", "on time, % of due"] == "50.0"
    assert values["cycle 2 response", "50% responders"] == "1"
    assert values["units 2026 Botox (onabotulinumtoxinA)", "units discarded"] == "270.0"
    assert values["side effect (serious)", "Difficulty swallowing (serious)"] == "1"


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ({"start": "2026-02-31", "end": "2026-06-30"}, "Enter a valid date."),
        ({"start": "2026-06-30", "end": "2026-01-01"}, "The period ends before it starts."),
        ({"start": "2026-01-01", "end": "2027-01-01"}, "The period cannot end after today."),
        ({"start": "", "end": "2026-01-01"}, "This field is required."),
    ],
)
def test_bad_dates_are_form_errors(neurologist_client, query, error):
    response = neurologist_client.get(URL, query)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert response.context["audit"] is None
    csv_response = neurologist_client.get(URL, {**query, "format": "csv"})
    assert csv_response["Content-Type"].startswith("text/html")  # no file for a bad period


def test_an_empty_period_says_so(neurologist_client, clinic):
    response = neurologist_client.get(URL, {"start": "2020-01-01", "end": "2020-12-31"})
    assert 'data-testid="audit-empty"' in response.content.decode()


def test_the_default_period_is_the_last_12_months(neurologist_client):
    form = neurologist_client.get(URL).context["form"]
    assert form.cleaned_data == {"start": date(2025, 11, 24), "end": date(2026, 11, 23)}


def test_the_neurologist_home_links_to_it(neurologist_client):
    assert URL in neurologist_client.get(reverse("neurologist_home")).content.decode()


def more_clinic(copies: int):
    """`copies` more patients like Anna and Ben, with reviews and side effects."""
    for n in range(copies):
        sessions = course(PatientFactory(), date(2025, 11, 3) + timedelta(days=n), 3, 20, 40)
        ReviewFactory(patient=sessions[0].patient, reviewed_on=date(2026, 5, 10), decision="stop")
        AdverseEventFactory(session=sessions[1])


@pytest.mark.parametrize("copies", [1, 12])
def test_a_fixed_number_of_queries_at_two_sizes(
    neurologist_client, django_assert_max_num_queries, clinic, copies
):
    more_clinic(copies)
    with django_assert_max_num_queries(14):  # the same at both sizes (one batch of patients)
        response = neurologist_client.get(URL, {"start": START, "end": END})
    assert response.context["audit"].patients_treated == 4 + copies


def test_the_figures_do_not_depend_on_the_batch_size(clinic, monkeypatch):
    """Timeliness and responses are computed a batch of patients at a time (constant memory)."""
    more_clinic(5)
    whole = clinic_audit(START, END)
    monkeypatch.setattr("clinic.batches.BATCH", 2)
    batched = clinic_audit(START, END)
    assert batched == whole
