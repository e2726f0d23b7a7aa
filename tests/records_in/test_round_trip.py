"""Our own export imported into an empty clinic reproduces every count and every
`progress_report` line: verdicts, latest decisions and courses (stopped, paused, restarted)
included.

What the FHIR export does not carry: the diary's days (only a window's rates, as
Observations) and the reported baselines (only their rate). The diary goes through our diary
CSV (`diaries.exchange`) and the baselines through our baselines CSV, as a clinic leaving
paper would bring them, after the patients and before the rest of the export: a review is
recorded against the verdict its day's diary suggests (docs/migration-in.md)."""

import json
from datetime import date

import pytest
from django.core.management import call_command
from django.db.models import Count, Sum

from diaries.exchange import export_csv
from diaries.exchange import import_csv as import_diary
from fhir_api.bulk import ndjson_files
from fhir_api.resources import TYPES
from patients.models import Eligibility, Patient
from records_in.csv_in import BASELINES
from records_in.fhir_in import import_fhir
from records_in.importing import import_csv
from reviews.models import Review
from scheduling.models import Appointment, CourseState
from tests.factories import UserFactory
from tests.records_in.helpers import csv_file, empty_the_clinic
from treatments.models import AdverseEvent, InjectedSite, InjectionSession

TODAY = date(2026, 11, 23)
pytestmark = [pytest.mark.django_db, pytest.mark.today(TODAY)]


def export_files() -> list[tuple[str, bytes]]:
    """The NDJSON files a whole-clinic `$export` writes (`fhir_api.bulk`)."""
    files = []
    for name, kind in TYPES.items():
        for part, lines in enumerate(ndjson_files(kind.every(None, TODAY)), start=1):
            files.append((f"{name}-{part}.ndjson", "".join(lines).encode()))
    return files


def counts() -> dict:
    sites = InjectedSite.objects.filter(skipped=False)
    return {
        "patients": Patient.objects.count(),
        "sessions": InjectionSession.objects.count(),
        "units": InjectionSession.objects.aggregate(total=Sum("units_given"))["total"],
        "sites given": sites.count(),
        "site units": sites.aggregate(total=Sum("units"))["total"],
        "sites skipped": InjectedSite.objects.filter(skipped=True).count(),
        "follow-the-pain sites": sites.filter(protocol_site=None).count(),
        "side effects": AdverseEvent.objects.count(),
        "serious side effects": AdverseEvent.objects.filter(serious=True).count(),
        "appointments": dict(
            Appointment.objects.values_list("status").annotate(n=Count("id")).order_by()
        ),
        "reported baselines": Eligibility.objects.exclude(headache_days_per_month=None).count(),
        "reviews": dict(Review.objects.values_list("decision").annotate(n=Count("id")).order_by()),
        "verdicts": sorted(Review.objects.values_list("patient__mrn", "suggested_verdict")),
        "course states": sorted(
            CourseState.objects.values_list("patient__mrn", "status", "since", "started_on")
        ),
    }


def progress_lines(capsys) -> dict:
    call_command("progress_report", format="json")
    return {record["mrn"]: record for record in json.loads(capsys.readouterr().out)}


def baselines_file() -> bytes:
    """The reported baselines as another system would list them (our CSV format)."""
    rows = [
        {
            "mrn": e.patient.mrn,
            "assessed_on": e.assessed_on.isoformat(),
            "headache_days_per_month": e.headache_days_per_month,
            "migraine_days_per_month": e.migraine_days_per_month or "",
            "assessed_by": e.assessed_by.username,
        }
        for e in Eligibility.objects.exclude(headache_days_per_month=None).select_related(
            "patient", "assessed_by"
        )
    ]
    return csv_file(rows)


def test_the_demo_clinic_exported_and_imported_into_an_empty_clinic_is_the_same(capsys):
    call_command("seed_demo", patients=6)
    capsys.readouterr()
    before, report = counts(), progress_lines(capsys)
    courses = {record["course"]["status"] for record in report.values()}
    assert {"active", "paused", "stopped", "not-started"} <= courses
    assert CourseState.history.filter(started_on__isnull=False).exists()  # a restart
    files = export_files()
    patient_files = [file for file in files if file[0].startswith(("Patient-", "Condition-"))]
    diaries = {p.mrn: export_csv(p, date(2000, 1, 1), TODAY) for p in Patient.objects.all()}
    baselines = baselines_file()
    assert before["sessions"] > 20 and before["side effects"] and before["reported baselines"]

    empty_the_clinic()
    assert counts()["patients"] == 0
    admin = UserFactory(username="importer", is_superuser=True)

    assert import_fhir(patient_files, by=admin).errors == []  # the patients first
    assert import_csv(BASELINES, baselines, by=admin).errors == []
    for mrn, text in diaries.items():
        assert import_diary(Patient.objects.get(mrn=mrn), text.encode(), by=admin).errors == []
    outcome = import_fhir(files, by=admin)  # then the rest: the patients are left alone
    assert outcome.errors == []
    assert outcome.added["reviews"] == Review.objects.count()
    assert outcome.added["course restarts"] == 1

    assert counts() == before
    after = progress_lines(capsys)
    assert after.keys() == report.keys()
    for mrn, record in report.items():
        assert after[mrn] == record, mrn

    again = import_fhir(files, by=admin)  # a re-import changes nothing
    assert again.errors == [] and again.added == {}
    assert counts() == before
