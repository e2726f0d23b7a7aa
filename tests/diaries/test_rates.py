"""One rule for rates per 28 days and coverage, one display rounding (DOMAIN.md §3–4).

7 headache days in 80 logged is exactly 2.45 per 28: every page, report and export shows 2.5
(half up). A float gives 2.4499999999999997, which showed 2.4 on the diary report.
"""

import csv
import io
import json
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from django.core.management import call_command
from django.urls import reverse

from diaries import metrics
from diaries.metrics import DiaryCounts, coverage, diary_counts, per_28, rounded
from reviews import progress as reviews_progress
from reviews import progress_report, summaries
from reviews.models import ProgressSummary
from reviews.progress import patient_progress
from reviews.summaries import refresh_summaries
from tests.factories import PatientFactory
from tests.reviews.progress_helpers import AFTER_S3, BASELINE_START, S1, S2, S3, log, treat

TODAY = AFTER_S3  # the clock of `pinned_after_s3` (time_machine, tick=False)
CYCLE_2 = (S2, S3 - timedelta(days=1))  # 84 days


# -- the rules, exactly ------------------------------------------------------------------------


def test_a_rate_is_count_over_days_logged_times_28_exactly():
    assert per_28(7, 80) == Fraction(49, 20)  # 2.45, not 2.4499999999999997
    assert per_28(5, 20) == 7
    assert per_28(0, 28) == 0
    assert per_28(3, 0) is None  # nothing logged: no rate


def test_coverage_is_days_logged_over_days_in_the_window_exactly():
    assert coverage(80, 84) == Fraction(20, 21)
    assert coverage(28, 28) == 1
    assert coverage(0, 28) == 0
    assert coverage(0, 0) == 0  # a cycle opened on the as-of day has no days yet


def test_exactly_80_percent_is_adequate():
    """28 of 35 days is exactly 4/5 (a float 0.8 compared with the exact value says no)."""
    start = date(2026, 3, 1)
    counts = DiaryCounts(start, start + timedelta(days=34), days_logged=28)
    assert counts.coverage == Fraction(4, 5)
    assert counts.coverage_percent == 80
    assert counts.adequate
    assert not DiaryCounts(start, start + timedelta(days=34), days_logged=27).adequate


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Fraction(245, 100), "2.5"),  # half up
        (Fraction(49, 20), "2.5"),  # 7 in 80 logged days
        (Fraction(2449999999999999999999999999999999, 10**33), "2.4"),  # 2.449… stays 2.4
        (Fraction(2, 3) * 100, "66.7"),
        (Fraction(-245, 100), "-2.5"),  # a worse cycle: half away from zero
        (Fraction(24), "24.0"),
        (Decimal("1.25"), "1.3"),
        (0, "0.0"),
        (Fraction(-1, 100), "0.0"),  # never "-0.0"
    ],
)
def test_rounded_is_one_decimal_half_up(value, shown):
    assert str(rounded(value)) == shown


def test_none_stays_none():
    assert rounded(None) is None
    assert rounded(per_28(7, 0)) is None


def test_counts_show_their_rates_and_coverage_rounded_once():
    start = date(2026, 3, 1)
    counts = DiaryCounts(start, start + timedelta(days=83), days_logged=80, headache_days=7)
    assert counts.headache_days_per_28 == Fraction(49, 20)
    assert counts.shown() == {
        "coverage": Decimal("95.2"),
        "headache_days_per_28": Decimal("2.5"),
        "migraine_days_per_28": Decimal("0.0"),
        "moderate_severe_days_per_28": Decimal("0.0"),
        "acute_medication_days_per_28": Decimal("0.0"),
    }


def test_reviews_keep_no_copy_of_the_rules():
    for module in (reviews_progress, summaries, progress_report):
        for name in ("per_28", "coverage", "rounded"):
            assert getattr(module, name, getattr(metrics, name)) is getattr(metrics, name)


# -- every page, report and export shows the same numbers --------------------------------------


