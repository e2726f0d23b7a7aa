"""SVG geometry: the bars and reduction lines, the rolling trend and the severity heat map."""

from datetime import date, timedelta

import pytest

from diaries.models import DiaryDay
from reviews.charts import (
    DATE_LABEL_WIDTH,
    MAX_DAILY_POINTS,
    TURNED_LABEL_SPACING,
    headache_chart,
    rolling_trend,
    severity_heatmap,
)
from reviews.progress import patient_progress
from tests.factories import DiaryDayFactory, PatientFactory
from tests.reviews.progress_helpers import BASELINE_START, S2, S3, log, responding_course, treat

pytestmark = pytest.mark.django_db


def per_day(chart):
    return (chart.axis_y - 22) / 28


def test_bars_are_as_tall_as_their_rate_and_lines_sit_at_30_and_50_percent_fewer():
    patient = PatientFactory()
    responding_course(patient)  # baseline 24, cycle 1 at 20, cycle 2 at 12
    figure = headache_chart(patient_progress(patient, S3 + timedelta(days=10)))
    for chart in figure.layouts:
        headache = [bar for bar in chart.bars if bar.measure == "headache"]
        assert [round(bar.height / per_day(chart), 1) for bar in headache] == [24, 20, 12, 0]
        assert [bar.kind for bar in headache] == ["adequate"] * 3 + ["in-progress"]
        lines = {
            line.kind: round((chart.axis_y - line.y) / per_day(chart), 1) for line in chart.lines
        }
        assert lines == {"baseline": 24, "reduction-30": 16.8, "reduction-50": 12}
    assert figure.wide.slots[2].date_label == f"{S2:%-d %b %y}"
    assert "30% fewer, 16.8" in figure.lines_description


def test_migraine_days_stand_beside_headache_days_in_every_slot():
    patient = PatientFactory()
    treat(patient, BASELINE_START + timedelta(days=28))
    log(patient, BASELINE_START, 28, 14, aura=True)  # 14 headache days, all with aura
    log(patient, BASELINE_START + timedelta(days=28), 10, 3)  # cycle 1: headache, no migraine
    figure = headache_chart(patient_progress(patient, BASELINE_START + timedelta(days=38)))
    baseline, cycle = figure.wide.slots
    assert [bar.measure for bar in baseline.bars] == ["headache", "migraine"]
    assert [bar.value_label for bar in baseline.bars] == ["14.0", "14.0"]
    assert baseline.bars[1].x == baseline.bars[0].x + baseline.bars[0].width
    assert cycle.bars[1].value_label == "0.0"
    assert "Baseline 14.0 and 14.0" in figure.description


def test_an_insufficient_window_is_hatched_and_a_zero_baseline_draws_no_lines():
    patient = PatientFactory()
    treat(patient, BASELINE_START + timedelta(days=28))
    log(patient, BASELINE_START, 20, 0)  # 20 of 28 days, no headache
    figure = headache_chart(patient_progress(patient, BASELINE_START + timedelta(days=40)))
    assert figure.wide.bars[0].kind == "insufficient"
    assert "(insufficient)" in figure.wide.bars[0].title
    assert figure.wide.lines == []


def test_no_chart_before_the_first_session():
    progress = patient_progress(PatientFactory(), date(2026, 5, 1))
    assert headache_chart(progress) is None and rolling_trend(progress) is None


def course_of(cycles: int):
    """A patient with `cycles` sessions 84 days apart (no diary: the labels are the point)."""
    patient = PatientFactory()
    sessions = [BASELINE_START + timedelta(days=28 + 84 * n) for n in range(cycles)]
    treat(patient, *sessions)
    return patient_progress(patient, sessions[-1] + timedelta(days=10))


def label_positions(chart):
    return [slot.center for slot in chart.slots if slot.date_label]


@pytest.mark.parametrize("cycles", [1, 7, 20])
def test_date_labels_never_collide_in_either_layout(cycles):
    figure = headache_chart(course_of(cycles))
    for chart in figure.layouts:
        positions = label_positions(chart)
        gaps = [b - a for a, b in zip(positions, positions[1:], strict=False)]
        needed = TURNED_LABEL_SPACING if chart.turned_dates else DATE_LABEL_WIDTH
        assert all(gap >= needed for gap in gaps), (chart.layout.name, gaps)
        assert chart.slots[-1].date_label  # the latest cycle always keeps its label
        assert len(chart.slots) == cycles + 1
    narrow = figure.layouts[1]
    assert narrow.turned_dates == (cycles >= 7)


