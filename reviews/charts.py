"""SVG geometry for the progress page: the cycle bars, the rolling 28-day trend and the
severity heat map.

Templates (`reviews/partials/progress_chart.html`, `…/trend_chart.html`, `…/heatmap.html`)
draw what these return; no numbers are computed in templates. The bar chart and the trend
come in two layouts, drawn for the screen width (`WIDE` from 768 px, `NARROW` below; print
takes the wide one), so that their text stays readable on a phone and at 200% zoom. Labels
that would collide are thinned (the latest one always kept) or turned.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction
from math import ceil

from django.utils.formats import date_format, number_format
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, pgettext

from diaries.metrics import MONTH_DAYS, per_28, rolling_28_day_counts, rounded
from diaries.models import DiaryDay, Severity
from reviews.progress import RESPONDER_50_PERCENT, RESPONSE_PERCENT, Progress, baseline_dates

Y_TICKS = (0, 7, 14, 21, 28)
TOP, LEFT = 22, 34
LEVEL_LABEL_GAP = 13  # px between the labels of the baseline and reduction lines
DATE_LABEL_WIDTH = 56  # "30 Sep 25" at 11 px, with a gap
TURNED_LABEL_SPACING = 19  # labels turned 45°: horizontal distance for 13 px between lines
TURNED_LEFT = 20  # more room at the left for the first turned date
SHORT_LABEL_WIDTH = 20  # "B", "12"
FULL_LABEL_WIDTH = 66  # "Cycle 12"
VALUE_LABEL_WIDTH = 24  # "24.0" above a bar
MAX_BAR_WIDTH = 48


@dataclass(frozen=True)
class Layout:
    name: str  # "wide" or "narrow"
    width: int
    right: int  # room for the labels of the lines at the right


WIDE = Layout("wide", 800, 72)
NARROW = Layout("narrow", 400, 60)
LAYOUTS = (WIDE, NARROW)


@dataclass(frozen=True)
class Tick:
    at: float  # y for the value axis, x for the time axis
    label: str
    anchor: str = "middle"  # the text's anchor on the time axis


def _rate_y(rate, top: float, plot_height: float) -> float:
    return round(top + plot_height * (1 - min(float(rate), MONTH_DAYS) / MONTH_DAYS), 1)


def _y_ticks(top: float, plot_height: float) -> list[Tick]:
    return [Tick(_rate_y(value, top, plot_height), str(value)) for value in Y_TICKS]


def _every(slot: float, needed: float) -> int:
    """Label every n-th slot so that labels `needed` px wide do not touch."""
    return max(1, ceil(needed / slot)) if slot > 0 else 1


# -- the bars: headache and migraine days per 28, baseline and each cycle ---------------------


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    measure: str  # "headache" or "migraine"
    kind: str  # "adequate", "insufficient" (hatched) or "in-progress"
    value_label: str
    title: str

    @property
    def center(self) -> float:
        return round(self.x + self.width / 2, 1)


@dataclass(frozen=True)
class Slot:
    """One window: its two bars and its labels (blank when thinned out)."""

    center: float
    bars: list[Bar]
    label: str
    date_label: str


@dataclass(frozen=True)
class Level:
    y: float
    label_y: float  # moved apart from the other labels when lines are close
    label: str
    kind: str  # "baseline", "reduction-30" or "reduction-50"


@dataclass(frozen=True)
class BarChart:
    layout: Layout
    slots: list[Slot]
    lines: list[Level]
    ticks: list[Tick]
    values_shown: bool
    turned_dates: bool
    height: int
    axis_y: float
    left: int = LEFT

    @property
    def width(self) -> int:
        return self.layout.width

    @property
    def plot_right(self) -> int:
        return self.layout.width - self.layout.right

    @property
    def bars(self) -> list[Bar]:
        return [bar for slot in self.slots for bar in slot.bars]


@dataclass(frozen=True)
class BarFigure:
    """The bar chart in both layouts, with the one description screen readers get."""

    description: str
    lines_description: str
    layouts: list[BarChart]

    @property
    def wide(self) -> BarChart:
        return self.layouts[0]


def _window_kind(window) -> str:
    if not window.complete:
        return "in-progress"
    return "adequate" if window.adequate else "insufficient"


def _level_lines(progress: Progress, y_of) -> tuple[list[Level], str]:
    level = progress.baseline.headache_rate
    if not level:
        return [], gettext("No baseline level to compare with.")
    reported = progress.baseline.source == "reported"
    levels = [
        ("baseline", Fraction(1), gettext("Reported") if reported else gettext("Baseline")),
        ("reduction-30", 1 - Fraction(RESPONSE_PERCENT, 100), f"−{RESPONSE_PERCENT}%"),
        ("reduction-50", 1 - Fraction(RESPONDER_50_PERCENT, 100), f"−{RESPONDER_50_PERCENT}%"),
    ]
    lines, previous = [], None
    for kind, fraction, label in levels:  # top to bottom: push each label below the last
        y = y_of(level * fraction)
        label_y = y if previous is None else max(y, previous + LEVEL_LABEL_GAP)
        lines.append(Level(y, label_y, label, kind))
        previous = label_y
    if reported:
        described = gettext(
            "Lines: the reported baseline, %(level)s headache days per 28; "
            "%(response)d%% fewer, %(at_response)s; %(responder)d%% fewer, %(at_responder)s."
        )
    else:
        described = gettext(
            "Lines: the baseline, %(level)s headache days per 28; "
            "%(response)d%% fewer, %(at_response)s; %(responder)d%% fewer, %(at_responder)s."
        )
    described %= {
        "level": number_format(rounded(level)),
        "response": RESPONSE_PERCENT,
        "at_response": number_format(rounded(level * levels[1][1])),
        "responder": RESPONDER_50_PERCENT,
        "at_responder": number_format(rounded(level * levels[2][1])),
    }
    return lines, described


def _bar_title(window, measure: str, value, coverage) -> str:
    """A bar's tooltip: its window, dates, value and how much of the window was logged."""
    shown = {
        "window": window.label,
        "start": date_format(window.start, "DATE_FORMAT"),
        "end": date_format(window.end, "DATE_FORMAT"),
        "value": number_format(value) if value is not None else "",
        "coverage": number_format(coverage),
    }
    if value is None:
        title = gettext("%(window)s, %(start)s to %(end)s: no days logged") % shown
    elif measure == "headache":
        title = gettext("%(window)s, %(start)s to %(end)s: %(value)s headache days per 28") % shown
    else:
        title = gettext("%(window)s, %(start)s to %(end)s: %(value)s migraine days per 28") % shown
    title += ", " + gettext("%(coverage)s%% of days logged") % shown
    if not window.complete:
        title += " " + gettext("(in progress)")
    if not window.adequate:
        title += " " + gettext("(insufficient)")
    return title