@pytest.fixture
def seven_in_eighty(db, pinned_after_s3):
    """Cycle 2 (84 days) logged on 80 days, 7 of them with a headache: 2.45 per 28, 95.24%.

    Baseline 24 of 28 fully logged; cycle 1 60 of 84. As of S3 + 10 cycle 2 decides: a 50%
    responder, in the review queue.
    """
    patient = PatientFactory(given_name="Rita", family_name="Rates", mrn="R-0001")
    treat(patient, S1, S2, S3)
    log(patient, BASELINE_START, 28, 24)
    log(patient, S1, 84, 60)
    log(patient, S2, 80, 7)
    return patient


def cycle_2_row(html: str) -> str:
    row = html.split('data-testid="window-row"')[3]  # baseline, cycle 1, cycle 2
    return row[: row.index("</tr>")]


def progress_page(client, patient) -> str:
    return client.get(reverse("progress:page", args=[patient.pk])).content.decode()


def diary_report(client, patient) -> str:
    start, end = CYCLE_2
    url = reverse("diary:report", args=[patient.pk])
    return client.get(url, {"start": start.isoformat(), "end": end.isoformat()}).content.decode()


def queue_row(client, patient) -> str:
    html = client.get(reverse("neurologist_home")).content.decode()
    (row,) = [row for row in html.split('data-testid="queue-row"')[1:] if patient.full_name in row]
    return row[: row.index("</tr>")]


def test_the_progress_page_and_the_diary_report_both_show_2_5(neurologist_client, seven_in_eighty):
    counts = diary_counts(seven_in_eighty, *CYCLE_2)
    assert (counts.days_logged, counts.headache_days) == (80, 7)

    row = cycle_2_row(progress_page(neurologist_client, seven_in_eighty))
    assert '<td class="text-end">2.5</td>' in row
    assert "2.4" not in row

    report = diary_report(neurologist_client, seven_in_eighty)
    assert "Per 28 logged days: 2.5 headache days, 0.0 migraine days" in report
    assert "2.4 headache days" not in report


def test_the_exports_say_2_5(seven_in_eighty):
    out = io.StringIO()
    call_command("progress_report", "--format", "json", "--as-of", TODAY.isoformat(), stdout=out)
    [record] = json.loads(out.getvalue())
    cycle = record["cycles"][1]
    assert (cycle["days_logged"], cycle["headache_days_per_28"], cycle["coverage"]) == (
        80,
        2.5,
        95.2,
    )
    assert out.getvalue().count('"headache_days_per_28": 2.5,') == 1

    out = io.StringIO()
    call_command("progress_report", "--format", "csv", "--as-of", TODAY.isoformat(), stdout=out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert (rows[2]["n"], rows[2]["headache_days_per_28"], rows[2]["coverage"]) == (
        "2",
        "2.5",
        "95.2",
    )


def test_coverage_is_the_same_on_the_progress_page_the_diary_summary_and_the_queue(
    neurologist_client, seven_in_eighty
):
    shown = "95.2%"  # 80 of 84 days: 95.238…%

    row = cycle_2_row(progress_page(neurologist_client, seven_in_eighty))
    assert "80 of 84" in row and f"({shown})" in row

    report = diary_report(neurologist_client, seven_in_eighty)
    assert f"80 of 84 days logged ({shown})" in report

    # The queue before the nightly job (computed for display) and after it (stored).
    assert not ProgressSummary.objects.filter(patient=seven_in_eighty).exists()
    for _ in ("computed", "stored"):
        row = queue_row(neurologist_client, seven_in_eighty)
        assert f">{shown}<" in row
        assert ">2.5<" in row  # the latest complete cycle's rate
        refresh_summaries(TODAY)
    stored = ProgressSummary.objects.get(patient=seven_in_eighty)
    assert (stored.coverage, stored.latest_rate) == (Decimal("95.2"), Decimal("2.5"))

    summary = patient_progress(seven_in_eighty, TODAY).cycles[1].summary()
    assert (summary["coverage"], summary["headache_days_per_28"]) == (
        Decimal("95.2"),
        Decimal("2.5"),
    )
