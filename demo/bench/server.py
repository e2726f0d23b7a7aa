"""Serve the app for `make bench` as in production: gunicorn, DEBUG off, whitenoise's
manifest, on loopback; always stopped at the end."""

import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

# Settings of the caller's environment that must not leak into the production-like server.
NOT_INHERITED = {
    "PYTEST_VERSION",
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "TEST_DATABASE_NAME",
    "TWO_FACTOR_REQUIRED_FOR_STAFF",
    "BEHIND_TLS_PROXY",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_PRELOAD",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


class ServerError(Exception):
    pass


def production_env(database_url: str) -> dict[str, str]:
    """Production settings, except plain HTTP on loopback (no TLS proxy in front) and the
    query-count header the bench reads."""
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    env.update(
        DJANGO_SETTINGS_MODULE="clinic.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url,
        QUERY_COUNT_HEADER="1",
        SESSION_COOKIE_SECURE="0",
        SECURE_SSL_REDIRECT="0",
    )
    return env


def static_is_stale() -> bool:
    """True when var/static lacks whitenoise's manifest or is older than a static file or
    the installed packages (Django admin's and crispy's static files come from them)."""
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    sources = [p for d in settings.STATICFILES_DIRS for p in Path(d).rglob("*") if p.is_file()]
    stamp = Path(settings.BASE_DIR) / ".venv" / ".installed"
    sources += [stamp] if stamp.exists() else []
    return any(path.stat().st_mtime > built for path in sources)


def collect_static(env: dict[str, str], log) -> None:
    if not static_is_stale():
        return
    log("Collecting static files into var/static (collectstatic --no-input)")
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise ServerError(f"collectstatic failed:\n{result.stderr}")


def port_in_use(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def healthy(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/healthz")
        response = connection.getresponse()
        return response.status == 200 and response.read() == b"ok"
    except OSError:
        return False
    finally:
        connection.close()


def gunicorn_command(port: int, workers: int) -> list[str]:
    script = Path(sys.executable).parent / "gunicorn"
    program = [str(script)] if script.exists() else [sys.executable, "-m", "gunicorn"]
    # no control socket: its default path is per user, and others may run gunicorn here too
    return [
        *program,
        "clinic.wsgi",
        "-b",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--no-control-socket",
    ]


@contextmanager
def gunicorn(*, port: int, workers: int, env: dict[str, str], log_path: Path, log):
    """Start gunicorn, wait for /healthz, yield its base URL; stop it whatever happens."""
    if port_in_use(port):
        raise ServerError(f"Something already listens on 127.0.0.1:{port}: choose --port.")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log(f"Starting gunicorn on 127.0.0.1:{port} with {workers} workers (log: {log_path})")
    with open(log_path, "wb") as output:
        process = subprocess.Popen(
            gunicorn_command(port, workers),
            cwd=settings.BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while not healthy(port):
                if process.poll() is not None:
                    raise ServerError(f"gunicorn exited ({process.returncode}): see {log_path}")
                if time.monotonic() > deadline:
                    raise ServerError(f"gunicorn did not answer /healthz in 60 s: see {log_path}")
                time.sleep(0.2)
            yield f"http://127.0.0.1:{port}"
        finally:
            stop(process)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)  # graceful: workers finish their request
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
