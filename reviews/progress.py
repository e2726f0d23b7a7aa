"""Progress toward the review: baseline and cycle windows, reductions and the suggested verdict.

Exactly DOMAIN.md §3–4, as of a date. Every page, letter, admin column and export reads
progress through `progress_for_patients` (many patients, a fixed number of queries) or
`patient_progress` (one). Decisions compare exact fractions; rounding is for display only
(rates, coverage and the rounding are `diaries.metrics`' `per_28`, `coverage` and `rounded`).

The as-of day is never counted (it is not over): every window ends at most the day before.
The verdict rules are NICE TA260's for chronic migraine: any other primary diagnosis is
`not-assessed` (measures and reductions still shown). A reported baseline is the figure that
stood on the as-of date (`reported_baselines`), and gives headache days only.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from django.db.models import Case, Exists, F, JSONField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, JSONObject
from django.utils.translation import gettext

from diaries.metrics import (
    ADEQUATE_COVERAGE,
    MONTH_DAYS,
    DiaryCounts,
    current_overuse_span,
    diary_window_measures,
    overlapping_span_ends,
    overuse_in_spans,
    rounded,
)
from patients.models import OFF_LABEL_DIAGNOSES, Diagnosis, Eligibility, Patient
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
    # A reported baseline: headache days a month from the consultation. It stands in for the
    # diary's measures: every other measure, the coverage and the day counts are unknown.
    reported_rate: int | None = None

    @property
    def reported(self) -> bool:
        return self.reported_rate is not None

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
        return self.reported or self.counts.adequate

    @property
    def headache_rate(self) -> Fraction | None:
        if self.reported:
            return Fraction(self.reported_rate)
        return self.counts.headache_days_per_28

    def rates(self) -> dict[str, Fraction | None]:
        """Every per-28-day measure, exactly, named as in the export."""
        if self.reported:
            return {name: None for name in self.counts.rates()} | {
                "headache_days_per_28": self.headache_rate
            }
        return self.counts.rates()

    def summary(self) -> dict:
        """The window's measures rounded for display and export (DOMAIN.md §4: rules do not).

        A reported baseline gives its headache days and leaves everything else blank (None).
        """
        known = not self.reported
        return {
            "start": self.start,
            "end": self.end,
            "source": "reported" if self.reported else "diary",
            "days_logged": self.days_logged if known else None,
            "days_in_window": self.days_in_window,
            "coverage": rounded(self.coverage_percent) if known else None,
            **{name: rounded(value) for name, value in self.rates().items()},
            "mean_severity": rounded(self.mean_severity) if known else None,
            "headache_hours": rounded(self.headache_hours) if known else None,
            "reduction_percent": rounded(self.reduction),
            "late_days": self.counts.late_days if known else None,
            "transcribed_days": self.counts.transcribed_days if known else None,
        }


@dataclass(frozen=True)
class Baseline:
    """The diary baseline and, when it is insufficient, the neurologist's reported one."""

    window: Window  # the diary's 28 days before the first session
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
    def shown(self) -> Window:
        """The baseline row of every table, chart and export: the reported figure alone when
        the reported baseline is used, else the diary window."""
        if self.source == "reported":
            return replace(
                self.window, label=gettext("Baseline (reported)"), reported_rate=self.reported_rate
            )
        return self.window

    @property
    def headache_rate(self) -> Fraction | None:
        if self.source is None:
            return None
        return self.shown.headache_rate

    @property
    def adequate(self) -> bool:
        """Reductions are shown only against an adequate baseline: a reported one, or a diary
        baseline with 80% coverage; either with more than 0 headache days."""
        return self.source is not None and bool(self.headache_rate)

    @property
    def no_reduction_reason(self) -> str:
        """Why no reduction is shown ("" when the baseline is adequate)."""
        if self.source is None:
            window = self.window
            return (
                f"Baseline diary logged on {window.days_logged} of {window.days_in_window} days "
                f"({rounded(window.coverage_percent)}%, {int(ADEQUATE_COVERAGE * 100)}% needed) "
                "and no reported baseline."
            )
        if not self.headache_rate:
            return "The baseline has no headache days: a reduction cannot be shown."
        return ""


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
    diagnosis: str = Diagnosis.CHRONIC_MIGRAINE  # the primary diagnosis
    # Findings in the 28 days ending the day before `as_of` (`with_overuse`; else None).
    current_overuse: list[str] | None = None

    @property
    def assessed(self) -> bool:
        """Whether the verdict rules apply (chronic migraine); else `not-assessed`."""
        return self.diagnosis == Diagnosis.CHRONIC_MIGRAINE

    @property
    def off_label(self) -> bool:
        return self.diagnosis in OFF_LABEL_DIAGNOSES

    @property
    def diagnosis_label(self) -> str:
        return Diagnosis(self.diagnosis).label

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
        """The rows of the progress table: the baseline as shown, then each cycle."""
        return ([self.baseline.shown] if self.baseline else []) + self.cycles

    @property
    def medication_overuse(self) -> bool | None:
        """Current overuse (DOMAIN.md §3): the 28 days ending the day before the as-of date,
        whatever sessions fall inside. None when not computed (`with_overuse=False`)."""
        return None if self.current_overuse is None else bool(self.current_overuse)


