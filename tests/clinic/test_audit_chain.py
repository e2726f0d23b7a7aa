"""The audit trail cannot be erased by the app: TRUNCATE is refused, every event is chained to
the one before (a removed or edited event is found), and the app's own database role may only
read and insert (docs/audit.md)."""

import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from psycopg import sql

from clinic import audit
from clinic.audit_chain import GENESIS, verify_chain
from clinic.checks import audit_trail_role
from clinic.db_roles import grant_app_privileges
from clinic.models import AuditEvent, AuditLink
from tests.races import race

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def links_at_once():
    """A test's transaction never commits: link each event as it is written instead."""
    if connection.in_atomic_block:
        execute("SET CONSTRAINTS clinic_auditevent_chain IMMEDIATE")


def event(n: int) -> AuditEvent:
    return audit.record(action=audit.Action.VIEW, object_type=f"page {n}", patient_id=n)


def execute(statement: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def as_table_owner(statement: str, params=()) -> None:
    """What the role owning the table can do: turn the append-only trigger off, then write."""
    execute("ALTER TABLE clinic_auditevent DISABLE TRIGGER clinic_auditevent_append_only")
    execute(statement, params)
    execute("ALTER TABLE clinic_auditevent ENABLE TRIGGER clinic_auditevent_append_only")


def refused(statement: str, params=()) -> bool:
    try:
        with transaction.atomic():
            execute(statement, params)
    except DatabaseError:
        return True
    return False


def test_truncate_is_refused_even_to_the_tables_owner():
    event(1)
    with pytest.raises(DatabaseError, match="append-only: TRUNCATE"), transaction.atomic():
        execute("TRUNCATE clinic_auditevent")
    assert AuditEvent.objects.count() == 1


def test_each_event_links_to_the_one_before_and_the_chain_verifies():
    events = [event(n) for n in range(5)]
    rows = list(
        AuditLink.objects.order_by("id").values_list("event_id", "previous_hash", "event_hash")
    )
    assert [row[0] for row in rows] == [e.pk for e in events]
    assert rows[0][1] == GENESIS
    assert all(later[1] == earlier[2] for earlier, later in zip(rows, rows[1:], strict=False))
    report = verify_chain(chunk_size=2)
    assert (report.intact, report.events, report.last_id) == (True, 5, events[-1].pk)


def test_an_event_edited_by_the_tables_owner_breaks_the_chain():
    events = [event(n) for n in range(5)]
    as_table_owner(
        "UPDATE clinic_auditevent SET username = 'someone else' WHERE id = %s", [events[2].pk]
    )
    report = verify_chain()
    assert (report.broken_at, report.events) == (events[2].pk, 2)
    assert "was changed after it was written" in report.problem
    with pytest.raises(CommandError, match=f"Event #{events[2].pk} was changed"):
        call_command("verify_audit_chain")


def test_an_event_removed_by_the_tables_owner_breaks_the_chain():
    events = [event(n) for n in range(5)]
    as_table_owner("DELETE FROM clinic_auditevent WHERE id = %s", [events[2].pk])
    report = verify_chain()
    assert report.broken_at == events[2].pk
    assert f"Event #{events[2].pk} was removed" in report.problem


def test_a_link_removed_by_the_tables_owner_breaks_the_chain():
    events = [event(n) for n in range(5)]
    execute("ALTER TABLE clinic_auditlink DISABLE TRIGGER clinic_auditlink_append_only")
    execute("DELETE FROM clinic_auditlink WHERE event_id = %s", [events[2].pk])
    report = verify_chain()
    assert report.broken_at == events[3].pk
    assert f"does not link to the event before it (#{events[1].pk})" in report.problem


def test_an_event_slipped_in_with_the_triggers_off_breaks_the_chain():
    event(1)
    execute("SET session_replication_role = replica")  # a superuser's way round every trigger
    forged = event(2)
    execute("SET session_replication_role = origin")
    event(3)
    assert verify_chain().broken_at == forged.pk


def test_the_command_reports_an_intact_chain(capsys):
    event(1)
    call_command("verify_audit_chain")
    assert "The audit chain holds: 1 events" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_events_written_at_the_same_moment_chain_one_after_another():
    def writer(n):
        def write():
            with transaction.atomic():
                event(n)
                time.sleep(0.01)  # keep the transaction open while the others insert
                event(100 + n)

        return write

    race(*[writer(n) for n in range(20)], expected=())
    assert AuditEvent.objects.count() == 40
    assert AuditLink.objects.values("previous_hash").distinct().count() == 40
    assert verify_chain().intact


@pytest.fixture
def app_role():
    """A real login role granted what `manage.py db_roles` grants the app (rolled back with
    the test's transaction, like the role itself)."""
    name = f"{connection.settings_dict['NAME']}_app"
    execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(name)))
    with connection.cursor() as cursor:
        grant_app_privileges(cursor, owner=connection.settings_dict["USER"], app=name)
    return name


def test_the_app_role_may_insert_and_read_the_trail_but_not_change_or_erase_it(app_role):
    first = event(1)
    execute(sql.SQL("SET ROLE {}").format(sql.Identifier(app_role)))
    second = event(2)  # the app writes the trail as before
    assert AuditEvent.objects.count() == 2
    assert refused("UPDATE clinic_auditevent SET username = 'x' WHERE id = %s", [first.pk])
    assert refused("DELETE FROM clinic_auditevent WHERE id = %s", [first.pk])
    assert refused("TRUNCATE clinic_auditevent")
    assert refused("ALTER TABLE clinic_auditevent DISABLE TRIGGER USER")
    assert not refused("UPDATE patients_patient SET phone = phone")  # other tables: rows as usual
    assert audit_trail_role(databases=["default"]) == []
    execute("RESET ROLE")
    assert verify_chain().last_id == second.pk


def test_the_deployment_check_warns_when_the_app_role_can_erase_the_trail():
    """The tests connect as the superuser that owns every table: exactly what to warn about."""
    warnings = audit_trail_role(databases=["default"])
    assert [warning.id for warning in warnings] == ["clinic.W001", "clinic.W001"]
    assert "superuser" in warnings[0].msg and "UPDATE, DELETE, TRUNCATE" in warnings[1].msg
    assert audit_trail_role(databases=None) == []  # only with --database, like Django's own


def test_the_deployment_check_warns_when_the_app_role_owns_the_audit_table(app_role):
    execute(sql.SQL("ALTER TABLE clinic_auditevent OWNER TO {}").format(sql.Identifier(app_role)))
    execute(sql.SQL("SET ROLE {}").format(sql.Identifier(app_role)))
    messages = [warning.msg for warning in audit_trail_role(databases=["default"])]
    execute("RESET ROLE")
    assert (
        messages[0] == f"The app's database role {app_role} owns the audit table clinic_auditevent."
    )


def test_db_roles_makes_an_owner_of_everything_and_an_app_that_can_only_append(capsys):
    name = connection.settings_dict["NAME"]
    owner, app = f"{name}_owner", f"{name}_app"
    call_command("db_roles", owner=owner, app=app)
    call_command("db_roles", owner=owner, app=app)  # again: nothing to do, no error
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner <> %s",
            [owner],
        )
        assert cursor.fetchone()[0] == 0
    execute(sql.SQL("SET ROLE {}").format(sql.Identifier(app)))
    event(1)
    assert refused("DELETE FROM clinic_auditevent")
    assert refused("CREATE TABLE stray (id int)")
    assert audit_trail_role(databases=["default"]) == []
    execute("RESET ROLE")