def _bar_chart(progress: Progress, layout: Layout) -> tuple[BarChart, str]:
    windows = progress.windows
    slot = (layout.width - LEFT - layout.right) / len(windows)
    turned = slot < DATE_LABEL_WIDTH
    left = LEFT + (TURNED_LEFT if turned else 0)  # room for the first turned date
    slot = (layout.width - left - layout.right) / len(windows)
    bar_width = min(slot * 0.4, MAX_BAR_WIDTH)
    every = _every(slot, SHORT_LABEL_WIDTH)
    full_labels = slot >= FULL_LABEL_WIDTH
    if turned:
        every = max(every, _every(slot, TURNED_LABEL_SPACING))
    height = (300 if turned else 270) if layout is WIDE else (290 if turned else 260)
    bottom = 86 if turned else 48
    axis_y = height - bottom
    plot_height = axis_y - TOP

    def y_of(rate):
        return _rate_y(rate, TOP, plot_height)

    slots = []
    for index, window in enumerate(windows):
        center = left + slot * (index + 0.5)
        kind = _window_kind(window)
        coverage = rounded(window.coverage_percent)
        bars = []
        for offset, measure, rate in (
            (-bar_width, "headache", window.headache_rate),
            (0, "migraine", window.counts.migraine_days_per_28),
        ):
            value = rounded(rate)
            y = y_of(rate or 0)
            bars.append(
                Bar(
                    x=round(center + offset, 1),
                    y=y,
                    width=round(bar_width, 1),
                    height=round(axis_y - y, 1),
                    measure=measure,
                    kind=kind,
                    value_label="–" if value is None else number_format(value),
                    title=_bar_title(window, measure, value, coverage),
                )
            )
        shown = (len(windows) - 1 - index) % every == 0
        short = (
            pgettext("the baseline, under its bar", "B")
            if window.number is None
            else str(window.number)
        )
        slots.append(
            Slot(
                center=round(center, 1),
                bars=bars,
                label=(window.label if full_labels else short) if shown else "",
                date_label=date_format(window.start, "j M y") if shown else "",
            )
        )
    lines, lines_description = _level_lines(progress, y_of)
    chart = BarChart(
        layout=layout,
        slots=slots,
        lines=lines,
        ticks=_y_ticks(TOP, plot_height),
        values_shown=bar_width >= VALUE_LABEL_WIDTH,
        turned_dates=turned,
        height=height,
        axis_y=axis_y,
        left=left,
    )
    return chart, lines_description


