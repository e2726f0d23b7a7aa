"""The job runner: procrastinate, on the clinic's own PostgreSQL (no broker, no Redis).

Each app defines its jobs in its own `tasks.py` with `task` or `periodic` from here;
procrastinate's Django app imports every installed app's `tasks` module when Django starts,
so the kernel never imports the apps above it. `manage.py procrastinate worker` (`make worker`)
runs them; administrators see every job and its events in the admin, under *Procrastinate*.

Why several workers on several hosts are safe:
- a worker takes a job with `SELECT … FOR UPDATE SKIP LOCKED` and marks it doing in the same
  statement, so each job is run by one worker;
- each worker defers the periodic jobs itself, and a unique constraint on (task, tick) in
  `procrastinate_periodic_defers` lets only the first deferral of a tick make a job;
- a job that raises is retried (`RETRY`), then marked failed, and kept for the admin;
- around each job the worker closes Django's connections that are broken or past their age,
  as Django does around a request (procrastinate's `DjangoApp`), so a database restart costs
  at most one retried job.
Jobs should still be idempotent (reminders are: each is sent once whatever runs it).

Jobs are deferred on the request's own connection, so a deferral joins its transaction; the
worker waits for jobs on a connection of its own, to the `jobs` alias (JOBS_DATABASE_URL:
straight to PostgreSQL even when the app goes through PgBouncer, whose transaction mode
cannot LISTEN; clinic/databases.py).
"""

from collections.abc import Callable
from datetime import UTC, datetime

from procrastinate import App, PsycopgConnector, RetryStrategy
from procrastinate.contrib.django import app
from procrastinate.contrib.django.django_connector import DjangoConnector
from procrastinate.contrib.django.utils import connector_params

from clinic.databases import JOBS

# Up to 5 retries after the first failure, waiting 5 s, 25 s, 2 min, 10 min and 52 min.
RETRY = RetryStrategy(max_attempts=5, exponential_wait=5)


def task(*, name: str, retry=RETRY, **options) -> Callable:
    """Register a job: `@jobs.task(name="app.what")`; defer it with `.defer(**kwargs)`, which
    joins the caller's transaction (a rolled-back request defers nothing)."""
    return app.task(name=name, retry=retry, **options)


def periodic(*, cron: str, name: str, **options) -> Callable:
    """Register a job deferred once per tick of `cron` (evaluated in UTC) whatever the number
    of workers. The job is called with `timestamp`, the tick's Unix time (see `tick_time`)."""

    def register(func):
        return app.periodic(cron=cron, periodic_id=name)(task(name=name, **options)(func))

    return register


def tick_time(timestamp: int) -> datetime:
    """The instant a periodic job is for: jobs take their time from it, never the wall clock."""
    return datetime.fromtimestamp(timestamp, tz=UTC)


class ClinicConnector(DjangoConnector):
    """Procrastinate's Django connector, whose worker connects to the `jobs` alias."""

    def get_worker_connector(self) -> PsycopgConnector:
        return PsycopgConnector(kwargs=connector_params(JOBS))


def connect_worker_directly(clinic_app: App) -> None:
    """PROCRASTINATE_ON_APP_READY: deferrals stay on `default` (the caller's transaction);
    `manage.py procrastinate worker` asks this connector for the worker's."""
    clinic_app.connector = clinic_app.job_manager.connector = ClinicConnector(alias="default")
