"""The job runner on real PostgreSQL: several workers at once run each job once, defer each
periodic tick once, retry a failing job and then show it failed in the admin."""

import asyncio
import threading
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from procrastinate import PsycopgConnector, RetryStrategy
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinateJob
from procrastinate.contrib.django.utils import connector_params
from procrastinate.manager import JobManager
from procrastinate.periodic import PeriodicRegistry

from clinic import jobs
from clinic.roles import Role
from clinic.sms import read_sent
from scheduling import tasks as scheduling_tasks
from scheduling.models import Reminder
from tests.clock import NOON
from tests.factories import AppointmentFactory, PatientFactory, UserFactory

# Workers are threads with their own connections and the real clock (procrastinate schedules
# retries by it); transactional, so that they see what the test wrote.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.real_clock]


@pytest.fixture(autouse=True)
def empty_queue(monkeypatch):
    """Jobs close their connections when they end (none is left open at the test database's
    teardown); procrastinate's tables are not Django-managed, so the test flush leaves them:
    empty them."""
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    yield
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE procrastinate_jobs, procrastinate_events, procrastinate_periodic_defers, "
            "procrastinate_workers CASCADE"
        )


runs: list[tuple[int, str]] = []  # (n, worker) for each run of `record`
runs_lock = threading.Lock()


@jobs.task(name="tests.jobs.record", pass_context=True)
def record(context, n: int) -> None:
    time.sleep(0.02)  # long enough for the other worker to be fetching at the same time
    with runs_lock:
        runs.append((n, context.worker_name))


failures: list[int] = []


@jobs.task(name="tests.jobs.always_fails", retry=RetryStrategy(max_attempts=2))
def always_fails() -> None:
    failures.append(1)
    raise RuntimeError("the mail server is down")


def run_workers(count: int = 2) -> None:
    """Run `count` workers at once, each in its own thread with its own connection pool, until
    the queue is empty."""
    start = threading.Barrier(count)

    def work(n: int) -> None:
        worker_app = app.with_connector(app.connector.get_worker_connector())  # the `jobs` alias
        worker_app.periodic_registry = PeriodicRegistry()  # the real clock's ticks: not here
        start.wait(10)
        worker_app.run_worker(
            wait=False, install_signal_handlers=False, listen_notify=False, name=f"worker-{n}"
        )

    threads = [threading.Thread(target=work, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads)


def test_two_workers_run_each_job_of_a_batch_exactly_once():
    runs.clear()
    for n in range(30):
        record.defer(n=n)
    run_workers(2)
    assert sorted(n for n, _ in runs) == list(range(30))
    assert {worker for _, worker in runs} == {"worker-0", "worker-1"}  # both took part
    assert set(ProcrastinateJob.objects.values_list("status", flat=True)) == {"succeeded"}


def test_a_periodic_tick_deferred_by_two_workers_at_once_is_queued_once():
    tick = int(NOON.timestamp())
    task = app.tasks["scheduling.send_reminders"]
    job = task.configure(task_kwargs={"timestamp": tick}).job

    async def defer_from_two_workers():
        connectors = [PsycopgConnector(kwargs=connector_params()) for _ in range(2)]
        for connector in connectors:
            await connector.open_async()
        try:
            return await asyncio.gather(
                *(
                    JobManager(connector).defer_periodic_job(
                        job, periodic_id="scheduling.send_reminders", defer_timestamp=tick
                    )
                    for connector in connectors
                )
            )
        finally:
            for connector in connectors:
                await connector.close_async()

    ids = []  # in a thread of its own: the browser tests keep an event loop on this one
    thread = threading.Thread(target=lambda: ids.extend(asyncio.run(defer_from_two_workers())))
    thread.start()
    thread.join(30)
    assert sorted(ids, key=bool) == [None, ids[0] or ids[1]]  # one made a job, one found it
    assert ProcrastinateJob.objects.filter(task_name="scheduling.send_reminders").count() == 1


def test_a_failing_job_is_retried_then_failed_and_shown_to_administrators(client):
    failures.clear()
    always_fails.defer()
    for _ in range(3):  # a worker that finds the retry not yet due stops: start another
        run_workers(1)
    failed = ProcrastinateJob.objects.get(task_name="tests.jobs.always_fails")
    assert (len(failures), failed.status, failed.attempts) == (3, "failed", 3)  # 1 + 2 retries

    changelist = reverse("admin:procrastinate_procrastinatejob_changelist")
    client.force_login(UserFactory(role=Role.FRONT_DESK))
    assert client.get(changelist).status_code == 302  # not staff: the admin's log-in page
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get(changelist, {"status": "failed"}).content.decode()
    assert "always_fails" in page
    detail = client.get(reverse("admin:procrastinate_procrastinatejob_change", args=[failed.pk]))
    assert "RuntimeError" in detail.content.decode() or "failed" in detail.content.decode()


def test_reminders_run_by_two_workers_at_once_are_each_sent_once():
    appointments = [
        AppointmentFactory(
            patient=PatientFactory(preferred_contact="email"),
            starts_at=NOON + timedelta(days=1, minutes=20 * n),
        )
        for n in range(6)
    ]
    for _ in range(4):  # e.g. two hosts each deferring the same tick, twice
        scheduling_tasks.send_reminders.defer(timestamp=int(NOON.timestamp()))
    run_workers(2)
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        appointment.patient.email for appointment in appointments
    )
    assert Reminder.objects.filter(status=Reminder.Status.SENT).count() == 6


def test_text_message_reminders_run_by_two_workers_at_once_are_each_sent_once(settings, tmp_path):
    settings.SMS_BACKEND, settings.SMS_FILE_PATH = "clinic.sms.FileBackend", str(tmp_path)
    for n in range(6):
        AppointmentFactory(
            patient=PatientFactory(preferred_contact="sms", phone=f"07700 9000{n:02d}"),
            starts_at=NOON + timedelta(days=1, minutes=20 * n),
        )
    for _ in range(4):
        scheduling_tasks.send_reminders.defer(timestamp=int(NOON.timestamp()))
    run_workers(2)
    assert sorted(sms["to"] for sms in read_sent(tmp_path)) == [
        f"+4477009000{n:02d}" for n in range(6)
    ]
    assert Reminder.objects.filter(status=Reminder.Status.SENT, channel="sms").count() == 6


def test_reminders_wait_for_the_clinics_day():
    AppointmentFactory(starts_at=NOON + timedelta(days=1))
    night = NOON.replace(hour=3)
    assert scheduling_tasks.send_reminders(timestamp=int(night.timestamp())) == (
        "outside the clinic's day"
    )
    assert mail.outbox == []