def headache_chart(progress: Progress) -> BarFigure | None:
    """Bars of headache and migraine days per 28 for the baseline and each cycle, with the
    baseline, 30% and 50% reduction lines; None before the first session."""
    if progress.baseline is None:
        return None
    charts = [_bar_chart(progress, layout) for layout in LAYOUTS]
    described = "; ".join(
        gettext("%(window)s %(headache)s and %(migraine)s")
        % {"window": window.label, "headache": bars[0].value_label, "migraine": bars[1].value_label}
        for window, bars in zip(
            progress.windows, (slot.bars for slot in charts[0][0].slots), strict=True
        )
    )
    return BarFigure(
        description=gettext("Headache and migraine days per 28 days: %(bars)s.")
        % {"bars": described},
        lines_description=charts[0][1],
        layouts=[chart for chart, _ in charts],
    )


# -- the rolling 28-day trend over the whole course -------------------------------------------

MAX_DAILY_POINTS = 730  # past two years, one point a week (or fewer)
TREND_MEASURES = (
    ("headache", "headache_days", "Headache days"),
    ("migraine", "migraine_days", "Migraine days"),
    ("acute", "acute_medication_days", "Acute-medication days"),
)
SESSION_LABEL_SPACING = 26
TIME_LABEL_SPACING = 64
MONTH_STEPS = (1, 2, 3, 6, 12, 24, 36, 60, 120)
TREND_HEIGHT, TREND_TOP, TREND_BOTTOM, TREND_RIGHT = 270, 34, 36, 16  # sessions labelled above


def trend_step(days: int) -> int:
    """Days between points: one a day up to two years, else whole weeks."""
    if days <= MAX_DAILY_POINTS:
        return 1
    return 7 * ceil(days / (7 * MAX_DAILY_POINTS))


@dataclass(frozen=True)
class TrendPath:
    measure: str  # "headache", "migraine" or "acute"
    kind: str  # "adequate" or "thin" (fewer than 80% of the 28 days logged)
    d: str


@dataclass(frozen=True)
class SessionMark:
    x: float
    label: str  # "S3", or blank when thinned out
    title: str


@dataclass(frozen=True)
class TrendChart:
    layout: Layout
    paths: list[TrendPath]
    sessions: list[SessionMark]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    height: int = TREND_HEIGHT
    top: int = TREND_TOP
    left: int = LEFT
    axis_y: int = TREND_HEIGHT - TREND_BOTTOM

    @property
    def width(self) -> int:
        return self.layout.width

    @property
    def plot_right(self) -> int:
        return self.layout.width - TREND_RIGHT


