"""Every table a summary is computed from has its triggers, so no write can leave it stale."""

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reviews import triggers as progress_triggers
from reviews.progress import progress_for_patients
from scheduling import triggers as course_triggers
from tests.factories import PatientFactory

TABLE = re.compile(r'\b(?:FROM|JOIN)\s+"?([a-z_]+)"?', re.IGNORECASE)
pytestmark = pytest.mark.django_db


def installed_triggers() -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal"
        )
        return set(cursor.fetchall())


def tables_read(sql: str) -> set[str]:
    return {name for name in TABLE.findall(sql) if "_" in name}


@pytest.mark.parametrize(
    ("sources", "prefix"),
    [
        (course_triggers.SOURCES, "scheduling_courses_from_"),
        (progress_triggers.PROGRESS_SOURCES, "reviews_progress_from_"),
        (progress_triggers.PENDING_SOURCES, "reviews_pending_from_"),
    ],
)
def test_each_source_table_has_its_insert_update_and_delete_triggers(sources, prefix):
    installed = installed_triggers()
    for table in sources:
        for kind in ("ins", "upd", "del"):
            assert (table, f"{prefix}{table}_{kind}") in installed


def test_the_course_summary_reads_only_tables_that_have_triggers():
    read = tables_read(course_triggers.REFRESH_FUNCTION) - {"scheduling_coursesummary"}
    assert read and read <= set(course_triggers.SOURCES)


def test_the_review_summary_reads_only_tables_that_have_triggers():
    read = tables_read(progress_triggers.PENDING_FUNCTION) - {"reviews_reviewsummary"}
    assert read and read <= set(progress_triggers.PENDING_SOURCES)


def test_the_progress_rules_read_only_tables_that_have_triggers():
    """Add an input to the progress rules without its trigger and this fails."""
    patient = PatientFactory()
    with CaptureQueriesContext(connection) as queries:
        progress_for_patients([patient.pk], date(2026, 12, 1), with_overuse=True)
    read = set().union(*(tables_read(query["sql"]) for query in queries.captured_queries))
    read -= {"patients_patient", "diaries_patientmedicine"}  # not inputs of a window's measures
    assert read and read <= set(progress_triggers.PROGRESS_SOURCES)
