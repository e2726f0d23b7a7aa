"""`manage.py bench`: pick the targets, serve with gunicorn, run the load process, report."""

import json
import os
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

from demo.bench import report, server, statements
from demo.bench.targets import Targets, pick_targets, staff_codes
from diaries.models import DiaryDay
from patients.models import Patient

OUT_DIR = Path(settings.VAR_DIR) / "bench"


class BenchFailed(Exception):
    pass


def warmup_seconds(seconds: float) -> float:
    """Not recorded: fills the workers' caches and connections (1 s, less for short runs)."""
    return min(1.0, max(0.1, seconds / 5))


ROUNDS = 5  # each page's seconds are split over this many rounds of every page


def build_spec(
    base_url: str,
    targets: Targets,
    codes: dict,
    *,
    seconds: float,
    concurrency: int,
    rounds: int = ROUNDS,
) -> dict:
    return {
        "base_url": base_url,
        "seconds": seconds,
        "warmup": warmup_seconds(seconds),
        "concurrency": concurrency,
        "rounds": rounds,
        "logins": {
            role: {"username": username, "password": targets.password, "totp": codes.get(username)}
            for role, username in targets.logins.items()
        },
        "pages": targets.pages(),
    }


def run_load(spec: dict, log=None, timeout: float | None = None) -> dict:
    """Run demo.bench.load in its own process; its results."""
    with tempfile.TemporaryDirectory(prefix="clinic-bench-") as work:
        spec_path, results_path = Path(work) / "spec.json", Path(work) / "results.json"
        spec_path.write_text(json.dumps(spec))  # holds the logins: deleted with the folder
        process = subprocess.run(
            [sys.executable, "-m", "demo.bench.load", str(spec_path), str(results_path)],
            cwd=settings.BASE_DIR,
            stderr=subprocess.PIPE,
            text=True,
            timeout=timeout,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        if log and process.stderr:
            log(process.stderr.rstrip())
        if process.returncode != 0:
            raise BenchFailed(f"The load process failed ({process.returncode}):\n{process.stderr}")
        return json.loads(results_path.read_text())


def git_commit() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head} (uncommitted changes)" if dirty else head


def database_meta() -> dict:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_database(), pg_size_pretty(pg_database_size(current_database()))"
        )
        name, size = cursor.fetchone()
    return {
        "database": f"{name}, {size}",
        "patients": f"{Patient.objects.count():,}",
        "diary days": f"{DiaryDay.objects.count():,}",
    }


def busiest_load() -> float:
    """The 1-minute load average above which a run is not valid: half the CPUs busy before
    the bench adds its own load (settable as BENCH_MAX_LOAD)."""
    return float(os.environ.get("BENCH_MAX_LOAD") or (os.cpu_count() or 1) / 2)


def machine_busy() -> bool:
    return os.getloadavg()[0] > busiest_load()


def meta(targets: Targets, *, seconds, concurrency, server_line: str) -> dict:
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return {
        "date": timezone.localtime().strftime("%Y-%m-%d %H:%M %Z"),
        "commit": git_commit(),
        **database_meta(),
        "seconds per page": f"{seconds:g} (after {warmup_seconds(seconds):g} s warm-up)",
        "concurrency": concurrency,
        "server": server_line,
        "CPUs": os.cpu_count(),
        "load average at start": load,
        "busiest load allowed": f"{busiest_load():.2f} (1-minute load average)",
        "trivial page": "the password-change form as the neurologist",
        **targets.describe(),
    }


def run_bench(*, seconds: float, concurrency: int, port: int, workers: int, log) -> tuple:
    """The whole benchmark; returns (rows, path of the report). A run started while the
    machine is busy is still made and written, but marked not valid."""
    targets = pick_targets()
    busy = machine_busy()
    info = meta(
        targets,
        seconds=seconds,
        concurrency=concurrency,
        server_line=f"gunicorn, {workers} sync workers, DEBUG off, 127.0.0.1:{port}",
    )
    env = server.production_env(settings.DATABASE_URL)
    server.collect_static(env, log)
    started = datetime.now()
    with (
        staff_codes([targets.logins["neurologist"], targets.logins["front_desk"]]) as codes,
        server.gunicorn(
            port=port, workers=workers, env=env, log_path=OUT_DIR / "gunicorn.log", log=log
        ) as base_url,
    ):
        spec = build_spec(base_url, targets, codes, seconds=seconds, concurrency=concurrency)
        log(
            f"Driving {len(spec['pages'])} pages for {seconds:g} s each, interleaved in "
            f"{spec['rounds']} rounds (concurrency {concurrency}), about {estimate(spec):.0f} s"
        )
        if busy:
            log(f"The machine is busy (load average {info['load average at start']}): not valid.")
        note = statements.start()  # resets the statistics of this database
        if note:
            log(note)
        results = run_load(spec, log)
        top = None if note else statements.top()
    info["ran"] = f"{(datetime.now() - started).total_seconds():.0f} s"
    info["load average at end"] = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    rows = report.summarise(results["pages"], spec["pages"], busy=busy)
    return rows, report.write(OUT_DIR, info, rows, top, note)


def estimate(spec: dict) -> float:
    return len(spec["pages"]) * (spec["seconds"] + spec["warmup"]) + 5
