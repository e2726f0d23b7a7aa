"""`manage.py progress_report`: the JSON and CSV exports, counted by hand."""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command

from diaries.models import DiaryDay, DiaryDose
from patients.models import Patient
from reviews.progress import patient_progress
from reviews.progress_report import report_records
from tests.factories import PatientFactory, PatientMedicineFactory
from tests.reviews.progress_helpers import BASELINE_START, S1, S2, S3, responding_course

pytestmark = pytest.mark.django_db

AS_OF = (S3 + timedelta(days=10)).isoformat()


def report(*args) -> str:
    out = io.StringIO()
    call_command("progress_report", *args, stdout=out)
    return out.getvalue()


def test_json_prints_baseline_cycles_verdict_and_overuse_per_patient():
    patient = PatientFactory(mrn="P-0001")
    responding_course(patient)
    [record] = json.loads(report("--format", "json", "--as-of", AS_OF))
    assert record["mrn"] == "P-0001"
    assert record["sessions"] == 3
    assert record["baseline"] == {
        "source": "diary",
        "days_logged": 28,
        "coverage": 100.0,
        "headache_days_per_28": 24.0,
        "migraine_days_per_28": 0.0,
        "moderate_severe_days_per_28": 24.0,
        "acute_medication_days_per_28": 0.0,
        "late_days": 0,
        "transcribed_days": 0,
        "overuse": [],
    }
    assert record["cycles"][1] == {
        "n": 2,
        "start": S2.isoformat(),
        "end": (S2 + timedelta(days=83)).isoformat(),
        "days_logged": 84,
        "coverage": 100.0,
        "headache_days_per_28": 12.0,
        "migraine_days_per_28": 0.0,
        "moderate_severe_days_per_28": 12.0,
        "acute_medication_days_per_28": 0.0,
        "late_days": 0,
        "transcribed_days": 0,
        "overuse": [],
        "reduction_percent": 50.0,
    }
    assert [c["reduction_percent"] for c in record["cycles"]] == [16.7, 50.0, None]
    assert (record["verdict"], record["medication_overuse"]) == ("responder-50", False)


def test_overuse_in_cycle_1_marks_its_window_but_is_not_current_overuse():
    patient = PatientFactory()
    responding_course(patient)
    triptan = PatientMedicineFactory(patient=patient, medicine_class="triptan")
    for day in DiaryDay.objects.filter(patient=patient, day__gte=S1, day__lt=S1 + timedelta(10)):
        DiaryDose.objects.create(day=day, medicine=triptan, medicine_class="triptan")
    [record] = json.loads(report("--as-of", AS_OF))
    # the spans holding those 10 days overlap the baseline (they start before S1) and cycle 1
    assert (
        record["baseline"]["overuse"]
        == record["cycles"][0]["overuse"]
        == ["Triptan on 10 days in 28 (limit: fewer than 10)"]
    )
    assert record["cycles"][1]["overuse"] == []
    assert record["medication_overuse"] is False  # the 28 days before the as-of date


def test_the_as_of_date_and_the_mrn_choose_what_is_reported():
    patient = PatientFactory(mrn="P-0002")
    responding_course(patient)
    PatientFactory(mrn="P-0003")
    records = json.loads(report("--mrn", "P-0002", "--as-of", (S2 + timedelta(40)).isoformat()))
    assert [(r["mrn"], r["sessions"], r["verdict"]) for r in records] == [
        ("P-0002", 2, "awaiting-cycle-2")
    ]


def test_csv_gives_one_row_per_window_and_a_bare_row_for_the_untreated():
    responding_course(PatientFactory(mrn="P-0004"))
    PatientFactory(mrn="P-0005")
    rows = list(csv.DictReader(io.StringIO(report("--format", "csv", "--as-of", AS_OF))))
    assert [(r["mrn"], r["window"], r["n"]) for r in rows] == [
        ("P-0004", "baseline", ""),
        ("P-0004", "cycle", "1"),
        ("P-0004", "cycle", "2"),
        ("P-0004", "cycle", "3"),
        ("P-0005", "", ""),
    ]
    assert rows[0]["start"] == BASELINE_START.isoformat()
    assert (rows[2]["headache_days_per_28"], rows[2]["reduction_percent"]) == ("12.0", "50.0")
    assert rows[4]["verdict"] == "awaiting-baseline"


def test_the_export_shows_the_numbers_of_the_page():
    patient = PatientFactory(mrn="P-0006")
    responding_course(patient, cycle_headache_days=41)  # 13.67/28: 43.1% fewer
    [record] = json.loads(report("--as-of", AS_OF))
    page = patient_progress(patient, S3 + timedelta(days=10))
    for cycle, exported in zip(page.cycles, record["cycles"], strict=True):
        summary = cycle.summary()
        for name in ("headache_days_per_28", "coverage", "reduction_percent"):
            shown = None if summary[name] is None else float(summary[name])
            assert exported[name] == shown
    assert record["cycles"][1]["reduction_percent"] == 43.1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--mrn", "NOPE"], "No patient with MRN NOPE."),
        (["--as-of", "23/11/2026"], "--as-of must be a date like 2026-11-23"),
    ],
)
def test_bad_arguments_are_refused_clearly(args, message):
    with pytest.raises(CommandError, match=message):
        report(*args)


def test_batches_cover_every_patient_once_in_mrn_order(django_assert_max_num_queries):
    for n in (5, 1, 4, 2, 3):
        PatientFactory(mrn=f"P-01{n:02d}")
    responding_course(PatientFactory(mrn="P-0100"))
    patients = Patient.objects.all()
    as_of = S3 + timedelta(days=10)
    # Each batch: its patients, then a fixed number of queries whatever its size.
    with django_assert_max_num_queries(4 * 12):
        mrns = [record["mrn"] for record, _ in report_records(patients, as_of, size=2)]
    assert mrns == [f"P-01{n:02d}" for n in range(6)]
    whole = [record for record, _ in report_records(patients, as_of)]
    assert [record for record, _ in report_records(patients, as_of, size=2)] == whole


def test_json_lines_and_the_streamed_array_hold_the_same_records():
    responding_course(PatientFactory(mrn="P-0200"))
    PatientFactory(mrn="P-0201")
    array = json.loads(report("--format", "json", "--as-of", AS_OF))
    lines = report("--format", "jsonl", "--as-of", AS_OF).splitlines()
    assert [json.loads(line) for line in lines] == array
    assert [record["mrn"] for record in array] == ["P-0200", "P-0201"]


def test_an_empty_report_is_an_empty_array():
    assert json.loads(report("--as-of", AS_OF)) == []