def test_the_trend_follows_the_rolling_28_days_with_sessions_marked():
    patient = PatientFactory()
    responding_course(patient)  # baseline 24 of 28; cycle 1 60 of 84; cycle 2 36 of 84
    trend = rolling_trend(patient_progress(patient, S3 + timedelta(days=10)))
    assert (trend.first, trend.last, trend.step) == (
        S2 - timedelta(days=85),
        S3 + timedelta(days=9),
        1,
    )
    assert [row.day for row in trend.rows[:2]] == [trend.last, trend.last - timedelta(days=28)]
    # The earliest row, 28 days to 14 Jan: 14 baseline headache days from 18 Dec, none from
    # 1 to 4 Jan, 10 in cycle 1 from 5 Jan: 24.
    assert trend.rows[-1].day == date(2026, 1, 14)
    assert (trend.rows[-1].days_logged, trend.rows[-1].values[0]) == (28, 24)
    wide = trend.wide
    assert [mark.label for mark in wide.sessions] == ["S1", "S2", "S3"]
    assert {(p.measure, p.kind) for p in wide.paths} >= {("headache", "adequate")}
    assert "3 sessions" in trend.description


def test_one_day_of_diary_gives_a_single_dot_not_an_error():
    patient = PatientFactory()
    treat(patient, date(2026, 3, 1))
    DiaryDayFactory(patient=patient, day=date(2026, 2, 28), headache=True, severity="mild")
    trend = rolling_trend(patient_progress(patient, date(2026, 3, 1)))
    assert trend.first == trend.last == date(2026, 2, 28)
    (path,) = [p for p in trend.wide.paths if p.measure == "headache"]
    assert path.kind == "thin" and path.d.endswith("l0 0")  # a dot, dotted: 1 day of 28
    assert headache_chart(patient_progress(patient, date(2026, 3, 1))) is not None


def test_twelve_years_of_diary_are_drawn_weekly_within_bounds():
    patient = PatientFactory()
    first = date(2014, 1, 6)
    treat(patient, *(first + timedelta(days=84 * n) for n in range(52)))
    DiaryDay.objects.bulk_create(
        DiaryDay(
            patient=patient,
            day=first - timedelta(days=28) + timedelta(days=n),
            headache=n % 3 == 0,
            severity="moderate" if n % 3 == 0 else "none",
        )
        for n in range(12 * 365)
    )
    as_of = first + timedelta(days=12 * 365 - 28)
    progress = patient_progress(patient, as_of)
    trend = rolling_trend(progress)
    assert trend.step == 7
    for chart in trend.layouts:
        points = sum(path.d.count("L") + path.d.count("M") for path in chart.paths)
        assert points <= 3 * (MAX_DAILY_POINTS + 2)
        labels = [tick.label for tick in chart.x_ticks]
        assert labels[0] >= "2014" and len(labels) <= 12 and labels == sorted(labels)
        shown = [mark.x for mark in chart.sessions if mark.label]
        assert all(b - a >= 26 for a, b in zip(shown, shown[1:], strict=False))
    figure = headache_chart(progress)
    assert all(len(chart.slots) == len(progress.windows) for chart in figure.layouts)


def test_the_heat_map_has_a_square_per_day_coloured_by_worst_pain():
    patient = PatientFactory()
    as_of = date(2026, 11, 18)  # a Wednesday
    DiaryDayFactory(patient=patient, day=as_of, headache=True, severity="severe")
    DiaryDayFactory(patient=patient, day=as_of - timedelta(days=1))
    heatmap = severity_heatmap(patient.pk, as_of, [as_of - timedelta(days=1)])
    assert len(heatmap.cells) == 52 * 7 + 3  # 52 weeks from a Monday, then Mon–Wed
    assert [cell.kind for cell in heatmap.cells[-3:]] == ["unknown", "none", "severe"]
    assert heatmap.cells[-1].title == "18 Nov 2026: severe"
    assert [m.label for m in heatmap.months][:2] == ["Dec", "Jan"]  # 17 Nov: too late to label
    assert heatmap.cells[-2].session and "injection session" in heatmap.cells[-2].title
    assert "heat-none heat-session" in heatmap.cells_svg()


def test_the_last_month_label_fits_inside_the_heat_map():
    heatmap = severity_heatmap(PatientFactory().pk, date(2026, 12, 2))  # December: 2 days
    last = heatmap.months[-1]
    assert last.label == "Dec" and last.at + 24 <= heatmap.width


def test_a_short_course_labels_its_first_and_last_days():
    patient = PatientFactory()
    treat(patient, date(2026, 11, 10))
    trend = rolling_trend(patient_progress(patient, date(2026, 11, 20)))
    assert [tick.label for tick in trend.wide.x_ticks] == ["9 Nov", "19 Nov"]
