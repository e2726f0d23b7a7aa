"""SVG geometry: the bar chart's bars and reduction lines, and the severity heat map."""

from datetime import date, timedelta

import pytest

from reviews.charts import BOTTOM, HEIGHT, TOP, headache_chart, severity_heatmap
from reviews.progress import patient_progress
from tests.factories import DiaryDayFactory, PatientFactory
from tests.reviews.progress_helpers import BASELINE_START, S2, S3, log, responding_course, treat

pytestmark = pytest.mark.django_db

AXIS = HEIGHT - BOTTOM


def test_bars_are_as_tall_as_their_rate_and_lines_sit_at_30_and_50_percent_fewer():
    patient = PatientFactory()
    responding_course(patient)  # baseline 24, cycle 1 at 20, cycle 2 at 12
    chart = headache_chart(patient_progress(patient, S3 + timedelta(days=10)))
    per_day = (AXIS - TOP) / 28
    assert [round(bar.height / per_day, 3) for bar in chart.bars] == [24, 20, 12, 0]
    assert [bar.kind for bar in chart.bars] == ["adequate", "adequate", "adequate", "in-progress"]
    lines = {line.kind: round((AXIS - line.y) / per_day, 3) for line in chart.lines}
    assert lines == {"baseline": 24, "reduction-30": 16.8, "reduction-50": 12}
    assert chart.bars[2].date_label == f"{S2:%-d %b %y}"


def test_an_insufficient_window_is_hatched_and_a_zero_baseline_draws_no_lines():
    patient = PatientFactory()
    treat(patient, BASELINE_START + timedelta(days=28))
    log(patient, BASELINE_START, 20, 0)  # 20 of 28 days, no headache
    chart = headache_chart(patient_progress(patient, BASELINE_START + timedelta(days=40)))
    assert chart.bars[0].kind == "insufficient"
    assert "(insufficient)" in chart.bars[0].title
    assert chart.lines == []


def test_no_chart_before_the_first_session():
    assert headache_chart(patient_progress(PatientFactory(), date(2026, 5, 1))) is None


def test_the_heat_map_has_a_square_per_day_coloured_by_worst_pain():
    patient = PatientFactory()
    as_of = date(2026, 11, 18)  # a Wednesday
    DiaryDayFactory(patient=patient, day=as_of, headache=True, severity="severe")
    DiaryDayFactory(patient=patient, day=as_of - timedelta(days=1))
    heatmap = severity_heatmap(patient.pk, as_of)
    assert len(heatmap.cells) == 52 * 7 + 3  # 52 weeks from a Monday, then Mon–Wed
    assert [cell.kind for cell in heatmap.cells[-3:]] == ["unknown", "none", "severe"]
    assert heatmap.cells[-1].title == "18 Nov 2026: severe"
    assert [m.label for m in heatmap.months][:2] == ["Dec", "Jan"]  # 17 Nov: too late to label
