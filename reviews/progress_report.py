"""Progress as plain data for `manage.py progress_report`: per patient (JSON) or per window (CSV).

Numbers go through `diaries.metrics.rounded` (`Window.summary()`), as on the page and in the
letter; JSON and CSV print the rounded value (2.5, never 2.45 or 2.4499…).

`report_records` computes the patients in keyset batches (`clinic.batches`, by MRN) and yields one
record at a time, so a report of the whole clinic runs in the memory of one batch.
"""

import json
from collections.abc import Iterator
from datetime import date

from django.core.serializers.json import DjangoJSONEncoder

from clinic.batches import keyset_batches
from diaries.metrics import RATES, rounded
from patients.models import Patient
from reviews.due import due_of, with_review_due
from reviews.models import Review
from reviews.progress import Progress, Window, progress_for_patients
from scheduling.courses import NOT_STARTED, courses_of

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
    "late_days",
    "transcribed_days",
    "window_overuse",
    "reported_on",
    "no_reduction_reason",
]


def _number(value) -> float | None:
    return None if value is None else float(value)


def _measures(window: Window) -> dict:
    """As the progress table shows them: a reported baseline gives headache days only; late
    and transcribed days count the window's days entered late and transcribed by staff."""
    summary = window.summary()
    return {
        "days_logged": summary["days_logged"],
        "coverage": _number(summary["coverage"]),
        **{name: _number(summary[name]) for name in MEASURES},
        "late_days": summary["late_days"],
        "transcribed_days": summary["transcribed_days"],
        "overuse": window.overuse,  # ICHD-3 8.2 findings of the spans overlapping it
    }


def baseline_record(progress: Progress) -> dict | None:
    baseline = progress.baseline
    if baseline is None:
        return None
    record = {"source": baseline.source or "diary", **_measures(baseline.shown)}
    if baseline.source == "reported":
        record["reported_on"] = baseline.reported_on.isoformat()
    if not baseline.adequate:
        record["no_reduction_reason"] = baseline.no_reduction_reason
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
    for row in rows:
        row["window_overuse"] = "; ".join(row.pop("overuse"))
    return rows or [shared]


def course_records(patient_ids, as_of) -> dict[int, dict]:
    """Per patient: `latest_decision` (as of `as_of`) and `course`: its state, the next
    injection (`scheduling.courses`) and the review due (`reviews.due`), as the pages show
    them. Two queries whatever the number of patients."""
    ids = list(patient_ids)
    courses = courses_of(ids, as_of)
    latest = {
        row["patient_id"]: {"decision": row["decision"], "on": row["reviewed_on"].isoformat()}
        for row in Review.objects.filter(patient_id__in=ids, reviewed_on__lte=as_of)
        .order_by("patient_id", "-reviewed_on", "-id")
        .distinct("patient_id")
        .values("patient_id", "decision", "reviewed_on")
    }
    dues = {
        patient.pk: due_of(patient)
        for patient in with_review_due(Patient.objects.filter(pk__in=ids), as_of)
    }
    records = {}
    for pk in ids:
        course = courses.get(pk)
        due = dues.get(pk)
        due = due if due and due.is_due(as_of) else None
        next_due = course.next_injection_due if course else None
        records[pk] = {
            "latest_decision": latest.get(pk),
            "course": {
                "status": course.status if course else NOT_STARTED,
                "next_injection_due": next_due.isoformat() if next_due else None,
                "review_due": due is not None,
                "review_due_since": due.since.isoformat() if due else None,
                "review_due_reason": due.reason if due else None,
            },
        }
    return records


def report_records(
    patients, as_of: date, *, size: int | None = None
) -> Iterator[tuple[dict, Progress]]:
    """Each patient's record (as the JSON prints it) and `Progress`, batch by batch."""
    for batch in keyset_batches(patients, "mrn", "pk", size=size):
        mrns = {pk: mrn for mrn, pk in batch}
        progress = progress_for_patients(mrns, as_of, with_overuse=True)
        courses = course_records(mrns, as_of)
        for pk, mrn in mrns.items():
            record = {
                **patient_record(mrn, progress[pk]),
                "diagnosis": progress[pk].diagnosis,
                **courses[pk],
            }
            yield record, progress[pk]


def json_array(records: Iterator[dict]) -> Iterator[str]:
    """A JSON array written as it goes: `[`, one indented record at a time, `]`."""
    yield "["
    separator = "\n"
    for record in records:
        body = json.dumps(record, indent=2, cls=DjangoJSONEncoder).replace("\n", "\n  ")
        yield f"{separator}  {body}"
        separator = ",\n"
    yield "\n]\n" if separator != "\n" else "]\n"


def json_lines(records: Iterator[dict]) -> Iterator[str]:
    """One compact JSON record a line (JSON Lines)."""
    for record in records:
        yield json.dumps(record, cls=DjangoJSONEncoder) + "\n"
