"""Backup and restore: the demo clinic survives a round trip through pg_dump and pg_restore."""

import os
import stat
import subprocess
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from clinic.backup import Database
from clinic.roles import GROUP_NAMES
from demo.courses import COURSES as DECISION_COURSES
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
    for name in GROUP_NAMES.values():  # an earlier transactional test flushed the migration's
        Group.objects.get_or_create(name=name)
    call_command("seed_demo")
    call_command("verify_audit_chain")  # the demo clinic's trail is one unbroken chain
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
    assert len(clinical) >= 10 and before["patients_patient"][0] == 40 + len(
        PROGRESS_COURSES
    ) + len(DECISION_COURSES)
    assert after == before  # every table: same row count and checksum


def test_a_database_with_tables_is_not_overwritten(tmp_path):
    call_command("backup", dir=tmp_path)
    dump = next(tmp_path.glob("*.dump"))
    with pytest.raises(CommandError, match="is not empty"):
        call_command("restore", str(dump))  # the configured database, in use


def test_a_missing_file_is_reported(tmp_path):
    with pytest.raises(CommandError, match="no backup file"):
        call_command("restore", str(tmp_path / "nothing.dump"), database="never_created")


@pytest.fixture
def permissive_umask():
    previous = os.umask(0o022)  # as on a server where files are created -rw-r--r--
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_backups_are_private_to_their_owner_whatever_the_umask(tmp_path, permissive_umask):
    folder = tmp_path / "backups"
    folder.mkdir(mode=0o755)
    call_command("backup", dir=folder)
    [dump] = folder.iterdir()
    assert (mode(folder), mode(dump)) == (0o700, 0o600)


@pytest.fixture
def backup_key(tmp_path, settings):
    """A key pair in a throwaway GnuPG home; the public half is the backup key."""
    home = tmp_path / "gnupg"
    home.mkdir(mode=0o700)
    gpg = ["gpg", "--batch", "--homedir", str(home), "--passphrase", ""]
    subprocess.run(
        [*gpg, "--quick-gen-key", "Clinic backups", "default", "default", "never"],
        check=True,
        capture_output=True,
    )
    public = tmp_path / "backup-key.asc"
    public.write_bytes(
        subprocess.run([*gpg, "--export", "--armor"], check=True, capture_output=True).stdout
    )
    settings.BACKUP_PUBLIC_KEY = str(public)
    yield gpg
    subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "gpg-agent"], check=False)


def test_with_a_public_key_the_backup_is_encrypted_to_it(tmp_path, backup_key, permissive_umask):
    folder = tmp_path / "backups"
    call_command("backup", dir=folder)
    [encrypted] = folder.iterdir()
    assert encrypted.name.endswith(".dump.gpg") and mode(encrypted) == 0o600
    assert not encrypted.read_bytes().startswith(b"PGDMP")  # no plain dump on disk
    plain = subprocess.run(
        [*backup_key, "--decrypt", str(encrypted)], check=True, capture_output=True
    ).stdout
    assert plain.startswith(b"PGDMP")  # pg_dump's custom format


def test_a_failed_restore_leaves_no_database_behind(tmp_path, restored_database):
    call_command("backup", dir=tmp_path)
    dump = next(tmp_path.glob("*.dump"))
    broken = tmp_path / "broken.dump"
    broken.write_bytes(dump.read_bytes()[: dump.stat().st_size // 2])
    with pytest.raises(CommandError, match="pg_restore failed"):
        call_command("restore", str(broken), database=restored_database.name)
    with restored_database.connect("postgres") as conn:
        left = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s",
            [f"{restored_database.name}%"],
        ).fetchall()
    assert left == []


def test_an_encrypted_backup_is_refused_with_how_to_decrypt_it(tmp_path):
    encrypted = tmp_path / "clinic-20261201-020000.dump.gpg"
    encrypted.write_bytes(b"not really")
    with pytest.raises(CommandError, match="gpg --decrypt"):
        call_command("restore", str(encrypted), database="never_created")
