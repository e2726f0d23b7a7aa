"""Progress toward the review: baseline and cycle windows, reductions and the suggested verdict.

Exactly DOMAIN.md §3–4, as of a date. Every page, letter, admin column and export reads
progress through `progress_for_patients` (many patients, a fixed number of queries) or
`patient_progress` (one). Decisions compare exact fractions; rounding is for display only
(rates, coverage and the rounding are `diaries.metrics`' `per_28`, `coverage` and `rounded`).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from diaries.metrics import (
    MONTH_DAYS,
    DiaryCounts,
    diary_window_measures,
    medication_overuse_for_ranges,
    rounded,
)
from patients.models import Eligibility
from reviews.models import Verdict
from reviews.models.reviews import VerdictDisplay
from treatments.courses import INTERVAL_DAYS
from treatments.models import InjectionSession

RESPONSE_PERCENT = 30
RESPONDER_50_PERCENT = 50
EPISODIC_BELOW = 15  # headache days per 28
EPISODIC_WINDOWS = 3


def reduction_percent(baseline: Fraction | None, rate: Fraction | None) -> Fraction | None:
    """(baseline − rate) / baseline in percent; None when it cannot be computed."""
    if not baseline or rate is None:
        return None
    return (baseline - rate) * 100 / baseline


@dataclass(frozen=True)
class Window:
    """A diary window (the baseline or a cycle) with every measure the review shows."""

    label: str
    start: date
    end: date
    counts: DiaryCounts
    number: int | None = None  # the cycle number; None for the baseline
    complete: bool = True
    mean_severity: float | None = None  # over headache days: mild 1, moderate 2, severe 3
    headache_hours: Decimal = Decimal(0)
    reduction: Fraction | None = None
    overuse: list[str] = field(default_factory=list)

    @property
    def days_in_window(self) -> int:
        return self.counts.days_in_window

    @property
    def days_logged(self) -> int:
        return self.counts.days_logged

    @property
    def coverage_percent(self) -> Fraction:
        return self.counts.coverage_percent

    @property
    def adequate(self) -> bool:
        return self.counts.adequate

    @property
    def headache_rate(self) -> Fraction | None:
        return self.counts.headache_days_per_28

    def rates(self) -> dict[str, Fraction | None]:
        """Every per-28-day measure, exactly, named as in the export."""
        return self.counts.rates()

    def summary(self) -> dict:
        """The window's measures rounded for display and export (DOMAIN.md §4: rules do not)."""
        return {
            "start": self.start,
            "end": self.end,
            "days_logged": self.days_logged,
            "days_in_window": self.days_in_window,
            **self.counts.shown(),  # coverage and rates
            "mean_severity": rounded(self.mean_severity),
            "headache_hours": rounded(self.headache_hours),
            "reduction_percent": rounded(self.reduction),
        }


@dataclass(frozen=True)
class Baseline:
    """The diary baseline and, when it is insufficient, the neurologist's reported one."""

    window: Window
    reported_rate: int | None = None  # headache days a month from the consultation
    reported_on: date | None = None

    @property
    def source(self) -> str | None:
        """ "diary", "reported", or None when neither gives a baseline."""
        if self.window.adequate:
            return "diary"
        if self.reported_rate is not None:
            return "reported"
        return None

    @property
    def headache_rate(self) -> Fraction | None:
        if self.source == "diary":
            return self.window.headache_rate
        if self.source == "reported":
            return Fraction(self.reported_rate)
        return None


@dataclass(frozen=True)
class Progress(VerdictDisplay):
    """One patient's progress as of a date, and the verdict the rules suggest."""

    patient_id: int
    as_of: date
    sessions: list[date]
    baseline: Baseline | None
    cycles: list[Window]
    recent: list[DiaryCounts]  # the three 28-day windows ending the day before `as_of`
    verdict: Verdict = Verdict.AWAITING_BASELINE
    explanation: str = ""

    @property
    def complete_cycles(self) -> list[Window]:
        return [cycle for cycle in self.cycles if cycle.complete]

    @property
    def latest_complete_cycle(self) -> Window | None:
        complete = self.complete_cycles
        return complete[-1] if complete else None

    @property
    def latest_reduction(self) -> Fraction | None:
        cycle = self.latest_complete_cycle
        return cycle.reduction if cycle else None

    @property
    def windows(self) -> list[Window]:
        return ([self.baseline.window] if self.baseline else []) + self.cycles

    @property
    def medication_overuse(self) -> bool:
        return any(window.overuse for window in self.windows)


