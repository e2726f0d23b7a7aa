"""SVG geometry for the progress chart: headache days per 28 for the baseline and each cycle.

The template (`treatments/partials/progress_chart.html`) draws what `headache_chart` returns;
no numbers are computed in the template.
"""

from dataclasses import dataclass
from fractions import Fraction

from diaries.metrics import MONTH_DAYS
from treatments.progress import RESPONDER_50_PERCENT, RESPONSE_PERCENT, Progress, rounded

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
        coverage = rounded(Fraction(window.days_logged * 100, window.days_in_window))
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
