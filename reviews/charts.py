"""SVG geometry for the progress page: the headache-days bar chart and the severity heat map.

Templates (`treatments/partials/progress_chart.html`, `…/heatmap.html`) draw what these
return; no numbers are computed in templates.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from django.utils.html import escape
from django.utils.safestring import mark_safe

from diaries.metrics import MONTH_DAYS, rounded
from diaries.models import DiaryDay, Severity
from reviews.progress import RESPONDER_50_PERCENT, RESPONSE_PERCENT, Progress

WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 40, 150, 12, 52  # margins around the plot
PLOT_WIDTH, PLOT_HEIGHT = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
Y_TICKS = (0, 7, 14, 21, 28)


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    date_label: str
    value_label: str
    kind: str  # "adequate", "insufficient" (hatched) or "in-progress"
    title: str

    @property
    def center(self) -> float:
        return self.x + self.width / 2


@dataclass(frozen=True)
class Line:
    y: float
    label: str
    kind: str  # "baseline", "reduction-30" or "reduction-50"


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    lines: list[Line]
    ticks: list[Tick]
    description: str
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    plot_right: int = LEFT + PLOT_WIDTH
    axis_y: int = TOP + PLOT_HEIGHT


def _y(rate: Fraction | float) -> float:
    return TOP + PLOT_HEIGHT * (1 - min(float(rate), MONTH_DAYS) / MONTH_DAYS)


def headache_chart(progress: Progress) -> BarChart | None:
    """Bars for the baseline and cycles, with the baseline, 30% and 50% reduction lines."""
    if progress.baseline is None:
        return None
    windows = progress.windows
    slot = PLOT_WIDTH / len(windows)
    bars = []
    for index, window in enumerate(windows):
        rate = window.headache_rate or 0
        kind = (
            "in-progress"
            if not window.complete
            else ("adequate" if window.adequate else "insufficient")
        )
        value = rounded(window.headache_rate)
        coverage = rounded(window.coverage_percent)
        bars.append(
            Bar(
                x=LEFT + slot * index + slot * 0.15,
                y=_y(rate),
                width=slot * 0.7,
                height=TOP + PLOT_HEIGHT - _y(rate),
                label=window.label,
                date_label=f"{window.start:%-d %b %y}",
                value_label="–" if value is None else str(value),
                kind=kind,
                title=(
                    f"{window.label}, {window.start:%-d %b %Y} to {window.end:%-d %b %Y}: "
                    f"{'no days logged' if value is None else f'{value} headache days per 28'}, "
                    f"{coverage}% of days logged"
                    + ("" if window.complete else " (in progress)")
                    + ("" if window.adequate else " (insufficient)")
                ),
            )
        )
    lines = []
    level = progress.baseline.headache_rate
    if level:
        source = "reported baseline" if progress.baseline.source == "reported" else "baseline"
        for kind, fraction, label in (
            ("baseline", 1, f"{source} {rounded(level)}"),
            ("reduction-30", 1 - Fraction(RESPONSE_PERCENT, 100), f"{RESPONSE_PERCENT}% fewer"),
            (
                "reduction-50",
                1 - Fraction(RESPONDER_50_PERCENT, 100),
                f"{RESPONDER_50_PERCENT}% fewer",
            ),
        ):
            lines.append(Line(_y(level * fraction), label, kind))
    described = "; ".join(f"{bar.label} {bar.value_label}" for bar in bars)
    return BarChart(
        bars=bars,
        lines=lines,
        ticks=[Tick(_y(value), str(value)) for value in Y_TICKS],
        description=f"Headache days per 28 days: {described}.",
    )


# -- 12-month calendar heat map of severity ---------------------------------------------------

CELL, GAP, HEAT_TOP, HEAT_LEFT = 11, 2, 16, 28
WEEKDAY_LABELS = [(0, "Mon"), (2, "Wed"), (4, "Fri")]


@dataclass(frozen=True)
class HeatCell:
    x: int
    y: int
    kind: str  # "unknown" (not logged), "none", "mild", "moderate" or "severe"
    title: str


@dataclass(frozen=True)
class AxisLabel:
    at: int  # x for months, y for weekdays
    label: str


@dataclass(frozen=True)
class HeatMap:
    cells: list[HeatCell]
    months: list[AxisLabel]
    weekdays: list[AxisLabel]
    width: int
    height: int
    size: int = CELL

    def cells_svg(self) -> str:
        """The day squares as SVG markup: built here, as a template loop over ~370 cells with
        six variables each costs more than the rest of the page. Only the title is text."""
        size = self.size
        return mark_safe(  # noqa: S308 - numbers and our own kind names; titles escaped
            "".join(
                f'<rect class="heat-{cell.kind}" x="{cell.x}" y="{cell.y}" width="{size}" '
                f'height="{size}" rx="2"><title>{escape(cell.title)}</title></rect>'
                for cell in self.cells
            )
        )


def severity_heatmap(patient_id: int, as_of: date) -> HeatMap:
    """One square per day for the 52 weeks ending `as_of`, coloured by the day's worst pain."""
    start = as_of - timedelta(days=7 * 52 + as_of.weekday())  # a Monday
    logged = dict(
        DiaryDay.objects.filter(patient_id=patient_id, day__range=(start, as_of)).values_list(
            "day", "severity"
        )
    )
    cells, months = [], []
    for offset in range((as_of - start).days + 1):
        day = start + timedelta(days=offset)
        week, weekday = divmod(offset, 7)
        x = HEAT_LEFT + week * (CELL + GAP)
        kind = logged.get(day, "unknown")
        label = "not logged" if kind == "unknown" else Severity(kind).label.lower()
        if kind == Severity.NONE:
            label = "no headache"
        cells.append(
            HeatCell(x, HEAT_TOP + weekday * (CELL + GAP), kind, f"{day:%-d %b %Y}: {label}")
        )
        if day.day == 1 or (offset == 0 and day.day <= 14):  # no overlapping labels
            months.append(AxisLabel(x, f"{day:%b}"))
    weeks = (as_of - start).days // 7 + 1
    return HeatMap(
        cells=cells,
        months=months,
        weekdays=[
            AxisLabel(HEAT_TOP + row * (CELL + GAP) + CELL - 2, name)
            for row, name in WEEKDAY_LABELS
        ],
        width=HEAT_LEFT + weeks * (CELL + GAP),
        height=HEAT_TOP + 7 * (CELL + GAP),
    )
