"""A diary import is bulk: a fixed number of queries for the diary rows whatever the file's
length, a cap on rows per file, and every day still has its history and its audit event."""

import time
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinic.models import AuditEvent
from diaries.exchange import MAX_IMPORT_ROWS, import_csv
from diaries.models import DiaryDay, DiaryDose, PatientMedicine, Source
from tests.diaries.test_exchange import csv_file, row
from tests.factories import PatientFactory, UserFactory

TODAY = date(2026, 6, 17)
pytestmark = [pytest.mark.django_db, pytest.mark.today(TODAY)]


def year_of_days(count: int) -> bytes:
    """`count` days back from yesterday; every third a headache with two medicines."""
    rows = []
    for n in range(count):
        day = TODAY - timedelta(days=n + 1)
        if n % 3 == 0:
            rows.append(
                row(day, "yes", "moderate", "3", meds="Sumatriptan:triptan:1;Ibuprofen:simple:2")
            )
        else:
            rows.append(row(day, note=f"fine {n}"))
    return csv_file(*rows)


@pytest.fixture
def long_registered_patient():
    return PatientFactory(registered_on=TODAY - timedelta(days=3000))


def test_a_year_imports_in_a_bounded_number_of_queries(long_registered_patient):
    patient, by = long_registered_patient, UserFactory()
    sizes = {}
    for count, other in ((30, None), (365, PatientFactory(registered_on=patient.registered_on))):
        target = other or patient
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            result = import_csv(target, year_of_days(count), by=by)
            elapsed = time.perf_counter() - started
        assert result.errors == [] and result.added == count
        data_queries = [q for q in queries if "clinic_auditevent" not in q["sql"]]
        sizes[count] = (len(data_queries), elapsed)
    print(f"import times: {sizes}")
    assert sizes[365][0] <= sizes[30][0]  # the diary's own queries do not grow with the file
    # Before the bulk import a year took 6 s (32 s on the busy test machine), 9,000+ queries.
    assert sizes[365][1] < 10


def test_bulk_import_keeps_history_audit_and_every_answer(long_registered_patient):
    patient, by = long_registered_patient, UserFactory()
    result = import_csv(patient, year_of_days(9), by=by)
    assert (result.added, result.medicines_added) == (9, 2)
    days = DiaryDay.objects.filter(patient=patient)
    assert days.count() == 9
    answers = set(days.values_list("source", "entered_by", "late"))
    assert answers == {(Source.IMPORTED, by.pk, False)}
    assert DiaryDose.objects.filter(day__patient=patient).count() == 6
    assert DiaryDay.history.filter(patient_id=patient.pk, history_type="+").count() == 9
    assert set(DiaryDay.history.values_list("history_user", flat=True)) == {by.pk}
    assert DiaryDose.history.filter(history_type="+").count() == 6
    assert PatientMedicine.history.filter(patient_id=patient.pk).count() == 2
    created = AuditEvent.objects.filter(patient_id=patient.pk, action=AuditEvent.Action.CREATE)
    assert created.filter(object_type="diaries.diaryday").count() == 9
    assert created.filter(object_type="diaries.diarydose").count() == 6
    assert set(
        created.filter(object_type__startswith="diaries.").values_list("user", flat=True)
    ) == {by.pk}
    # Importing it again changes nothing.
    again = import_csv(patient, year_of_days(9), by=by)
    assert (again.errors, again.added, again.unchanged) == ([], 0, 9)


def test_a_file_over_the_row_cap_is_refused_with_a_clear_message(long_registered_patient):
    result = import_csv(long_registered_patient, year_of_days(MAX_IMPORT_ROWS + 1))
    assert result.added == 0
    assert result.errors == [
        f"The file has {MAX_IMPORT_ROWS + 1} days; import at most {MAX_IMPORT_ROWS} at once "
        "(split it into smaller files)."
    ]
    assert not DiaryDay.objects.exists()
