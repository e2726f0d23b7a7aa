"""Diary counts with the exact definitions of DOMAIN.md §3, computed in PostgreSQL.

Every screen, report and review counts through this module:

- `diary_counts(patient, start, end)` / `diary_counts_for_patients(ids, start, end)`: the
  counts of a window (both ends included) as a `DiaryCounts`; `diary_window_measures` for
  many windows of many patients at once.
- `medication_overuse(patient, start, end)` / `medication_overuse_for_patients(...)` /
  `medication_overuse_for_ranges(...)`: the ICHD-3 8.2 thresholds checked in every 28-day
  span inside the range; `overuse_in_spans(...)` with `overlapping_span_ends` (every span that
  overlaps a window, across session dates: the progress tables) and `current_overuse_span`
  (the *current* overuse flag: the 28 days ending the day before the as-of date).
- `ENTERED_LATE` and `TRANSCRIBED_BY_STAFF`: which days a window counts as entered late or
  transcribed by staff (`late_days`, `transcribed_days` of every window).
- `per_28(count, days_logged)` and `coverage(days_logged, days_in_window)`: the one rule for a
  rate per 28 days and for coverage, as exact fractions (the rules compare these), and
  `rounded(value)`: the one display rounding (one decimal, half up) of every page, report,
  letter, admin column, export and summary (DOMAIN.md §4).
"""

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from functools import cache
from math import floor

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.functions import Cast
from django.utils.translation import gettext

from diaries.models import DiaryDay, DiaryDose, MedicineClass, Severity, Source
from patients.models import Patient

MONTH_DAYS = 28
ADEQUATE_COVERAGE = Fraction(80, 100)  # exact: a float 0.8 is a hair above 4/5
MIGRAINE_SPECIFIC = (MedicineClass.TRIPTAN, MedicineClass.ERGOT)


def per_28(count: int, days_logged: int) -> Fraction | None:
    """`count` per 28 logged days (`count / days_logged × 28`), exactly; None when nothing is
    logged."""
    return Fraction(count * MONTH_DAYS, days_logged) if days_logged else None


def coverage(days_logged: int, days_in_window: int) -> Fraction:
    """Days logged / days in the window, exactly, from 0 to 1 (× 100 for a percentage).

    A window without days (a cycle opened on the as-of day) has nothing logged: 0.
    """
    return Fraction(days_logged, days_in_window) if days_in_window > 0 else Fraction(0)


def rounded(value: Fraction | Decimal | float | int | None) -> Decimal | None:
    """One decimal, half up (away from zero): how every number is shown; None stays None.

    Exact whatever the input (a Fraction is never cut to a finite Decimal first), so 2.45
    shows 2.5 and 2.4499… shows 2.4. For display and export only: rules compare exact values.
    """
    if value is None:
        return None
    exact = Fraction(value)
    tenths = floor(abs(exact) * 10 + Fraction(1, 2))
    return Decimal(tenths if exact >= 0 else -tenths).scaleb(-1)


def last_28_days(as_of: date) -> tuple[date, date]:
    """The 28 days ending the day before `as_of` (both ends included): the as-of day is not
    over, so it is never counted (DOMAIN.md §4). Also the span of the current overuse flag."""
    return as_of - timedelta(days=MONTH_DAYS), as_of - timedelta(days=1)


def current_overuse_span(as_of: date) -> tuple[date, date]:
    """The first and last span end (`overuse_in_spans`) of current overuse: the one 28-day
    span ending the day before `as_of` (`last_28_days`), whatever sessions fall inside."""
    day = as_of - timedelta(days=1)
    return day, day


def overlapping_span_ends(start: date, end: date, as_of: date) -> tuple[date, date]:
    """The first and last end of the 28-day spans that overlap the window `start`–`end` and
    end before `as_of` (the as-of day is not over). Spans reach before a window's start and
    past its end, across session dates."""
    return start, min(end + timedelta(days=MONTH_DAYS - 1), as_of - timedelta(days=1))


RATES = (
    "headache_days_per_28",
    "migraine_days_per_28",
    "moderate_severe_days_per_28",
    "acute_medication_days_per_28",
)