def suggest_verdict(
    baseline: Baseline | None, cycles: list[Window], recent: list[DiaryCounts]
) -> tuple[Verdict, str]:
    """DOMAIN.md §4: the first rule that applies wins. Returns the verdict and why."""
    if baseline is None or not cycles:
        return Verdict.AWAITING_BASELINE, "No injection session yet."
    complete = [cycle for cycle in cycles if cycle.complete]
    if len(complete) < 2:
        return Verdict.AWAITING_CYCLE_2, f"{len(complete)} of 2 cycles complete."
    latest = complete[-1]
    if baseline.source is None:
        window = baseline.window
        return Verdict.INSUFFICIENT_DATA, (
            f"Baseline diary logged on {window.days_logged} of {window.days_in_window} days "
            f"({rounded(window.coverage_percent)}%, 80% needed) and no reported baseline."
        )
    if not latest.adequate:
        return Verdict.INSUFFICIENT_DATA, (
            f"{latest.label} diary logged on {latest.days_logged} of {latest.days_in_window} "
            f"days ({rounded(latest.coverage_percent)}%, 80% needed)."
        )
    if baseline.headache_rate == 0:
        return Verdict.INSUFFICIENT_DATA, (
            "The baseline has no headache days: a reduction cannot be shown."
        )
    reduction = latest.reduction
    if reduction < RESPONSE_PERCENT:
        return Verdict.INADEQUATE_RESPONSE, (
            f"{latest.label}: {rounded(reduction)}% fewer headache days than baseline "
            f"(under {RESPONSE_PERCENT}%)."
        )
    if len(recent) == EPISODIC_WINDOWS and all(
        window.adequate and window.headache_days_per_28 < EPISODIC_BELOW for window in recent
    ):
        return Verdict.EPISODIC, (
            f"Fewer than {EPISODIC_BELOW} headache days in each of the last three 28-day "
            "windows: consider a treatment break."
        )
    if reduction >= RESPONDER_50_PERCENT:
        return Verdict.RESPONDER_50, f"{latest.label}: {rounded(reduction)}% reduction."
    return Verdict.RESPONDING, f"{latest.label}: {rounded(reduction)}% reduction."


# -- windows ---------------------------------------------------------------------------------


def baseline_dates(first_session: date) -> tuple[date, date]:
    """The 28 days before the first session."""
    return first_session - timedelta(days=MONTH_DAYS), first_session - timedelta(days=1)


def cycle_dates(sessions: list[date], index: int, as_of: date) -> tuple[date, date, bool]:
    """Start, end and completeness of the cycle that session `index` opens, as of `as_of`.

    A cycle runs to the day before the next session and at most 84 days. It is complete once
    the next session has happened or 84 days have passed; until then it ends on `as_of`.
    """
    start = sessions[index]
    longest_end = start + timedelta(days=INTERVAL_DAYS - 1)
    if index + 1 < len(sessions):
        return start, min(sessions[index + 1] - timedelta(days=1), longest_end), True
    if as_of >= start + timedelta(days=INTERVAL_DAYS):
        return start, longest_end, True
    return start, as_of, False


def recent_dates(as_of: date) -> list[tuple[date, date]]:
    """The three consecutive 28-day windows ending the day before `as_of`, oldest first."""
    ends = [as_of - timedelta(days=1 + MONTH_DAYS * k) for k in reversed(range(EPISODIC_WINDOWS))]
    return [(end - timedelta(days=MONTH_DAYS - 1), end) for end in ends]


# -- queries ---------------------------------------------------------------------------------

WindowKey = tuple[int, int]  # (patient id, window index: 0 baseline, 1… cycles, -1… recent)


def window_measures(windows: dict[WindowKey, tuple[date, date]]) -> dict[WindowKey, dict]:
    """Diary measures of many windows of many patients, in one query."""
    return diary_window_measures({key: (key[0], *dates) for key, dates in windows.items()})


def _window(label, start, end, measures: dict | None, **extra) -> Window:
    measures = dict(measures or {})
    mean_severity = measures.pop("mean_severity", None)
    hours = measures.pop("headache_hours", Decimal(0))
    return Window(
        label,
        start,
        end,
        DiaryCounts(start, end, **measures),
        mean_severity=None if mean_severity is None else float(mean_severity),
        headache_hours=hours,
        **extra,
    )


