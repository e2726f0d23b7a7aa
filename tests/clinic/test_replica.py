"""Past one machine (clinic/db_router.py, clinic/databases.py): the report pages read from the
replica, everything else and every write stays on the primary; PgBouncer's options.

In tests the `replica` alias is a mirror of `default`: a second connection to the same test
database. The tests are transactional, so that connection sees what the test committed.
"""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clinic.databases import databases
from clinic.db_router import WROTE_COOKIE, ReplicaRouter, replica_reads
from clinic.models import AuditEvent
from patients.models import Patient
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])

WRITES = ("INSERT", "UPDATE", "DELETE")


@pytest.fixture
def replica_on(settings):
    settings.READ_REPLICA = True


class Queries:
    """The SQL each connection ran during the block."""

    def __enter__(self):
        self.default = CaptureQueriesContext(connections["default"]).__enter__()
        self.replica = CaptureQueriesContext(connections["replica"]).__enter__()
        return self

    def __exit__(self, *exc):
        self.replica.__exit__(*exc)
        self.default.__exit__(*exc)

    @staticmethod
    def sql(context) -> list[str]:
        return [query["sql"] for query in context.captured_queries]

    def on_replica(self, table: str) -> bool:
        """Did the replica run a query on `table` (not only joining it)?"""
        return any(f'FROM "{table}"' in sql for sql in self.sql(self.replica))


def test_a_chart_opened_reads_the_patient_from_the_replica_and_audits_on_the_primary(
    replica_on, neurologist_client
):
    patient = PatientFactory()
    with Queries() as queries:
        response = neurologist_client.get(reverse("patients:chart", args=[patient.pk]))
    assert response.status_code == 200
    assert queries.on_replica("patients_patient")
    assert not any(sql.startswith(WRITES) for sql in Queries.sql(queries.replica))
    # The chart's GET writes an audit row: on the primary, and never read from the replica.
    assert any(
        sql.startswith("INSERT") and '"clinic_auditevent"' in sql
        for sql in Queries.sql(queries.default)
    )
    assert not queries.on_replica("clinic_auditevent")
    assert AuditEvent.objects.filter(patient=patient, action="view").exists()
    # Sessions and the logged-in user are read where they are written (a user's name may be
    # joined to what the page shows).
    assert not queries.on_replica("django_session")
    assert not queries.on_replica("clinic_user")
    assert b"Figures as of" in response.content
    assert b"s behind), from the reports replica" in response.content


def test_a_post_never_touches_the_replica_and_leaves_the_primarys_position(
    replica_on, neurologist_client
):
    patient = PatientFactory()
    with Queries() as queries:
        response = neurologist_client.post(
            reverse("patients:flag_add", args=[patient.pk]),
            {"kind": "pregnancy", "noted_on": "01/11/2026", "note": ""},
        )
    assert response.status_code == 302
    assert patient.flags.filter(kind="pregnancy").exists()
    assert queries.replica.captured_queries == []
    assert response.cookies[WROTE_COOKIE].value.count("/") == 1  # a WAL position: 0/1A2B3C4


def test_after_a_write_the_replica_serves_only_once_it_has_replayed_it(
    replica_on, neurologist_client
):
    patient = PatientFactory()
    chart = reverse("patients:chart", args=[patient.pk])
    neurologist_client.cookies[WROTE_COOKIE] = "FFFFFFFF/0"  # a write the replica lacks
    with Queries() as queries:
        response = neurologist_client.get(chart)
    assert response.status_code == 200
    assert not queries.on_replica("patients_patient")
    assert b"Figures as of" not in response.content
    neurologist_client.cookies[WROTE_COOKIE] = "0/0"  # replayed long ago
    with Queries() as queries:
        neurologist_client.get(chart)
    assert queries.on_replica("patients_patient")


def test_a_cookie_that_is_not_a_wal_position_sends_the_page_to_the_primary(
    replica_on, neurologist_client
):
    patient = PatientFactory()
    neurologist_client.cookies[WROTE_COOKIE] = "0/0'; DROP TABLE x; --"
    with Queries() as queries:
        response = neurologist_client.get(reverse("patients:chart", args=[patient.pk]))
    assert response.status_code == 200
    assert queries.replica.captured_queries == []


def test_a_replica_that_does_not_answer_leaves_the_page_to_the_primary(
    replica_on, neurologist_client
):
    patient = PatientFactory()
    replica = connections["replica"]
    replica.close()
    port = replica.settings_dict["PORT"]
    replica.settings_dict["PORT"] = "1"  # nothing listens there: refused at once
    try:
        response = neurologist_client.get(reverse("patients:chart", args=[patient.pk]))
    finally:
        replica.close()
        replica.settings_dict["PORT"] = port
    assert response.status_code == 200
    assert patient.mrn.encode() in response.content
    assert b"Figures as of" not in response.content


def test_pages_outside_the_reports_and_every_page_without_a_replica_use_the_primary(
    settings, neurologist_client
):
    patient = PatientFactory()
    with Queries() as queries:
        neurologist_client.get(reverse("patients:edit", args=[patient.pk]))  # a form
        settings.READ_REPLICA = False
        neurologist_client.get(reverse("patients:chart", args=[patient.pk]))
    assert queries.replica.captured_queries == []


def test_a_marked_request_that_writes_reads_what_it_wrote_from_the_primary(replica_on):
    router = ReplicaRouter()
    replica_reads.set(True)
    try:
        assert router.db_for_read(Patient) == "replica"
        assert router.db_for_read(AuditEvent) is None  # always where it is written
        router.db_for_write(AuditEvent)  # the audit row of a view: the reads stay put
        assert router.db_for_read(Patient) == "replica"
        router.db_for_write(Patient)
        assert router.db_for_read(Patient) is None
    finally:
        replica_reads.set(False)


@pytest.mark.django_db(databases=[])
def test_behind_pgbouncer_no_prepared_statements_and_no_server_side_cursors():
    url = "postgres://app@pooler:6432/clinic"
    direct = "postgres://app@primary:5432/clinic"
    pooled = databases(url=url, jobs_url=direct, pooler="pgbouncer")
    assert pooled["default"]["OPTIONS"]["prepare_threshold"] is None
    assert pooled["default"]["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert "options" not in pooled["default"]["OPTIONS"]  # PgBouncer refuses it
    # The job worker LISTENs: straight to the primary, with nothing PgBouncer needs.
    assert pooled["jobs"]["HOST"] == "primary"
    assert "prepare_threshold" not in pooled["jobs"]["OPTIONS"]
    plain = databases(url=direct)
    assert "prepare_threshold" not in plain["default"]["OPTIONS"]
    assert plain["default"].get("DISABLE_SERVER_SIDE_CURSORS", False) is False
    assert plain["default"]["OPTIONS"]["options"] == "-c jit=off"
    # Without JOBS_DATABASE_URL the worker goes where the app goes, through the pooler too.
    assert databases(url=url, pooler="pgbouncer")["jobs"]["OPTIONS"]["prepare_threshold"] is None
    with pytest.raises(ImproperlyConfigured, match="DATABASE_POOLER='pgpool'"):
        databases(url=url, pooler="pgpool")