@dataclass(frozen=True)
class TrendRow:
    day: date
    days_logged: int
    values: list  # headache, migraine, acute-medication days per 28, rounded (or None)


@dataclass(frozen=True)
class TrendFigure:
    first: date
    last: date
    step: int
    description: str
    layouts: list[TrendChart]
    rows: list[TrendRow] = field(default_factory=list)  # every 28 days back from the last

    @property
    def wide(self) -> TrendChart:
        return self.layouts[0]


def _paths(points, x_of, y_of) -> list[TrendPath]:
    """One path per measure and kind; a gap where nothing was logged; a lone point is a dot."""
    paths = []
    for measure, attribute, _ in TREND_MEASURES:
        commands: dict[str, list[str]] = {"adequate": [], "thin": []}
        previous = None  # (kind, x, y) of the last point drawn
        for point in points:
            if not point.days_logged:
                previous = None
                continue
            kind = "adequate" if point.adequate else "thin"
            x, y = x_of(point.day), y_of(per_28(getattr(point, attribute), point.days_logged))
            if previous and previous[0] == kind:
                commands[kind].append(f"L{x} {y}")
            elif previous:  # a change of kind: this path starts where the other ended
                commands[kind].append(f"M{previous[1]} {previous[2]}L{x} {y}")
            else:
                commands[kind].append(f"M{x} {y}l0 0")
            previous = (kind, x, y)
        paths += [TrendPath(measure, kind, "".join(d)) for kind, d in commands.items() if d]
    return paths


def _month_ticks(first: date, last: date, x_of, plot_width: float) -> list[Tick]:
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    for step in MONTH_STEPS:
        if plot_width / max(months / step, 1) >= TIME_LABEL_SPACING:
            break
    ticks = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        day = date(year, month, 1)
        if day >= first and (year * 12 + month - 1) % step == 0:
            ticks.append(Tick(x_of(day), f"{day:%Y}" if step >= 12 else f"{day:%b %y}"))
        year, month = (year, month + 1) if month < 12 else (year + 1, 1)
    if len(ticks) < 2:  # a short course: its first and last days too, where there is room
        for day, anchor in ((first, "start"), (last, "end")):  # inside the plot's ends
            x = x_of(day)
            if all(abs(x - tick.at) >= TIME_LABEL_SPACING for tick in ticks):
                ticks.append(Tick(x, f"{day:%-d %b}", anchor))
    return sorted(ticks, key=lambda tick: tick.at)


def _session_marks(sessions: list[date], first: date, x_of) -> list[SessionMark]:
    marks, last_x = [], None
    for number in range(len(sessions), 0, -1):  # from the latest: it keeps its label
        day = sessions[number - 1]
        if day < first:
            continue
        x = x_of(day)
        shown = last_x is None or last_x - x >= SESSION_LABEL_SPACING
        marks.append(SessionMark(x, f"S{number}" if shown else "", f"Session {number}, {day}"))
        last_x = x if shown else last_x
    return marks[::-1]


def _trend_chart(points, sessions, first, last, layout: Layout) -> TrendChart:
    plot_width = layout.width - TREND_RIGHT - LEFT
    span = max((last - first).days, 1)
    plot_height = TREND_HEIGHT - TREND_BOTTOM - TREND_TOP

    def x_of(day: date) -> float:
        if first == last:
            return round(LEFT + plot_width / 2, 1)
        return round(LEFT + plot_width * (day - first).days / span, 1)

    def y_of(rate) -> float:
        return _rate_y(rate, TREND_TOP, plot_height)

    return TrendChart(
        layout=layout,
        paths=_paths(points, x_of, y_of),
        sessions=_session_marks(sessions, first, x_of),
        x_ticks=_month_ticks(first, last, x_of, plot_width),
        y_ticks=_y_ticks(TREND_TOP, plot_height),
    )