@dataclass(frozen=True)
class DiaryCounts:
    """What a diary window holds. Counts are of days; rates are per 28 logged days, exact
    (`per_28`); `shown()` gives them and the coverage rounded for display."""

    start: date
    end: date
    days_logged: int = 0
    headache_days: int = 0
    migraine_days: int = 0
    moderate_severe_days: int = 0
    acute_medication_days: int = 0
    late_days: int = 0  # of the days logged, how many were entered late (`ENTERED_LATE`)
    transcribed_days: int = 0  # … and how many were transcribed by staff
    days_by_class: dict[str, int] = field(default_factory=dict)

    @property
    def days_in_window(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def coverage(self) -> Fraction:
        """Days logged / days in the window, exactly, from 0 to 1."""
        return coverage(self.days_logged, self.days_in_window)

    @property
    def coverage_percent(self) -> Fraction:
        return self.coverage * 100

    @property
    def adequate(self) -> bool:
        """At least 80% of the days logged: below that, show the counts but decide nothing."""
        return self.coverage >= ADEQUATE_COVERAGE

    @property
    def headache_days_per_28(self) -> Fraction | None:
        return per_28(self.headache_days, self.days_logged)

    @property
    def migraine_days_per_28(self) -> Fraction | None:
        return per_28(self.migraine_days, self.days_logged)

    @property
    def moderate_severe_days_per_28(self) -> Fraction | None:
        return per_28(self.moderate_severe_days, self.days_logged)

    @property
    def acute_medication_days_per_28(self) -> Fraction | None:
        return per_28(self.acute_medication_days, self.days_logged)

    def rates(self) -> dict[str, Fraction | None]:
        """Every per-28-day measure, exactly, named as in the export."""
        return {name: getattr(self, name) for name in RATES}

    def shown(self) -> dict[str, Decimal | None]:
        """The coverage (in percent) and the rates as every page and export shows them."""
        return {
            "coverage": rounded(self.coverage_percent),
            **{name: rounded(value) for name, value in self.rates().items()},
        }

    @property
    def classes_taken(self) -> list[tuple[str, int]]:
        """(class label, days) for each class taken at least once, in the usual order."""
        return [
            (label, self.days_by_class[value])
            for value, label in MedicineClass.choices
            if self.days_by_class.get(value)
        ]


def _took(classes) -> Exists:
    return Exists(DiaryDose.objects.filter(day=OuterRef("pk"), medicine_class__in=classes))


def _as_int(field_name: str):
    return Cast(field_name, IntegerField())


def days_with_definitions(days):
    """Alias the per-day facts the definitions need (not selected, not grouped)."""
    moderate_or_severe = Case(
        When(severity__in=[Severity.MODERATE, Severity.SEVERE], then=Value(1)),
        default=Value(0),
    )
    return days.alias(
        took_any=_took(MedicineClass.values),
        took_migraine_specific=_took(MIGRAINE_SPECIFIC),
        pain_features=_as_int("one_sided")
        + _as_int("pulsating")
        + _as_int("worse_with_activity")
        + moderate_or_severe,
    )


# DOMAIN.md §3, word for word as filters on an aliased diary day.
HEADACHE_DAY = Q(headache=True)
MODERATE_SEVERE_DAY = HEADACHE_DAY & Q(severity__in=[Severity.MODERATE, Severity.SEVERE])
MIGRAINE_DAY = HEADACHE_DAY & (
    Q(aura=True)
    | (
        Q(pain_features__gte=2)
        & (Q(nausea_vomiting=True) | Q(light_sensitivity=True, sound_sensitivity=True))
    )
    | Q(took_migraine_specific=True)
)
ACUTE_MEDICATION_DAY = Q(took_any=True)

# "Entered late" (ours): a day first recorded more than LATE_AFTER_DAYS (7) days after the day
# it describes, both dates in the clinic's time zone: recalled, not noted at the time. The
# flag is set once, when the day is first saved (`diaries.entries.is_late`); later edits do
# not change it, and days imported from a file are never late (the file kept their dates).
LATE_AFTER_DAYS = 7
ENTERED_LATE = Q(late=True)
# "Transcribed by staff": first entered by a staff user on the patient's behalf, from a paper
# diary (`Source.TRANSCRIBED`; `entered_by` names the user). Imports are not transcriptions.
TRANSCRIBED_BY_STAFF = Q(source=Source.TRANSCRIBED)


# For the mean severity of headache days.
SEVERITY_SCORE = {Severity.MILD: 1, Severity.MODERATE: 2, Severity.SEVERE: 3}


@cache
def _flagged_days_sql() -> tuple[str, tuple]:
    """Every diary day with the definitions it meets as booleans: SQL and parameters.

    Compiled once per process (building the definitions' expressions costs more than running
    them); the windows' join conditions then pick each window's days through the
    (patient, day) index.
    """
    flags = {
        "is_headache": HEADACHE_DAY,
        "is_migraine": MIGRAINE_DAY,
        "is_moderate_severe": MODERATE_SEVERE_DAY,
        "is_acute_medication": ACUTE_MEDICATION_DAY,
        "is_late": ENTERED_LATE,
        "is_transcribed": TRANSCRIBED_BY_STAFF,
    }

    severity = Case(
        *(When(severity=value, then=Value(score)) for value, score in SEVERITY_SCORE.items()),
        output_field=IntegerField(),
    )
    return (
        days_with_definitions(DiaryDay.objects.all())
        .annotate(
            severity_score=severity,
            **{
                f"{name}_flag": ExpressionWrapper(condition, output_field=BooleanField())
                for name, condition in flags.items()
            },
        )
        .values("id", "patient_id", "day", "hours", "severity_score", *(f"{n}_flag" for n in flags))
        .order_by()
        .query.sql_with_params()
    )


def _window_measures_sql(days_sql: str) -> str:
    by_class = "".join(
        f", count(*) FILTER (WHERE '{value}' = ANY(x.classes)) AS class_{value}"
        for value in MedicineClass.values
    )
    return f"""
        SELECT w.key,
               count(*) AS days_logged,
               count(*) FILTER (WHERE f.is_headache_flag) AS headache_days,
               count(*) FILTER (WHERE f.is_migraine_flag) AS migraine_days,
               count(*) FILTER (WHERE f.is_moderate_severe_flag) AS moderate_severe_days,
               count(*) FILTER (WHERE f.is_acute_medication_flag) AS acute_medication_days,
               count(*) FILTER (WHERE f.is_late_flag) AS late_days,
               count(*) FILTER (WHERE f.is_transcribed_flag) AS transcribed_days,
               avg(f.severity_score) FILTER (WHERE f.is_headache_flag) AS mean_severity,
               coalesce(sum(f.hours), 0) AS headache_hours
               {by_class}
        FROM unnest(%s::int[], %s::bigint[], %s::date[], %s::date[])
             AS w(key, patient_id, start_on, end_on)
        JOIN ({days_sql}) f
          ON f.patient_id = w.patient_id AND f.day BETWEEN w.start_on AND w.end_on
        LEFT JOIN LATERAL (
            SELECT array_agg(medicine_class) AS classes FROM {DiaryDose._meta.db_table}
            WHERE day_id = f.id
        ) x ON true
        GROUP BY w.key
    """


def diary_window_measures(
    windows: dict[Hashable, tuple[int, date, date]],
) -> dict[Hashable, dict]:
    """The measures of many diary windows in one query: `windows` maps any key to (patient id,
    first day, last day). Windows with no day logged are left out.

    Each result holds `DiaryCounts`' fields (`days_by_class` included) plus `mean_severity`
    (headache days: mild 1, moderate 2, severe 3) and `headache_hours`. The windows are joined
    as an array, so the cost follows the days in the windows, not the size of the diary.
    """
    keys = list(windows)
    if not keys:
        return {}
    days_sql, days_params = _flagged_days_sql()
    patient_ids, starts, ends = zip(*(windows[key] for key in keys), strict=True)
    params = [list(range(len(keys))), list(patient_ids), list(starts), list(ends), *days_params]
    with connection.cursor() as cursor:
        cursor.execute(_window_measures_sql(days_sql), params)
        columns = [column.name for column in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    results = {}
    for row in rows:
        row["days_by_class"] = {value: row.pop(f"class_{value}") for value in MedicineClass.values}
        results[keys[row.pop("key")]] = row
    return results


def diary_counts_for_patients(
    patient_ids: Iterable[int], start: date, end: date
) -> dict[int, DiaryCounts]:
    """Counts for many patients over one window, in one query. Every id gets an entry."""
    patient_ids = list(patient_ids)
    measures = diary_window_measures(
        {patient_id: (patient_id, start, end) for patient_id in patient_ids}
    )
    counts = {}
    for patient_id in patient_ids:
        fields = dict(measures.get(patient_id, {}))
        fields.pop("mean_severity", None)
        fields.pop("headache_hours", None)
        counts[patient_id] = DiaryCounts(start, end, **fields)
    return counts


def diary_counts(patient: Patient, start: date, end: date) -> DiaryCounts:
    """The counts of one patient's diary from `start` to `end`, both included."""
    return diary_counts_for_patients([patient.pk], start, end)[patient.pk]


# ICHD-3 8.2: days in a 28-day window from which overuse is flagged.
OVERUSE_THRESHOLDS = {
    MedicineClass.TRIPTAN: 10,
    MedicineClass.ERGOT: 10,
    MedicineClass.OPIOID: 10,
    MedicineClass.COMBINATION: 10,
    MedicineClass.SIMPLE: 15,
}
SEVERAL_CLASSES_THRESHOLD = 10
OVERUSE_CLASSES = list(OVERUSE_THRESHOLDS)


@dataclass(frozen=True)
class OveruseFinding:
    """The most days within one 28-day window on which `what` was taken."""

    what: str
    days: int
    threshold: int

    def __str__(self):
        return gettext("%(what)s on %(days)d days in 28 (limit: fewer than %(limit)d)") % {
            "what": self.what,
            "days": self.days,
            "limit": self.threshold,
        }


@dataclass(frozen=True)
class MedicationOveruse:
    findings: list[OveruseFinding] = field(default_factory=list)

    def __bool__(self):
        return bool(self.findings)


def _overuse_sql() -> str:
    """Every 28-day span of each patient, one per calendar day it ends on (a day series, so
    days without entries count as no medicine), with the days each class was taken in it;
    each key keeps the maxima over the spans ending between its first and last end."""
    flags = ",\n".join(
        f"bool_or(x.medicine_class = '{value}')::int AS {value}" for value in OVERUSE_CLASSES
    )
    sums = ",\n".join(f"sum(coalesce(t.{value}, 0)) OVER w AS {value}" for value in OVERUSE_CLASSES)
    any_class = f"GREATEST({', '.join(f'coalesce(t.{value}, 0)' for value in OVERUSE_CLASSES)})"
    maxima = ",\n".join(f"max(r.{value})" for value in OVERUSE_CLASSES)
    classes_in_span = " + ".join(f"(r.{value} > 0)::int" for value in OVERUSE_CLASSES)
    return f"""
        WITH spans AS (
            SELECT * FROM unnest(%(keys)s::int[], %(ids)s::bigint[], %(firsts)s::date[],
                                 %(lasts)s::date[]) AS s(key, patient_id, first_end, last_end)
            WHERE first_end <= last_end
        ), extent AS (
            SELECT patient_id, min(first_end) - {MONTH_DAYS - 1} AS first_day,
                   max(last_end) AS last_day
            FROM spans GROUP BY patient_id
        ), taken AS (
            SELECT d.patient_id, d.day, {flags}
            FROM extent e
            JOIN {DiaryDay._meta.db_table} d
              ON d.patient_id = e.patient_id AND d.day BETWEEN e.first_day AND e.last_day
            JOIN {DiaryDose._meta.db_table} x ON x.day_id = d.id
            GROUP BY d.patient_id, d.day
        ), rolling AS (
            SELECT e.patient_id, g.day::date AS span_end, {sums},
                   sum({any_class}) OVER w AS any_class
            FROM extent e
            CROSS JOIN LATERAL generate_series(e.first_day, e.last_day, interval '1 day') g(day)
            LEFT JOIN taken t ON t.patient_id = e.patient_id AND t.day = g.day::date
            WINDOW w AS (PARTITION BY e.patient_id ORDER BY g.day
                         ROWS BETWEEN {MONTH_DAYS - 1} PRECEDING AND CURRENT ROW)
        )
        SELECT s.key, {maxima},
               coalesce(max(r.any_class) FILTER (WHERE {classes_in_span} >= 2), 0)
        FROM spans s
        JOIN rolling r
          ON r.patient_id = s.patient_id AND r.span_end BETWEEN s.first_end AND s.last_end
        GROUP BY s.key
    """


def overuse_in_spans(
    spans: dict[Hashable, tuple[int, date, date]],
) -> dict[Hashable, MedicationOveruse]:
    """ICHD-3 8.2 in the 28-day spans ending from a first to a last day, for many keys at once.

    `spans` maps any key to (patient id, first span end, last span end); a span is the 28 days
    ending on its end day, whatever sessions or windows it crosses. Triptans, ergots, opioids
    or combination analgesics on 10 or more days; simple analgesics or NSAIDs on 15 or more;
    or two or more of these classes within one span on 10 or more days in all (a day counts
    once), reported when no single class reaches its own threshold. 'Other' never counts.
    One query whatever the number of keys.
    """
    keys = list(spans)
    results = {key: MedicationOveruse() for key in keys}
    if not keys:
        return results
    patient_ids, firsts, lasts = zip(*(spans[key] for key in keys), strict=True)
    params = {
        "keys": list(range(len(keys))),
        "ids": list(patient_ids),
        "firsts": list(firsts),
        "lasts": list(lasts),
    }
    with connection.cursor() as cursor:
        cursor.execute(_overuse_sql(), params)
        rows = cursor.fetchall()
    labels = dict(MedicineClass.choices)
    for index, *maxima, several in rows:
        findings = [
            OveruseFinding(labels[value], days, OVERUSE_THRESHOLDS[value])
            for value, days in zip(OVERUSE_CLASSES, maxima, strict=True)
            if days >= OVERUSE_THRESHOLDS[value]
        ]
        if not findings and several >= SEVERAL_CLASSES_THRESHOLD:
            findings.append(
                OveruseFinding(
                    gettext("Several acute medicine classes"), several, SEVERAL_CLASSES_THRESHOLD
                )
            )
        results[keys[index]] = MedicationOveruse(findings)
    return results


def medication_overuse_for_ranges(
    ranges: dict[Hashable, tuple[int, date, date]],
) -> dict[Hashable, MedicationOveruse]:
    """ICHD-3 8.2 in any 28-day span inside each range: `ranges` maps any key to (patient id,
    start, end). A range shorter than 28 days is checked as the one span ending on its end."""
    return overuse_in_spans(
        {
            key: (patient_id, min(start + timedelta(days=MONTH_DAYS - 1), end), end)
            for key, (patient_id, start, end) in ranges.items()
        }
    )


def medication_overuse_for_patients(
    patient_ids: Iterable[int], start: date, end: date
) -> dict[int, MedicationOveruse]:
    """Medication overuse (as `medication_overuse_for_ranges`) of many patients over one range."""
    return medication_overuse_for_ranges(
        {patient_id: (patient_id, start, end) for patient_id in patient_ids}
    )


def medication_overuse(patient: Patient, start: date, end: date) -> MedicationOveruse:
    """Medication overuse in any 28-day span of one patient's diary within the range."""
    return medication_overuse_for_patients([patient.pk], start, end)[patient.pk]


@dataclass(frozen=True)
class DiarySummary:
    """What the patient and the chart show for a window: the counts and any overuse."""

    counts: DiaryCounts
    overuse: MedicationOveruse


def diary_summary(patient: Patient, start: date, end: date) -> DiarySummary:
    return DiarySummary(diary_counts(patient, start, end), medication_overuse(patient, start, end))


@dataclass(frozen=True)
class RollingCounts:
    """The 28 days ending on `day`: days logged and the days meeting each definition."""

    day: date
    days_logged: int
    headache_days: int
    migraine_days: int
    acute_medication_days: int

    @property
    def adequate(self) -> bool:
        return coverage(self.days_logged, MONTH_DAYS) >= ADEQUATE_COVERAGE


def rolling_28_day_counts(
    patient_id: int, first: date, last: date, step: int = 1
) -> list[RollingCounts]:
    """For every `step`-th day back from `last` to `first`, the counts of the 28 days ending
    on it (window functions over a day series, so a missing day counts as not logged). One
    query; the rows follow the days asked for, not the size of the diary."""
    if last < first:
        return []
    days_sql, days_params = _flagged_days_sql()
    sql = f"""
        WITH f AS (
            SELECT * FROM ({days_sql}) d
            WHERE d.patient_id = %s AND d.day BETWEEN %s::date - {MONTH_DAYS - 1} AND %s::date
        ), daily AS (
            SELECT g.day::date AS day, (f.id IS NOT NULL)::int AS logged,
                   coalesce(f.is_headache_flag, false)::int AS headache,
                   coalesce(f.is_migraine_flag, false)::int AS migraine,
                   coalesce(f.is_acute_medication_flag, false)::int AS acute
            FROM generate_series(%s::date - {MONTH_DAYS - 1}, %s::date, interval '1 day') g(day)
            LEFT JOIN f ON f.day = g.day::date
        ), rolling AS (
            SELECT day, sum(logged) OVER w, sum(headache) OVER w, sum(migraine) OVER w,
                   sum(acute) OVER w
            FROM daily
            WINDOW w AS (ORDER BY day ROWS BETWEEN {MONTH_DAYS - 1} PRECEDING AND CURRENT ROW)
        )
        SELECT * FROM rolling
        WHERE day >= %s AND (%s::date - day) %% %s = 0
        ORDER BY day
    """
    params = [*days_params, patient_id, first, last, first, last, first, last, step]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [RollingCounts(*row) for row in cursor.fetchall()]
