"""Backup and restore: the demo clinic survives a round trip through pg_dump and pg_restore."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from clinic.backup import Database
from demo.reviews import COURSES as PROGRESS_COURSES

pytestmark = pytest.mark.django_db(transaction=True)  # pg_dump sees only committed rows


def table_fingerprints(conn) -> dict[str, tuple[int, str]]:
    """{table: (rows, md5 of all its rows in a stable order)} for every table of the schema."""
    tables = [
        row[0]
        for row in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
    ]
    return {
        table: conn.execute(
            f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
            f'FROM "{table}" t'
        ).fetchone()
        for table in tables
    }


@pytest.fixture
def restored_database():
    database = Database.from_settings(
        connection.settings_dict, name=f"{connection.settings_dict['NAME']}_restored"
    )
    with database.connect("postgres") as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database.name}"')
    yield database
    with database.connect("postgres") as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database.name}" WITH (FORCE)')


def test_the_demo_clinic_is_restored_row_for_row(tmp_path, restored_database, capsys):
    call_command("seed_demo")
    call_command("backup", dir=tmp_path)
    dump = next(tmp_path.glob("*.dump"))
    assert "Backed up to" in capsys.readouterr().out

    call_command("restore", str(dump), database=restored_database.name)

    source = Database.from_settings(connection.settings_dict)
    with source.connect() as original, restored_database.connect() as copy:
        before, after = table_fingerprints(original), table_fingerprints(copy)
    clinical = [
        name
        for name in before
        if name.startswith(("patients_", "treatments_", "diaries_", "scheduling_", "reviews_"))
    ]
    assert len(clinical) >= 10 and before["patients_patient"][0] == 40 + len(PROGRESS_COURSES)
    assert after == before  # every table: same row count and checksum


def test_a_database_with_tables_is_not_overwritten(tmp_path):
    call_command("backup", dir=tmp_path)
    dump = next(tmp_path.glob("*.dump"))
    with pytest.raises(CommandError, match="is not empty"):
        call_command("restore", str(dump))  # the configured database, in use


def test_a_missing_file_is_reported(tmp_path):
    with pytest.raises(CommandError, match="no backup file"):
        call_command("restore", str(tmp_path / "nothing.dump"), database="never_created")