def rolling_trend(progress: Progress) -> TrendFigure | None:
    """Headache, migraine and acute-medication days in the 28 days ending on each day, from
    the baseline (its last day) to the day before the as-of date; None before a session."""
    if not progress.sessions:
        return None
    first = baseline_dates(progress.sessions[0])[1]
    last = max(progress.as_of - timedelta(days=1), first)
    step = trend_step((last - first).days + 1)
    points = rolling_28_day_counts(progress.patient_id, first, last, step)
    every = max(1, MONTH_DAYS // step)
    rows = [
        TrendRow(
            point.day,
            point.days_logged,
            [rounded(per_28(getattr(point, a), point.days_logged)) for _, a, _ in TREND_MEASURES],
        )
        for point in points[::-1][::every]
    ]
    latest = rows[0] if rows else None
    described = f"Rolling 28-day counts from {first} to {last}"
    if latest and latest.days_logged:
        described += ": the latest, " + ", ".join(
            f"{label.lower()} {value}"
            for (_, _, label), value in zip(TREND_MEASURES, latest.values, strict=True)
        )
    described += f". {len(progress.sessions)} session{'s' if len(progress.sessions) > 1 else ''}."
    return TrendFigure(
        first=first,
        last=last,
        step=step,
        description=described,
        layouts=[_trend_chart(points, progress.sessions, first, last, lay) for lay in LAYOUTS],
        rows=rows,
    )


# -- 12-month calendar heat map of severity ---------------------------------------------------

CELL, GAP, HEAT_TOP, HEAT_LEFT = 11, 2, 16, 28
MONTH_LABEL_WIDTH = 24  # "Dec" at 10 px
WEEKDAY_LABELS = [(0, "Mon"), (2, "Wed"), (4, "Fri")]


@dataclass(frozen=True)
class HeatCell:
    x: int
    y: int
    kind: str  # "unknown" (not logged), "none", "mild", "moderate" or "severe"
    title: str
    session: bool = False


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
                f'<rect class="heat-{cell.kind}{" heat-session" if cell.session else ""}" '
                f'x="{cell.x}" y="{cell.y}" width="{size}" height="{size}" rx="2">'
                f"<title>{escape(cell.title)}</title></rect>"
                for cell in self.cells
            )
        )


def severity_heatmap(patient_id: int, as_of: date, sessions=()) -> HeatMap:
    """One square per day for the 52 weeks ending `as_of`, coloured by the day's worst pain;
    the days of `sessions` (dates) are ringed."""
    start = as_of - timedelta(days=7 * 52 + as_of.weekday())  # a Monday
    logged = dict(
        DiaryDay.objects.filter(patient_id=patient_id, day__range=(start, as_of)).values_list(
            "day", "severity"
        )
    )
    session_days = set(sessions)
    cells, months = [], []
    for offset in range((as_of - start).days + 1):
        day = start + timedelta(days=offset)
        week, weekday = divmod(offset, 7)
        x = HEAT_LEFT + week * (CELL + GAP)
        kind = logged.get(day, "unknown")
        label = "not logged" if kind == "unknown" else Severity(kind).label.lower()
        if kind == Severity.NONE:
            label = "no headache"
        session = day in session_days
        title = f"{day:%-d %b %Y}: {label}" + ("; injection session" if session else "")
        cells.append(HeatCell(x, HEAT_TOP + weekday * (CELL + GAP), kind, title, session))
        if day.day == 1 or (offset == 0 and day.day <= 14):  # no overlapping labels
            months.append(AxisLabel(x, f"{day:%b}"))
    weeks = (as_of - start).days // 7 + 1
    width = max(HEAT_LEFT + weeks * (CELL + GAP), months[-1].at + MONTH_LABEL_WIDTH)  # uncut
    return HeatMap(
        cells=cells,
        months=months,
        weekdays=[
            AxisLabel(HEAT_TOP + row * (CELL + GAP) + CELL - 2, name)
            for row, name in WEEKDAY_LABELS
        ],
        width=width,
        height=HEAT_TOP + 7 * (CELL + GAP),
    )
