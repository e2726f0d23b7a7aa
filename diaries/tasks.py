"""Jobs of the diary, run by the job runner (clinic/jobs.py)."""

from clinic import jobs
from diaries.imports import import_diary
from diaries.nudges import nudges_queue, nudges_send

__all__ = ["import_diary", "send_nudges"]  # big CSV imports (diaries/imports.py)


@jobs.periodic(cron="*/15 * * * *", name="diaries.send_nudges")
def send_nudges(timestamp: int) -> str:
    """Every 15 minutes, on the grid of the times patients choose: the diary reminders whose
    time has come, each once; what failed is tried again on the next run."""
    now = jobs.tick_time(timestamp)
    queued = nudges_queue(now=now)
    return f"{queued} new diary reminders, {nudges_send(now=now)}"