def suggest_verdict(
    baseline: Baseline | None,
    cycles: list[Window],
    recent: list[DiaryCounts],
    diagnosis: str = Diagnosis.CHRONIC_MIGRAINE,
) -> tuple[Verdict, str]:
    """DOMAIN.md §4: the first rule that applies wins. Returns the verdict and why."""
    if diagnosis != Diagnosis.CHRONIC_MIGRAINE:
        return Verdict.NOT_ASSESSED, (
            f"{Diagnosis(diagnosis).label}: the verdict rules (NICE TA260) are for chronic "
            "migraine. The measures and reductions are shown; the judgement is yours."
        )
    if baseline is None or not cycles:
        return Verdict.AWAITING_BASELINE, "No injection session yet."
    complete = [cycle for cycle in cycles if cycle.complete]
    if len(complete) < 2:
        return Verdict.AWAITING_CYCLE_2, f"{len(complete)} of 2 cycles complete."
    latest = complete[-1]
    if not baseline.adequate:
        return Verdict.INSUFFICIENT_DATA, baseline.no_reduction_reason
    if not latest.adequate:
        return Verdict.INSUFFICIENT_DATA, (
            f"{latest.label} diary logged on {latest.days_logged} of {latest.days_in_window} "
            f"days ({rounded(latest.coverage_percent)}%, 80% needed)."
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
    the next session has happened or 84 days have passed; until then it ends the day before
    `as_of` (the as-of day is not over), so a cycle opened on `as_of` has no days yet.
    """
    start = sessions[index]
    longest_end = start + timedelta(days=INTERVAL_DAYS - 1)
    if index + 1 < len(sessions):
        return start, min(sessions[index + 1] - timedelta(days=1), longest_end), True
    if as_of >= start + timedelta(days=INTERVAL_DAYS):
        return start, longest_end, True
    return start, as_of - timedelta(days=1), False


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


def reported_baselines(patient_ids: Iterable[int], as_of: date) -> dict[int, dict]:
    """Each patient's primary diagnosis and the reported baseline that stood on `as_of`, in
    one query: {id: {"diagnosis", "rate", "on"}} ("rate" and "on" None without one).

    The reported baseline is the eligibility assessment's headache days a month, kept with
    its history. What stood on a date is the latest version recorded by the end of that day
    (clinic time); when none was recorded by then (an assessment entered after the fact, or
    one loaded without history), the first version assessed on or before that date.
    """
    history = Eligibility.history.model.objects
    versions = history.filter(patient_id=OuterRef("pk"))
    deleted = Q(history_type="-")
    version = JSONObject(  # a deletion stands too: then there is no figure
        rate=Case(When(~deleted, then=F("headache_days_per_month")), default=Value(None)),
        on=F("assessed_on"),
    )
    stood = versions.filter(history_date__date__lte=as_of).order_by("-history_date", "-pk")
    first = versions.filter(assessed_on__lte=as_of).exclude(deleted).order_by("history_date", "pk")
    untracked = Eligibility.objects.filter(
        ~Exists(history.filter(patient_id=OuterRef("patient_id"))),
        patient_id=OuterRef("pk"),
        assessed_on__lte=as_of,
    )
    rows = Patient.objects.filter(pk__in=list(patient_ids)).values_list(
        "pk",
        "primary_diagnosis",
        Coalesce(
            Subquery(stood.values(json=version)[:1]),
            Subquery(first.values(json=version)[:1]),
            Subquery(
                untracked.values(
                    json=JSONObject(rate=F("headache_days_per_month"), on=F("assessed_on"))
                )[:1]
            ),
            output_field=JSONField(),
        ),
    )
    results = {}
    for patient_id, diagnosis, version in rows:
        version = version or {}
        on = date.fromisoformat(version["on"]) if version.get("on") else None
        rate = version.get("rate") if on is not None and on <= as_of else None
        results[patient_id] = {"diagnosis": diagnosis, "rate": rate, "on": on if rate else None}
    return results


def in_current_course(as_of: date) -> Q:
    """Sessions of the course current on `as_of`: from a restart's new baseline date
    (`scheduling.models.CourseState.started_on`) on, when that day has come."""
    started = "patient__course_state__started_on"
    return (
        Q(**{f"{started}__isnull": True})
        | Q(**{f"{started}__gt": as_of})
        | Q(performed_on__gte=F(started))
    )


def progress_for_patients(
    patient_ids: Iterable[int], as_of: date, *, with_overuse: bool = False
) -> dict[int, Progress]:
    """Progress of many patients as of `as_of`, in three queries whatever their number.

    `with_overuse` adds the current medication overuse and the ICHD-3 8.2 findings of the
    28-day spans overlapping each window (one more query).
    """
    ids = list(patient_ids)
    sessions: dict[int, list[date]] = {patient_id: [] for patient_id in ids}
    for patient_id, day in (
        InjectionSession.objects.filter(patient_id__in=ids, performed_on__lte=as_of)
        .filter(in_current_course(as_of))
        .order_by("patient_id", "performed_on")
        .values_list("patient_id", "performed_on")
    ):
        sessions[patient_id].append(day)
    facts = reported_baselines(ids, as_of)

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
        fact = facts.get(patient_id, {})
        diagnosis = fact.get("diagnosis") or Diagnosis.CHRONIC_MIGRAINE
        recent = [
            _window("", *dates, measures.get((patient_id, -1 - index))).counts
            for index, dates in enumerate(recent_dates(as_of))
        ]
        days = sessions[patient_id]
        baseline, cycles = None, []
        if days:
            key = (patient_id, 0)
            baseline = Baseline(
                _window(gettext("Baseline"), *windows[key], measures.get(key)),
                reported_rate=fact.get("rate"),
                reported_on=fact.get("on"),
            )
            against = baseline.headache_rate if baseline.adequate else None
            for number in range(1, len(days) + 1):
                key = (patient_id, number)
                window = _window(
                    gettext("Cycle %(number)d") % {"number": number},
                    *windows[key],
                    measures.get(key),
                    number=number,
                    complete=completeness[key],
                )
                cycles.append(
                    replace(window, reduction=reduction_percent(against, window.headache_rate))
                )
        verdict, explanation = suggest_verdict(baseline, cycles, recent, diagnosis)
        progress[patient_id] = Progress(
            patient_id,
            as_of,
            days,
            baseline,
            cycles,
            recent,
            verdict,
            explanation,
            diagnosis=diagnosis,
        )
    if with_overuse:
        _add_overuse(progress)
    return progress


def _add_overuse(progress: dict[int, Progress]) -> None:
    """Add each patient's current overuse, and mark each window any overused 28-day span
    overlaps (spans cross session dates; none ends on or after the as-of day).

    One query for every window of every patient.
    """
    spans = {}
    for patient_id, item in progress.items():
        spans[patient_id, "current"] = (patient_id, *current_overuse_span(item.as_of))
        for index, window in enumerate(item.windows):
            spans[patient_id, index] = (
                patient_id,
                *overlapping_span_ends(window.start, window.end, item.as_of),
            )
    found = overuse_in_spans(spans)

    def findings(key) -> list[str]:
        return [str(finding) for finding in found[key].findings]

    for patient_id, item in progress.items():
        cycles = item.cycles
        baseline = item.baseline
        if baseline is not None:
            # the baseline row is windows[0]; its diary window is marked alike
            baseline = replace(
                baseline, window=replace(baseline.window, overuse=findings((patient_id, 0)))
            )
            cycles = [
                replace(cycle, overuse=findings((patient_id, index)))
                for index, cycle in enumerate(cycles, start=1)
            ]
        progress[patient_id] = replace(
            item,
            baseline=baseline,
            cycles=cycles,
            current_overuse=findings((patient_id, "current")),
        )


def patient_progress(patient, as_of: date, *, with_overuse: bool = True) -> Progress:
    """One patient's progress as of `as_of` (default for pages: with medication overuse)."""
    return progress_for_patients([patient.pk], as_of, with_overuse=with_overuse)[patient.pk]
