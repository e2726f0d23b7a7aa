"""Progress as plain data for `manage.py progress_report`: per patient (JSON) or per window (CSV).

Numbers go through `diaries.metrics.rounded` (`Window.summary()`), as on the page and in the
letter; JSON and CSV print the rounded value (2.5, never 2.45 or 2.4499…).
"""

from diaries.metrics import RATES, rounded
from reviews.progress import Progress, Window

MEASURES = list(RATES)
CSV_COLUMNS = [
    "mrn",
    "verdict",
    "medication_overuse",
    "window",
    "n",
    "source",
    "start",
    "end",
    "days_logged",
    "coverage",
    *MEASURES,
    "reduction_percent",
]


def _number(value) -> float | None:
    return None if value is None else float(value)


def _measures(window: Window) -> dict:
    summary = window.summary()
    return {
        "days_logged": window.days_logged,
        "coverage": _number(summary["coverage"]),
        **{name: _number(summary[name]) for name in MEASURES},
    }


def baseline_record(progress: Progress) -> dict | None:
    baseline = progress.baseline
    if baseline is None:
        return None
    record = {"source": baseline.source or "diary", **_measures(baseline.window)}
    if baseline.source == "reported":
        record["headache_days_per_28"] = _number(rounded(baseline.headache_rate))
    return record


def cycle_record(cycle: Window) -> dict:
    return {
        "n": cycle.number,
        "start": cycle.start.isoformat(),
        "end": cycle.end.isoformat(),
        **_measures(cycle),
        "reduction_percent": _number(rounded(cycle.reduction)),
    }


def patient_record(mrn: str, progress: Progress) -> dict:
    """One patient, as the JSON export prints it."""
    return {
        "mrn": mrn,
        "sessions": len(progress.sessions),
        "baseline": baseline_record(progress),
        "cycles": [cycle_record(cycle) for cycle in progress.cycles],
        "verdict": str(progress.verdict),
        "medication_overuse": progress.medication_overuse,
    }


def window_rows(record: dict, progress: Progress) -> list[dict]:
    """The CSV rows of one patient record: the baseline, then each cycle (or one bare row)."""
    shared = {
        "mrn": record["mrn"],
        "verdict": record["verdict"],
        "medication_overuse": record["medication_overuse"],
    }
    rows = []
    if record["baseline"]:
        window = progress.baseline.window
        dates = {"start": window.start.isoformat(), "end": window.end.isoformat()}
        rows.append({**shared, "window": "baseline", **dates, **record["baseline"]})
    for cycle in record["cycles"]:
        rows.append({**shared, "window": "cycle", "source": "diary", **cycle})
    return rows or [shared]