def progress_for_patients(
    patient_ids: Iterable[int], as_of: date, *, with_overuse: bool = False
) -> dict[int, Progress]:
    """Progress of many patients as of `as_of`, in three queries whatever their number.

    `with_overuse` adds ICHD-3 8.2 findings per window (one more query).
    """
    ids = list(patient_ids)
    sessions: dict[int, list[date]] = {patient_id: [] for patient_id in ids}
    for patient_id, day in (
        InjectionSession.objects.filter(patient_id__in=ids, performed_on__lte=as_of)
        .order_by("patient_id", "performed_on")
        .values_list("patient_id", "performed_on")
    ):
        sessions[patient_id].append(day)
    reported = {
        row["patient_id"]: row
        for row in Eligibility.objects.filter(
            patient_id__in=ids, headache_days_per_month__isnull=False, assessed_on__lte=as_of
        ).values("patient_id", "headache_days_per_month", "assessed_on")
    }

    windows: dict[WindowKey, tuple[date, date]] = {}
    completeness: dict[WindowKey, bool] = {}
    for patient_id, days in sessions.items():
        if not days:
            continue
        windows[patient_id, 0] = baseline_dates(days[0])
        for index in range(len(days)):
            start, end, complete = cycle_dates(days, index, as_of)
            windows[patient_id, index + 1] = (start, end)
            completeness[patient_id, index + 1] = complete
    recent_windows = {  # negative indexes: the last three 28-day windows, measured alongside
        (patient_id, -1 - index): dates
        for patient_id in ids
        if sessions[patient_id]
        for index, dates in enumerate(recent_dates(as_of))
    }
    measures = window_measures(windows | recent_windows)

    progress = {}
    for patient_id in ids:
        recent = [
            _window("", *dates, measures.get((patient_id, -1 - index))).counts
            for index, dates in enumerate(recent_dates(as_of))
        ]
        days = sessions[patient_id]
        if not days:
            verdict, explanation = suggest_verdict(None, [], recent)
            progress[patient_id] = Progress(
                patient_id, as_of, [], None, [], recent, verdict, explanation
            )
            continue
        key = (patient_id, 0)
        report = reported.get(patient_id, {})
        baseline = Baseline(
            _window("Baseline", *windows[key], measures.get(key)),
            reported_rate=report.get("headache_days_per_month"),
            reported_on=report.get("assessed_on"),
        )
        cycles = []
        for number in range(1, len(days) + 1):
            key = (patient_id, number)
            window = _window(
                f"Cycle {number}",
                *windows[key],
                measures.get(key),
                number=number,
                complete=completeness[key],
            )
            reduction = reduction_percent(baseline.headache_rate, window.headache_rate)
            cycles.append(replace(window, reduction=reduction))
        verdict, explanation = suggest_verdict(baseline, cycles, recent)
        progress[patient_id] = Progress(
            patient_id, as_of, days, baseline, cycles, recent, verdict, explanation
        )
    if with_overuse:
        _add_overuse(progress)
    return progress


def _add_overuse(progress: dict[int, Progress]) -> None:
    """Replace each patient's windows with copies carrying their medication-overuse findings.

    One query for every window of every patient.
    """
    windows = {
        (patient_id, index): window
        for patient_id, item in progress.items()
        if item.baseline is not None
        for index, window in enumerate(item.windows)
    }
    found = medication_overuse_for_ranges(
        {key: (key[0], window.start, window.end) for key, window in windows.items()}
    )

    def with_overuse(key) -> Window:
        return replace(windows[key], overuse=[str(finding) for finding in found[key].findings])

    for patient_id, item in progress.items():
        if item.baseline is None:
            continue
        progress[patient_id] = replace(
            item,
            baseline=replace(item.baseline, window=with_overuse((patient_id, 0))),
            cycles=[with_overuse((patient_id, n)) for n in range(1, len(item.cycles) + 1)],
        )


def patient_progress(patient, as_of: date, *, with_overuse: bool = True) -> Progress:
    """One patient's progress as of `as_of` (default for pages: with medication overuse)."""
    return progress_for_patients([patient.pk], as_of, with_overuse=with_overuse)[patient.pk]
