"""Run queued jobs inside a test, as a worker would (workers themselves: test_jobs.py)."""

from django.db import connection
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinateJob


def run_queued_jobs() -> int:
    """Run every queued job here, in the test's own transaction, then remove it from the queue,
    so a test that is not transactional sees what the job did. Returns how many ran."""
    queued = list(
        ProcrastinateJob.objects.filter(status="todo")
        .order_by("id")
        .values_list("id", "task_name", "args")
    )
    for _, task_name, args in queued:
        app.tasks[task_name](**args)
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM procrastinate_jobs WHERE id = ANY(%s)", [[pk for pk, _, _ in queued]]
        )
    return len(queued)
